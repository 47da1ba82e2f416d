#!/usr/bin/env bash
# Regenerates the templ components and fails, listing the files, if any
# *_templ.go differs from the committed version or is new and untracked:
# the generated code must be regenerated and committed with its .templ source.
# Outside a git checkout it compares against a copy made before generating.
set -euo pipefail

cd -P -- "$(dirname -- "${BASH_SOURCE[0]}")/.."

log() { printf 'check-templ-fresh: %s\n' "$*" >&2; }

list_generated() {
	find . \( -path ./.git -o -path ./.data -o -path ./bin -o -path ./node_modules \) -prune \
		-o -type f -name '*_templ.go' -print | LC_ALL=C sort
}

generate() {
	if ! go tool templ generate >&2; then
		log "go tool templ generate failed"
		exit 1
	fi
}

if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	generate
	stale=$(git status --porcelain --untracked-files=all -- '*_templ.go')
	if [ -n "$stale" ]; then
		log "generated templ code is not up to date with git; run 'go tool templ generate' and commit:"
		printf '%s\n' "$stale" >&2
		exit 1
	fi
	exit 0
fi

# Not a git checkout: snapshot, generate, compare.
snap=$(mktemp -d)
trap 'rm -rf -- "$snap"' EXIT
list_generated >"$snap/.before"
while IFS= read -r f; do
	mkdir -p -- "$snap/${f%/*}"
	cp -p -- "$f" "$snap/$f"
done <"$snap/.before"

generate

stale=
while IFS= read -r f; do
	if [ ! -f "$snap/$f" ]; then
		stale+="new      ${f#./}"$'\n'
	elif ! cmp -s -- "$f" "$snap/$f"; then
		stale+="changed  ${f#./}"$'\n'
	fi
done < <(list_generated)
if [ -n "$stale" ]; then
	log "generated templ code was not up to date; 'go tool templ generate' changed:"
	printf '%s' "$stale" >&2
	exit 1
fi
