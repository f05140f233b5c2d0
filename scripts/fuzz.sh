#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan+UBSan) and runs each for SECONDS (default 600),
# seeded from the shared corpus and the project's fixtures. A crash leaves its input in
# build-fuzz/findings/; turn it into a regression fixture under tests/data/ and a test.
# Usage: scripts/fuzz.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-600}
./scripts/install-deps.sh
targets=(extract_fuzz record_fuzz config_fuzz address_fuzz reconstruct_fuzz session_fuzz index_fuzz query_fuzz
  tsp_fuzz view_fuzz cloud_fuzz)
CC=clang CXX=clang++ cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=Debug -DBUILD_TESTING=OFF \
  -DPOSTJOURNAL_FUZZ=ON -DPOSTJOURNAL_WERROR=OFF >/dev/null
cmake --build build-fuzz -j"${JOBS:-2}" --target "${targets[@]}"  # only what is fuzzed
mkdir -p build-fuzz/findings build-fuzz/corpus-extract build-fuzz/corpus-record \
  build-fuzz/corpus-config build-fuzz/corpus-address build-fuzz/corpus-reconstruct \
  build-fuzz/corpus-session build-fuzz/corpus-index build-fuzz/corpus-query build-fuzz/corpus-tsp build-fuzz/corpus-view \
  build-fuzz/corpus-cloud
seeds=(tests/data tests/data/journal)
[[ -d ../shared/corpus ]] && seeds+=(../shared/corpus/m365-journal ../shared/corpus/exchange-onprem-journal
  ../shared/corpus/plain ../shared/corpus/ndr-dsn ../shared/corpus/mime-nasty/mime4j)
status=0
run() {  # run TARGET CORPUS SEEDS...
  local target=$1 corpus=$2; shift 2
  echo "== fuzz $target for ${seconds}s"
  LSAN_OPTIONS=suppressions=$PWD/tests/lsan.supp build-fuzz/tests/fuzz/$target -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -artifact_prefix=build-fuzz/findings/$target- -print_final_stats=1 "$corpus" "$@" \
    2>&1 | tail -n 12 || status=1
}
run extract_fuzz build-fuzz/corpus-extract "${seeds[@]}"
run record_fuzz build-fuzz/corpus-record
run config_fuzz build-fuzz/corpus-config tests/data/config conf
run address_fuzz build-fuzz/corpus-address tests/data/journal
run reconstruct_fuzz build-fuzz/corpus-reconstruct tests/data
run session_fuzz build-fuzz/corpus-session tests/data/fuzz-session
run index_fuzz build-fuzz/corpus-index tests/data/index "${seeds[@]}"
run query_fuzz build-fuzz/corpus-query tests/data/fuzz-query
run tsp_fuzz build-fuzz/corpus-tsp tests/data/fuzz-tsp
run view_fuzz build-fuzz/corpus-view tests/data/index "${seeds[@]}"
run cloud_fuzz build-fuzz/corpus-cloud tests/data/fuzz-cloud
exit $status
