#!/usr/bin/env bash
# The archive's concurrent code under ThreadSanitizer: builds unit_tests with -fsanitize=thread in
# build-tsan/ and runs the tests that drive the group-commit writer from many threads (concurrent
# producers, group commit, large blobs, map growth, removal), the registry's open/close race and
# the ingest Service. (The milter Session is single-threaded by contract: one per connection.)
# Any data race fails the run (halt_on_error).
# Usage: scripts/tsan.sh
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
TARGET=unit_tests ./scripts/build.sh build-tsan -DCMAKE_BUILD_TYPE=Debug -DBUILD_TESTING=ON \
  -DPOSTJOURNAL_TSAN=ON
TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" build-tsan/tests/unit/unit_tests \
  --gtest_filter='Archive*:ArchiveLimits*:Removal*:Retransmission*:State*:Registry*:IngestService*' --gtest_brief=1
