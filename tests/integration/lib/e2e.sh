# Common set-up of the end-to-end tests on a private Postfix (source it as
#   source "$1/tests/integration/lib/e2e.sh" "$1" "$2"   with SOURCE_DIR and BUILD_DIR).
# Provides: $pj (the postjournal binary), $work (a fresh directory, removed at exit unless KEEP is
# set), LEDGER_DIR=$work, the helpers of scripts/lib/instance.sh and tests/integration/lib/ledger.sh,
# ok/fail with a $failures count, e2e_finish NAME (prints PASS or exits 1), and an EXIT trap that
# stops the stack; a test may define e2e_extra_cleanup to run first.
set -euo pipefail
export POSTJOURNAL_SOURCE=$1 POSTJOURNAL_BIN_DIR=$2/milter
pj=$2/cli/postjournal
source "$1/scripts/lib/instance.sh"
source "$1/tests/integration/lib/ledger.sh"
work=$(mktemp -d)
export LEDGER_DIR=$work
MILTER_PID=
failures=0
e2e_cleanup() {
  if declare -F e2e_extra_cleanup >/dev/null; then e2e_extra_cleanup || true; fi
  stack_down "$work"
  if [[ -n ${KEEP:-} ]]; then echo "kept $work"; else rm -rf "$work"; fi
}
trap e2e_cleanup EXIT
ok() { echo "ok: $*"; }
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
e2e_finish() {
  if (( failures == 0 )); then echo "PASS: $1"; else echo "FAILED: $failures"; exit 1; fi
}
