#!/bin/sh
# Runs a window test or benchmark under its own X server: xvfb-run -a
# picks a free display, so it runs next to other tests and on machines
# without a desktop. With no Xvfb at all the test is skipped, never
# passed: a TAP test (run with --tap) gets an empty plan with SKIP, which
# meson counts as skipped only with exit status 0; anything else exits 77.
if ! command -v xvfb-run >/dev/null 2>&1 || ! command -v Xvfb >/dev/null 2>&1; then
    for a in "$@"; do
        if [ "$a" = "--tap" ]; then
            echo "1..0 # SKIP xvfb-run/Xvfb not installed (apt-get install xvfb xauth)"
            exit 0
        fi
    done
    echo "skipped: xvfb-run/Xvfb not installed (apt-get install xvfb xauth)" >&2
    exit 77
fi
unset SDL_VIDEODRIVER WAYLAND_DISPLAY
exec xvfb-run -a -s "-screen 0 1920x1200x24 -nolisten tcp" "$@"
