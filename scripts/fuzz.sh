#!/usr/bin/env bash
# Runs every libFuzzer target from its seed corpus (tests/fuzz/corpus/<name without fuzz_>),
# splitting N seconds (default 20) evenly between them (each gets at least 5 s).
# Usage: scripts/fuzz.sh [SECONDS] [BUILD_DIR]   (BUILD_DIR defaults to build/fuzz)
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-20}
dir=${2:-build/fuzz}
targets=()
for f in "$dir"/tests/fuzz/fuzz_*; do
  [[ -x "$f" ]] && targets+=("$f")
done
if ((${#targets[@]} == 0)); then echo "fuzz: no fuzz targets built in $dir" >&2; exit 1; fi
each=$((secs / ${#targets[@]}))
((each < 5)) && each=5
for f in "${targets[@]}"; do
  name=$(basename "$f")
  corpus="tests/fuzz/corpus/${name#fuzz_}"
  [[ -d "$corpus" ]] || corpus="tests/fuzz/corpus"
  work=$(mktemp -d)
  cp -r "$corpus"/. "$work"/ 2>/dev/null || true
  echo "fuzz: $name for ${each}s"
  # A crash makes libFuzzer exit non-zero: pipefail fails the script (the reproducer lands in
  # the current directory as crash-*).
  "$f" -max_total_time="$each" -print_final_stats=1 "$work" 2>&1 | tail -n 8
  rm -rf "$work"
done
