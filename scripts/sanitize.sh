#!/usr/bin/env bash
# The unit tests and the integration suite again, on a Debug build with sanitizers: any report
# fails the run. ESM_SANITIZE picks them: address,undefined (the default: ASan with leaks, and
# UBSan) or thread (TSan; librdkafka's C11 threads are routed through pthreads for it, see
# tests/tsan/c11_threads.cpp, and races inside the uninstrumented librdkafka are suppressed,
# tests/tsan/tsan.supp). Builds into build-<sanitizers>/; expects scripts/setup.sh to have run;
# starts its own real Kafka broker. Arguments go to pytest.
#   scripts/sanitize.sh                      ASan+UBSan
#   ESM_SANITIZE=thread scripts/sanitize.sh  TSan
set -euo pipefail
cd "$(dirname "$0")/.."
SANITIZE="${ESM_SANITIZE:-address,undefined}"
ESM_SANITIZE="$SANITIZE" ESM_BUILD_TYPE=Debug ESM_WERROR=ON scripts/build.sh
dir="build-${SANITIZE//,/-}"
# detect_stack_use_after_return: a handler run after the frame it writes to returned (an
# abandoned exchange on a reused event loop, tests/engine/invoker_test.cpp) is reported too.
export ASAN_OPTIONS=detect_leaks=1:halt_on_error=1:detect_stack_use_after_return=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export LSAN_OPTIONS="suppressions=$PWD/tests/lsan.supp"
# TSan: report and go on (the emulator's log is checked for reports by every test; a process
# that reported exits 66, failing its unit test).
export TSAN_OPTIONS="suppressions=$PWD/tests/tsan/tsan.supp halt_on_error=0 second_deadlock_stack=1"
(cd "$dir" && ctest --output-on-failure --timeout 900 -j2)
KAFKA_RUN=$(mktemp -d /tmp/esm-kafka-san.XXXXXX)
REGISTRY_RUN=$(mktemp -d /tmp/esm-registry-san.XXXXXX)
trap 'scripts/kafka.sh stop "$KAFKA_RUN" >/dev/null 2>&1 || true
      scripts/schema_registry.sh stop "$REGISTRY_RUN" >/dev/null 2>&1 || true' EXIT
ESM_REAL_KAFKA=$(scripts/kafka.sh start "$KAFKA_RUN" | sed -n 's/^KAFKA_BOOTSTRAP=//p')
export ESM_REAL_KAFKA
export ESM_REAL_KAFKA_DIR="$KAFKA_RUN"  # secure.json: the SASL_SSL, mTLS and TLS listeners, users, certificates
ESM_SCHEMA_REGISTRY=$(scripts/schema_registry.sh start "$REGISTRY_RUN" | sed -n 's/^SCHEMA_REGISTRY_URL=//p')
export ESM_SCHEMA_REGISTRY
ESM_BINARY="$PWD/$dir/server/esm-emulator" .venv/bin/python -m pytest -q -n "${ESM_TEST_WORKERS:-2}" -m "not serial" tests/integration "$@"
ESM_BINARY="$PWD/$dir/server/esm-emulator" .venv/bin/python -m pytest -q -m serial tests/integration "$@"
