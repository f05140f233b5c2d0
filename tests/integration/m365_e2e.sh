#!/usr/bin/env bash
# postjournal-fetch's microsoft365 source against the Graph / identity-platform emulator
# (tests/integration/graph_emulator.py: HTTPS on 127.0.0.1 with a test CA): --validate with the
# secret, a wrong secret and the certificate assertion (signature, audience, thumbprint checked
# by the emulator); a full retrieval of 3 users x 2,000 messages in nested folders through
# throttling (429 with Retry-After, 503), a connection reset mid-body and a page size of 100,
# each message stored exactly once and Deleted Items skipped; at most 4 requests in flight per
# mailbox; every retry after a 429 waited its Retry-After (measured by the emulator); a second run
# fetches nothing; new messages then appear once; an expired delta state (410) resyncs without
# duplicates; a message deleted between listing and download is a gap; SIGKILL at three points
# of a run, then a rerun: no gap, no duplicate; a 20 MB message; the delivery's provider fields;
# a group's members; status with each mailbox's progress; the daemon retrieving on its schedule.
# Usage: m365_e2e.sh SOURCE_DIR BUILD_DIR   (root)
set -euo pipefail
src=$1
pj=$2/cli/postjournal
fetchbin=$2/fetch/postjournal-fetch
source "$src/scripts/lib/instance.sh"
source "$src/tests/integration/lib/graph.sh"
work=$(mktemp -d)
failures=0
cleanup() {
  graph_stop
  if (( failures > 0 )); then tail -n 20 "$work"/*.log 2>/dev/null || true; fi
  if [[ -n ${KEEP:-} ]]; then echo "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
ok() { echo "ok: $*"; }
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
check() { if [[ "$2" == "$3" ]]; then ok "$1"; else fail "$1: want [$2] got [$3]"; fi; }

# A test CA, the emulator's certificate for 127.0.0.1, the application's certificate.
graph_certs "$work"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=postjournal-app \
  -keyout "$work/app.key" -out "$work/app.pem" 2>/dev/null
openssl genrsa -out "$work/other.key" 2048 2>/dev/null

port=$(free_port)
dir=11111111-2222-3333-4444-555555555555
cid=aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee
graph_start "$work" "$port" --tenant "$dir" --client-id "$cid" --secret 's3cret~value' \
  --client-cert "$work/app.pem"
ctl() { graph_ctl "$work" "$@"; }
stat() { curl -sf --cacert "$work/ca.pem" "$G/_control/stats" | /usr/bin/python3 -c "import json,sys; s=json.load(sys.stdin); print($1)"; }

users='{"users": ['
for u in 1 2 3; do
  users+="{\"upn\": \"user$u@contoso.example\", \"id\": \"00000000-0000-0000-0000-00000000000$u\", \"groups\": [\"legal\"], \"folders\": [
    {\"name\": \"Inbox\", \"id\": \"inbox$u\"}, {\"name\": \"Projects\", \"id\": \"proj$u\", \"parent\": \"inbox$u\"},
    {\"name\": \"2026\", \"id\": \"y$u\", \"parent\": \"proj$u\"}, {\"name\": \"Sent Items\", \"id\": \"sent$u\"},
    {\"name\": \"Deleted Items\", \"id\": \"del$u\"}]}"
  [[ $u != 3 ]] && users+=','
done
ctl users "$users]}"
for u in 1 2 3; do
  ctl messages "{\"user\": \"user$u@contoso.example\", \"folder\": \"inbox$u\", \"count\": 1000}"
  ctl messages "{\"user\": \"user$u@contoso.example\", \"folder\": \"proj$u\", \"count\": 400}"
  ctl messages "{\"user\": \"user$u@contoso.example\", \"folder\": \"y$u\", \"count\": 200}"
  ctl messages "{\"user\": \"user$u@contoso.example\", \"folder\": \"sent$u\", \"count\": 400}"
  ctl messages "{\"user\": \"user$u@contoso.example\", \"folder\": \"del$u\", \"count\": 30}"
done

printf 's3cret~value\n' >"$work/secret"
printf 'wrong\n' >"$work/wrong"
cfg=$work/pj.yaml
cat >"$cfg" <<YAML
milter: {user: root, spool_dir: $work/spool}
archive: {root: $work/archive}
index: {enabled: false}
microsoft365:
  - {name: contoso-m365, tenant: contoso, directory_id: $dir, client_id: $cid,
     client_secret_file: $work/secret, login_url: "$G", graph_url: "$G", ca_file: $work/ca.pem,
     parallel_mailboxes: 3}
  - {name: contoso-cert, tenant: contoso, directory_id: $dir, client_id: $cid, active: false,
     certificate_file: $work/app.pem, private_key_file: $work/app.key, users: [user1@contoso.example],
     login_url: "$G", graph_url: "$G", ca_file: $work/ca.pem}
  - {name: contoso-legal, tenant: contoso, directory_id: $dir, client_id: $cid, active: false,
     client_secret_file: $work/secret, users: {group: legal}, login_url: "$G", graph_url: "$G",
     ca_file: $work/ca.pem}
  - {name: contoso-wrong, tenant: contoso, directory_id: $dir, client_id: $cid, active: false,
     client_secret_file: $work/wrong, login_url: "$G", graph_url: "$G", ca_file: $work/ca.pem}
  - {name: contoso-badkey, tenant: contoso, directory_id: $dir, client_id: $cid, active: false,
     certificate_file: $work/app.pem, private_key_file: $work/other.key, login_url: "$G",
     graph_url: "$G", ca_file: $work/ca.pem}
YAML
mkdir -p "$work/spool"

out=$("$fetchbin" -c "$cfg" --validate contoso-m365 2>&1) && rc=0 || rc=$?
check "--validate with the secret" "0 1 1" "$rc $(grep -c '^  users:    3 mailboxes' <<<"$out") $(grep -c '^  folders:  4 in user1@contoso.example (Inbox, Inbox/Projects, Inbox/Projects/2026, Sent Items)' <<<"$out")"
out=$("$fetchbin" -c "$cfg" --validate contoso-legal 2>&1) && rc=0 || rc=$?
check "--validate a group's members (transitiveMembers)" "0 1" "$rc $(grep -c '^  users:    3 mailboxes' <<<"$out")"
out=$("$fetchbin" -c "$cfg" --validate contoso-cert 2>&1) && rc=0 || rc=$?
check "--validate with the certificate assertion" "0 1" "$rc $(grep -c 'token:    ok .*(certificate' <<<"$out")"
out=$("$fetchbin" -c "$cfg" --validate contoso-wrong 2>&1) && rc=0 || rc=$?
check "a wrong secret names Entra's error" "1 1" "$rc $(grep -c 'token:    FAILED: .*invalid_client - AADSTS7000215' <<<"$out")"
out=$("$fetchbin" -c "$cfg" --validate contoso-badkey 2>&1) && rc=0 || rc=$?
check "an assertion signed with another key is refused" "1 1" "$rc $(grep -c 'AADSTS700027: signature does not verify' <<<"$out")"

count() { "$pj" -c "$cfg" search --tenant contoso --since 2000-01-01 --limit 1000000 --json |
  /usr/bin/python3 -c 'import json,sys
d = [r for r in json.load(sys.stdin) if r.get("source") == "contoso-m365"]
ids = [r.get("message_id") for r in d]
print(len(d), len(set(ids)))'; }

# Full retrieval through throttling, 503s, resets and small pages.
first=$(stat 'list(s["downloads"])' >/dev/null; echo)
ctl faults '{"throttle_every": 41, "retry_after": 1, "unavailable_every": 97, "page_size": 100}'
reset_ids=$(curl -sf --cacert "$work/ca.pem" -H 'Content-Type: application/json' "$G/_control/stats" >/dev/null; /usr/bin/python3 -c '
import base64
print(",".join("\"AAMk%s\"" % base64.urlsafe_b64encode(("00000000-0000-0000-0000-00000000000%d/inbox%d/%d" % (u, u, i)).encode()).decode() for u in (1, 2) for i in (5, 500)))')
ctl faults "{\"reset_ids\": [$reset_ids]}"
"$fetchbin" -c "$cfg" --once contoso-m365 >"$work/run1.out" 2>"$work/run1.log" && rc=0 || rc=$?
check "first run succeeds" 0 "$rc"
check "first run archived 6000" 1 "$(grep -c '^contoso-m365: 3 mailboxes, 12 folders, 6000 listed, 6000 archived, 0 already' "$work/run1.out")"
check "each message stored exactly once" "6000 6000" "$(count)"
check "throttled and retried" yes "$(stat '"yes" if s["throttled"] > 0 and s["unavailable"] > 0 and s["resets"] == 4 else s')"
check "at most 4 requests in flight per mailbox" yes "$(stat '"yes" if 1 <= s["max_in_flight"] <= 4 else s["max_in_flight"]')"
check "every retry after a 429 waited its Retry-After (1 s)" yes "$(stat '"yes" if s["retry_gaps"] and min(s["retry_gaps"]) >= 0.99 else s["retry_gaps"]')"
check "Deleted Items not retrieved" 0 "$("$pj" -c "$cfg" search --tenant contoso --since 2000-01-01 --limit 1000000 --json | grep -c 'del[123] item' || true)"

show=$("$pj" -c "$cfg" show contoso:1)
check "provider fields on the delivery" "1 1 1" "$(grep -c '^fidelity: *provider-mime' <<<"$show") $(grep -c '^mailbox: *user[123]@contoso.example' <<<"$show") $(grep -c '^folder: *' <<<"$show")"
check "verify passes" 0 "$("$pj" -c "$cfg" verify --tenant contoso >/dev/null 2>&1; echo $?)"
# The journal copy of a retrieved message (same Message-ID): show links the two both ways.
mid=$("$pj" -c "$cfg" show contoso:1 --json | sed -n 's/^ *"message_id": "\(.*\)",$/\1/p' | head -1)
printf 'From: x@fabrikam.example\r\nTo: user1@contoso.example\r\nMessage-ID: %s\r\nSubject: journal copy\r\n\r\nbody\r\n' "$mid" >"$work/jcopy.eml"
jid=$("$pj" -c "$cfg" import --tenant contoso "$work/jcopy.eml" | grep -o 'contoso:[0-9]*' | head -1)
check "show links the provider copy and the journal copy" "1 1" "$("$pj" -c "$cfg" show contoso:1 | grep -c "^journal copy: *$jid\$") $("$pj" -c "$cfg" show "$jid" | grep -c '^provider copy: *contoso:1$')"

ctl faults '{"throttle_every": 0, "unavailable_every": 0}'
"$fetchbin" -c "$cfg" --once contoso-m365 >"$work/run2.out" 2>"$work/run2.log"
check "second run fetches nothing" 1 "$(grep -c ' 0 listed, 0 archived' "$work/run2.out")"

ctl messages '{"user": "user2@contoso.example", "folder": "y2", "count": 25, "start": 1000}'
"$fetchbin" -c "$cfg" --once contoso-m365 >"$work/run3.out" 2>"$work/run3.log"
check "new messages appear once" "1 6025 6025" "$(grep -c ' 25 listed, 25 archived' "$work/run3.out") $(count)"

ctl faults '{"expire_deltas": true}'
"$fetchbin" -c "$cfg" --once contoso-m365 >"$work/run4.out" 2>"$work/run4.log"
check "expired delta state: full resync, nothing new" "1 6025 6025" "$(grep -c ' 6025 listed, 0 archived, 6025 already' "$work/run4.out") $(count)"
check "resync logged" 1 "$(grep -c 'delta state expired (410): full resync' "$work/run4.log" | sed 's/^[1-9][0-9]*$/1/')"

ctl messages '{"user": "user3@contoso.example", "folder": "inbox3", "count": 3, "start": 5000}'
gone=$(/usr/bin/python3 -c 'import base64; print(base64.urlsafe_b64encode(b"00000000-0000-0000-0000-000000000003/inbox3/5001").decode())')
ctl faults "{\"vanish_ids\": [\"AAMk$gone\"]}"
"$fetchbin" -c "$cfg" --once contoso-m365 >"$work/run5.out" 2>"$work/run5.log" || true
check "a message deleted after listing is a gap" "1 1" "$(grep -c ' 3 listed, 2 archived, 0 already archived, 1 deleted since listed, 1 gaps' "$work/run5.out") $(grep -c 'gap: user3@contoso.example: folder Inbox: message AAMk.*deleted since it was listed' "$work/run5.out")"
ctl faults '{"vanish_ids": []}'
st=$("$pj" -c "$cfg" status 2>&1 || true)
check "status: the source and each mailbox's progress" "1 2 1" "$(grep -c '^contoso-m365 *microsoft365 *contoso *import' <<<"$st") $(grep -cE '^user[12]@contoso.example +done +0 +0 +0 +-' <<<"$st") $(grep -cE '^user3@contoso.example +done, with gaps +2 +0 +1 +folder Inbox: message AAMk' <<<"$st")"

# SIGKILL at three points of a run, then a clean rerun: nothing lost, nothing twice.
ctl messages '{"user": "user1@contoso.example", "folder": "proj1", "count": 300, "start": 2000}'
ctl messages '{"user": "user2@contoso.example", "folder": "sent2", "count": 300, "start": 2000}'
ctl messages '{"user": "user3@contoso.example", "folder": "y3", "count": 300, "start": 2000}'
base=$(count | cut -d' ' -f1)
partial=0
# Kill points drawn at random in the first, middle and last third of the 900 new messages.
for target in $((20 + RANDOM % 250)) $((300 + RANDOM % 250)) $((600 + RANDOM % 250)); do
  "$fetchbin" -c "$cfg" --once contoso-m365 >/dev/null 2>"$work/kill.log" &
  fpid=$!
  for _ in $(seq 2000); do
    now=$(count | cut -d' ' -f1)
    (( now - base >= target )) && break
    kill -0 "$fpid" 2>/dev/null || break
    sleep 0.02
  done
  kill -KILL "$fpid" 2>/dev/null || true
  wait "$fpid" 2>/dev/null || true
  now=$(count | cut -d' ' -f1)
  echo "killed at $((now - base)) of 900 new messages"
  (( now - base > 0 && now - base < 900 )) && partial=$((partial + 1))
done
check "the kills interrupted runs half-way" yes "$( (( partial >= 2 )) && echo yes || echo "$partial")"
"$fetchbin" -c "$cfg" --once contoso-m365 >"$work/run6.out" 2>"$work/run6.log"
check "after SIGKILLs and a rerun: every message exactly once" "$((base + 900)) $((base + 900))" "$(count)"
check "verify passes after the kills" 0 "$("$pj" -c "$cfg" verify --tenant contoso >/dev/null 2>&1; echo $?)"

ctl messages '{"user": "user1@contoso.example", "folder": "inbox1", "count": 1, "start": 9000, "size": 20971520}'
"$fetchbin" -c "$cfg" --once contoso-m365 >"$work/run7.out" 2>"$work/run7.log"
check "a 20 MB message" 1 "$("$pj" -c "$cfg" search --tenant contoso --since 2000-01-01 --limit 1000000 --json | /usr/bin/python3 -c 'import json,sys; print(sum(1 for r in json.load(sys.stdin) if r["size"] > 20000000))')"

# The daemon retrieves the source on its schedule like a mailbox (then SIGTERM stops it).
ctl messages '{"user": "user2@contoso.example", "folder": "inbox2", "count": 7, "start": 7000}'
before=$(count | cut -d' ' -f1)
"$fetchbin" -c "$cfg" -f >"$work/daemon.log" 2>&1 &
dpid=$!
for _ in $(seq 600); do (( $(count | cut -d' ' -f1) >= before + 7 )) && break; sleep 0.05; done
kill -TERM "$dpid"; wait "$dpid" && rc=0 || rc=$?
check "the daemon retrieved the new messages and stopped on SIGTERM" "$((before + 7)) 0" "$(count | cut -d' ' -f1) $rc"
check "the daemon logged the run" 1 "$(grep -c 'microsoft365=contoso-m365 retrieved mailboxes=3 listed=7 archived=7' "$work/daemon.log")"

if (( failures == 0 )); then echo "PASS: m365_e2e"; else echo "FAILED: $failures"; exit 1; fi
