#!/usr/bin/env bash
# Draws a capture with `filewatcher report` and takes the picture headless Chromium shows
# (1400×2400, as the browser test does): scripts/report-screenshot.sh CAPTURE [OUT.png] [REPORT ARGS...]
#   CAPTURE  filewatcher JSON Lines or a BSM trail (or a directory of them)
#   OUT.png  default: CAPTURE.png beside the capture; the page itself is kept as OUT.html
# FILEWATCHER (default: .build/release/filewatcher, else .build/debug/filewatcher) and CHROMIUM
# (default: chromium) choose the programs.
set -euo pipefail
if [ $# -lt 1 ]; then
    echo "usage: $0 CAPTURE [OUT.png] [filewatcher report options...]" >&2
    exit 2
fi
capture=$1; shift
out=${1:-${capture%/}.png}; [ $# -gt 0 ] && shift
root=$(cd "$(dirname "$0")/.." && pwd)
fw=${FILEWATCHER:-}
if [ -z "$fw" ]; then
    for candidate in "$root/.build/release/filewatcher" "$root/.build/debug/filewatcher"; do
        [ -x "$candidate" ] && fw=$candidate && break
    done
fi
[ -n "$fw" ] || { echo "$0: build filewatcher first (swift build -c release) or set FILEWATCHER" >&2; exit 1; }
chromium=${CHROMIUM:-chromium}
command -v "$chromium" >/dev/null || { echo "$0: no $chromium (apt-get install chromium) or set CHROMIUM" >&2; exit 1; }

html=${out%.png}.html
status=0
"$fw" report "$@" -o "$html" "$capture" || status=$?   # 1: damaged input reported, the page still written
[ -s "$html" ] || exit 1
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
# --no-sandbox only as root (Chromium refuses to start its sandbox there).
sandbox=(); [ "$(id -u)" = 0 ] && sandbox=(--no-sandbox)
"$chromium" --headless "${sandbox[@]}" --disable-gpu --hide-scrollbars --no-first-run --user-data-dir="$profile" \
    --screenshot="$out" --window-size=1400,2400 "file://$(realpath "$html")" 2>/dev/null
echo "$out (page: $html)"
exit $status
