# Helpers of the CLI tests (sourced first, with the test's arguments): bin is the postjournal
# binary ($1), data the tests' data directory, work a temporary directory removed at exit. pj
# runs $bin on $work/pj.yaml; fail stops the test; expect_exit runs a command, leaves its
# stdout+stderr in $out and fails unless it exited with CODE; sha prints a file's SHA-256.
bin=$1
data=$(cd "$(dirname "${BASH_SOURCE[0]}")/../data" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
pj() { "$bin" -c "$work/pj.yaml" "$@"; }
fail() { echo "FAIL: $*"; exit 1; }
ok() { echo "ok: $*"; }
expect_exit() {  # expect_exit CODE COMMAND...
  local want=$1 rc=0; shift
  out=$("$@" 2>&1) || rc=$?
  [[ $rc == "$want" ]] || fail "$* exited $rc, expected $want: $out"
}
sha() { sha256sum <"$1" | cut -d' ' -f1; }
