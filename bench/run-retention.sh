#!/usr/bin/env bash
# Retention purge throughput (bench/retention_bench.cpp): N expired messages of 4 KB purged in
# batches of 256, against the rate at which 8 producers stored them in the same run, and the
# rate of purging the same N from an archive of 10 × N (what retained mail costs a purge).
# Usage: bench/run-retention.sh [N]   (default 10000; builds if needed)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-10000}
[[ -x build/bench/retention_bench ]] ||
  ./scripts/build.sh build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
build/bench/retention_bench --messages "$n" --size 4096 --dir /var/tmp
