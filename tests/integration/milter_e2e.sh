#!/usr/bin/env bash
# postjournal-milter on a real, private Postfix (127.0.0.1, free ports), end to end:
#   byte-exactness of every corpus journal report and a 5,000-character line; ip and ip+domain
#   listeners from different loopback source addresses; No Tenant (unmatched mail, the Microsoft
#   365 connector validation mail); 452 4.5.3 for a second tenant's recipient and delivery after
#   the client retries it alone; smtp (SASL) over STARTTLS with the login and TLS facts recorded;
#   milter down -> 4xx, back -> mail flows; SIGUSR1 reload to `unassigned: reject` -> 550.
# Usage: milter_e2e.sh SOURCE_DIR BUILD_DIR   (root; CI provides ../shared/corpus)
set -euo pipefail
export POSTJOURNAL_SOURCE=$1 POSTJOURNAL_BIN_DIR=$2/milter
pj=$2/cli/postjournal
corpus=$1/../shared/corpus
source "$1/scripts/lib/instance.sh"

work=$(mktemp -d)
chmod 755 "$work"  # Postfix's unprivileged processes must reach their directories
MILTER_PID=
cleanup() { milter_stop; pf_stop "$work"; rm -rf "$work"; }
trap cleanup EXIT
port=$(free_port)
mport=$(free_port)
mkdir -p "$work/pjspool"
write_config() {  # write_config UNASSIGNED
  cat >"$work/pj.yaml" <<YAML
milter:
  socket: inet:$mport@127.0.0.1
  user: root
  spool_dir: $work/pjspool
  memory_limit: 64K
archive:
  root: $work/archive
unassigned: $1
listeners:
  - name: acme-relay
    tenant: acme
    auth: {method: ip, ips: [127.0.0.2/32]}
  - name: shared-t1
    tenant: t1
    auth: {method: ip+domain, ips: [127.0.0.3/32], domain: t1.archive.test}
  - name: shared-t2
    tenant: t2
    auth: {method: ip+domain, ips: [127.0.0.3/32], domain: t2.archive.test}
  - name: zimbra-sasl
    tenant: globex
    type: forward
    auth: {method: smtp, username: alice@test.test}
YAML
}
write_config queue
milter_start "$work/pj.yaml" "$work/milter.log"
pf_start "$work" "$port" "$mport"

failures=0
ok() { echo "ok: $*"; }
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# 0. doctor: the instance wired by postfix-setup.sh is safe; a default Postfix is not.
if "$pj" doctor -c "$work/etc" --milter "inet:127.0.0.1:$mport" >"$work/doctor.txt" 2>&1; then
  ok "doctor finds the wired instance safe"
else
  fail "doctor on the wired instance: $(grep FIX "$work/doctor.txt")"
fi
mkdir -p "$work/unsafe" && cp /etc/postfix/master.cf "$work/unsafe/" && : >"$work/unsafe/main.cf"
if ! "$pj" doctor -c "$work/unsafe" >"$work/doctor.txt" 2>&1 &&
   [[ $(grep -c '^FIX' "$work/doctor.txt") -ge 5 ]]; then
  ok "doctor flags an unsafe Postfix ($(grep -c '^FIX' "$work/doctor.txt") settings)"
else
  fail "doctor did not flag a default Postfix"
fi
# send SOURCE_IP FROM TO FILE -> prints the final SMTP reply line(s)
send() {
  swaks --server "127.0.0.1:$port" --local-interface "$1" --from "$2" --to "$3" --data "@$4" \
    --timeout 60 2>&1 | grep -E '^<-|^<\*\*' | tail -n 3 || true
}
last_id() { "$pj" --archive-root "$work/archive" list --tenant "$1" --limit 1 --json | sed -n 's/.*"id": "\(.*\)".*/\1/p'; }

