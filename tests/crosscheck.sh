#!/bin/sh
# Recomputes maskscope's dumps in PyTorch and compares its prints with
# PyTorch's. Skips (77) when Debian's python3-torch is not installed.
bin=${1:?usage: crosscheck.sh MASKSCOPE_BIN SOURCE_ROOT}
root=${2:?usage: crosscheck.sh MASKSCOPE_BIN SOURCE_ROOT}
py=/usr/bin/python3
if ! "$py" -c 'import torch' 2>/dev/null; then
    echo "SKIP: $py cannot import torch (apt-get install python3-torch)"
    exit 77
fi
exec "$py" "$root/tests/crosscheck.py" "$bin" "$root"
