#!/usr/bin/env bash
# Installs what is missing, builds, and runs the emulator with the given flags, e.g.
#   scripts/run.sh --embedded-kafka --function orders=http://127.0.0.1:8080/
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh >&2
scripts/build.sh >&2
exec build/server/esm-emulator "$@"