# 1. Byte-exactness of every corpus journal report. The SMTP wire form is CRLF; swaks ends DATA
#    with one more CRLF than the file has (it always sends CRLF before the final "."), and
#    Postfix 3.7's cleanup removes Return-Path headers before milters see the message (not
#    configurable before Postfix 3.8's drop_headers). Postfix passes no Received: header of its
#    own to the milter. So the expected bytes are the CRLF form without Return-Path, plus CRLF.
for f in "$corpus"/m365-journal/*.eml "$corpus"/exchange-onprem-journal/*.eml; do
  name=$(basename "$f")
  sed 's/\r$//; s/$/\r/' "$f" >"$work/sent.eml"
  awk 'BEGIN{h=1; drop=0} h && /^\r$/ {h=0} h && drop && /^[ \t]/ {next} {drop=0}
       h && tolower($0) ~ /^return-path:/ {drop=1; next} {print}' "$work/sent.eml" >"$work/expected.eml"
  printf '\r\n' >>"$work/expected.eml"
  reply=$(send 127.0.0.2 journal-ndr@acme.test journal@archive.test "$work/sent.eml")
  [[ $reply == *"250 2.0.0 Ok"* ]] || { fail "$name: $reply"; continue; }
  id=$(last_id acme)
  "$pj" --archive-root "$work/archive" export "$id" -o "$work/raw.eml"
  want=$("$pj" inspect --json "$work/sent.eml" | sed -n 's/.*"original_sha256": "\(.*\)".*/\1/p')
  got=$("$pj" --archive-root "$work/archive" export "$id" --original | sha256sum | cut -d' ' -f1)
  if cmp -s "$work/raw.eml" "$work/expected.eml" && [[ $want == "$got" ]]; then
    ok "$name byte-exact through Postfix ($id), original $got"
  else
    fail "$name: stored bytes or original differ (want original $want, got $got)"
  fi
done

# 2. A 5,000-character line is neither cut nor folded.
{ printf 'From: a@acme.test\r\nTo: j@archive.test\r\nSubject: long line\r\n\r\n'
  printf '%05000d\r\n' 7; printf 'end\r\n'; } >"$work/long.eml"
send 127.0.0.2 a@acme.test j@archive.test "$work/long.eml" >/dev/null
"$pj" --archive-root "$work/archive" export "$(last_id acme)" -o "$work/raw.eml"
printf '\r\n' >>"$work/long.eml"  # swaks's extra CRLF, as above
cmp -s "$work/raw.eml" "$work/long.eml" && ok "5,000-character line kept" || fail "long line altered"

# 3. ip+domain: one source address, two tenants by recipient domain; evidence recorded.
printf 'From: a@x.test\r\nTo: j@t1.archive.test\r\nSubject: t1\r\n\r\nhello t1\r\n' >"$work/t1.eml"
send 127.0.0.3 a@x.test j@t1.archive.test "$work/t1.eml" >/dev/null
send 127.0.0.3 a@x.test j@t2.archive.test "$work/t1.eml" >/dev/null
show=$("$pj" --archive-root "$work/archive" show "$(last_id t1)" --json)
if [[ $show == *'"client_ip": "127.0.0.3"'* && $show == *'"source": "shared-t1"'* &&
      $show == *'"queue_id": "'[0-9A-F]* && -n $(last_id t2) ]]; then
  ok "ip+domain: t1 and t2 by recipient domain, client and queue id recorded"
else
  fail "ip+domain routing or evidence: $show"
fi

# 4. No Tenant: unmatched source, and the Microsoft 365 connector validation mail.
send 127.0.0.9 someone@x.test j@archive.test "$work/t1.eml" >/dev/null
printf 'From: O365ConnectorValidation@acme.onmicrosoft.com\r\nTo: archiver-validation@archive.test\r\nSubject: validation\r\n\r\nThis message was sent from Office 365 to validate the connector.\r\n' >"$work/validation.eml"
reply=$(send 127.0.0.9 O365ConnectorValidation@acme.onmicrosoft.com archiver-validation@archive.test "$work/validation.eml")
queue=$("$pj" --archive-root "$work/archive" list --no-tenant --json)
if [[ $reply == *"250 2.0.0"* && $(grep -c '"id"' <<<"$queue") == 2 ]] &&
   "$pj" --archive-root "$work/archive" show "$(last_id _no-tenant 2>/dev/null || echo _no-tenant:2)" | grep -q connector-validation; then
  ok "unmatched mail and the connector validation mail are in No Tenant"
else
  fail "No Tenant: $reply"
fi
# The queue says why each one is there (the resolver's reason, recorded at arrival).
queue=$("$pj" --archive-root "$work/archive" queue)
if grep -q '^_no-tenant:1 .* someone@x.test .* no listener matches' <<<"$queue" &&
   grep -q '^2 deliveries in the No Tenant queue$' <<<"$queue"; then
  ok "postjournal queue shows the unassigned reason"
else
  fail "queue: $queue"
fi

# 5. A second tenant's recipient gets 452 4.5.3; sent again alone, it arrives.
before=$("$pj" --archive-root "$work/archive" list --tenant t2 --json | grep -c '"id"')
# A message not sent before (an identical earlier transaction would be merged as a retransmission).
{ printf 'X-Split-Test: 1\r\n'; cat "$work/t1.eml"; } >"$work/split.eml"
reply=$(swaks --server "127.0.0.1:$port" --local-interface 127.0.0.3 --from a@x.test \
  --to j@t1.archive.test,j@t2.archive.test --data "@$work/split.eml" 2>&1 | grep -E '^<\*?\*? *452' || true)
