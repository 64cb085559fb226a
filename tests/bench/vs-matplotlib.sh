#!/bin/sh
# One 1080p frame the two ways, timed as whole processes with farm-bench
# (min / median / max, paired runs): maskscope export against the
# notebook user's torch + matplotlib route (tests/bench/matplotlib_route.py).
# Usage: tests/bench/vs-matplotlib.sh build/app/maskscope [RUNS]
set -eu
bin=${1:?usage: vs-matplotlib.sh MASKSCOPE_BIN [RUNS]}
runs=${2:-7}
here=$(cd "$(dirname "$0")" && pwd)
if ! command -v farm-bench >/dev/null 2>&1; then echo "skipped: farm-bench is not installed" >&2; exit 77; fi
if ! /usr/bin/python3 -c 'import matplotlib, torch' 2>/dev/null; then
    echo "skipped: /usr/bin/python3 needs python3-matplotlib and python3-torch" >&2
    exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
SDL_VIDEODRIVER=dummy MASKSCOPE_DATA_DIR=${MASKSCOPE_DATA_DIR:-$here/../../assets} \
farm-bench -n "$runs" --vs "/usr/bin/python3 $here/matplotlib_route.py $tmp/mpl.png" -- \
    "$bin" export --mode combined --step masked --size 1920x1080 -q -o "$tmp/frame.png"
