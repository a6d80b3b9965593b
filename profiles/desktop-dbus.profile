# desktop-dbus: desktop without the filter, plus the whole D-Bus session bus (a trust decision)
#
# The lines of desktop.profile but its filtered bus, then the caller's bus.

--preset safe
--x11-socket
--ro-bind-try ${XAUTHORITY:-${HOME}/.Xauthority} ${XAUTHORITY:-${HOME}/.Xauthority}
--ro-bind-try ${XDG_RUNTIME_DIR:-/run/user/${UID}}/${WAYLAND_DISPLAY:-wayland-0} \
              ${XDG_RUNTIME_DIR:-/run/user/${UID}}/${WAYLAND_DISPLAY:-wayland-0}
--ro-bind-try ${XDG_RUNTIME_DIR:-/run/user/${UID}}/pipewire-0 \
              ${XDG_RUNTIME_DIR:-/run/user/${UID}}/pipewire-0
--ro-bind-try ${XDG_RUNTIME_DIR:-/run/user/${UID}}/pulse/native \
              ${XDG_RUNTIME_DIR:-/run/user/${UID}}/pulse/native
--dev-bind-try /dev/dri /dev/dri
--ro-bind-try ${HOME}/.fonts ${HOME}/.fonts
--ro-bind-try ${HOME}/.local/share/fonts ${HOME}/.local/share/fonts
--ro-bind-try ${HOME}/.cache/fontconfig ${HOME}/.cache/fontconfig
--ro-bind-try ${HOME}/.icons ${HOME}/.icons
--share-net
--ro-bind-try ${XDG_RUNTIME_DIR:-/run/user/${UID}}/bus ${XDG_RUNTIME_DIR:-/run/user/${UID}}/bus
