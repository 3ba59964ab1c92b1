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
  prometheus                          # promtool checks /metrics and the alert rules
  chromium                            # headless browser of the live page test (tests/browser)
)

# msgpack-cxx (header-only) is only the reference bench_codec compares the hand-written msgpack
# decoder against. Debian's libmsgpack-cxx-dev depends on libboost-dev, which conflicts with
# libboost1.81-dev, so its .deb is unpacked under /opt/torghut/msgpack-cxx instead of installed
# (CMake finds it there; without it the bench builds without the reference). Idempotent.
fetch_msgpack_cxx() {
  local dest=/opt/torghut/msgpack-cxx sudo="" tmp
  [[ -f $dest/usr/include/msgpack.hpp ]] && return 0
  if [[ $(id -u) -ne 0 ]]; then sudo="sudo"; fi
  tmp=$(mktemp -d)
  chmod 755 "$tmp"  # apt-get download drops privileges to _apt when it can
  if ! (cd "$tmp" && apt-get download -qq libmsgpack-cxx-dev 2>/dev/null); then
    $sudo apt-get update -qq || true
    (cd "$tmp" && apt-get download -qq libmsgpack-cxx-dev) || {
      echo "install-deps: could not fetch libmsgpack-cxx-dev (bench_codec builds without its reference)" >&2
      rm -rf "$tmp"
      return 0
    }
  fi
  $sudo mkdir -p "$dest"
  $sudo dpkg -x "$tmp"/libmsgpack-cxx-dev_*.deb "$dest"
  rm -rf "$tmp"
  echo "install-deps: msgpack-cxx headers unpacked in $dest"
}
fetch_msgpack_cxx

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
