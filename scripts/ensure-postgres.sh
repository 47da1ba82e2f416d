#!/usr/bin/env bash
# Makes sure a PostgreSQL server is reachable and prints the DATABASE_URL to
# use (database "atrium", created if missing) as the only line on stdout.
# Everything else goes to stderr.
#
#   scripts/ensure-postgres.sh          ensure a server, print its URL
#   scripts/ensure-postgres.sh --stop   stop the private cluster, if one was made
#   scripts/ensure-postgres.sh --server-programs
#       make sure PostgreSQL's server programs (initdb, postgres) are installed, for
#       the tests and soak runs that make private clusters of their own
#       (internal/pgcluster; ATRIUM_PG_BIN names another directory); prints nothing
#
# Where the server comes from, first match wins:
#   1. DATABASE_URL set in the environment: printed unchanged.
#   2. A server answering on 127.0.0.1:5432 that lets user "postgres" in
#      without a password.
#   3. A private cluster made for this checkout, listening only on
#      127.0.0.1:${ATRIUM_PG_PORT:-54320}, trust auth, superuser "postgres".
#      Not root: data in .data/pg.  Root: initdb refuses to run as root and the
#      postgres user may not be able to enter the checkout (e.g. under /root),
#      so the data lives in /var/tmp/atrium-pg-<hash of the checkout path>,
#      owned by postgres, and .data/pg is a symlink to it.
#      PostgreSQL is installed with apt-get when missing (root on Debian).
#
# The private cluster is for development and tests: it runs with fsync off.
set -euo pipefail

# fd 3 is the real stdout and carries only the URL; all chatter goes to stderr.
exec 3>&1 1>&2

log() { printf 'ensure-postgres: %s\n' "$*"; }
die() {
	printf 'ensure-postgres: %s\n' "$*"
	exit 1
}

ROOT=$(cd -P -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)
DB_NAME=atrium
SYSTEM_PORT=5432
DEFAULT_PORT=54320
IS_ROOT=0
if [ "$(id -u)" -eq 0 ]; then IS_ROOT=1; fi

# ---------------------------------------------------------------- tools

