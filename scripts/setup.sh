#!/usr/bin/env bash
# Installs what a fresh Debian 12 machine lacks to build, run and test esm-emulator:
# Debian packages (by name), a Python venv with boto3 / AWS CLI v1 / pytest from PyPI, and the
# pinned JS SDK from the npm registry. Idempotent: a second run only checks.
#   scripts/setup.sh         everything (scripts/test.sh)
#   scripts/setup.sh --run   only what building and running the emulator needs (scripts/run.sh)
set -euo pipefail
cd "$(dirname "$0")/.."

# What building and running the emulator needs (scripts/run.sh: `setup.sh --run`), with the
# two clients of README's first loop (Debian's AWS CLI v2 and kcat); then what the tests add.
# Libraries: checked as Debian packages.
APT_PACKAGES=(
  build-essential pkg-config libboost-dev libboost-regex-dev librdkafka-dev rapidjson-dev
  libsqlite3-dev libssl-dev libavro-dev libprotobuf-dev libprotoc-dev zlib1g-dev awscli
)
# Tools: any install will do (the machine may bring its own node, python or java); Debian's
# package only when the command is missing.
TOOLS=(cmake:cmake ninja:ninja-build kcat:kcat)
if [ "${1:-}" != "--run" ]; then
  APT_PACKAGES+=(catch2)
  TOOLS+=(sqlite3:sqlite3 clang-format:clang-format python3:python3 node:nodejs npm:npm
          java:openjdk-17-jre-headless mvn:maven openssl:openssl curl:curl
          prometheus:prometheus promtool:prometheus chromium:chromium
          autoreconf:autoconf automake:automake libtoolize:libtool)  # aws-lambda-ric's native build
fi
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
for t in "${TOOLS[@]}"; do
  command -v "${t%%:*}" >/dev/null 2>&1 || missing+=("${t#*:}")
done
if [ "${1:-}" != "--run" ] && ! python3 -c 'import ensurepip' 2>/dev/null; then
  missing+=(python3-venv)  # a venv needs ensurepip; Debian's python3 has it only with python3-venv
fi
# Go: the Go runtime test builds a handler with aws-lambda-go, which needs Go 1.26 (Debian 12 has
# 1.19, so no package can stand in).
if [ "${1:-}" != "--run" ] && ! go version 2>/dev/null | grep -qE 'go1\.(2[6-9]|[3-9][0-9])'; then
  echo "setup: the tests need Go 1.26 or newer on PATH (https://go.dev/dl/) for tests/integration/runtimes/go" >&2
  exit 1
fi
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  SUDO=""
  [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
if [ "${1:-}" = "--run" ]; then
  echo "setup: ok (run)"
  exit 0
fi

# Python side of the integration suite: boto3 and the newest AWS CLI v1 (Debian's /usr/bin/aws
# is CLI v2), pytest, and AWS Lambda Powertools as an independent parser of Kafka events.
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
if ! .venv/bin/python -c 'import boto3, pytest, awscli' 2>/dev/null \
   || [ tests/integration/requirements.txt -nt .venv/.installed ]; then
  .venv/bin/pip install -q --upgrade pip
  .venv/bin/pip install -q -r tests/integration/requirements.txt
  touch .venv/.installed
fi

# JS SDK v3 and playwright-core (driving Debian's chromium for the dashboard tests), pinned in
# tests/integration/node/package.json.
if [ ! -d tests/integration/node/node_modules/@aws-sdk/client-lambda ] \
   || [ ! -d tests/integration/node/node_modules/playwright-core ] \
   || [ tests/integration/node/package.json -nt tests/integration/node/node_modules/.installed ]; then
  (cd tests/integration/node && npm install --no-audit --no-fund --loglevel=error && touch node_modules/.installed)
fi
# AWS's Node.js runtime interface client for the Node handler test, pinned in
# tests/integration/runtimes/node/package.json; it builds its native part (aws-lambda-cpp and
# curl, about 80 s of CPU) on install, so it is installed once per change of that file.
if [ ! -x tests/integration/runtimes/node/node_modules/.bin/aws-lambda-ric ] \
   || [ tests/integration/runtimes/node/package.json -nt tests/integration/runtimes/node/node_modules/.installed ]; then
  (cd tests/integration/runtimes/node && npm install --no-audit --no-fund --loglevel=error && touch node_modules/.installed)
fi
echo "setup: ok"
