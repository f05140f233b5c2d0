#!/usr/bin/env bash
# Builds and runs bench/archive (20,000 messages of ~100 KB from 8 producers by default).
# Extra arguments go to the benchmark, e.g.: bench/run-archive.sh --messages 2000
set -euo pipefail
cd "$(dirname "$0")/.."
TARGET=archive_bench ./scripts/build.sh build -DCMAKE_BUILD_TYPE=RelWithDebInfo
exec build/bench/archive_bench "$@"