# PostgreSQL bin directories, newest major version first.
pg_bindirs() {
	local d
	for d in /usr/lib/postgresql/*/bin; do
		if [ -d "$d" ]; then printf '%s\n' "$d"; fi
	done | sort -rV
}

# find_client NAME: a client program (psql, pg_isready) from the newest
# PostgreSQL bin directory, else from PATH.  On Debian the PATH one may be a
# wrapper that fails when no client package is installed, so it must run.
find_client() {
	local d p
	while IFS= read -r d; do
		if [ -x "$d/$1" ]; then
			printf '%s\n' "$d/$1"
			return 0
		fi
	done < <(pg_bindirs)
	if p=$(command -v "$1" 2>/dev/null) && "$p" --version >/dev/null 2>&1; then
		printf '%s\n' "$p"
		return 0
	fi
	return 1
}

# find_server_bindir [MAJOR]: prints a directory holding initdb, pg_ctl and
# postgres; for MAJOR only, if given; else the newest one.
find_server_bindir() {
	local want=${1:-} d v p
	while IFS= read -r d; do
		v=$(basename -- "$(dirname -- "$d")")
		if [ -n "$want" ] && [ "$v" != "$want" ]; then continue; fi
		if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && [ -x "$d/postgres" ]; then
			printf '%s\n' "$d"
			return 0
		fi
	done < <(pg_bindirs)
	# Otherwise initdb on PATH (possibly a symlink into a versioned directory).
	if p=$(command -v initdb 2>/dev/null); then
		d=$(dirname -- "$(readlink -f -- "$p")")
		if [ -x "$d/pg_ctl" ] && [ -x "$d/postgres" ]; then
			v=$("$d/pg_ctl" --version 2>/dev/null | awk '{print $NF}' | cut -d. -f1)
			if [ -z "$want" ] || [ "$v" = "$want" ]; then
				printf '%s\n' "$d"
				return 0
			fi
		fi
	fi
	return 1
}

# shellcheck source=lib/apt.sh
. "$ROOT/scripts/lib/apt.sh"

# ---------------------------------------------------------------- probes

# tcp_open PORT: true if something accepts TCP connections on 127.0.0.1:PORT.
tcp_open() {
	if command -v timeout >/dev/null 2>&1; then
		timeout 3 bash -c "exec 9<>/dev/tcp/127.0.0.1/$1" 2>/dev/null
	else
		bash -c "exec 9<>/dev/tcp/127.0.0.1/$1" 2>/dev/null
	fi
}

# pg_answers PORT: exit 0 if a PostgreSQL server accepts connections on
# 127.0.0.1:PORT, 1 if one answers but rejects them (starting up, shutting
# down), 2 if nothing answers.
pg_answers() {
	local isready rc
	if isready=$(find_client pg_isready); then
		rc=0
		"$isready" -q -h 127.0.0.1 -p "$1" -t 3 || rc=$?
		case $rc in 0 | 1) return "$rc" ;; *) return 2 ;; esac
	fi
	if tcp_open "$1"; then return 0; fi
	return 2
}

# psql_at PORT DB SQL: runs SQL as postgres over TCP, no password prompt.
psql_at() {
	PGCONNECT_TIMEOUT=5 PGSSLMODE=disable "$PSQL" -X -w -q -A -t -v ON_ERROR_STOP=1 \
		-h 127.0.0.1 -p "$1" -U postgres -d "$2" -c "$3" </dev/null
}

ensure_database() {
	local port=$1 exists
	exists=$(psql_at "$port" postgres "SELECT 1 FROM pg_database WHERE datname = '$DB_NAME'")
	if [ "$exists" = 1 ]; then return 0; fi
	log "creating database $DB_NAME on 127.0.0.1:$port"
	if ! psql_at "$port" postgres "CREATE DATABASE $DB_NAME"; then
		# Someone else may have created it meanwhile.
		exists=$(psql_at "$port" postgres "SELECT 1 FROM pg_database WHERE datname = '$DB_NAME'")
		[ "$exists" = 1 ] || die "could not create database $DB_NAME on 127.0.0.1:$port"
	fi
}

url_for() { printf 'postgres://postgres@127.0.0.1:%s/%s?sslmode=disable\n' "$1" "$DB_NAME"; }

# ---------------------------------------------------------------- private cluster

LINK=$ROOT/.data/pg
LOCKFILE=$ROOT/.data/.pg.lock

# Where the cluster's data lives (the target of .data/pg when root).
private_datadir() {
	local hash
	if [ "$IS_ROOT" = 1 ]; then
		hash=$(printf '%s' "$ROOT" | sha256sum | cut -c1-12)
		printf '/var/tmp/atrium-pg-%s\n' "$hash"
	else
		printf '%s\n' "$LINK"
	fi
}

# as_owner CMD...: runs CMD as the cluster's owner: when root, the owner of
# the data directory (postgres for clusters this script makes as root).
as_owner() {
	local user=postgres
	if [ "$IS_ROOT" != 1 ]; then
		env LC_ALL=C "$@"
		return
	fi
	if [ -d "${PGDATA_DIR:-}" ]; then user=$(stat -c %U -- "$PGDATA_DIR"); fi
	if [ "$user" = root ]; then user=postgres; fi
	if command -v runuser >/dev/null 2>&1; then
		(cd / && runuser -u "$user" -- env LC_ALL=C "$@")
	else
		(cd / && su "$user" -s /bin/sh -c "exec $(printf '%q ' env LC_ALL=C "$@")")
	fi
}

ensure_postgres_user() {
	if id -u postgres >/dev/null 2>&1; then return 0; fi
	log "creating system user postgres"
	useradd --system --user-group --home-dir /var/lib/postgresql --no-create-home \
		--shell /bin/sh postgres
}

# Prepares the data directory (and the .data/pg symlink when root).
prepare_datadir() {
	mkdir -p -- "$ROOT/.data"
	if [ "$IS_ROOT" = 1 ]; then
		if [ -L "$PGDATA_DIR" ]; then die "$PGDATA_DIR is a symlink; refusing to use it"; fi
		if [ ! -d "$PGDATA_DIR" ]; then
			install -d -o postgres -g postgres -m 0700 -- "$PGDATA_DIR"
		fi
		if [ "$(stat -c %U -- "$PGDATA_DIR")" != postgres ]; then
			die "$PGDATA_DIR is not owned by postgres; remove it and run again"
		fi
		chmod 0700 -- "$PGDATA_DIR"
		if [ -L "$LINK" ]; then
			if [ "$(readlink -- "$LINK")" != "$PGDATA_DIR" ]; then
				ln -sfn -- "$PGDATA_DIR" "$LINK"
			fi
		elif [ -e "$LINK" ]; then
			if rmdir -- "$LINK" 2>/dev/null; then
				ln -s -- "$PGDATA_DIR" "$LINK"
			else
				die "$LINK is a directory (made by a non-root run?); as root the cluster lives in $PGDATA_DIR: remove $LINK and run again"
			fi
		else
			ln -s -- "$PGDATA_DIR" "$LINK"
		fi
	else
		if [ -L "$LINK" ]; then
			die "$LINK is a symlink to a cluster made by root ($(readlink -- "$LINK")); run as root, or remove $LINK, or set DATABASE_URL"
		fi
		mkdir -p -- "$PGDATA_DIR"
		chmod 0700 -- "$PGDATA_DIR"
	fi
}

# Prints the postmaster's pid if our cluster is running.  After a reboot a
# stale postmaster.pid may name a pid that now belongs to another process, so
# the process must be a postgres whose working directory is our data dir.
running_pid() {
	local dir=$1 pid comm cwd real
	[ -f "$dir/postmaster.pid" ] || return 1
	pid=$(head -n 1 -- "$dir/postmaster.pid" 2>/dev/null) || return 1
	[[ $pid =~ ^[0-9]+$ ]] || return 1
	[ -d "/proc/$pid" ] || return 1
	comm=$(cat -- "/proc/$pid/comm" 2>/dev/null) || return 1
	[ "$comm" = postgres ] || return 1
	if cwd=$(readlink -- "/proc/$pid/cwd" 2>/dev/null); then
		real=$(readlink -f -- "$dir")
		[ "$cwd" = "$real" ] || return 1
	fi
	printf '%s\n' "$pid"
}

running_port() { sed -n 4p -- "$1/postmaster.pid"; }

clear_stale_pidfile() {
	local dir=$1 f
	if [ -e "$dir/postmaster.pid" ]; then
		log "removing stale $dir/postmaster.pid"
		rm -f -- "$dir/postmaster.pid"
	fi
	for f in "$dir"/.s.PGSQL.*; do
		if [ -e "$f" ] || [ -L "$f" ]; then rm -f -- "$f"; fi
	done
}

server_opts() {
	local port=$1 sockdir=$PGDATA_DIR
	# A Unix socket path must fit in 107 bytes; without one, TCP still works.
	if [ $((${#sockdir} + 20)) -gt 107 ] || [[ $sockdir == *"'"* ]]; then sockdir=; fi
	printf "%s" "-p $port -h 127.0.0.1 -k '$sockdir'"
}

# wait_ready PORT SECONDS
wait_ready() {
	local port=$1 i rc
	for ((i = 0; i < $2; i++)); do
		rc=0
		pg_answers "$port" || rc=$?
		if [ "$rc" = 0 ] && psql_at "$port" postgres 'SELECT 1' >/dev/null 2>&1; then return 0; fi
		sleep 1
	done
	return 1
}

# detached CMD...: runs CMD with no file descriptors but 0-2 (stdin from
# /dev/null).  The server lives on after this script, and must not hold the
# pipe the URL goes out on, the lock, or any pipe inherited from our caller:
# whoever reads them would wait for the server to exit.
detached() {
	(
		local fd n
		for fd in /proc/"$BASHPID"/fd/*; do
			n=${fd##*/}
			if [[ $n =~ ^[0-9]+$ ]] && [ "$n" -gt 2 ]; then eval "exec $n>&-"; fi
		done
		"$@" </dev/null
	)
}