send 127.0.0.3 a@x.test j@t2.archive.test "$work/split.eml" >/dev/null
after=$("$pj" --archive-root "$work/archive" list --tenant t2 --json | grep -c '"id"')
if [[ $reply == *"452 4.5.3"* && $after == $((before + 1)) ]]; then
  ok "second tenant's RCPT got 452 4.5.3 and arrived when retried alone"
else
  fail "split: '$reply' t2 $before -> $after"
fi

# 5b. smtp method: SASL (Cyrus sasldb) over STARTTLS; the login and TLS facts are evidence.
e=$work/etc
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$work/key.pem" -out "$work/cert.pem" -days 2 \
  -subj "/CN=archiver.test" >/dev/null 2>&1
mkdir -p "$e/sasl"
printf 'pwcheck_method: auxprop\nauxprop_plugin: sasldb\nmech_list: PLAIN LOGIN\nsasldb_path: %s\n' \
  "$work/sasldb2" >"$e/sasl/smtpd.conf"
echo -n 'S3cret!' | saslpasswd2 -p -f "$work/sasldb2" -c -u test.test alice
chown root:postfix "$work/sasldb2" "$work/key.pem" && chmod 640 "$work/sasldb2" "$work/key.pem"
"$POSTJOURNAL_SOURCE/scripts/postfix-setup.sh" -c "$e" --milter "inet:127.0.0.1:$mport" \
  --tls-cert "$work/cert.pem" --tls-key "$work/key.pem" >/dev/null
postconf -c "$e" -e cyrus_sasl_config_path="$e/sasl" smtpd_sasl_auth_enable=yes \
  smtpd_sasl_type=cyrus smtpd_sasl_path=smtpd smtpd_sasl_security_options=noanonymous
postfix -c "$e" reload >/dev/null 2>&1
reply=$(swaks --server "127.0.0.1:$port" --local-interface 127.0.0.9 --tls --auth PLAIN \
  --auth-user alice@test.test --auth-password 'S3cret!' --from zimbra@globex.test \
  --to journal@archive.test --data "@$work/t1.eml" 2>&1 | grep -E "^<[~-] +250 2.0.0" | tail -1)
show=$("$pj" --archive-root "$work/archive" show globex:1 --json 2>&1 || true)
if [[ $reply == *"250 2.0.0"* && $show == *'"sasl_login": "alice@test.test"'* &&
      $show == *'"tls_version": "TLSv1.'* && $show == *'"source": "zimbra-sasl"'* ]]; then
  ok "SASL over STARTTLS: tenant globex, login and TLS version recorded"
else
  fail "SASL/TLS: '$reply' $show"
fi

