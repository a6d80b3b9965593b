# wget: downloads into the current directory (writable) over the host's network; nothing else of HOME

--preset build
--preset net

-- /usr/bin/wget
