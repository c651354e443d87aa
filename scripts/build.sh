#!/usr/bin/env bash
# Configures and builds into build/ (RelWithDebInfo; ESM_TARGETS=esm-emulator builds only it). ESM_WERROR=ON turns warnings into errors,
# ESM_SANITIZE=address,undefined or thread builds with sanitizers (into build-<name>/).
set -euo pipefail
cd "$(dirname "$0")/.."
dir=build
[ -z "${ESM_SANITIZE:-}" ] || dir="build-${ESM_SANITIZE//,/-}"
# Only options given now are passed: a cached -Werror from scripts/test.sh stays, so switching
# between run.sh and test.sh does not rebuild everything.
opts=(-DCMAKE_BUILD_TYPE="${ESM_BUILD_TYPE:-RelWithDebInfo}" -DESM_SANITIZE="${ESM_SANITIZE:-}")
[ -z "${ESM_WERROR:-}" ] || opts+=(-DESM_WERROR="$ESM_WERROR")
cmake -S . -B "$dir" -G Ninja "${opts[@]}" >/dev/null
# ESM_TARGETS: which targets (default: all).
# shellcheck disable=SC2086
ninja -C "$dir" -j"${ESM_JOBS:-2}" ${ESM_TARGETS:-}
