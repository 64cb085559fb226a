#!/usr/bin/env bash
# Builds maskscope's libraries for the web (wasm32-emscripten) from Debian's own source
# packages, into a cache outside the checkout, and writes a meson cross file for them.
#
#   bash web/deps.sh [CACHE_DIR]     default: $MASKSCOPE_WEB_CACHE or ~/.cache/maskscope-web
#
# Installs what is missing first: emscripten, cmake, ninja, meson, pkg-config, dpkg-dev, node
# and npm (failing if it cannot), and chromium for the browser tests (only warning if it
# cannot; MASKSCOPE_CHROMIUM naming another browser binary skips it).
#
# Prints one line per library: "cached" or "built (N s)". A second run with nothing
# changed takes seconds and needs no network.
#
# What it used when it was written (Debian 12, bookworm):
#   emscripten 3.1.6~dfsg-5 (Debian's, with its prebuilt, frozen system-library cache:
#   no ports, so -sUSE_SDL=2 / -sUSE_ZLIB cannot work offline),
#   emcmake cmake 3.25.1 with the Ninja generator (ninja 1.11.1) for all but zlib, whose
#   Debian source only builds with its own ./configure (emconfigure + emmake make);
#   meson 1.0.1 for the cross file;
#   sources: libsdl2 2.26.5+dfsg-1, libsdl2-ttf 2.20.1+dfsg-2, freetype 2.12.1+dfsg-5+deb12u4,
#   cjson 1.7.15-1+deb12u4, zlib 1:1.2.13.dfsg-1. (libpng was built too until maskscope
#   wrote its PNGs on zlib alone; its mirror listed a source version it answered 404
#   for: see fetch, which still handles that.)
#
# Cache layout (CACHE_DIR):
#   src/<package>_<version>/   the unpacked Debian source (patches applied by dpkg-source)
#   build/<lib>/               cmake build tree of the last build
#   prefix/<lib>/              what that library installs: include/, lib/lib*.a
#   pkgconfig/*.pc             hand-written, relocatable (${pcfiledir}), static .a paths
#   stamps/<lib>               the key the prefix was built with
#   logs/<lib>.log             full output of the last build
#   emscripten.cross           meson cross file with this cache's absolute paths
#
# A library is rebuilt when its key changes: SCRIPT_VERSION, the source package version,
# the emscripten package version, the text of its recipe function and of the shared
# helpers, and the keys of the libraries it builds on.
set -euo pipefail

SCRIPT_VERSION=1
JOBS=2                                    # the machine has 2 cores shared with other builds
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cache=${1:-${MASKSCOPE_WEB_CACHE:-$HOME/.cache/maskscope-web}}
mkdir -p "$cache"
cache=$(cd "$cache" && pwd)

# Debian's emcc needs acorn from Debian's node modules for its JS passes
export NODE_PATH=/usr/share/nodejs${NODE_PATH:+:$NODE_PATH}

# one table row per library, in build order: name, Debian source package, what it builds on
LIBS=(zlib freetype cjson sdl2 sdl2_ttf)
declare -A SRC_PKG=([zlib]=zlib [freetype]=freetype [cjson]=cjson
                    [sdl2]=libsdl2 [sdl2_ttf]=libsdl2-ttf)
declare -A NEEDS=([freetype]="zlib" [sdl2_ttf]="sdl2 freetype")

say() { printf '%s\n' "$*"; }
die() { printf 'web/deps.sh: %s\n' "$*" >&2; exit 1; }

# ---------------------------------------------------------------------------- tools

