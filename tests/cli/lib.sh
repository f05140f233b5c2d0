# Helpers of the CLI tests (sourced): pj runs the postjournal binary $bin on $work/pj.yaml; fail
# stops the test; expect_exit runs a command, leaves its stdout+stderr in $out and fails unless it
# exited with CODE; sha prints a file's SHA-256.
pj() { "$bin" -c "$work/pj.yaml" "$@"; }
fail() { echo "FAIL: $*"; exit 1; }
ok() { echo "ok: $*"; }
expect_exit() {  # expect_exit CODE COMMAND...
  local want=$1 rc=0; shift
  out=$("$@" 2>&1) || rc=$?
  [[ $rc == "$want" ]] || fail "$* exited $rc, expected $want: $out"
}
sha() { sha256sum <"$1" | cut -d' ' -f1; }
