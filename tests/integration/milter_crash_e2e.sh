#!/usr/bin/env bash
# The ledger under fire: four concurrent SMTP senders while postjournal-milter is killed with
# SIGKILL three times and restarted. Every message that got 250 must be in the archive exactly
# once and byte-exact; a message that got 4xx may be absent or present, but never torn; verify
# passes. Postfix answers 4xx while the milter is down (milter_default_action = tempfail).
# Usage: milter_crash_e2e.sh SOURCE_DIR BUILD_DIR   (root)
source "$1/tests/integration/lib/e2e.sh" "$1" "$2"
senders=()
e2e_extra_cleanup() { for p in "${senders[@]}"; do kill "$p" 2>/dev/null || true; done; }
mkdir -p "$work/msgs"
stack_up "$work" "memory_limit: 64K" "$(cat <<'YAML'
  - name: relay
    tenant: acme
    auth: {method: ip, ips: [127.0.0.2/32]}
YAML
)"

sender() {  # sender N: 25 messages of 1-64 KB, each recorded in the ledger with its reply
  for i in $(seq 25); do
    local id="m$1-$i@crash.test"
    ledger_send acme "$id" "$(ledger_message "$id" $((RANDOM % 64 + 1)))" --server "127.0.0.1:$port" \
      --local-interface 127.0.0.2 --from a@acme.test --to j@archive.test --timeout 30 >/dev/null
  done
}
for n in 1 2 3 4; do sender "$n" & senders+=($!); done

kills=0
for _ in 1 2 3; do
  sleep "0.$(( RANDOM % 7 + 3 ))"  # fault injection at a random moment (not synchronisation)
  kill -KILL "$MILTER_PID"; wait "$MILTER_PID" 2>/dev/null || true
  kills=$((kills + 1))
  milter_start "$work/pj.yaml" "$work/milter.log"
done
for p in "${senders[@]}"; do wait "$p"; done
senders=()

acked=$(grep -c ' 250$' "$work/ledger" || true)
echo "milter killed $kills times; $acked messages acknowledged"
[[ $acked -gt 0 ]] || { echo "FAIL: nothing was acknowledged"; exit 1; }
ledger_check "$work/archive" || failures=$((failures + 1))
e2e_finish milter_sigkill_under_load
