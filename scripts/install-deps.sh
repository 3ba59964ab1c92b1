#!/usr/bin/env bash
# Installs every build, test and runtime dependency of torghut from Debian's packages.
# Idempotent: packages already present are skipped, so re-running is cheap.
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build pkg-config git ca-certificates
  clang libclang-rt-14-dev            # libFuzzer + sanitizer runtimes for the fuzz target
  libcaf-dev                          # CAF 0.17 (control plane actors)
  libboost1.81-dev                    # Boost.Beast / Asio (header-only parts)
  libpqxx-dev libpq-dev               # libpqxx 6.4
  libconcurrentqueue-dev libreaderwriterqueue-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libssl-dev
  libsimdjson-dev                     # JSON frame decoding
  libxxhash-dev                       # XXH3-128 for decision hashes
  libspdlog-dev libfmt-dev libcli11-dev libtomlplusplus-dev
  postgresql postgresql-client
  valgrind python3
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#PACKAGES[@]} packages already installed"
  exit 0
fi

SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
echo "install-deps: installing ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
