#!/bin/sh
# Runs the Promela models beside proc's explore benchmarks: SPIN
# (Debian package spin) and a C compiler. Prints SPIN's own report.
set -e
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
here=$(cd "$(dirname "$0")" && pwd)
model() {
    name=$1; shift
    cp "$here/$1" "$dir/"; file=$1; shift
    (cd "$dir" && spin -a "$@" "$file" >/dev/null && cc -O2 -DSAFETY -DMEMLIM=4096 -o pan pan.c && 
        start=$(date +%s.%N) && ./pan -m100000 >out.txt 2>&1; end=$(date +%s.%N);
        printf '%s: ' "$name"; grep -E 'states, stored|states, matched|errors:|elapsed time' out.txt | tr -s ' \n' ' '; 
        echo "wall $(echo "$end - $start" | bc) s")
}
model counter-3x3 counter.pml -DN=3 -DK=3
model counter-4x2 counter.pml -DN=4 -DK=2
# SPIN takes minutes on this one (90 million states):
# model counter-2x100 counter.pml -DN=2 -DK=100
model philosophers-5 philosophers.pml
