#!/usr/bin/env bash
# check-config golden tests: every file of tests/data/config/ (one per error class, plus
# good.yaml) through `postjournal check-config`; good.yaml also through show-config. Output and
# exit status must equal tests/cli/config-expected/<name>.out.
# Usage: config.sh POSTJOURNAL_BINARY   (UPDATE_GOLDEN=1 rewrites the expected files)
set -euo pipefail
bin=$1
here=$(cd "$(dirname "$0")" && pwd)
data=$(cd "$here/../data/config" && pwd)
expected=$here/config-expected
failures=0
check() {  # check NAME COMMAND...
  local name=$1; shift
  local out rc=0
  out=$("$@" 2>&1) || rc=$?
  out=$(printf '%s\n[exit %s]\n' "$out" "$rc" | sed "s|$data|DATA|g")
  if [[ ${UPDATE_GOLDEN:-0} == 1 ]]; then
    printf '%s\n' "$out" >"$expected/$name.out"
  elif ! diff -u "$expected/$name.out" <(printf '%s\n' "$out"); then
    echo "FAIL: $name"; failures=$((failures + 1))
  fi
}
for f in "$data"/*.yaml; do
  name=$(basename "$f" .yaml)
  check "$name" "$bin" check-config -c "$f"
done
check show-config-good "$bin" show-config -c "$data/good.yaml"
check check-config-missing-file "$bin" check-config -c "$data/does-not-exist.yaml"
[[ $failures -eq 0 ]] || { echo "$failures config test(s) failed"; exit 1; }
echo "all config golden tests passed"
