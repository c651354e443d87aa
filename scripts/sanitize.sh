#!/usr/bin/env bash
# The unit tests and the integration suite again, on a Debug build with AddressSanitizer and
# UndefinedBehaviorSanitizer (leaks included): any report fails the run. Expects scripts/setup.sh
# to have run; starts its own real Kafka broker.
set -euo pipefail
cd "$(dirname "$0")/.."
ESM_SANITIZE=address,undefined ESM_BUILD_TYPE=Debug ESM_WERROR=ON scripts/build.sh
export ASAN_OPTIONS=detect_leaks=1:halt_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
(cd build-address-undefined && ctest --output-on-failure --timeout 600)
KAFKA_RUN=$(mktemp -d /tmp/esm-kafka-san.XXXXXX)
trap 'scripts/kafka.sh stop "$KAFKA_RUN" >/dev/null 2>&1 || true' EXIT
ESM_REAL_KAFKA=$(scripts/kafka.sh start "$KAFKA_RUN" | sed -n 's/^KAFKA_BOOTSTRAP=//p')
export ESM_REAL_KAFKA
export ESM_REAL_KAFKA_DIR="$KAFKA_RUN"  # secure.json: the SASL_SSL, mTLS and TLS listeners, users, certificates
ESM_BINARY="$PWD/build-address-undefined/server/esm-emulator" .venv/bin/python -m pytest -q tests/integration "$@"
