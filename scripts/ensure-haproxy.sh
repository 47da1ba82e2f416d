#!/usr/bin/env bash
# Makes sure the load balancer of the multi-instance tests and `make multi` is
# installed: $ATRIUM_HAPROXY if set, else /usr/sbin/haproxy.  When missing and we are
# root on Debian, it installs Debian's haproxy package (waiting for any apt/dpkg run
# already in progress).  The tests start their own haproxy on a free loopback port
# with a generated configuration; the package's own service is not used, and when
# the package's installation started it (no systemd: its init script), it is stopped
# again.
#
# With ATRIUM_SKIP_LB=1 a missing haproxy is not an error (the tests then skip the
# balancer); without it, the tests fail when haproxy is missing.
set -euo pipefail

log() { printf 'ensure-haproxy: %s\n' "$*" >&2; }

DEFAULT=/usr/sbin/haproxy

found() {
	if [ -n "${ATRIUM_HAPROXY:-}" ] && [ -x "$ATRIUM_HAPROXY" ]; then
		log "using $ATRIUM_HAPROXY"
		return 0
	fi
	if [ -x "$DEFAULT" ]; then
		log "using $DEFAULT"
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

apt_busy() {
	local f c
	for f in /proc/[0-9]*/comm; do
		c=$(cat -- "$f" 2>/dev/null) || continue
		case $c in apt | apt-get | aptitude | dpkg | unattended-upgr) return 0 ;; esac
	done
	return 1
}

if found; then exit 0; fi

if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
	missing "haproxy not found at ${ATRIUM_HAPROXY:-$DEFAULT}: install the haproxy package or set ATRIUM_HAPROXY"
fi

for i in $(seq 1 120); do
	apt_busy || break
	if [ "$i" = 1 ]; then log "waiting for another apt/dpkg process to finish"; fi
	sleep 5
done
if found; then exit 0; fi

log "installing haproxy with apt-get"
for i in 1 2 3; do
	if apt-get -o DPkg::Lock::Timeout=600 update >&2; then break; fi
	log "apt-get update failed (try $i)"
	sleep 10
done
DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y --no-install-recommends haproxy >&2 || true

# Without systemd the package's init script may have started haproxy with its default
# configuration (no listeners): stop it, the tests run their own.  It was not
# running before, since the package was not installed.
if [ ! -d /run/systemd/system ] && [ -x /etc/init.d/haproxy ]; then
	/etc/init.d/haproxy stop >/dev/null 2>&1 || true
fi

if found; then exit 0; fi
missing "haproxy not found at ${ATRIUM_HAPROXY:-$DEFAULT} after installing: install the haproxy package or set ATRIUM_HAPROXY"
