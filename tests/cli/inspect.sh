#!/usr/bin/env bash
# inspect golden tests: `postjournal inspect --json` of every journal sample of the shared corpus
# (../shared/corpus: m365-journal, exchange-onprem-journal, plain) and of the project's own
# fixtures (tests/data/journal) must equal tests/cli/inspect-expected/<dir>--<file>.json.
# Usage: inspect.sh POSTJOURNAL_BINARY   (UPDATE_GOLDEN=1 rewrites the expected files)
set -euo pipefail
bin=$1
here=$(cd "$(dirname "$0")" && pwd)
corpus=$here/../../../shared/corpus
expected=$here/inspect-expected
[[ -d $corpus ]] || { echo "FAIL: $corpus is missing (CI provides ../shared)"; exit 1; }
failures=0 count=0
for f in "$corpus"/m365-journal/*.eml "$corpus"/exchange-onprem-journal/*.eml \
         "$corpus"/plain/*.eml "$here"/../data/journal/*.eml; do
  name=$(basename "$(dirname "$f")")--$(basename "$f" .eml).json
  out=$("$bin" inspect --json "$f")
  count=$((count + 1))
  if [[ ${UPDATE_GOLDEN:-0} == 1 ]]; then
    printf '%s\n' "$out" >"$expected/$name"
  elif ! diff -u "$expected/$name" <(printf '%s\n' "$out"); then
    echo "FAIL: $name"; failures=$((failures + 1))
  fi
done
# The keys of the contract, in this order, in every output.
keys='format wrapped_in_ndr sender on_behalf_of subject message_id recipients original_sha256 original_size decrypted_copy anomalies'
for j in "$expected"/*.json; do
  got=$(grep -oE '^  "[a-z0-9_]+"' "$j" | tr -d ' "' | tr '\n' ' ')
  [[ "$got" == "$keys " ]] || { echo "FAIL: keys of $j: $got"; failures=$((failures + 1)); }
done
[[ $failures -eq 0 ]] || { echo "$failures inspect test(s) failed"; exit 1; }
echo "all $count inspect outputs as expected"
