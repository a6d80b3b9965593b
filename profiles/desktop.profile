# desktop: safe, plus the caller's display and sound sockets, /dev/dri, fonts, and the network
#
# Each socket is bound only if it is there.  Without XDG_RUNTIME_DIR the
# runtime directory is /run/user/UID; without WAYLAND_DISPLAY the socket is
# wayland-0; without XAUTHORITY the cookie is ~/.Xauthority.

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