start_cluster() {
	local port=$1 log_file=$PGDATA_DIR/server.log
	log "starting private PostgreSQL on 127.0.0.1:$port (data: $PGDATA_DIR)"
	if ! detached as_owner "$BINDIR/pg_ctl" -D "$PGDATA_DIR" -l "$log_file" -w -t 120 \
		-o "$(server_opts "$port")" start; then
		tail -n 30 -- "$log_file" || true
		die "could not start the private cluster (log: $log_file)"
	fi
}

ensure_private() {
	local want_port port pid i ver free ready_wait=60

	want_port=${ATRIUM_PG_PORT:-$DEFAULT_PORT}
	[[ $want_port =~ ^[0-9]+$ ]] || die "ATRIUM_PG_PORT must be a port number, got '$want_port'"

	mkdir -p -- "$ROOT/.data"
	if command -v flock >/dev/null 2>&1; then
		exec 9>"$LOCKFILE"
		flock -w 900 9 || die "timed out waiting for another ensure-postgres run ($LOCKFILE)"
	fi

	PGDATA_DIR=$(private_datadir)
	ver=
	if [ -s "$PGDATA_DIR/PG_VERSION" ]; then ver=$(cat -- "$PGDATA_DIR/PG_VERSION"); fi

	if ! BINDIR=$(find_server_bindir "$ver"); then
		if [ -n "$ver" ]; then
			die "the cluster in $PGDATA_DIR was made by PostgreSQL $ver, whose server programs are not installed; install them, or remove $LINK and $PGDATA_DIR to start afresh"
		fi
		apt_install postgresql || true
		BINDIR=$(find_server_bindir) ||
			die "PostgreSQL not found: install the postgresql package (initdb, pg_ctl) or set DATABASE_URL"
	fi
	PSQL=$(find_client psql) || PSQL=$BINDIR/psql
	[ -x "$PSQL" ] || die "psql not found: install the postgresql-client package or set DATABASE_URL"

	if [ "$IS_ROOT" = 1 ]; then ensure_postgres_user; fi
	prepare_datadir

	if [ ! -s "$PGDATA_DIR/PG_VERSION" ]; then
		if [ -n "$(ls -A -- "$PGDATA_DIR")" ]; then
			log "removing an incomplete cluster in $PGDATA_DIR"
			find "$PGDATA_DIR" -mindepth 1 -delete
		fi
		log "creating private cluster in $PGDATA_DIR with $BINDIR/initdb"
		as_owner "$BINDIR/initdb" -D "$PGDATA_DIR" --username=postgres --auth=trust \
			--encoding=UTF8 --locale=C --no-sync
		as_owner tee -a "$PGDATA_DIR/postgresql.conf" >/dev/null <<EOF

# Private development/test cluster made by scripts/ensure-postgres.sh.
# Speed over durability: a crash of the machine may lose or corrupt data.
listen_addresses = '127.0.0.1'
port = $want_port
max_connections = 200
fsync = off
synchronous_commit = off
full_page_writes = off
EOF
	fi

	if pid=$(running_pid "$PGDATA_DIR"); then
		port=$(running_port "$PGDATA_DIR")
		log "private cluster already running (pid $pid, port $port)"
		ready_wait=15
		if [ -n "${ATRIUM_PG_PORT:-}" ] && [ "$port" != "$ATRIUM_PG_PORT" ]; then
			log "restarting it on port $ATRIUM_PG_PORT"
			as_owner "$BINDIR/pg_ctl" -D "$PGDATA_DIR" -m fast -w stop
			start_cluster "$ATRIUM_PG_PORT"
			port=$ATRIUM_PG_PORT
		fi
	else
		clear_stale_pidfile "$PGDATA_DIR"
		port=$want_port
		if tcp_open "$port"; then
			[ -z "${ATRIUM_PG_PORT:-}" ] ||
				die "port $port (ATRIUM_PG_PORT) is used by another program; choose another port"
			free=
			for ((i = port + 1; i < port + 100; i++)); do
				if ! tcp_open "$i"; then
					free=$i
					break
				fi
			done
			[ -n "$free" ] || die "ports $port to $((port + 99)) are all in use; set ATRIUM_PG_PORT"
			log "port $port is used by another program; using $free"
			port=$free
		fi
		start_cluster "$port"
	fi

	if ! wait_ready "$port" "$ready_wait"; then
		# Running, yet not answering on 127.0.0.1 (started in another network
		# namespace, say): restart it once.
		if running_pid "$PGDATA_DIR" >/dev/null; then
			log "cluster runs but does not answer on 127.0.0.1:$port; restarting it"
			as_owner "$BINDIR/pg_ctl" -D "$PGDATA_DIR" -m fast -w stop || true
			start_cluster "$port"
			wait_ready "$port" 60 || die "private cluster does not answer on 127.0.0.1:$port (log: $PGDATA_DIR/server.log)"
		else
			die "private cluster did not start (log: $PGDATA_DIR/server.log)"
		fi
	fi

	ensure_database "$port"
	url_for "$port" >&3
}

