#!/usr/bin/env bash
# Fault injection against postjournal-milter on a private Postfix; every case ends with the
# ledger invariant (tests/integration/lib/ledger.sh) and the milter still serving:
#   1. garbage and truncated packets sent straight to the milter socket;
#   2. SMTP clients that disconnect at every stage (after connect, banner, EHLO, MAIL, RCPT,
#      DATA, half-way through the body): nothing stored, no spill file left behind;
#   3. SIGSTOP of the milter past Postfix's milter timeouts (before a transaction, and after it
#      has seen MAIL and RCPT), then SIGCONT;
#   4. a client that hangs up right after the final "." (it never sees the 250 that follows the
#      commit) and sends the message again: stored once;
#   5. clock jumps: the milter restarted with its clock two days back, then two days ahead
#      (libfaketime), mail flows and the archive verifies;
#   6. Postfix failing the transaction after our durable commit (a second milter answering 4xx at
#      end of message stands in for Postfix's queue file system filling up after the commit,
#      which cannot be timed deterministically): the client gets 4xx, retries once Postfix is
#      well again, gets 250, and the message is stored once.
# Usage: milter_faults_e2e.sh SOURCE_DIR BUILD_DIR   (root)
source "$1/tests/integration/lib/e2e.sh" "$1" "$2"
failing_milter=
e2e_extra_cleanup() {
  [[ -z ${MILTER_PID:-} ]] || kill -CONT "$MILTER_PID" 2>/dev/null
  [[ -z $failing_milter ]] || kill "$failing_milter" 2>/dev/null
}
stack_up "$work" "memory_limit: 64K" "$(cat <<'YAML'
  - name: relay
    tenant: acme
    after_archive: accept
    auth: {method: ip, ips: [127.0.0.2/32, 127.0.0.1/32]}
YAML
)"
# Short milter timeouts so that a stopped milter is given up on quickly (tempfail).
postconf -c "$work/etc" -e milter_connect_timeout=3s milter_command_timeout=3s milter_content_timeout=5s
postfix -c "$work/etc" reload >/dev/null 2>&1

seq_no=0
code=
send_one() {  # send_one: a fresh message from the relay; sets $code to the SMTP reply code
  seq_no=$((seq_no + 1))
  local id="f$seq_no@faults.test"
  code=$(ledger_send acme "$id" "$(ledger_message "$id" 4)" --server "127.0.0.1:$port" \
    --local-interface 127.0.0.2 --from a@acme.test --to j@archive.test)
}
serves() { alive && send_one && [[ $code == 250 ]]; }
alive() { kill -0 "$MILTER_PID" 2>/dev/null; }
spool_empty() { [[ -z $(ls -A "$work/pjspool") ]]; }
wait_for() {  # wait_for DESCRIPTION COMMAND...: polls up to 30 s
  local what=$1; shift
  for _ in $(seq 600); do "$@" && return 0; sleep 0.05; done
  fail "timed out waiting for $what"; return 1
}
raw_milter() {  # raw_milter PRINTF_FORMAT [ARGS...]: bytes straight to the milter socket, then close
  exec 3<>"/dev/tcp/127.0.0.1/$mport"
  # shellcheck disable=SC2059
  printf "$@" >&3 || true
  exec 3>&-
}

# --- 1. garbage and truncated milter packets -----------------------------------------------------
head -c 65536 /dev/urandom >"$work/garbage"
exec 3<>"/dev/tcp/127.0.0.1/$mport"; cat "$work/garbage" >&3 || true; exec 3>&-
raw_milter '\x7f\xff\xff\xffO'                       # a packet claiming 2 GB
raw_milter '\x00\x00\x00\x64O\x00\x00'               # truncated option negotiation
raw_milter '\x00\x00\x00\x0dO\x00\x00\x00\x06\x00\x00\x01\xff\x00\x00\x00\x00\x00\x00\x00\x05Z????'  # unknown command
raw_milter ''                                        # connect and hang up
raw_milter '\x00\x00\x00\x05C\x00\x00\x00'           # a connect packet cut short
if serves; then
  ok "garbage, oversized and truncated packets: the milter survives and keeps serving"
