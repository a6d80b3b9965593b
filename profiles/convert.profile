# convert: ImageMagick's convert on untrusted images of the current directory, written next to them; no network, nothing else of HOME

--preset build
# Debian's ImageMagick (another convert may come first in PATH).

-- /usr/bin/convert
