#!/usr/bin/env bash
# Runs cmd/atriumsoak: `scripts/soak.sh soak [flags]` (make soak) or
# `scripts/soak.sh multi [flags]` (make multi).  Flags go to atriumsoak (-h lists
# them).
#
# The soak makes a private PostgreSQL cluster of its own (fsync on, data under
# /var/tmp, a free loopback port; removed at the end), so it needs PostgreSQL's server
# programs (/usr/lib/postgresql/*/bin): scripts/ensure-postgres.sh --server-programs
# installs them when missing and we are root on Debian.  multi also needs haproxy
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

scripts/ensure-postgres.sh --server-programs
if [ "$mode" = multi ]; then
	ATRIUM_SKIP_LB= scripts/ensure-haproxy.sh
fi

bindir=$(mktemp -d)
trap 'rm -rf -- "$bindir"' EXIT
go build -o "$bindir/atriumsoak" ./cmd/atriumsoak
# -limit stops the run from inside; timeout is the backstop.
timeout --signal=INT --kill-after=60s 30m "$bindir/atriumsoak" -mode "$mode" "$@"
