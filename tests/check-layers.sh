#!/bin/sh
# The app's layers, each a folder, arrows only downwards:
#   render/ <- output/ <- window/ <- cmd/ <- main.c, with core/ under all.
# Fails naming the file and the include when a file includes a header of
# a layer above its own (or of a layer it may not see).
app=${1:?usage: check-layers.sh APP_DIR CORE_DIR}
core=${2:?usage: check-layers.sh APP_DIR CORE_DIR}
status=0
allowed() { # layer -> the folders its includes may come from
    case $1 in
        render) echo "render" ;;
        output) echo "render output" ;;
        window) echo "render output window" ;;
        cmd) echo "render output window cmd" ;;
        main) echo "cmd" ;;
    esac
}
check() { # file layer
    for h in $(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$1"); do
        [ -f "$core/$h" ] && continue
        [ "$h" = config.h ] && continue
        found=""
        for layer in $(allowed "$2"); do
            [ -f "$app/$layer/$h" ] && found=$layer
        done
        if [ -z "$found" ]; then
            echo "$1 (layer $2) includes \"$h\", which is not in core/ or a layer below it"
            status=1
        fi
    done
}
for layer in render output window cmd; do
    for f in "$app/$layer"/*.c "$app/$layer"/*.h; do
        [ -e "$f" ] && check "$f" "$layer"
    done
done
for f in "$app"/*.c; do
    [ -e "$f" ] && check "$f" main
done
exit $status
