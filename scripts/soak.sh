#!/usr/bin/env bash
# Runs cmd/atriumsoak: `scripts/soak.sh soak [flags]` (make soak) or
# `scripts/soak.sh multi [flags]` (make multi).  Flags go to atriumsoak (-h lists
# them).
#
# The soak makes a private PostgreSQL cluster of its own (fsync on, data under
# /var/tmp, a free loopback port; removed at the end), so it needs PostgreSQL's server
# programs (/usr/lib/postgresql/*/bin): when missing and we are root on Debian, the
# postgresql package is installed.  multi also needs haproxy
# (scripts/ensure-haproxy.sh installs it).  Everything listens on 127.0.0.1 only, and
# the whole run is bounded by -limit (15 minutes by default) and by timeout(1).
set -euo pipefail

log() { printf 'soak: %s\n' "$*" >&2; }

ROOT=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)
cd -- "$ROOT"

mode=${1:-}
case $mode in
soak | multi) shift ;;
*)
	echo "usage: $0 soak|multi [atriumsoak flags]" >&2
	exit 2
	;;
esac

if [ -x /usr/local/go/bin/go ]; then PATH=$PATH:/usr/local/go/bin; fi

have_server() {
	local d
	for d in /usr/lib/postgresql/*/bin; do
		if [ -x "$d/initdb" ] && [ -x "$d/postgres" ]; then return 0; fi
	done
	[ -n "${ATRIUM_PG_BIN:-}" ] && [ -x "$ATRIUM_PG_BIN/initdb" ]
}

if ! have_server; then
	if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
		log "installing postgresql with apt-get"
		apt-get -o DPkg::Lock::Timeout=600 update >&2
		DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y postgresql >&2
	fi
	have_server || {
		log "PostgreSQL's server programs (initdb, postgres) are not installed: install the postgresql package or set ATRIUM_PG_BIN"
		exit 1
	}
fi
if [ "$mode" = multi ]; then
	ATRIUM_SKIP_LB= scripts/ensure-haproxy.sh
fi

bindir=$(mktemp -d)
trap 'rm -rf -- "$bindir"' EXIT
go build -o "$bindir/atriumsoak" ./cmd/atriumsoak
# -limit stops the run from inside; timeout is the backstop.
timeout --signal=INT --kill-after=60s 30m "$bindir/atriumsoak" -mode "$mode" "$@"
