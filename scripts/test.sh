#!/usr/bin/env bash
# The test command: installs what is missing, builds with warnings as errors, checks formatting
# and the model subset, runs the unit tests (ctest) and the integration suite (pytest, real AWS
# clients against the built binary, embedded Kafka and a real Kafka broker).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
ESM_WERROR=ON scripts/build.sh
scripts/format.sh --check
if [ -f ../shared/reference/lambda-2015-03-31.json ]; then
  python3 scripts/gen_model.py --check ../shared/reference/lambda-2015-03-31.json
fi
[ -x build/tests/engine_tests ] || { echo "test.sh: the unit tests were not built" >&2; exit 1; }
(cd build && ctest --output-on-failure --timeout 300 -j2)

# The integration suite runs in ESM_TEST_WORKERS (3) pytest-xdist workers: its tests mostly wait
# on brokers and processes, each on ports and topics of its own (conftest.free_port).
# A real Kafka broker for the integration suite, stopped however this script ends.
# With it, a real Confluent-compatible schema registry (Apicurio Registry) for the schema tests.
KAFKA_RUN=$(mktemp -d /tmp/esm-kafka-test.XXXXXX)
REGISTRY_RUN=$(mktemp -d /tmp/esm-registry-test.XXXXXX)
trap 'scripts/kafka.sh stop "$KAFKA_RUN" >/dev/null 2>&1 || true
      scripts/schema_registry.sh stop "$REGISTRY_RUN" >/dev/null 2>&1 || true' EXIT
ESM_REAL_KAFKA=$(scripts/kafka.sh start "$KAFKA_RUN" | sed -n 's/^KAFKA_BOOTSTRAP=//p')
export ESM_REAL_KAFKA
export ESM_REAL_KAFKA_DIR="$KAFKA_RUN"  # secure.json: the SASL_SSL, mTLS and TLS listeners, users, certificates
ESM_SCHEMA_REGISTRY=$(scripts/schema_registry.sh start "$REGISTRY_RUN" | sed -n 's/^SCHEMA_REGISTRY_URL=//p')
export ESM_SCHEMA_REGISTRY
.venv/bin/python -m pytest -q -n "${ESM_TEST_WORKERS:-3}" -m "not serial" tests/integration "$@"
.venv/bin/python -m pytest -q -m serial tests/integration "$@"
