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

# shellcheck source=lib/apt.sh
. "$(dirname -- "${BASH_SOURCE[0]}")/lib/apt.sh"

if found; then exit 0; fi

if ! apt_can_install; then
	log "Chromium not found at ${ATRIUM_CHROMIUM:-$DEFAULT}: install the chromium package or set ATRIUM_CHROMIUM"
	exit 1
fi

# Another apt/dpkg run may be installing it already: let it finish first.
apt_wait
if found; then exit 0; fi

apt_install chromium || true

if found; then exit 0; fi
log "Chromium not found at ${ATRIUM_CHROMIUM:-$DEFAULT} after installing: install the chromium package or set ATRIUM_CHROMIUM"
exit 1
