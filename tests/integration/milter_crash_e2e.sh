#!/usr/bin/env bash
# The ledger under fire: four concurrent SMTP senders while postjournal-milter is killed with
# SIGKILL three times and restarted. Every message that got 250 must be in the archive exactly
# once and byte-exact; a message that got 4xx may be absent or present, but never torn; verify
# passes. Postfix answers 4xx while the milter is down (milter_default_action = tempfail).
# Usage: milter_crash_e2e.sh SOURCE_DIR BUILD_DIR   (root)
set -euo pipefail
export POSTJOURNAL_SOURCE=$1 POSTJOURNAL_BIN_DIR=$2/milter
pj=$2/cli/postjournal
source "$1/scripts/lib/instance.sh"
work=$(mktemp -d)
MILTER_PID=
senders=()
cleanup() {
  for p in "${senders[@]}"; do kill "$p" 2>/dev/null || true; done
  stack_down "$work"; rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$work/msgs"
stack_up "$work" "memory_limit: 64K" "$(cat <<'YAML'
  - name: relay
    tenant: acme
    auth: {method: ip, ips: [127.0.0.2/32]}
YAML
)"

sender() {  # sender N: 25 messages, each line of the ledger: "<message-id> <reply code>"
  for i in $(seq 25); do
    local id="m$1-$i@crash.test" f="$work/msgs/$1-$i.eml"
    { printf 'From: a@acme.test\r\nTo: j@archive.test\r\nMessage-ID: <%s>\r\nSubject: %s\r\n\r\n' "$id" "$id"
      head -c $(( (RANDOM % 64 + 1) * 1024 )) /dev/urandom | base64 -w 76 | sed 's/$/\r/'; } >"$f"
    out=$(swaks --server "127.0.0.1:$port" --local-interface 127.0.0.2 --from a@acme.test \
      --to j@archive.test --data "@$f" --timeout 30 2>&1 || true)
    code=$(grep -oE '^<[^ ]* +[0-9]{3} ' <<<"$out" | tail -2 | head -1 | grep -oE '[0-9]{3}' || true)
    [[ -n $code ]] || code=000
    echo "$id $code" >>"$work/ledger.$1"
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

failures=0
acked=0 deferred=0
while read -r id code; do
  f="$work/msgs/${id%%@*}"; f="$work/msgs/${f##*/m}.eml"
  n=$("$pj" --archive-root "$work/archive" search --tenant acme --message-id "$id" --json | grep -c '"id"' || true)
  if [[ $code == 250 ]]; then
    acked=$((acked + 1))
    if [[ $n != 1 ]]; then echo "FAIL: $id got 250 but is stored $n times"; failures=$((failures + 1)); continue; fi
  else
    deferred=$((deferred + 1))
    [[ $n -le 1 ]] || { echo "FAIL: $id ($code) stored $n times"; failures=$((failures + 1)); }
    [[ $n == 1 ]] || continue
  fi
  did=$("$pj" --archive-root "$work/archive" search --tenant acme --message-id "$id" --json | sed -n 's/.*"id": "\(.*\)".*/\1/p')
  { cat "$f"; printf '\r\n'; } | cmp -s - <("$pj" --archive-root "$work/archive" export "$did") ||
    { echo "FAIL: $id ($code) is not byte-exact"; failures=$((failures + 1)); }
done < <(cat "$work"/ledger.*)
"$pj" --archive-root "$work/archive" verify >/dev/null || { echo "FAIL: verify"; failures=$((failures + 1)); }
echo "sent $((acked + deferred)) messages, $acked acknowledged (250), $deferred deferred, milter killed $kills times"
[[ $acked -gt 0 && $deferred -ge 0 ]] || failures=$((failures + 1))
[[ $failures -eq 0 ]] || exit 1
echo "every acknowledged message is stored exactly once and byte-exact"
