#!/bin/bash
# The whole test suite from a fresh clone on Debian 12, as root:
#   t/run-all.sh      (as root)
# Installs the Debian packages the suite needs (only those missing), builds
# fipd with ASan/UBSan and runs `make check` (unit suites, fuzz corpus
# replays, plugin tests, namespace integration, interop with keepalived and
# FRR, reliability).  Extra arguments go to configure.
set -euo pipefail
cd "$(dirname "$0")/.."

DEPS="build-essential autoconf automake libtool pkg-config libevent-dev
libnl-3-dev libnl-route-3-dev libinih-dev check nginx-light iproute2 curl
tcpdump python3 python3-scapy valgrind clang keepalived frr procps"
if [ "$(id -u)" = 0 ]; then
	missing=
	for p in $DEPS; do
		[ "$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null)" = installed ] ||
			missing="$missing $p"
	done
	if [ -n "$missing" ]; then
		echo "== installing:$missing"
		export DEBIAN_FRONTEND=noninteractive
		apt-get update -q
		# shellcheck disable=SC2086
		apt-get install -y -q --no-install-recommends $missing
	fi
else
	echo "not root: packages not checked, namespace tests will be skipped" >&2
fi
./autogen.sh
./configure --enable-sanitizers "$@"
make -j2
make check