stop_private() {
	local dir ver
	if [ -L "$LINK" ]; then
		dir=$(readlink -f -- "$LINK") || true
	else
		dir=$LINK
	fi
	if [ -z "${dir:-}" ] || [ ! -s "$dir/PG_VERSION" ]; then
		log "no private cluster in $LINK"
		return 0
	fi
	PGDATA_DIR=$dir
	if ! running_pid "$dir" >/dev/null; then
		log "private cluster in $dir is not running"
		return 0
	fi
	ver=$(cat -- "$dir/PG_VERSION")
	BINDIR=$(find_server_bindir "$ver") || die "pg_ctl for PostgreSQL $ver not found"
	log "stopping private cluster in $dir"
	as_owner "$BINDIR/pg_ctl" -D "$dir" -m fast -w stop
}

# ---------------------------------------------------------------- server programs

# have_server_programs: the server programs are where internal/pgcluster (FindBin)
# takes them from: $ATRIUM_PG_BIN if set, else a /usr/lib/postgresql/*/bin holding
# initdb and postgres.
have_server_programs() {
	local d
	if [ -n "${ATRIUM_PG_BIN:-}" ]; then
		[ -x "$ATRIUM_PG_BIN/initdb" ] && [ -x "$ATRIUM_PG_BIN/postgres" ]
		return
	fi
	while IFS= read -r d; do
		if [ -x "$d/initdb" ] && [ -x "$d/postgres" ]; then return 0; fi
	done < <(pg_bindirs)
	return 1
}

