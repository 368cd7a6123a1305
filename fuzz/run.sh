#!/usr/bin/env bash
# Builds the libFuzzer target (BSM framing + decoding + printing) and runs it.
#   fuzz/run.sh [runs] [extra libFuzzer args...]     default: 10,000,000 runs, 1 worker
# The corpus lives in fuzz/corpus (seeded from encoder-made records by the test suite's fixtures
# and any ../shared/samples trails); crashes land in fuzz/artifacts/.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS="${1:-10000000}"; shift || true
mkdir -p .build/fuzz fuzz/corpus fuzz/artifacts
swiftc -sanitize=fuzzer,address -parse-as-library -O -swift-version 6 \
    -module-name BSMFuzz Sources/BSM/*.swift fuzz/FuzzEntry.swift -o .build/fuzz/bsm-fuzz
# Seed the corpus with real trails when they are around (2 option bytes, then the trail).
if [ -d ../shared/samples ] && [ -z "$(ls -A fuzz/corpus)" ]; then
    i=0
    for f in ../shared/samples/*.bsm ../shared/samples/openbsm-reference/*; do
        for m in '\x00\xff' '\x19\x07' '\x2a\x10' '\x8c\x40'; do
            { printf "$m"; cat "$f"; } > "fuzz/corpus/seed-$i"; i=$((i+1))
        done
    done
fi
exec .build/fuzz/bsm-fuzz -runs="$RUNS" -max_len=512 -artifact_prefix=fuzz/artifacts/ "$@" fuzz/corpus
