#!/usr/bin/env bash
# Builds maskscope as a web page into OUTDIR: index.html, index.js, index.wasm and
# index.data (the fonts and lessons). Serve the folder and open index.html:
#
#   bash web/build.sh site && python3 -m http.server -d site
#
#   bash web/build.sh OUTDIR [MESON_SETUP_ARGS...]
#
# Installs what is missing (through web/deps.sh: emscripten, cmake, meson, ninja, chromium,
# node and npm, with apt-get), builds the libraries once into a cache outside the checkout
# ($MASKSCOPE_WEB_CACHE, default ~/.cache/maskscope-web), cross-builds core/ and app/ with
# meson in build-web/ ($MASKSCOPE_WEB_BUILD), and copies the page to OUTDIR. It also runs
# `npm ci` in tests/web when its lock file changed, for the browser tests. A second run
# with nothing changed only relinks what changed.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
[[ $# -ge 1 && -n $1 && $1 != -* ]] || { echo "usage: bash web/build.sh OUTDIR [MESON_SETUP_ARGS...]" >&2; exit 2; }
out=$1; shift
cache=${MASKSCOPE_WEB_CACHE:-$HOME/.cache/maskscope-web}
build=${MASKSCOPE_WEB_BUILD:-$repo/build-web}
t0=$SECONDS

# the libraries (cached) and the cross file; installs the tools when missing
bash "$repo/web/deps.sh" "$cache"
cache=$(cd "$cache" && pwd)

# configure every time: a font or lesson added is then part of the page (~5 s)
setup=(--cross-file "$cache/emscripten.cross" --buildtype=release -Dtests=false "$@")
if [[ -f $build/build.ninja ]]; then
    meson setup --reconfigure "$build" "$repo" "${setup[@]}" >"$build.setup.log" 2>&1 ||
        { cat "$build.setup.log" >&2; exit 1; }
else
    rm -rf "$build"
    meson setup "$build" "$repo" "${setup[@]}" >"$build.setup.log" 2>&1 ||
        { cat "$build.setup.log" >&2; exit 1; }
fi
rm -f "$build.setup.log"
ninja -C "$build" -j 2 web/index.html

# the page, each file replaced whole
mkdir -p "$out"
for f in index.html index.js index.wasm index.data; do
    cp "$build/web/$f" "$out/.$f.tmp"
    mv "$out/.$f.tmp" "$out/$f"
done

# the browser tests' packages (puppeteer-core), when tests/web's lock file is not the one
# they were installed from
web_tests=$repo/tests/web
lock=$(sha256sum <"$web_tests/package-lock.json")
if [[ ! -f $web_tests/node_modules/.installed-from || $(<"$web_tests/node_modules/.installed-from") != "$lock" ]]; then
    if (cd "$web_tests" && npm ci --no-audit --no-fund --loglevel=error); then
        printf '%s\n' "$lock" >"$web_tests/node_modules/.installed-from"
    else
        echo "web/build.sh: npm ci in tests/web failed: the page is built, the browser tests cannot run" >&2
    fi
fi

for f in index.html index.js index.wasm index.data; do
    printf '%-11s %9d bytes, %8d gzipped\n' "$f" "$(stat -c %s "$out/$f")" "$(gzip -9c "$out/$f" | wc -c)"
done
echo "web/build.sh: $out/index.html in $((SECONDS - t0)) s; serve it with: python3 -m http.server -d $out"
