#!/usr/bin/env bash
# The out-of-tree strategy path (issue 12), from the release build: install the SDK into a clean
# prefix, build examples/strategy-template against it as a project of its own (as a trader's
# repository would), and replay the sample recording with that strategy loaded from the built
# shared library. Fails on any step; prints how many decisions the strategy made.
#   cmake --build --preset release && scripts/sdk-package.sh
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
build=$root/build/release
prefix=$root/out/sdk-prefix
example_build=$root/out/strategy-template-build
config=$root/out/example-config.toml
decisions=$root/out/example-decisions.jsonl

[[ -x $build/engine/app/torghut ]] || { echo "sdk-package: build the release preset first" >&2; exit 1; }
# The strategy library must be built by the engine's compiler (one C++ ABI, one libstdc++).
cxx=$(sed -n 's/^CMAKE_CXX_COMPILER:[A-Z]*=//p' "$build/CMakeCache.txt")

echo "sdk-package: cmake --install -> $prefix"
rm -rf "$prefix" "$example_build"
cmake --install "$build" --prefix "$prefix" >/dev/null

echo "sdk-package: configure and build examples/strategy-template against it"
# Only the prefix: the example must not see the source tree or the build tree.
cmake -S examples/strategy-template -B "$example_build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_FIND_PACKAGE_NO_PACKAGE_REGISTRY=ON \
  >/dev/null
cmake --build "$example_build" -j "${JOBS:-1}"
lib=$example_build/libmy_strategy.so
[[ -f $lib ]] || { echo "sdk-package: $lib was not built" >&2; exit 1; }
# It exports its entry point and keeps its copy of the SDK to itself.
exports=$(nm -D --defined-only "$lib" | awk '{print $3}')
if [[ $exports != torghut_strategy_descriptor ]]; then
  echo "sdk-package: $lib exports more than torghut_strategy_descriptor:" >&2
  echo "$exports" | head -20 >&2
  exit 1
fi

echo "sdk-package: torghut replay data/sample.rec with the strategy from $lib"
sed "s|^library = .*|library = \"$lib\"|" examples/strategy-template/config.toml > "$config"
grep -q "^library = \"$lib\"" "$config" || { echo "sdk-package: no library line in the example config" >&2; exit 1; }
rm -f "$decisions"
rc=0
"$build/engine/app/torghut" replay data/sample.rec --config "$config" --decisions "$decisions" || rc=$?
if ((rc != 0)); then
  echo "sdk-package: the replay failed (exit $rc)" >&2
  exit 1
fi
made=$(grep -c '"kind":"decision"' "$decisions" 2>/dev/null || true)
echo "sdk-package: the out-of-tree strategy made ${made:-0} decisions ($decisions)"
if [[ ${made:-0} -eq 0 ]]; then
  echo "sdk-package: no decisions: the library's strategy did not trade on the sample" >&2
  exit 1
fi
