# xeyes: the X11 demo on the caller's display; no network, no file of HOME

--preset desktop
--unshare-net

-- /usr/bin/xeyes
