# build: safe, plus the current directory read-write

--preset safe
--cwd-bind rw
