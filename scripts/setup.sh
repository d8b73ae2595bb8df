#!/usr/bin/env bash
# Installs every Debian package hoptrace needs to build, test and benchmark, and the npm packages of
# the interop and UI tests (cli/tests/interop, ui/tests). Idempotent: apt and npm are only touched when something is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  build-essential cmake ninja-build pkg-config git lld
  clang-format clang-tidy
  libgtest-dev libgmock-dev libbenchmark-dev
  libprotobuf-dev protobuf-compiler libgrpc++-dev protobuf-compiler-grpc
  libboost-dev libsimdjson-dev libzstd-dev libxxhash-dev zlib1g-dev
  libcli11-dev libyaml-cpp-dev libsqlite3-dev
  libabsl-dev  # flat_hash_map/set: the store's ID indexes and the cut's small tables
  chromium clickhouse-server clickhouse-client
  nodejs
)

install_debian_packages() {
  local missing=()
  for pkg in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
      missing+=("$pkg")
    fi
  done
  # Debian's nodejs comes without npm; other builds of nodejs (which conflict with Debian's npm) bring it.
  if ! command -v npm >/dev/null 2>&1; then missing+=(npm); fi

  if [ ${#missing[@]} -eq 0 ]; then
    echo "setup: all ${#packages[@]} packages present"
    return 0
  fi

  echo "setup: installing ${missing[*]}"
  local sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -qq
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

# `npm ci` from a folder's committed lock, only when node_modules is missing or was installed from
# another version of the lock: the OpenTelemetry JS SDK for cli/tests/e2e, playwright-core for ui/tests.
install_node_modules() {
  local dir=$1
  local stamp="$dir/node_modules/.installed-from-lock.sha256"
  local want
  want=$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    echo "setup: node modules of $dir present"
    return 0
  fi
  echo "setup: npm ci in $dir"
  (cd "$dir" && npm ci --no-audit --no-fund --no-update-notifier --ignore-scripts --loglevel=error)
  echo "$want" > "$stamp"
}

install_debian_packages
install_node_modules cli/tests/interop
install_node_modules ui/tests
