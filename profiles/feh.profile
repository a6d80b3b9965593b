# feh: an image viewer on the caller's display, images of the current directory read-only; no network, nothing else of HOME

--preset desktop
# A viewer needs no network: the display's socket file is enough.
--unshare-net

-- /usr/bin/feh
