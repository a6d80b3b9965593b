# make: a build in the current directory (writable); no network, nothing else of HOME

--preset build

-- /usr/bin/make
