#!/usr/bin/env bash
# `print -x` against a real XML parser (xmllint, from libxml2-utils) over many fuzzed trails: the
# generator of Tests/BSMTests/XMLWellFormednessTests (hostile strings, damaged records), at scale.
#   fuzz/xml.sh [runs] [seed]      default: 1,000,000 trails, a random seed
# Malformed documents (and their trails) are kept in /tmp/fw-xml-malformed-*; the seed reproduces them.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v xmllint >/dev/null || { echo "xmllint is missing: apt-get install libxml2-utils" >&2; exit 1; }
RUNS="${1:-1000000}"; SEED="${2:-$RANDOM$RANDOM}"
echo "xml fuzz: $RUNS trails, seed $SEED"
swift build --build-tests >/dev/null
FILEWATCHER_XML_FUZZ_RUNS="$RUNS" FILEWATCHER_XML_FUZZ_SEED="$SEED" \
    swift test --skip-build --filter 'XMLWellFormednessTests/printedXMLIsWellFormedForFuzzedTrails'
