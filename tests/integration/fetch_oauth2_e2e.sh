#!/usr/bin/env bash
# postjournal-fetch logging in to journal mailboxes with SASL XOAUTH2 (vmime's XOAUTH2 mechanism,
# IMAP and POP3): a private dovecot whose oauth2 passdb asks the Graph emulator's introspection
# endpoint. An Exchange Online app-only token (the microsoft365 entry's client credentials, scope
# https://outlook.office365.com/.default) opens the mailbox the emulated application access
# policy allows; a Google service-account token (JWT bearer grant, sub = the mailbox, checked by
# the emulator's token endpoint: signature, audience, scope) opens its subject's. Right token:
# messages pulled and deleted; a token the endpoint refuses, or one dovecot's introspection
# rejects: failure class auth, nothing deleted. A Graph token is not accepted for IMAP.
# Usage: fetch_oauth2_e2e.sh SOURCE_DIR BUILD_DIR   (root; dovecot-imapd dovecot-pop3d)
set -euo pipefail
src=$1
pj=$2/cli/postjournal
fetchbin=$2/fetch/postjournal-fetch
source "$src/scripts/lib/instance.sh"
source "$src/tests/integration/lib/graph.sh"
work=$(mktemp -d)
chmod 755 "$work"
failures=0
cleanup() {
  if [[ -s $work/dc/run/master.pid ]]; then
    local mp; mp=$(cat "$work/dc/run/master.pid"); kill "$mp" 2>/dev/null || true
    wait_gone "$mp" 2>/dev/null || true
  fi
  graph_stop
  if (( failures > 0 )); then tail -n 25 "$work"/*.log "$work"/dc/dovecot.log 2>/dev/null || true; fi
  if [[ -n ${KEEP:-} ]]; then echo "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
ok() { echo "ok: $*"; }
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
check() { if [[ "$2" == "$3" ]]; then ok "$1"; else fail "$1: want [$2] got [$3]"; fi; }

graph_certs "$work"
# The Google service account: its key file as Google issues it, and a certificate of its key
# for the emulator to check signatures with.
openssl genrsa -out "$work/sa.key" 2048 2>/dev/null
openssl req -x509 -new -key "$work/sa.key" -days 2 -subj /CN=sa -out "$work/sa.pem" 2>/dev/null

port=$(free_port)
iport=$(free_port)
G=https://127.0.0.1:$port  # the token_uri of the key file below
dir=11111111-2222-3333-4444-555555555555
cid=aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee
/usr/bin/python3 - "$work/sa.key" "$G/google/token" >"$work/sa.json" <<'PY'
import json, sys
print(json.dumps({"type": "service_account", "project_id": "pj-test", "private_key_id": "k1",
                  "private_key": open(sys.argv[1]).read(), "token_uri": sys.argv[2],
                  "client_email": "archiver@pj-test.iam.gserviceaccount.com"}))
PY
graph_start "$work" "$port" --tenant "$dir" --client-id "$cid" --secret 's3cret' \
  --google-cert "$work/sa.pem" --google-email archiver@pj-test.iam.gserviceaccount.com \
  --exchange-mailbox journal@contoso.example --introspect-port "$iport"
wait_port "$iport" "$EMU_PID"
ctl() { graph_ctl "$work" "$@"; }

# dovecot: IMAP and POP3 on loopback, XOAUTH2 only, tokens checked by introspection.
d=$work/dc
mkdir -p "$d/run" "$d/state" "$d/mail"
imap=$(free_port)
pop3=$(free_port)
cat >"$d/dovecot.conf" <<CONF
instance_name = pj-oauth2-$$
base_dir = $d/run
state_dir = $d/state
log_path = $d/dovecot.log
info_log_path = $d/dovecot.log
protocols = imap pop3
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
# As Exchange Online and Gmail do, PLAIN is offered beside XOAUTH2 (here nobody can use it):
# vmime 0.9.2 asks GNU SASL to "suggest" a mechanism first, which fails when only XOAUTH2 and
# OAUTHBEARER are offered; postjournal then still uses XOAUTH2 and nothing else.
auth_mechanisms = plain xoauth2 oauthbearer
auth_failure_delay = 0
passdb {
  driver = passwd-file
  mechanisms = plain
  args = scheme=PLAIN $d/nobody
}
passdb {
  driver = oauth2
  mechanisms = xoauth2 oauthbearer
  args = $d/oauth2.conf.ext
}
userdb {
  driver = passwd-file
  args = username_format=%u $d/users
}
first_valid_uid = 100
mail_location = maildir:~/Maildir
pop3_uidl_format = %08Xu%08Xv
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = $imap
  }
  inet_listener imaps {
    port = 0
  }
}
service pop3-login {
  inet_listener pop3 {
    address = 127.0.0.1
    port = $pop3
  }
  inet_listener pop3s {
    port = 0
  }
}
service anvil {
  unix_listener anvil-auth-penalty {
    mode = 0
  }
}
CONF
cat >"$d/oauth2.conf.ext" <<CONF
introspection_url = http://127.0.0.1:$iport/introspect
introspection_mode = post
client_id = dovecot
client_secret = s3cret
username_attribute = username
username_format = %Lu
active_attribute = active
active_value = true
scope = mail
timeout_msecs = 5000
CONF
: >"$d/users"
: >"$d/nobody"
for u in journal@contoso.example journal@google.example; do
  echo "$u::65534:65534::$d/mail/$u::" >>"$d/users"
  mkdir -p "$d/mail/$u/Maildir/"{cur,new,tmp}
done
put_mail() {  # put_mail USER N PREFIX
  for i in $(seq "$2"); do
    printf 'From: s%d@fabrikam.example\r\nTo: %s\r\nSubject: %s %d\r\nMessage-ID: <%s-%d@x>\r\n\r\nbody %d\r\n' \
      "$i" "$1" "$3" "$i" "$3" "$i" "$i" >"$d/mail/$1/Maildir/new/$3.$i.$$"
  done
  chown -R 65534:65534 "$d/mail"
}
in_box() { find "$d/mail/$1/Maildir/new" "$d/mail/$1/Maildir/cur" -type f | wc -l; }
put_mail journal@contoso.example 4 imap
dovecot -c "$d/dovecot.conf"
wait_port "$imap" "$(cat "$d/run/master.pid")"
wait_port "$pop3" "$(cat "$d/run/master.pid")"

printf 's3cret\n' >"$work/secret"
printf 'wrong\n' >"$work/wrong"
cfg=$work/pj.yaml
cat >"$cfg" <<YAML
milter: {user: root}
archive: {root: $work/archive}
index: {enabled: false}
microsoft365:
  - {name: contoso-m365, tenant: contoso, directory_id: $dir, client_id: $cid,
     client_secret_file: $work/secret, login_url: "$G", graph_url: "$G", ca_file: $work/ca.pem,
     active: false}
  - {name: contoso-wrong, tenant: contoso, directory_id: $dir, client_id: $cid,
     client_secret_file: $work/wrong, login_url: "$G", graph_url: "$G", ca_file: $work/ca.pem,
     active: false}
mailboxes:
  - {name: exo-imap, tenant: contoso, protocol: imap, host: 127.0.0.1, port: $imap,
     username: journal@contoso.example, oauth2: {microsoft365: contoso-m365}}
  - {name: exo-pop3, tenant: contoso, protocol: pop3, host: 127.0.0.1, port: $pop3,
     username: journal@contoso.example, oauth2: {microsoft365: contoso-m365}}
  - {name: exo-wrong, tenant: contoso, protocol: imap, host: 127.0.0.1, port: $imap,
     username: journal@contoso.example, oauth2: {microsoft365: contoso-wrong}}
  - {name: gws-imap, tenant: google, protocol: imap, host: 127.0.0.1, port: $imap,
     username: journal@google.example, ca_file: $work/ca.pem,
     oauth2: {google_service_account_file: $work/sa.json}}
YAML

out=$("$fetchbin" -c "$cfg" --validate exo-imap 2>&1) && rc=0 || rc=$?
echo "$out" >"$work/validate.log"
check "--validate with an Exchange app-only token (XOAUTH2)" "0 1" "$rc $(grep -c 'login:    ok (SASL XOAUTH2)' <<<"$out")"
out=$("$fetchbin" -c "$cfg" --once exo-wrong 2>&1) && rc=0 || rc=$?
check "a refused client secret: auth failure, nothing deleted" "75 1 4" "$rc $(grep -c 'FAILED (auth): OAuth2 token: .*AADSTS7000215' <<<"$out") $(in_box journal@contoso.example)"
"$fetchbin" -c "$cfg" --once exo-imap >"$work/imap.out" 2>&1
check "IMAP XOAUTH2: pulled and deleted" "1 0" "$(grep -c '^exo-imap: 4 listed, 4 archived' "$work/imap.out") $(in_box journal@contoso.example)"
put_mail journal@contoso.example 3 pop
"$fetchbin" -c "$cfg" --once exo-pop3 >"$work/pop.out" 2>&1
check "POP3 XOAUTH2: pulled and deleted" "1 0" "$(grep -c '^exo-pop3: 3 listed, 3 archived' "$work/pop.out") $(in_box journal@contoso.example)"
put_mail journal@google.example 2 gws
"$fetchbin" -c "$cfg" --once gws-imap >"$work/gws.out" 2>&1
check "Google service account (JWT bearer, sub = mailbox): pulled" "1 0" "$(grep -c '^gws-imap: 2 listed, 2 archived' "$work/gws.out") $(in_box journal@google.example)"

ctl faults '{"revoked": true}'
put_mail journal@contoso.example 2 revoked
out=$("$fetchbin" -c "$cfg" --once exo-imap 2>&1) && rc=0 || rc=$?
check "a token the server refuses: auth failure, nothing deleted" "75 1 2" "$rc $(grep -c 'FAILED (auth)' <<<"$out") $(in_box journal@contoso.example)"
ctl faults '{"revoked": false}'
check "archived: 7 deliveries of contoso, 2 of google" "7 2" "$("$pj" -c "$cfg" search --tenant contoso --since 2000-01-01 --json | grep -c '"id"') $("$pj" -c "$cfg" search --tenant google --since 2000-01-01 --json | grep -c '"id"')"

check "every login was XOAUTH2, none PLAIN" "yes 0" "$(grep -q 'method=XOAUTH2' "$d/dovecot.log" && echo yes) $(grep -c 'method=PLAIN' "$d/dovecot.log" || true)"

if (( failures == 0 )); then echo "PASS: fetch_oauth2_e2e"; else echo "FAILED: $failures"; exit 1; fi
