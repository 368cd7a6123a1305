#!/bin/sh
# Long fuzz of the eslogger decoder through the real program: rounds of mutated eslogger lines
# (cut short, members of other types, huge numbers, deep nesting, flipped and inserted bytes, NUL,
# bad escapes, repeated members, invented and oversized event names, lines over 4 MiB) replayed by
# the release build, as a file and through standard input in odd-sized chunks. Each round must
# end by itself (no hang: 120 s limit), with exit status 0 or 1 (no crash), every line accounted
# for in the summary, and the program's peak memory bounded.
#
#   fuzz/eslogger.sh [rounds] [lines per round]      default 200 rounds of 50,000 lines
#
# Failing inputs are kept in fuzz/artifacts/eslogger-*.jsonl. The shorter in-suite version is
# Tests/FileWatchCoreTests/EsloggerRobustnessTests.swift (1,000,000 lines).
set -eu
cd "$(dirname "$0")/.."
swift build -c release --product filewatcher >/dev/null
mkdir -p fuzz/artifacts
exec python3 fuzz/eslogger_fuzz.py .build/release/filewatcher Tests/Fixtures/eslogger "${1:-200}" "${2:-50000}"
