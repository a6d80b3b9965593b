# net: the host's network again (as --share-net)

--share-net