# 5c. One SMTP session: two messages, a RSET in between, then a DATA the client abandons
#     (disconnect mid-DATA). Both complete messages are stored, each alone; the aborted one not.
before=$("$pj" --archive-root "$work/archive" list --tenant acme --json | grep -c '"id"')
perl -MNet::SMTP -e '
  my $s = Net::SMTP->new("127.0.0.1", Port => $ARGV[0], LocalAddr => "127.0.0.2", Timeout => 30) or die;
  for my $n (1, 2) {
    $s->mail("s$n\@acme.test"); $s->to("j\@archive.test");
    $s->data(); $s->datasend("Subject: session $n
Message-ID: <session-$n\@acme.test>

body $n
");
    $s->dataend() or die "message $n: " . $s->message;
    $s->reset();
  }
  $s->mail("s3\@acme.test"); $s->to("j\@archive.test"); $s->data();
  $s->datasend("Subject: aborted
Message-ID: <session-3\@acme.test>

partial");
  close($s);  # vanish mid-DATA
' "$port"
s1=$("$pj" --archive-root "$work/archive" search --tenant acme --message-id session-1@acme.test --json)
s2=$("$pj" --archive-root "$work/archive" search --tenant acme --message-id session-2@acme.test --json)
s3=$("$pj" --archive-root "$work/archive" search --tenant acme --message-id session-3@acme.test --json)
after=$("$pj" --archive-root "$work/archive" list --tenant acme --json | grep -c '"id"')
if [[ $s1 == *'"sender": "s1@acme.test"'* && $s2 == *'"sender": "s2@acme.test"'* && $s3 == "[]" &&
      $after == $((before + 2)) ]]; then
  ok "two messages and an abandoned DATA in one session: two stored, nothing bled, nothing for the abort"
else
  fail "session: before=$before after=$after s3=$s3"
fi

# 6. Milter down: Postfix answers 4xx and accepts nothing; milter back: mail flows.
milter_stop
count=$("$pj" --archive-root "$work/archive" list --tenant acme --json | grep -c '"id"')
reply=$(send 127.0.0.2 a@acme.test j@archive.test "$work/t1.eml")
milter_start "$work/pj.yaml" "$work/milter.log"
reply2=$(send 127.0.0.2 a@acme.test j@archive.test "$work/t1.eml")
count2=$("$pj" --archive-root "$work/archive" list --tenant acme --json | grep -c '"id"')
if [[ $reply == *"451"* && $reply2 == *"250 2.0.0"* && $count2 == $((count + 1)) ]]; then
  ok "milter down: 4xx; milter back: archived"
else
  fail "milter down/up: '$reply' '$reply2' $count -> $count2"
fi
if postqueue -c "$work/etc" -j | grep -q .; then fail "Postfix queued mail while the milter was down"; fi

# 7. SIGUSR1 reload to `unassigned: reject`: unmatched mail gets 550 5.7.1.
write_config reject
kill -USR1 "$MILTER_PID"
for _ in $(seq 200); do grep -q "configuration reloaded" "$work/milter.log" && break; sleep 0.025; done
reply=$(send 127.0.0.9 someone@x.test j@archive.test "$work/t1.eml")
[[ $reply == *"550 5.7.1"* ]] && ok "after reload, unmatched mail is rejected with 550 5.7.1" || fail "reject: $reply"

# 8. A broken configuration on SIGUSR1 is refused and the running one kept.
echo "listeners: [{name: broken}]" >"$work/pj.yaml"
kill -USR1 "$MILTER_PID"
for _ in $(seq 200); do grep -q "reload failed" "$work/milter.log" && break; sleep 0.025; done
reply=$(send 127.0.0.9 someone@x.test j@archive.test "$work/t1.eml")
if grep -q "reload failed, keeping the old configuration" "$work/milter.log" && [[ $reply == *"550 5.7.1"* ]]; then
  ok "a failed reload keeps the old configuration"
else
  fail "failed reload: $reply"
fi

# 9. Started as root with milter.user set, the milter drops to that user after opening its
#    socket and still archives (the archive and spool belong to that user).
milter_stop
write_config queue
sed -i 's/  user: root/  user: postfix/' "$work/pj.yaml"
chown -R postfix "$work/archive" "$work/pjspool"
milter_start "$work/pj.yaml" "$work/milter.log"
reply=$(send 127.0.0.2 a@acme.test j@archive.test "$work/t1.eml")
user=$(stat -c %U "/proc/$MILTER_PID")
if [[ $user == postfix && $reply == *"250 2.0.0"* ]]; then
  ok "the milter runs as milter.user (postfix) after opening its socket, and archives"
else
  fail "privilege drop: user=$user reply=$reply"
fi

# 10. The milter's indexer thread (index.enabled, the default) indexes what arrived, as
#     milter.user, without anyone running `postjournal index`: wait (bounded) for a lag of 0.
indexed() {  # status exits non-zero for other reasons (a NEVER listener): only its JSON counts
  { "$pj" -c "$work/pj.yaml" status --json || true; } | tr -d ' \n' |
    grep -q '"indexes":\[.*{"tenant":"acme","state":"OK"'
}
deadline=$((SECONDS + 120))
until indexed || ((SECONDS > deadline)); do sleep 0.2; done
if indexed; then
  total=$("$pj" --archive-root "$work/archive" search --tenant acme '*' --count)
  listed=$("$pj" --archive-root "$work/archive" list --tenant acme --json | grep -c '"id":')
  if [[ $total == "$listed" && $total -gt 0 ]] &&
     [[ $("$pj" --archive-root "$work/archive" search --tenant acme 'envto:j@archive.test' --count) -gt 0 ]]; then
    ok "the milter's indexer indexed all $total deliveries of acme"
  else
    fail "index of acme: $total indexed, $listed listed"
  fi
else
  fail "the milter's indexer did not catch up: $("$pj" -c "$work/pj.yaml" status | tail -5)"
fi

"$pj" --archive-root "$work/archive" verify >/dev/null && ok "verify passes" || fail "verify"
status=$("$pj" -c "$work/pj.yaml" status || true)
if grep -q '^acme-relay .*listener .* OK$' <<<"$status" && grep -q '^No Tenant queue: [1-9]' <<<"$status"; then
  ok "status: the listener that received mail is OK; the No Tenant queue is counted"
else
  fail "status: $status"
fi
grep -q ': stored tenant=acme id=acme:1 source=acme-relay' "$work/milter.log" && ok "log line in Postfix shape" ||
  fail "log line: $(grep stored "$work/milter.log" | head -1)"
[[ $failures -eq 0 ]] || { echo "--- milter log"; tail -20 "$work/milter.log"; exit 1; }
echo "all milter end-to-end checks passed"
