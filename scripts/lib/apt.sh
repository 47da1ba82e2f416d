# shellcheck shell=bash
# Installing Debian packages for the scripts that need a program (sourced, not run).
# The script sourcing it defines log (one line to stderr).

# apt_can_install: true when we are root and apt-get is there.
apt_can_install() {
	[ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1
}

# apt_busy: true while an apt or dpkg process runs.
apt_busy() {
	local f c
	for f in /proc/[0-9]*/comm; do
		c=$(cat -- "$f" 2>/dev/null) || continue
		case $c in apt | apt-get | aptitude | dpkg | unattended-upgr) return 0 ;; esac
	done
	return 1
}

# apt_wait: waits (10 minutes at most) for an apt or dpkg run in progress to finish;
# it may be installing the very package we want.
apt_wait() {
	local i
	for i in $(seq 1 120); do
		apt_busy || return 0
		if [ "$i" = 1 ]; then log "waiting for another apt/dpkg process to finish"; fi
		sleep 5
	done
}

# apt_install [apt-get install option...] PACKAGE...: when apt_can_install, waits for
# apt_wait, updates the package lists (three tries) and installs; fails otherwise.
# apt-get's output goes to stderr.
apt_install() {
	local i a pkgs=()
	apt_can_install || return 1
	apt_wait
	for a in "$@"; do
		case $a in -*) ;; *) pkgs+=("$a") ;; esac
	done
	log "installing ${pkgs[*]} with apt-get"
	for i in 1 2 3; do
		if apt-get -o DPkg::Lock::Timeout=600 update >&2; then break; fi
		log "apt-get update failed (try $i)"
		sleep 10
	done
	DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y "$@" >&2
}