install_missing() {
    local pkgs=(emscripten cmake ninja-build meson pkg-config dpkg-dev) missing=() p updated=0
    # node and npm may come from elsewhere than Debian (they do on this machine)
    command -v node >/dev/null || pkgs+=(nodejs)
    command -v npm >/dev/null || pkgs+=(npm)
    for p in "${pkgs[@]}"; do
        installed "$p" || missing+=("$p")
    done
    if ((${#missing[@]})); then
        say "installing ${missing[*]}"
        as_root apt-get update -qq
        updated=1
        DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends \
            "${missing[@]}" >/dev/null
    fi
    # chromium only runs the browser tests: where it cannot be installed (an architecture
    # or mirror without it) the page still builds, and the tests say they skipped
    if ! installed chromium && [[ -z ${MASKSCOPE_CHROMIUM:-} ]]; then
        say "installing chromium (for the browser tests)"
        ((updated)) || as_root apt-get update -qq || true
        DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends \
            chromium >/dev/null || say "chromium could not be installed: the browser tests will skip"
    fi
}

installed() { [[ $(dpkg-query -W -f='${Status}' "$1" 2>/dev/null) == 'install ok installed' ]]; }

as_root() { if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi; }

# deb-src entries for the Debian mirror(s) the machine already uses, once
ensure_deb_src() {
    # (not `apt-cache | grep -q`: with pipefail, grep quitting early fails the pipe)
    [[ $(apt-cache showsrc --only-source zlib 2>/dev/null) == *Package:* ]] && return 0
    local d=/etc/apt/sources.list.d stanzas lines deb822 oneline
    deb822=($(compgen -G "$d/*.sources")) || true
    oneline=($(compgen -G "/etc/apt/sources.list") $(compgen -G "$d/*.list")) || true
    # deb822 files: each stanza whose Types has deb (not deb-src) and whose URIs are Debian's
    stanzas=$(((${#deb822[@]})) || exit 0; awk 'BEGIN { RS = ""; ORS = "\n\n" }
        {
            n = split($0, line, "\n"); types = ""; uris = ""
            for (i = 1; i <= n; i++) {
                if (line[i] ~ /^Types:/) types = line[i]
                if (line[i] ~ /^URIs:/) uris = line[i]
            }
            if (types ~ /deb/ && types !~ /deb-src/ && uris ~ /debian/) {
                out = ""
                for (i = 1; i <= n; i++)
                    out = out (line[i] ~ /^Types:/ ? "Types: deb-src" : line[i]) (i < n ? "\n" : "")
                print out
            }
        }' "${deb822[@]}")
    # one-line files
    lines=$(((${#oneline[@]})) || exit 0; sed -n 's/^deb \(.*debian.*\)$/deb-src \1/p' "${oneline[@]}")
    [[ -n $stanzas$lines ]] || die "no Debian apt source found to derive a deb-src entry from"
    say "adding deb-src entries for the Debian mirror in $d/maskscope-deb-src.*"
    [[ -z $stanzas ]] || printf '%s\n' "$stanzas" | as_root tee $d/maskscope-deb-src.sources >/dev/null
    [[ -z $lines ]] || printf '%s\n' "$lines" | as_root tee $d/maskscope-deb-src.list >/dev/null
    as_root apt-get update -qq
}

# ---------------------------------------------------------------------------- sources

# the source package's versions the apt lists know, newest first
versions_of() {
    apt-cache showsrc --only-source "$1" | awk '/^Version:/ { print $2 }' | sort -u | sort_versions_desc
}

sort_versions_desc() {
    local list=() v i j t
    mapfile -t list
    for ((i = 1; i < ${#list[@]}; i++)); do            # insertion sort: a handful of items
        for ((j = i; j > 0; j--)); do
            dpkg --compare-versions "${list[j]}" gt "${list[j-1]}" || break
            t=${list[j]}; list[j]=${list[j-1]}; list[j-1]=$t
        done
    done
    ((${#list[@]})) && printf '%s\n' "${list[@]}"
}

# Sets SRC_DIR and SRC_VERSION for a source package: the newest version already unpacked
# in the cache or fetchable. A version the mirror refused once is remembered as
# src/<pkg>_<version>.unavailable and skipped (delete the file to try it again).
fetch() {
    local pkg=$1 v dir
    SRC_DIR=; SRC_VERSION=
    while read -r v; do
        dir=$cache/src/${pkg}_${v/:/%}
        if [[ -f $dir/.unpacked ]]; then
            SRC_DIR=$(find "$dir" -mindepth 1 -maxdepth 1 -type d | head -n1); SRC_VERSION=$v; return 0
        fi
        [[ -f $dir.unavailable ]] && continue
        rm -rf "$dir"; mkdir -p "$dir"
        if (cd "$dir" && apt-get source -qq --only-source "$pkg=$v") >"$dir.log" 2>&1; then
            # keep the unpacked tree, not the tarballs it came from
            find "$dir" -mindepth 1 -maxdepth 1 -type f -delete
            touch "$dir/.unpacked"; rm -f "$dir.log"
            SRC_DIR=$(find "$dir" -mindepth 1 -maxdepth 1 -type d | head -n1); SRC_VERSION=$v; return 0
        fi
        say "  $pkg $v: the mirror did not give its source; trying an older version" >&2
        rm -rf "$dir"; mv "$dir.log" "$dir.unavailable"
    done < <(versions_of "$pkg")
    die "could not fetch any source version of $pkg (see $cache/src/${pkg}_*.unavailable)"
}

# "1:1.2.13.dfsg-1" -> "1.2.13"
upstream_version() {
    local v=${1#*:}
    v=${v%-*}; v=${v%%+*}; v=${v%.dfsg}
    printf '%s\n' "$v"
}

# ---------------------------------------------------------------------------- helpers

# configure, build and install one cmake project into its own prefix
cmake_build() {
    local src=$1; shift
    emcmake cmake -S "$src" -B "$BUILD" -G Ninja \
        -DCMAKE_BUILD_TYPE=MinSizeRel \
        -DCMAKE_INSTALL_PREFIX="$PREFIX" -DCMAKE_INSTALL_LIBDIR=lib \
        -DCMAKE_FIND_ROOT_PATH="$cache/prefix" \
        -DBUILD_SHARED_LIBS=OFF -DCMAKE_POSITION_INDEPENDENT_CODE=OFF \
        "$@"
    cmake --build "$BUILD" -j "$JOBS"
}

# write_pc NAME VERSION "REQUIRES" "CFLAGS" "LIBS": a relocatable .pc for this library's
# prefix. Libs name the .a files by path: emcc may turn -lSDL2 into its SDL2 port.
write_pc() {
    mkdir -p "$cache/pkgconfig"
    cat >"$cache/pkgconfig/$1.pc" <<EOF
# written by web/deps.sh for the wasm32-emscripten build of $LIB
prefix=\${pcfiledir}/../prefix/$LIB
includedir=\${prefix}/include
libdir=\${prefix}/lib

Name: $1
Description: $1 built from Debian's source package ${SRC_PKG[$LIB]} $SRC_VERSION for emscripten
Version: $2
Requires: $3
Cflags: $4
Libs: $5
EOF
}

# ---------------------------------------------------------------------------- recipes
# Each runs with LIB, SRC_DIR, SRC_VERSION, BUILD (empty) and PREFIX (empty) set, and
# writes the library's .pc files.

build_zlib() {
    # Debian's zlib source drops win32/, which zlib's CMakeLists.txt needs even off
    # Windows (win32/zlib1.rc), so zlib goes through its own configure script, as Debian
    # builds it; it only builds in its source folder, hence the copy
    cp -a "$SRC_DIR/." "$BUILD/"
    (cd "$BUILD" && emconfigure ./configure --static --prefix="$PREFIX" &&
        emmake make -j "$JOBS" libz.a && emmake make install)
    write_pc zlib "$(upstream_version "$SRC_VERSION")" "" '-I${includedir}' '${libdir}/libz.a'
}

build_freetype() {
    # with our zlib: without one FreeType compiles its own copy into ftgzip.c, and its
    # inflate* symbols then clash with zlib's at the link
    cmake_build "$SRC_DIR" -DFT_DISABLE_HARFBUZZ=ON -DFT_DISABLE_BZIP2=ON -DFT_DISABLE_PNG=ON \
        -DFT_DISABLE_BROTLI=ON -DFT_DISABLE_ZLIB=OFF -DFT_REQUIRE_ZLIB=ON \
        -DZLIB_INCLUDE_DIR="$cache/prefix/zlib/include" -DZLIB_LIBRARY="$cache/prefix/zlib/lib/libz.a"
    cmake --install "$BUILD"
    # freetype2.pc carries libtool's version (24.x for 2.12), which is what users compare
    local v
    v=$(awk '/^Version:/ { print $2 }' "$PREFIX/lib/pkgconfig/freetype2.pc")
    write_pc freetype2 "$v" zlib '-I${includedir}/freetype2' '${libdir}/libfreetype.a'
}

build_cjson() {
    cmake_build "$SRC_DIR" -DENABLE_CJSON_TEST=OFF -DENABLE_CJSON_UTILS=OFF \
        -DENABLE_CUSTOM_COMPILER_FLAGS=OFF -DENABLE_TARGET_EXPORT=OFF -DENABLE_LOCALES=ON
    cmake --install "$BUILD"
    write_pc libcjson "$(upstream_version "$SRC_VERSION")" "" \
        '-I${includedir} -I${includedir}/cjson' '${libdir}/libcjson.a'
}

build_sdl2() {
    # no pthreads: a threaded build needs SharedArrayBuffer, so cross-origin isolation headers
    cmake_build "$SRC_DIR" -DSDL_SHARED=OFF -DSDL_STATIC=ON -DSDL_TEST=OFF -DSDL_TESTS=OFF \
        -DSDL_PTHREADS=OFF -DSDL_STATIC_PIC=OFF
    cmake --install "$BUILD"
    # -sUSE_SDL=0: without it emcc also links its JS SDL 1 emulation
    write_pc sdl2 "$(upstream_version "$SRC_VERSION")" "" '-I${includedir}/SDL2 -D_REENTRANT' \
        '${libdir}/libSDL2.a -sUSE_SDL=0'
}

build_sdl2_ttf() {
    cmake_build "$SRC_DIR" -DSDL2TTF_SAMPLES=OFF -DSDL2TTF_VENDORED=OFF -DSDL2TTF_HARFBUZZ=OFF \
        -DSDL2_DIR="$cache/prefix/sdl2/lib/cmake/SDL2" \
        -DFREETYPE_INCLUDE_DIRS="$cache/prefix/freetype/include/freetype2" \
        -DFREETYPE_LIBRARY="$cache/prefix/freetype/lib/libfreetype.a"
    cmake --install "$BUILD"
    write_pc SDL2_ttf "$(upstream_version "$SRC_VERSION")" "sdl2 freetype2" '-I${includedir}/SDL2' \
        '${libdir}/libSDL2_ttf.a'
}

# ---------------------------------------------------------------------------- driver

declare -A KEY

key_of() {
    local lib=$1 d
    {
        printf 'script %s\nsource %s %s\nemscripten %s\n' "$SCRIPT_VERSION" "${SRC_PKG[$lib]}" \
            "$SRC_VERSION" "$(dpkg-query -W -f='${Version}' emscripten)"
        declare -f "build_$lib" cmake_build write_pc upstream_version
        for d in ${NEEDS[$lib]:-}; do printf 'needs %s %s\n' "$d" "${KEY[$d]}"; done
    } | sha256sum | cut -c1-16
}

build_one() {
    local lib=$1 t0 log
    LIB=$lib BUILD=$cache/build/$lib PREFIX=$cache/prefix/$lib
    log=$cache/logs/$lib.log
    rm -rf "$BUILD" "$PREFIX" "$cache/stamps/$lib"
    mkdir -p "$BUILD" "$PREFIX" "$cache/logs" "$cache/stamps"
    t0=$SECONDS
    # not `if ! (build_x)`: bash ignores set -e inside a command whose status is tested
    local status=0
    set +e
    (set -e; "build_$lib") >"$log" 2>&1
    status=$?
    set -e
    if ((status != 0)); then
        tail -n 30 "$log" >&2
        die "$lib: build failed (full log: $log)"
    fi
    printf '%s\n' "${KEY[$lib]}" >"$cache/stamps/$lib"
    say "$lib: built ($((SECONDS - t0)) s)"
}

write_cross_file() {
    sed -e "s|@PKG_CONFIG_LIBDIR@|$cache/pkgconfig|g" \
        -e "s|@EMCC@|$(command -v emcc)|g" -e "s|@EMXX@|$(command -v em++)|g" \
        -e "s|@EMAR@|$(command -v emar)|g" -e "s|@EMRANLIB@|$(command -v emranlib)|g" \
        -e "s|@STRIP@|$(command -v llvm-strip-14 || command -v llvm-strip || echo llvm-strip)|g" \
        "$here/emscripten.cross.in" >"$cache/emscripten.cross.tmp"
    mv "$cache/emscripten.cross.tmp" "$cache/emscripten.cross"
}

main() {
    install_missing
    ensure_deb_src
    exec 9>"$cache/.lock"
    flock 9 || die "cannot lock $cache"
    local lib
    for lib in "${LIBS[@]}"; do
        fetch "${SRC_PKG[$lib]}"
        KEY[$lib]=$(key_of "$lib")
        if [[ -f $cache/stamps/$lib && $(<"$cache/stamps/$lib") == "${KEY[$lib]}" ]]; then
            say "$lib: cached"
        else
            build_one "$lib"
        fi
    done
    write_cross_file
    say "cross file: $cache/emscripten.cross"
}

# on one line: bash reads a script as it runs it, so an edit made meanwhile is not run
main "$@"; exit