ensure_server_programs() {
	if have_server_programs; then return 0; fi
	if [ -n "${ATRIUM_PG_BIN:-}" ]; then die "ATRIUM_PG_BIN=$ATRIUM_PG_BIN holds no initdb and postgres"; fi
	apt_install postgresql || true
	have_server_programs ||
		die "PostgreSQL's server programs (initdb, postgres) are not installed: install the postgresql package or set ATRIUM_PG_BIN"
}

# ---------------------------------------------------------------- main

case ${1:-} in
--stop)
	stop_private
	exit 0
	;;
--server-programs)
	ensure_server_programs
	exit 0
	;;
"") ;;
*) die "usage: $0 [--stop | --server-programs]" ;;
esac

if [ -n "${DATABASE_URL:-}" ]; then
	printf '%s\n' "$DATABASE_URL" >&3
	exit 0
fi

rc=0
pg_answers "$SYSTEM_PORT" || rc=$?
if [ "$rc" = 1 ]; then
	# Answers but rejects connections: give a server that is starting a moment.
	for _ in $(seq 1 10); do
		sleep 1
		rc=0
		pg_answers "$SYSTEM_PORT" || rc=$?
		[ "$rc" = 1 ] || break
	done
fi
if [ "$rc" != 2 ]; then
	if ! PSQL=$(find_client psql); then
		apt_install postgresql-client || true
		PSQL=$(find_client psql) || PSQL=
	fi
	if [ -z "$PSQL" ]; then
		log "a server answers on 127.0.0.1:$SYSTEM_PORT but psql is not installed; assuming database $DB_NAME exists"
		url_for "$SYSTEM_PORT" >&3
		exit 0
	fi
	if psql_at "$SYSTEM_PORT" postgres 'SELECT 1' >/dev/null 2>&1; then
		ensure_database "$SYSTEM_PORT"
		url_for "$SYSTEM_PORT" >&3
		exit 0
	fi
	log "the server on 127.0.0.1:$SYSTEM_PORT does not let user postgres in without a password; using a private cluster"
fi

ensure_private
