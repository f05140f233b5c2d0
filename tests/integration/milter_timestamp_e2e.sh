#!/usr/bin/env bash
# RFC 3161 stamps taken by postjournal-milter itself, on a private Postfix with a local TSA
# (scripts/lib/tsa.sh): mail gets 250 and is stamped on schedule; with the TSA stopped,
# mail still gets 250 and is archived, `status` shows the gap and the TSA's error; with the TSA
# back, the milter's next stamp closes the gap; the ledger invariant holds, verify passes, and an
# evidence bundle of a message stamped after the outage verifies with standard tools only. Then,
# with the milter stopped, postjournal-fetch's daemon (a host without the milter) stamps what
# `postjournal import` adds.
# Usage: milter_timestamp_e2e.sh SOURCE_DIR BUILD_DIR   (root)
source "$1/tests/integration/lib/e2e.sh" "$1" "$2"
src=$1
tsa() { bash "$src/scripts/lib/tsa.sh" "$@"; }
fetch_pid=
e2e_extra_cleanup() {
  tsa stop "$work/tsa"
  [[ -z $fetch_pid ]] || { kill "$fetch_pid" 2>/dev/null; wait "$fetch_pid" 2>/dev/null; } || true
}
tsa make "$work/tsa" "E2E TSA" >/dev/null
url=$(tsa start "$work/tsa")
STACK_NO_INDEX=1 stack_up "$work" "" "$(cat <<'YAML'
  - name: relay
    tenant: acme
    auth: {method: ip, ips: [127.0.0.2/32]}
YAML
)"
# Without its trust anchors the milter refuses timestamp.url (-n, as systemd's ExecStartPre).
cp "$work/pj.yaml" "$work/no-ca.yaml"
printf 'timestamp: {url: "%s"}\n' "$url" >>"$work/no-ca.yaml"
out=$("$2/milter/postjournal-milter" -n -c "$work/no-ca.yaml" 2>&1) && fail "-n accepted no ca_file"
grep -q 'timestamp.url needs timestamp.ca_file' <<<"$out" || fail "-n: $out"
# The milter reads timestamp.* at start: add them and restart it.
printf 'timestamp: {url: "%s", ca_file: %s, interval: 1, max_deliveries: 100, alert_after: 60}\n' \
  "$url" "$work/tsa/ca.crt" >>"$work/pj.yaml"
milter_stop
milter_start "$work/pj.yaml" "$work/milter.log"

n=0
send() {  # send COUNT: fresh messages from the relay, each must get 250
  for _ in $(seq "$1"); do
    n=$((n + 1))
    code=$(ledger_send acme "t$n@ts.test" "$(ledger_message "t$n@ts.test" 2)" \
      --server "127.0.0.1:$port" --local-interface 127.0.0.2 --from a@acme.test --to j@archive.test)
    [[ $code == 250 ]] || fail "message $n got $code"
  done
}
status_json() { "$pj" -c "$work/pj.yaml" status --json 2>/dev/null || true; }
stamped_up_to() { status_json | grep -q "\"stamped_deliveries\": $1,"; }
tsa_error_shown() { status_json | grep -q '"last_error": "TSA unreachable'; }
wait_for() {  # wait_for DESCRIPTION COMMAND...: polls up to 30 s
  local what=$1; shift
  for _ in $(seq 600); do "$@" && return 0; sleep 0.05; done
  fail "timed out waiting for $what"; return 1
}

send 3
wait_for "the milter's stamp of deliveries 1..3" stamped_up_to 3 && ok "stamped on schedule"

tsa stop "$work/tsa"
send 2
ok "mail gets 250 with the TSA down"
wait_for "the TSA's error in status" tsa_error_shown && ok "status shows the TSA's error"
status_json | grep -q '"unstamped_deliveries": 2,' || fail "status gap: $(status_json)"
out=$("$pj" -c "$work/pj.yaml" status --now "@$(( $(date +%s) + 120 ))" 2>&1) && fail "status exit 0"
grep -q '^timestamp:acme .*FAILING (TSA unreachable' <<<"$out" ||
  fail "no FAILING row past alert_after: $out"
grep -q 'timestamp: failed tenant=acme unstamped=2 ' "$work/milter.log" ||
  fail "no log line for the failed stamp"

tsa start "$work/tsa" "$(cat "$work/tsa/port")" >/dev/null
wait_for "the gap closed" stamped_up_to 5 && ok "the TSA is back: the next stamp covers the gap"
status_json | grep -q '"last_error": null' || fail "the error is still shown"

ledger_check "$work/archive" || fail "ledger"
"$pj" -c "$work/pj.yaml" verify --tenant acme >"$work/verify.out" || fail "verify: $(cat "$work/verify.out")"
grep -q 'deliveries 1..5 covered' "$work/verify.out" || fail "verify: $(cat "$work/verify.out")"
"$pj" -c "$work/pj.yaml" export acme:4 --evidence -o "$work/acme-4.zip" 2>/dev/null || fail "export"
env -i PATH=/usr/bin:/bin bash "$src/scripts/verify-evidence.sh" "$work/acme-4.zip" >/dev/null ||
  fail "the evidence bundle of acme:4 does not verify"

milter_stop
"$2/fetch/postjournal-fetch" -f -c "$work/pj.yaml" >"$work/fetch.log" 2>&1 &
fetch_pid=$!
"$pj" -c "$work/pj.yaml" import --tenant acme "$src/tests/data/journal/google.eml" >/dev/null
wait_for "postjournal-fetch's stamp of delivery 6" stamped_up_to 6 &&
  ok "postjournal-fetch stamps on a host without the milter"
kill "$fetch_pid"; wait "$fetch_pid" || true; fetch_pid=
grep -q 'timestamp: stamped tenant=acme stamp=[0-9]* deliveries=6 ' "$work/fetch.log" ||
  fail "no stamp line in the fetch daemon's log: $(cat "$work/fetch.log")"
e2e_finish milter_timestamp_e2e