else
  fail "milter after garbage packets (alive: $(alive && echo yes || echo no))"
fi

# --- 2. clients that disconnect at every stage -----------------------------------------------------
for stage in CONNECT BANNER EHLO MAIL RCPT DATA; do
  seq_no=$((seq_no + 1)); id="f$seq_no@faults.test"
  swaks --server "127.0.0.1:$port" --local-interface 127.0.0.2 --from a@acme.test --to j@archive.test \
    --data "@$(ledger_message "$id" 4)" --quit-after "$stage" >/dev/null 2>&1 || true
  echo "acme $id 000" >>"$work/ledger"
done
for cut in 100 200000; do  # half-way through a small body, and after 200 KB (spilled to disk)
  seq_no=$((seq_no + 1)); id="f$seq_no@faults.test"
  f=$(ledger_message "$id" 400)
  exec 3<>"/dev/tcp/127.0.0.1/$port"
  printf 'EHLO c.test\r\nMAIL FROM:<a@acme.test>\r\nRCPT TO:<j@archive.test>\r\nDATA\r\n' >&3
  head -c "$cut" "$f" >&3
  exec 3>&-
  echo "acme $id 000" >>"$work/ledger"
done
wait_for "the milter's spill files to go" spool_empty
if serves && spool_empty; then
  ok "disconnects at connect, banner, EHLO, MAIL, RCPT, DATA and mid-body: no spill file left, still serving"
else
  fail "after disconnects: $(ls "$work/pjspool")"
fi

# --- 3. SIGSTOP past Postfix's milter timeouts, then SIGCONT -----------------------------------------
kill -STOP "$MILTER_PID"
send_one
stopped_code=$code
kill -CONT "$MILTER_PID"
if [[ $stopped_code == 4* ]] && serves; then
  ok "stopped milter: Postfix answered $stopped_code (tempfail, the sender retries); after SIGCONT it serves"
else
  fail "stopped milter: $stopped_code"
fi
# Stopped in the middle of a transaction: the milter has seen MAIL and RCPT, then stops; the
# client sends DATA and the message (a raw SMTP dialogue from 127.0.0.1, also a relay address).
seq_no=$((seq_no + 1)); id="f$seq_no@faults.test"
f=$(ledger_message "$id" 256)
reply() {  # reply: the next complete SMTP reply from fd 3 (its last line)
  local line
  while IFS= read -r -t 60 line <&3; do
    [[ $line =~ ^[0-9]{3}\  ]] && { echo "${line%$'\r'}"; return 0; }
  done
  echo "000 no reply"
}
exec 3<>"/dev/tcp/127.0.0.1/$port"
r=$(reply)
for cmd in "EHLO c.test" "MAIL FROM:<a@acme.test>" "RCPT TO:<j@archive.test>"; do
  printf '%s\r\n' "$cmd" >&3
  r=$(reply)
done
kill -STOP "$MILTER_PID"
printf 'DATA\r\n' >&3
r=$(reply)
if [[ $r == 354* ]]; then
  cat "$f" >&3
  printf '.\r\n' >&3
  r=$(reply)
fi
printf 'QUIT\r\n' >&3 || true
exec 3>&-
kill -CONT "$MILTER_PID"
echo "acme $id ${r:0:3}" >>"$work/ledger"
if [[ $r == 4* ]] && serves; then
  ok "stopped mid-transaction: '$r' to the client; after SIGCONT it serves"
else
  fail "stopped mid-transaction: '$r'"
fi
wait_for "the milter's spill files to go" spool_empty

# --- 4. the sender never sees our 250, so it sends again ----------------------------------------------
seq_no=$((seq_no + 1)); id="f$seq_no@faults.test"
f=$(ledger_message "$id" 8)
exec 3<>"/dev/tcp/127.0.0.1/$port"
r=$(reply)
for cmd in "EHLO c.test" "MAIL FROM:<a@acme.test>" "RCPT TO:<j@archive.test>" "DATA"; do
  printf '%s\r\n' "$cmd" >&3
  r=$(reply)
