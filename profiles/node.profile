# node: Node.js on a script of the current directory (writable); no network, nothing else of HOME

--preset build
--unsetenv NODE_OPTIONS
--unsetenv NODE_PATH

-- /usr/bin/node
