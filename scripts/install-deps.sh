#!/bin/sh
# Installs what building and testing pipestage needs on Debian 12, when run
# as root and something is missing. Safe to run again: it skips installed
# packages and does not touch the network when nothing is missing.
set -eu

packages="build-essential autoconf automake libtool pkg-config \
liburing-dev libcurl4-openssl-dev ocl-icd-opencl-dev opencl-headers check \
clang libclang-rt-14-dev nodejs npm mawk time python3 datamash \
libpcre2-dev python3-mpmath libsqlite3-dev libssl-dev pocl-opencl-icd"

missing=""
for p in $packages; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing="$missing $p"
done
# nodejs and npm may come from outside Debian (a newer node with its own npm).
if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then
	missing=$(printf '%s\n' $missing | grep -vx -e nodejs -e npm | tr '\n' ' ')
fi
missing=$(echo $missing)
[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ]; then
	echo "install-deps: missing packages: $missing" >&2
	echo "install-deps: run as root, or: sudo apt-get install $missing" >&2
	exit 1
fi
echo "install-deps: installing $missing" >&2
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