done
{ cat "$f"; printf '\r\n.\r\n'; } >&3
exec 3>&-  # without reading the reply
stored_once() { grep -q "<$id>" "$work/maillog" && grep -q 'stored tenant=acme' "$work/milter.log" &&
  [[ $("$pj" --archive-root "$work/archive" search --message-id "$id" --json | grep -c '"id"') == 1 ]]; }
wait_for "the abandoned transaction's commit" stored_once
code=$(ledger_send acme "$id" "$f" --server "127.0.0.1:$port" --local-interface 127.0.0.2 \
  --from a@acme.test --to j@archive.test)
if [[ $code == 250 ]] && grep -q 'retransmission=yes' "$work/milter.log"; then
  ok "a retransmission after a lost 250 is acknowledged and stored once"
else
  fail "retransmission: $code"
fi

# --- 5. clock jumps ------------------------------------------------------------------------------------
faketime_lib=$(dpkg -L libfaketime | grep '/libfaketime.so.1$' | head -1)
export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0
jumped=()
for offset in -2d +2d; do
  milter_stop
  LD_PRELOAD=$faketime_lib FAKETIME=$offset FAKETIME_DONT_FAKE_MONOTONIC=1 \
    milter_start "$work/pj.yaml" "$work/milter.log"
  send_one
  jumped+=("$offset:$code")
done
milter_stop
milter_start "$work/pj.yaml" "$work/milter.log"
send_one
jumped+=("now:$code")
if [[ ${jumped[*]} == "-2d:250 +2d:250 now:250" ]] &&
   "$pj" --archive-root "$work/archive" list --tenant acme --limit 3 >/dev/null; then
  ok "clock two days back, two days ahead, back to now: ${jumped[*]}"
else
  fail "clock jumps: ${jumped[*]}"
fi

# --- 6. Postfix fails after our commit -----------------------------------------------------------------
nport=$(free_port)
"$2/bench/noop_milter" "inet:$nport@127.0.0.1" --tempfail-at-eom &
failing_milter=$!
wait_port "$nport" "$failing_milter"
reloads() { grep -c 'reload -- version' "$work/maillog" || true; }
reload_postfix() {  # reload_postfix SMTPD_MILTERS: and wait until the master has reloaded
  local before
  before=$(reloads)
  postconf -c "$work/etc" -e "smtpd_milters=$1"
  postfix -c "$work/etc" reload >/dev/null 2>&1
  wait_for "Postfix to reload" bash -c "(( \$(grep -c 'reload -- version' '$work/maillog') > $before ))"
}
milters=$(postconf -c "$work/etc" -h smtpd_milters)
reload_postfix "$milters, inet:127.0.0.1:$nport"
seq_no=$((seq_no + 1)); id="f$seq_no@faults.test"
f=$(ledger_message "$id" 8)
first=$(ledger_send acme "$id" "$f" --server "127.0.0.1:$port" --local-interface 127.0.0.2 \
  --from a@acme.test --to j@archive.test)
committed=$("$pj" --archive-root "$work/archive" search --message-id "$id" --json | grep -c '"id"' || true)
reload_postfix "$milters"
kill "$failing_milter"; wait "$failing_milter" 2>/dev/null || true
failing_milter=
second=$(ledger_send acme "$id" "$f" --server "127.0.0.1:$port" --local-interface 127.0.0.2 \
  --from a@acme.test --to j@archive.test)
if [[ $first == 4* && $committed == 1 && $second == 250 ]]; then
  ok "Postfix failed after our commit ($first), the retry got 250: stored once"
else
  fail "failure after commit: first $first (stored $committed), retry $second"
fi

ledger_check "$work/archive" || failures=$((failures + 1))
e2e_finish milter_faults_e2e
