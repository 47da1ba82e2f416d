#!/usr/bin/env bash
# Makes sure a Chromium for the browser tests is installed: $ATRIUM_CHROMIUM
# if set, else /usr/bin/chromium.  When missing and we are root on Debian, it
# installs Debian's chromium package (waiting for any apt/dpkg run already in
# progress, which may be installing it right now).
set -euo pipefail

log() { printf 'ensure-chromium: %s\n' "$*" >&2; }

DEFAULT=/usr/bin/chromium

found() {
	if [ -n "${ATRIUM_CHROMIUM:-}" ] && [ -x "$ATRIUM_CHROMIUM" ]; then
		log "using $ATRIUM_CHROMIUM"
		return 0
	fi
	if [ -x "$DEFAULT" ]; then
		if [ -n "${ATRIUM_CHROMIUM:-}" ]; then
			log "ATRIUM_CHROMIUM=$ATRIUM_CHROMIUM is not an executable; $DEFAULT exists"
		else
			log "using $DEFAULT"
		fi
		return 0
	fi
	return 1
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
	log "Chromium not found at ${ATRIUM_CHROMIUM:-$DEFAULT}: install the chromium package or set ATRIUM_CHROMIUM"
	exit 1
fi

# Another apt/dpkg run may be installing it already: let it finish first.
for i in $(seq 1 120); do
	apt_busy || break
	if [ "$i" = 1 ]; then log "waiting for another apt/dpkg process to finish"; fi
	sleep 5
done
if found; then exit 0; fi

log "installing chromium with apt-get"
for i in 1 2 3; do
	if apt-get -o DPkg::Lock::Timeout=600 update >&2; then break; fi
	log "apt-get update failed (try $i)"
	sleep 10
done
DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y chromium >&2 || true

if found; then exit 0; fi
log "Chromium not found at ${ATRIUM_CHROMIUM:-$DEFAULT} after installing: install the chromium package or set ATRIUM_CHROMIUM"
exit 1
