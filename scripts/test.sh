#!/usr/bin/env bash
# Installs what is needed, builds, and runs every test: formatting check, the full ctest suite
# (unit, crash, integration, CLI golden, and the .deb with lintian and a dpkg install/purge) in a
# -Werror build, the same tests but the package again in an ASan+UBSan build, the archive writer's
# tests under ThreadSanitizer (scripts/tsan.sh), then each libFuzzer
# target for FUZZ_SECONDS (default 10). Prints ctest's summaries; exits non-zero on any failure.
# Usage: ./scripts/test.sh   (as root: the integration tests mount a private tmpfs)
set -euo pipefail
cd "$(dirname "$0")/.."
started=$(date +%s)

./scripts/install-deps.sh

echo "== clang-format"
mapfile -t sources < <(git ls-files '*.cpp' '*.hpp' 2>/dev/null || find . -name '*.[ch]pp' -not -path './build*')
clang-format --dry-run -Werror "${sources[@]}"

echo "== build (RelWithDebInfo, -Werror)"
./scripts/build.sh build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBUILD_TESTING=ON
echo "== ctest"
status=0
(cd build && ctest --output-on-failure -j2 --timeout 600) || status=1

echo "== build (ASan+UBSan)"
./scripts/build.sh build-asan -DCMAKE_BUILD_TYPE=Debug -DBUILD_TESTING=ON -DPOSTJOURNAL_SANITIZE=ON
echo "== ctest under ASan+UBSan"
supp=$PWD/tests/lsan.supp  # before the cd: inside the subshell $PWD is build-asan
(cd build-asan && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 LSAN_OPTIONS=suppressions=$supp \
   UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
   ctest --output-on-failure -j2 --timeout 900 -L 'unit|integration|cli') || status=1

echo "== ThreadSanitizer: the archive writer's concurrent tests"
./scripts/tsan.sh || status=1

echo "== fuzz targets, briefly (scripts/fuzz.sh runs them longer)"
./scripts/fuzz.sh "${FUZZ_SECONDS:-10}" || status=1

echo "== test.sh finished in $(( $(date +%s) - started )) s: $([[ $status -eq 0 ]] && echo PASSED || echo FAILED)"
exit $status
