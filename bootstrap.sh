#!/bin/sh
# Build hutch and run a demo sandbox.
#
# As root, this first installs the build and test dependencies from
# Debian's archive.  Then: ./autogen.sh && ./configure && make, and a demo
# sandbox that shows what it sees inside.
set -eu
cd "$(dirname "$0")"

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "== installing build and test dependencies (apt-get)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >/dev/null
  apt-get install -y -q --no-install-recommends \
    build-essential autoconf automake pkg-config \
    libcap-dev libselinux1-dev libseccomp-dev \
    bats parallel bubblewrap iproute2 procps psmisc util-linux python3 passt \
    uidmap \
    clang libclang-rt-14-dev valgrind \
    scdoc mandoc groff-base bash-completion zsh fish strace \
    xvfb x11-apps x11-utils >/dev/null
fi

echo "== building"
./autogen.sh >/dev/null 2>&1
./configure ${CONFIGURE_FLAGS:-} | sed -n '/^  hutch/,$p'
make -j"$(nproc 2>/dev/null || echo 2)" >/dev/null

echo "== demo: a read-only view of /, new namespaces, a fresh /proc, /dev and /tmp"
./hutch --ro-bind / / --unshare-all --hostname hutch-demo \
  --proc /proc --dev /dev --tmpfs /tmp --die-with-parent -- /bin/sh -c '
  echo "pid:      $$"
  echo "hostname: $(hostname)"
  echo "uid:      $(id -u) ($(id -un 2>/dev/null || echo "?"))"
  if touch /usr/.hutch-probe 2>/dev/null; then echo "root:     writable"; else echo "root:     read-only"; fi
  echo "network:  $(awk -F: "NR > 2 { gsub(/ /, \"\", \$1); printf \"%s%s\", sep, \$1; sep = \" \" }" /proc/net/dev)"
  echo "caps:     $(grep CapEff /proc/self/status | cut -f2)"
'
echo "== done: ./hutch is built; run the tests with: make check"
