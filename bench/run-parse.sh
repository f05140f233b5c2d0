#!/usr/bin/env bash
# Installs the bench-only library (GMime 3), builds and runs bench/parse.
# Extra arguments go to the benchmark, e.g.: bench/run-parse.sh --rounds 10
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh --bench
TARGET=parse_bench ./scripts/build.sh build -DCMAKE_BUILD_TYPE=RelWithDebInfo
exec build/bench/parse_bench --corpus ../shared/corpus "$@"
