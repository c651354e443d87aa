#!/usr/bin/env bash
# Formats C++ sources with .clang-format; --check fails on any difference instead.
set -euo pipefail
cd "$(dirname "$0")/.."
files=$(git ls-files '*.cpp' '*.hpp')
if [ "${1:-}" = "--check" ]; then
  clang-format --dry-run --Werror $files
  echo "format: ok"
else
  clang-format -i $files
fi
