#!/usr/bin/env bash
# Runs every libFuzzer target for N seconds each (default 20) from its seed corpus.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-20}
found=0
for f in build/fuzz/tests/fuzz/fuzz_*; do
  [[ -x "$f" ]] || continue
  found=1
  name=$(basename "$f")
  corpus="tests/fuzz/corpus/${name#fuzz_}"
  [[ -d "$corpus" ]] || corpus="tests/fuzz/corpus"
  work=$(mktemp -d)
  cp -r "$corpus"/. "$work"/ 2>/dev/null || true
  echo "fuzz: $name for ${secs}s"
  "$f" -max_total_time="$secs" -print_final_stats=1 "$work" 2>&1 | tail -n 8
  rm -rf "$work"
done
if [[ $found == 0 ]]; then echo "fuzz: no fuzz targets built" >&2; exit 1; fi
