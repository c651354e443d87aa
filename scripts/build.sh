#!/usr/bin/env bash
# Configures and builds into build/ (RelWithDebInfo). ESM_WERROR=ON turns warnings into errors,
# ESM_SANITIZE=address,undefined or thread builds with sanitizers (into build-<name>/).
set -euo pipefail
cd "$(dirname "$0")/.."
dir=build
[ -z "${ESM_SANITIZE:-}" ] || dir="build-${ESM_SANITIZE//,/-}"
cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE="${ESM_BUILD_TYPE:-RelWithDebInfo}" \
  -DESM_WERROR="${ESM_WERROR:-OFF}" -DESM_SANITIZE="${ESM_SANITIZE:-}" >/dev/null
ninja -C "$dir" -j"${ESM_JOBS:-2}"
