#!/usr/bin/env bash
# Installs what is missing for it, builds it, and runs the emulator with the given flags, e.g.
#   scripts/run.sh --embedded-kafka --function orders=http://127.0.0.1:8080/
set -euo pipefail
cd "$(dirname "$0")/.."
# Only what running needs: the emulator's own target, not the tests (nor their toolchain).
scripts/setup.sh --run >&2
ESM_TARGETS=esm-emulator scripts/build.sh >&2
exec build/server/esm-emulator "$@"
