#!/bin/sh
# Exports the README's pictures of frames and screens again from the
# built binary, so they always show what the code draws today:
#   sh docs/pictures.sh build/app/maskscope
# (docs/window.png is a screenshot of the window under Xvfb and
# docs/web.png the browser test's own capture; they are taken apart.)
set -eu
bin=${1:-build/app/maskscope}
here=$(cd "$(dirname "$0")" && pwd)
export SDL_VIDEODRIVER=dummy MASKSCOPE_DATA_DIR="${MASKSCOPE_DATA_DIR:-$here/../assets}"
x() { "$bin" export -q "$@"; }
x --mode combined --step weights --size 1280x720 -o "$here/frame-combined-weights.png"
for m in sliding prefix packed global sink strided cross; do
    x --mode "$m" --step mask --size 960x540 -o "$here/families/$m.png"
done
x --terms padding,causal,window=2 --step mask --size 960x540 -o "$here/families/builder.png"
x --mode bert --step corrupted --size 960x540 -o "$here/pretraining/bert-corrupted.png"
x --mode bert --step loss_mask --size 960x540 -o "$here/pretraining/bert-loss-mask.png"
x --mode t5 --step target --size 960x540 -o "$here/pretraining/t5-target.png"
x --mode combined --screen conventions --size 1120x630 -o "$here/debug-conventions.png"
x --mode bugs --step tril-for-triu --screen leaks --size 1280x720 -o "$here/debug-leaks.png"
for b in inverted-bool fp16-neg-inf mask-after-softmax no-ignore-index; do
    x --mode bugs --step "$b" --size 960x540 -o "$here/bug-$b.png"
done
if [ -d "$here/decode" ]; then
    for s in prefill decode1 alignment; do
        x --mode decode --step "$s" --size 1600x900 -o "$here/decode/$s.png" 2>/dev/null || true
    done
fi
