#!/bin/sh
# Regenerates the snapshots the memory preview draws: one file NAME-STEP.json
# per line "NAME STEP" of LIST, the machine of examples/NAME.proc at STEP.
# Run from anywhere: sh web/testdata/snapshots/update.sh
set -e
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
cd "$root"
go build -o "$here/.proc" ./cmd/proc
trap 'rm -f "$here/.proc"' EXIT
while read -r name step; do
	[ -n "$name" ] || continue
	"$here/.proc" run --json --snapshot-at="$step" "examples/$name.proc" | tail -1 >"$here/$name-$step.json"
done <"$here/LIST"
