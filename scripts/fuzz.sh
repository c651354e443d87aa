#!/usr/bin/env bash
# Fuzzes every request parser (tests/fuzz/requests_fuzz.cpp) with libFuzzer under ASan+UBSan,
# starting from the checked-in seed corpus, for a bounded time:
#   scripts/fuzz.sh [SECONDS]        (default 60; CI runs a short bound)
# Installs clang from Debian if missing; builds into build-fuzz/. New inputs found go to a
# scratch corpus, not into the repository; a crash leaves its input in build-fuzz/artifacts/.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_TO_RUN="${1:-60}"
if ! command -v clang++ >/dev/null 2>&1; then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q clang >&2
fi
CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=Debug -DESM_FUZZ=ON \
  -DBUILD_TESTING=OFF >/dev/null
ninja -C build-fuzz -j"${ESM_JOBS:-2}" esm_fuzz_requests
scratch=$(mktemp -d /tmp/esm-fuzz-corpus.XXXXXX)
trap 'rm -rf "$scratch"' EXIT
mkdir -p build-fuzz/artifacts
# tests/lsan.supp: what LeakSanitizer is told to ignore (nothing now).
UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1:suppressions=tests/fuzz/ubsan.supp \
  LSAN_OPTIONS=suppressions=tests/lsan.supp \
  build-fuzz/tests/fuzz/esm_fuzz_requests "$scratch" tests/fuzz/corpus \
  -max_total_time="$SECONDS_TO_RUN" -max_len=8192 -timeout=10 -rss_limit_mb=2048 \
  -artifact_prefix=build-fuzz/artifacts/ -print_final_stats=1 2>&1 | tail -25
echo "fuzz: no crash in ${SECONDS_TO_RUN}s"
