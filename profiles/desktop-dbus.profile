# desktop-dbus: desktop, plus the D-Bus session bus (a trust decision)

--preset desktop
--ro-bind-try ${XDG_RUNTIME_DIR:-/run/user/${UID}}/bus ${XDG_RUNTIME_DIR:-/run/user/${UID}}/bus
