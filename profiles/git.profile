# git: git on the repository that is the current directory (writable), with the caller's git configuration read-only; no network

--preset build
--ro-bind-try ${HOME}/.gitconfig ${HOME}/.gitconfig
--ro-bind-try ${XDG_CONFIG_HOME:-${HOME}/.config}/git ${XDG_CONFIG_HOME:-${HOME}/.config}/git
--unsetenv GIT_DIR
--unsetenv GIT_WORK_TREE

-- /usr/bin/git
