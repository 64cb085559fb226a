#!/bin/sh
# Fails when any file under core/ includes an SDL header: the core is pure C.
dir=${1:?usage: check-core-no-sdl.sh CORE_DIR}
hits=$(grep -rnE '^[[:space:]]*#[[:space:]]*include[[:space:]]*[<"](SDL|SDL2/)' "$dir" --include='*.c' --include='*.h')
if [ -n "$hits" ]; then
    echo "core/ includes SDL headers:" >&2
    echo "$hits" >&2
    exit 1
fi
# the check itself must see the files it guards
count=$(find "$dir" -name '*.[ch]' | wc -l)
[ "$count" -gt 0 ] || { echo "no core sources found in $dir" >&2; exit 1; }
echo "1..1"
echo "ok 1 - $count core files, none includes SDL"
