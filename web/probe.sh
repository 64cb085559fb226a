#!/usr/bin/env bash
# Builds the web probe (web/probe/) with meson and the cross file web/deps.sh writes,
# after making sure the libraries are in the cache.
#
#   bash web/probe.sh [CACHE_DIR]      -> build-web-probe/probe.{html,js,wasm,data}
#   node tests/web/browser-test.mjs    tests it in headless chromium
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cache=${1:-${MASKSCOPE_WEB_CACHE:-$HOME/.cache/maskscope-web}}
out=$repo/build-web-probe

bash "$repo/web/deps.sh" "$cache"
cache=$(cd "$cache" && pwd)
if [[ ! -f $out/build.ninja ]]; then
    meson setup "$out" "$repo/web/probe" --cross-file "$cache/emscripten.cross" >"$out.setup.log" 2>&1 ||
        { cat "$out.setup.log" >&2; exit 1; }
    rm -f "$out.setup.log"
fi
ninja -C "$out" -j 2
ls -l "$out"/probe.{html,js,wasm,data}
