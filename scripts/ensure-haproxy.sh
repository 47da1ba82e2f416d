#!/usr/bin/env bash
# Makes sure the load balancer of the multi-instance tests and `make multi` is
# installed where internal/balancer looks: $ATRIUM_HAPROXY if set, else
# /usr/sbin/haproxy, else haproxy on PATH.  When missing and we are root on Debian,
# it installs Debian's haproxy package (waiting for any apt/dpkg run already in
# progress).  The tests start their own haproxy on a free loopback port
# with a generated configuration; the package's own service is not used, and when
# the package's installation started it (no systemd: its init script), it is stopped
# again.
#
# With ATRIUM_SKIP_LB=1 a missing haproxy is not an error (the tests then skip the
# balancer); without it, the tests fail when haproxy is missing.
set -euo pipefail

log() { printf 'ensure-haproxy: %s\n' "$*" >&2; }

DEFAULT=/usr/sbin/haproxy

# found: haproxy is there where internal/balancer.Find looks: $ATRIUM_HAPROXY (a path
# or a name on PATH), else /usr/sbin/haproxy, else haproxy on PATH.
found() {
	local p
	if [ -n "${ATRIUM_HAPROXY:-}" ]; then
		if p=$(command -v -- "$ATRIUM_HAPROXY"); then
			log "using $p"
			return 0
		fi
		missing "ATRIUM_HAPROXY=$ATRIUM_HAPROXY is not a program"
	fi
	if [ -x "$DEFAULT" ]; then
		log "using $DEFAULT"
		return 0
	fi
	if p=$(command -v haproxy); then
		log "using $p"
		return 0
	fi
	return 1
}

missing() {
	if [ "${ATRIUM_SKIP_LB:-}" = 1 ]; then
		log "$1 (ATRIUM_SKIP_LB=1: the multi-instance tests skip the balancer)"
		exit 0
	fi
	log "$1"
	exit 1
}

# shellcheck source=lib/apt.sh
. "$(dirname -- "${BASH_SOURCE[0]}")/lib/apt.sh"

if found; then exit 0; fi

if ! apt_can_install; then
	missing "haproxy not found ($DEFAULT, or on PATH): install the haproxy package or set ATRIUM_HAPROXY"
fi

apt_wait
if found; then exit 0; fi

apt_install --no-install-recommends haproxy || true

# Without systemd the package's init script may have started haproxy with its default
# configuration (no listeners): stop it, the tests run their own.  It was not
# running before, since the package was not installed.
if [ ! -d /run/systemd/system ] && [ -x /etc/init.d/haproxy ]; then
	/etc/init.d/haproxy stop >/dev/null 2>&1 || true
fi

if found; then exit 0; fi
missing "haproxy not found ($DEFAULT, or on PATH) after installing: install the haproxy package or set ATRIUM_HAPROXY"
