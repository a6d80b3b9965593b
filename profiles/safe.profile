# safe: every namespace (no network), system directories read-only, fresh /dev /proc /tmp /var/tmp /run, empty HOME, cwd read-only, new session, default seccomp policy
#
# What `hutch -- COMMAND` gets when no file-system option is given, and
# the base of the other shipped profiles.  Options given after it add to
# it or override it.

--unshare-all
--new-session
--die-with-parent
--hostname hutch
--seccomp-policy-try default

# The system, read-only.  /bin, /sbin, /lib...: the host's symbolic links
# into /usr (merged /usr), else read-only binds.
--ro-bind-try /usr /usr
--ro-bind-try /etc /etc
--ro-bind-try /opt /opt
--system-links

# Fresh kernel interfaces and scratch directories.
--dev /dev
--proc /proc
--tmpfs /tmp
--tmpfs /var/tmp
--tmpfs /run

# An empty HOME at the same path; the current directory read-only and the
# working directory, unless it holds HOME or is a system directory.
--tmpfs ${HOME}
--cwd-bind ro
