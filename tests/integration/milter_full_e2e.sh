#!/usr/bin/env bash
# Full archive under load, end to end through Postfix, each phase ending with the ledger
# invariant (tests/integration/lib/ledger.sh):
#   1. the LMDB map at its limit (archive.max_map_size 4M): the milter answers 452 4.3.1, the
#      archive stays intact; restarted with a larger limit, mail flows again;
#   2. the archive's file system full (a 48 MB tmpfs, most of it taken by a filler file): 452
#      4.3.1 (ENOSPC) without a torn delivery; the filler removed, mail flows again.
# Run as: unshare --mount --propagation private milter_full_e2e.sh SOURCE_DIR BUILD_DIR   (root)
source "$1/tests/integration/lib/e2e.sh" "$1" "$2"
e2e_extra_cleanup() { stack_down "$work"; umount "$work/fs" 2>/dev/null; }
export LEDGER_DIR=$work/l1  # phase 1; phase 2 (another archive root) uses $work/l2
mkdir -p "$work/fs" "$work/l1" "$work/l2"
mount -t tmpfs -o size=48m tmpfs "$work/fs"
listeners=$(cat <<'YAML'
  - name: relay
    tenant: acme
    auth: {method: ip, ips: [127.0.0.2/32]}
YAML
)
stack_up "$work" "memory_limit: 1M" "$listeners"
seq_no=0
code=
send_one() {  # a fresh ~256 KB message from the relay; sets $code
  seq_no=$((seq_no + 1))
  local id="full$seq_no@full.test"
  code=$(ledger_send acme "$id" "$(ledger_message "$id" 192)" --server "127.0.0.1:$port" \
    --local-interface 127.0.0.2 --from a@acme.test --to j@archive.test)
}
until_refused() {  # sends until the first non-250 (at most $1 messages); sets $code
  for _ in $(seq "$1"); do
    send_one
    [[ $code == 250 ]] || return 0
  done
}
restart_with() {  # restart_with ARCHIVE_YAML_FLOW: the milter with another archive section
  milter_stop
  sed -i "s|^archive: .*|archive: $1|" "$work/pj.yaml"
  milter_start "$work/pj.yaml" "$work/milter.log"
}

# --- 1. the map at its limit ----------------------------------------------------------------------
restart_with "{root: $work/archive, initial_map_size: 1M, max_map_size: 4M}"
until_refused 40
if [[ $code == 452 ]] && grep -q 'reason=.*MDB_MAP_FULL' "$work/milter.log"; then
  ok "map at its 4 MB limit: 452 after $((seq_no - 1)) messages"
else
  fail "map limit: last reply $code after $seq_no messages"
fi
"$pj" --archive-root "$work/archive" verify >/dev/null && ok "verify passes at the limit" || fail "verify at the limit"
restart_with "{root: $work/archive, max_map_size: 64M}"
send_one
[[ $code == 250 ]] && ok "restarted with a larger limit: 250" || fail "after raising the limit: $code"

# --- 2. the file system full ------------------------------------------------------------------------
LEDGER_DIR=$work/l2
restart_with "{root: $work/fs/archive}"
head -c $((40 * 1024 * 1024)) /dev/zero >"$work/fs/filler" || true
until_refused 60
if [[ $code == 452 ]]; then
  ok "file system full: 452 after $seq_no messages in all"
  grep -q "reason=.*No space left on device" "$work/milter.log" || fail "no ENOSPC reason logged"
else
  fail "disk full: last reply $code"
fi
"$pj" --archive-root "$work/fs/archive" verify >/dev/null && ok "verify passes on the full disk" || fail "verify on the full disk"
rm -f "$work/fs/filler"
send_one
first=$code
send_one
[[ $first == 250 && $code == 250 ]] && ok "space freed: mail flows again without a restart" ||
  fail "after freeing space: $first $code"

LEDGER_DIR=$work/l1 ledger_check "$work/archive" || failures=$((failures + 1))
LEDGER_DIR=$work/l2 ledger_check "$work/fs/archive" || failures=$((failures + 1))
e2e_finish milter_full_e2e
