#!/usr/bin/env bash
# setup.sh makes a machine able to grade with proc: it installs Go when
# the machine has none new enough, then builds proc and installs it.
#
# Gradescope runs it once, as root, when it builds the autograder's image,
# with the autograder's zip unpacked in /autograder/source. It may run
# again on the same machine: Go is kept when it is new enough, and proc
# is built again from the same source, so a second run changes nothing.
#
# proc is built from its source code, taken from the first of:
#   1. PROC_SRC, a folder holding proc's repository (go.mod, cmd/proc);
#   2. the folder proc-src beside this script: put a copy of the
#      repository there (git archive, or a checkout of a release tag)
#      before you zip the autograder;
#   3. PROC_REPO, a git URL, cloned at PROC_REF (a release tag such as
#      v0.1.0) into proc-src beside this script.
# Every setting can be given in the environment or edited below.
set -euo pipefail

GO_VERSION=${GO_VERSION:-1.26.8}         # the least Go that builds proc (its go.mod)
GO_ROOT=${GO_ROOT:-/usr/local/go}        # where Go is installed if missing
PROC_SRC=${PROC_SRC:-}
PROC_REPO=${PROC_REPO:-}                 # e.g. https://example.org/course/proc.git
PROC_REF=${PROC_REF:-}                   # e.g. v0.1.0
PROC_BINDIR=${PROC_BINDIR:-/usr/local/bin}

here=$(cd "$(dirname "$0")" && pwd)
export PATH=$PATH:$GO_ROOT/bin

# go_ok reports whether the go on PATH is at least GO_VERSION.
go_ok() {
    local have
    have=$(go env GOVERSION 2>/dev/null) || return 1
    [ "$(printf '%s\n' "go$GO_VERSION" "$have" | sort -V | head -n 1)" = "go$GO_VERSION" ]
}

if go_ok; then
    echo "setup: $(go env GOVERSION) is installed"
else
    case $(uname -m) in
    x86_64) arch=amd64 ;;
    aarch64 | arm64) arch=arm64 ;;
    *) echo "setup: no Go download for $(uname -m)" >&2; exit 1 ;;
    esac
    echo "setup: installing go$GO_VERSION in $GO_ROOT"
    tmp=$(mktemp)
    curl -fsSL -o "$tmp" "https://go.dev/dl/go$GO_VERSION.linux-$arch.tar.gz"
    rm -rf "$GO_ROOT"
    mkdir -p "$GO_ROOT"
    tar -C "$GO_ROOT" --strip-components=1 -xzf "$tmp"
    rm -f "$tmp"
    go_ok || { echo "setup: go$GO_VERSION did not install" >&2; exit 1; }
fi

src=$PROC_SRC
if [ -z "$src" ]; then
    src=$here/proc-src
    if [ -n "$PROC_REPO" ]; then
        if [ -z "$PROC_REF" ]; then
            echo "setup: PROC_REPO needs PROC_REF, the release tag to build" >&2
            exit 1
        fi
        if [ -d "$src/.git" ]; then
            git -C "$src" fetch --quiet --depth 1 origin "refs/tags/$PROC_REF:refs/tags/$PROC_REF"
            git -C "$src" checkout --quiet "refs/tags/$PROC_REF"
        else
            git clone --quiet --depth 1 --branch "$PROC_REF" "$PROC_REPO" "$src"
        fi
    fi
fi
if [ ! -f "$src/go.mod" ] || [ ! -d "$src/cmd/proc" ]; then
    echo "setup: no proc source in $src: set PROC_SRC, copy the repository to proc-src, or set PROC_REPO and PROC_REF" >&2
    exit 1
fi

echo "setup: building proc from $src into $PROC_BINDIR"
mkdir -p "$PROC_BINDIR"
(cd "$src" && GOBIN=$PROC_BINDIR go install ./cmd/proc)
"$PROC_BINDIR/proc" version
