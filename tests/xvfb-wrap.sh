#!/bin/sh
# Runs a window test or benchmark under its own X server: xvfb-run -a
# picks a free display, so it runs next to other tests and on machines
# without a desktop. With no Xvfb at all the test is skipped (TAP plan
# with SKIP, exit 77), never passed.
if ! command -v xvfb-run >/dev/null 2>&1 || ! command -v Xvfb >/dev/null 2>&1; then
    echo "1..0 # SKIP xvfb-run/Xvfb not installed (apt-get install xvfb)"
    exit 77
fi
unset SDL_VIDEODRIVER WAYLAND_DISPLAY
exec xvfb-run -a -s "-screen 0 1920x1200x24 -nolisten tcp" "$@"
