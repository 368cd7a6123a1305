#!/bin/sh
# eslogger decoding benchmark: N eslogger open/close lines (macOS 15 shape, ~1.9 KB each, from
# bench/eslogger-gen.py) replayed through filewatcher to JSON Lines and to text, with jq and
# Python's json module on the same file in the same run as peers. Prints hyperfine's Markdown tables.
#
#   bench/eslogger-bench.sh [lines] [runs]        default 1000000 lines, 5 runs
#
# Needs: python3, hyperfine, jq (apt-get install hyperfine jq), swift. The generated file is kept in
# /var/tmp (ESLOGGER_BENCH_FILE to choose another place).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
n=${1:-1000000}
runs=${2:-5}
data=${ESLOGGER_BENCH_FILE:-/var/tmp/fw-eslogger-$n.jsonl}
[ -s "$data" ] || python3 "$here/eslogger-gen.py" "$n" "$data"
(cd "$repo" && swift build -c release --product filewatcher >/dev/null)
fw="$repo/.build/release/filewatcher"
md=$(mktemp); trap 'rm -f "$md"' EXIT
echo "input: $data ($(wc -c < "$data") bytes, $(wc -l < "$data") lines); $(nproc) CPUs; load $(cut -d' ' -f1-3 /proc/loadavg)"
hyperfine --warmup 1 --runs "$runs" --export-markdown "$md" \
    -n "filewatcher --read (eslogger) --format json -a" "$fw --read $data --format json -a --no-summary > /dev/null" \
    -n "filewatcher --read (eslogger) -a (text)" "$fw --read $data -a --no-summary --color never > /dev/null"
cat "$md"
hyperfine --runs 1 --export-markdown "$md" \
    -n "jq -c projection (peer)" "jq -c '{time, event: (.event|keys[0]), pid: .process.audit_token.pid, path: (.event[].file.path // .event[].target.path)}' $data > /dev/null" \
    -n "python3 json.loads per line (peer, parse only)" "python3 -c 'import json,sys
for l in open(sys.argv[1], \"rb\"): json.loads(l)' $data"
cat "$md"
