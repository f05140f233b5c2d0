#!/usr/bin/env bash
# Configures and builds one build tree. Usage: [TARGET=name] scripts/build.sh DIR [-D options...]
# Uses ccache when installed and two parallel jobs (the reference machine has 2 cores).
set -euo pipefail
cd "$(dirname "$0")/.."
dir=$1; shift
cmake -S . -B "$dir" -DPOSTJOURNAL_WERROR=ON "$@" >/dev/null
cmake --build "$dir" -j"${JOBS:-2}" ${TARGET:+--target "$TARGET"}
