#!/usr/bin/env bash
# postjournal-fetch against a private dovecot: the five protocol variants (validate, fetch,
# archive byte-exact, delete), keep mode over several runs, certificate trust (ca_file, untrusted,
# wrong host name, validation off), wrong password, unknown host, missing folder, 500 messages in
# one run, a 20 MB message, SIGKILL during a run (then every message archived exactly once, none
# lost), and the daemon (a failure logged once per episode, recovery after a reload, SIGTERM).
# Runs inside a private network and mount namespace: only lo; /etc/resolv.conf points at
# 127.0.0.1 (nothing answers) and /etc/hosts names imap.test.test, for this namespace only.
# Run as: unshare --net --mount --fork fetch_e2e.sh SOURCE_DIR BUILD_DIR   (root)
set -euo pipefail
src=$1 build=$2
export POSTJOURNAL_SOURCE=$src
source "$src/scripts/lib/instance.sh"
source "$src/scripts/lib/dovecot.sh"
work=$(mktemp -d)
chmod 755 "$work"
dc=$work/dovecot
DAEMON_PID=
cleanup() {
  set +e
  if [[ -n $DAEMON_PID ]]; then kill -KILL "$DAEMON_PID" 2>/dev/null; fi
  dovecot_stop "$dc"
  rm -rf "$work"
}
trap cleanup EXIT

ip link set lo up
printf 'nameserver 127.0.0.1\noptions timeout:1 attempts:1\n' >"$work/resolv.conf"
mount --bind "$work/resolv.conf" /etc/resolv.conf
printf '127.0.0.1 localhost\n127.0.0.1 imap.test.test\n' >"$work/hosts"
mount --bind "$work/hosts" /etc/hosts

mkdir -p "$dc"
dovecot_start "$dc"

fetch() { "$build/fetch/postjournal-fetch" -c "$work/pj.yaml" "$@"; }
pj() { "$build/cli/postjournal" -c "$work/pj.yaml" "$@"; }
fail() { echo "FAIL: $*" >&2; exit 1; }
ok() { echo "ok: $*"; }
deliveries() { pj list --tenant "$1" --json --limit 100000 | grep -c '"id"' || true; }
distinct() { pj list --tenant "$1" --json --limit 100000 | grep '"sha256"' | sort -u | wc -l; }
# tagged TENANT TAG: the content hashes of the deliveries whose subject starts with TAG, one a line.
tagged() {
  pj list --tenant "$1" --json --limit 100000 |
    awk -v tag="\"subject\": \"$2 " '/"sha256"/ {sha = $2} index($0, tag) {print sha}'
}

# mailbox NAME TENANT PROTOCOL PORT USER PASSWORD [EXTRA YAML]
boxes=
mailbox() {
  boxes+="  - {name: $1, tenant: $2, protocol: $3, host: ${HOST:-127.0.0.1}, port: $4, username: $5, password: \"$6\", poll_interval: 10${7:+, $7}}
"
}
write_config() {
  printf 'milter: {user: root}\narchive: {root: %s}\nmailboxes:\n%s' "$work/archive" "$boxes" >"$work/pj.yaml"
}

# put_maildir USER COUNT TAG: COUNT distinct CRLF messages straight into the user's Maildir/new.
put_maildir() {
  local md=$dc/home/${1%@*}/Maildir i
  mkdir -p "$md/new" "$md/cur" "$md/tmp"
  for ((i = 1; i <= $2; i++)); do
    printf 'From: journal@acme.test\r\nTo: archive@acme.test\r\nSubject: %s %d\r\nMessage-ID: <%s.%d@acme.test>\r\n\r\nbody %s %d\r\n' \
      "$3" "$i" "$3" "$i" "$3" "$i" >"$md/new/$3.$i.test"
  done
  chown -R mail:mail "$dc/home"
}
count() { dovecot_count "$dc" "$@"; }
ca="ca_file: $dc/cert.pem"

# --- the five protocol variants, each with its own user mailbox state ---------------------------
mailbox imap acme imap "$DC_IMAP" alice@test.test 'S3cret!'
mailbox imap-starttls acme imap "$DC_IMAP" alice@test.test 'S3cret!' "starttls: required, $ca"
mailbox imaps acme imaps "$DC_IMAPS" alice@test.test 'S3cret!' "$ca"
mailbox pop3 acme pop3 "$DC_POP3" alice@test.test 'S3cret!'
mailbox pop3s acme pop3s "$DC_POP3S" alice@test.test 'S3cret!' "$ca"
HOST=imap.test.test mailbox imaps-byname acme imaps "$DC_IMAPS" alice@test.test 'S3cret!' "$ca"
mailbox keep globex imaps "$DC_IMAPS" bob@test.test 'B0b-pass' "$ca, delete_after_indexing: false"
mailbox keep-pop3 globex pop3s "$DC_POP3S" bob@test.test 'B0b-pass' "$ca, delete_after_indexing: false"
mailbox untrusted acme imaps "$DC_IMAPS" alice@test.test 'S3cret!'
HOST=localhost mailbox wrong-host acme pop3s "$DC_POP3S" alice@test.test 'S3cret!' "$ca"
mailbox no-verify acme imaps "$DC_IMAPS" alice@test.test 'S3cret!' "validate_certificates: false"
mailbox wrong-password acme imap "$DC_IMAP" alice@test.test 'wrong'
HOST=no-such-host.invalid mailbox unknown-host acme imap "$DC_IMAP" alice@test.test 'S3cret!'
mailbox no-folder acme imap "$DC_IMAP" alice@test.test 'S3cret!' "folder: Journal"
mailbox refused acme imap "$(free_port)" alice@test.test 'S3cret!'
write_config
sed -i 's/^\(  - {name: \(untrusted\|wrong-host\|no-verify\|wrong-password\|unknown-host\|no-folder\|refused\|keep\|keep-pop3\|imaps-byname\),.*\)}$/\1, active: false}/' "$work/pj.yaml"

journal=$src/tests/data/journal
total=0
for variant in imap imap-starttls imaps pop3 pop3s imaps-byname; do
  files=("$journal/exchange-to-cc-bcc.eml" "$journal/google.eml" "$journal/zimbra.eml")
  for f in "${files[@]}"; do dovecot_put "$dc" alice@test.test "$f"; done
  out=$(fetch --validate "$variant") || fail "$variant: validate: $out"
  grep -q '^OK$' <<<"$out" || fail "$variant: validate said: $out"
  out=$(fetch --once "$variant" 2>"$work/$variant.log") || fail "$variant: --once: $out"
  grep -q "3 listed, 3 archived, 0 already archived, 3 deleted" <<<"$out" || fail "$variant: $out"
  n=$(count alice@test.test); [[ $n == 0 ]] || fail "$variant: mailbox not emptied ($n left)"
  total=$((total + 3))
  [[ $(deliveries acme) == "$total" ]] || fail "$variant: archive has $(deliveries acme), want $total"
  for i in 0 1 2; do  # byte-exact: the export equals the file dovecot was given (CRLF fixtures)
    id=acme:$((total - 2 + i))
    [[ $(pj export "$id" | sha256sum) == $(sha256sum <"${files[$i]}") ]] || fail "$variant: $id differs"
  done
  show=$(pj show --json "acme:$total")
  grep -q "\"source\": \"$variant\"" <<<"$show" || fail "$variant: source not recorded"
  grep -q '"fetch_uid": "\(imap [0-9]* [0-9]*\|pop3 [0-9A-Fa-f]*\)"' <<<"$show" || fail "$variant: uid: $show"
  case $variant in
    imap | pop3) grep -q '"tls_peer": null' <<<"$show" || fail "$variant: tls_peer set without TLS" ;;
    *) grep -q '"tls_peer": "sha256:[0-9a-f]* verified"' <<<"$show" || fail "$variant: tls_peer: $show" ;;
  esac
  ok "$variant: validated, 3 reports archived byte-exact and deleted"
done
pj show --json acme:1 | grep -q '"kind": "bcc"' ||
  fail "journal envelope not extracted from a fetched report"
ok "fetched reports go through journal extraction (BCC recipients recorded)"

# --- failure classes: each named, nothing deleted -----------------------------------------------
dovecot_put "$dc" alice@test.test "$journal/workmail.eml"
expect_failure() {  # NAME CLASS TEXT
  local out rc=0
  out=$(fetch --validate "$1") || rc=$?
  [[ $rc == 1 ]] || fail "$1: --validate exit $rc: $out"
  grep -q "^FAILED ($2): .*$3" <<<"$out" || fail "$1: want ($2) $3, got: $out"
  rc=0
  out=$(fetch --once "$1" 2>/dev/null) || rc=$?
  [[ $rc == 75 ]] || fail "$1: --once exit $rc: $out"
  [[ $(count alice@test.test) == 1 ]] || fail "$1: a message was deleted"
  ok "$1: --validate says ($2), --once exits 75, nothing deleted"
}
expect_failure untrusted certificate "not trusted"
expect_failure wrong-host hostname "does not name this host"
expect_failure wrong-password auth "authentication failed"
expect_failure unknown-host resolve "cannot resolve host name no-such-host.invalid"
expect_failure no-folder folder "folder 'Journal' does not exist"
expect_failure refused connect "connection failed"

out=$(fetch --validate no-verify)
grep -q "WARNING: not verified" <<<"$out" || fail "no-verify: no warning: $out"
fetch --once no-verify >/dev/null 2>"$work/no-verify.log"
grep -q "certificate not verified (validate_certificates: false)" "$work/no-verify.log" ||
  fail "no-verify: no warning logged"
pj show --json "acme:$((total + 1))" | grep -q '"tls_peer": "sha256:[0-9a-f]* unverified"' ||
  fail "no-verify: tls_peer not marked unverified"
total=$((total + 1))
ok "validate_certificates: false works, with a warning, recorded as unverified"

# --- keep mode: each message imported once over several runs (IMAP and POP3) --------------------
put_maildir bob@test.test 4 keep
for run in 1 2 3; do
  fetch --once keep >/dev/null 2>&1
  fetch --once keep-pop3 >/dev/null 2>&1
  if [[ $run == 2 ]]; then put_maildir bob@test.test 2 keep-more; fi
done
[[ $(count bob@test.test) == 6 ]] || fail "keep: mailbox changed ($(count bob@test.test))"
[[ $(deliveries globex) == 12 ]] || fail "keep: globex has $(deliveries globex) deliveries, want 6 per source"
[[ $(pj list --tenant globex --json --limit 100 | grep -c '"source": "keep-pop3"') == 6 ]] ||
  fail "keep: POP3 imported a message twice"
[[ $(distinct globex) == 6 ]] || fail "keep: IMAP and POP3 copies differ in bytes"
ok "keep mode: 6 messages imported once each over 3 runs, by IMAP and POP3 alike (same bytes)"

# --- 500 messages in one run, a 20 MB message ---------------------------------------------------
# Under AddressSanitizer (SANITIZED=1) the bulk and SIGKILL runs use fewer messages (same paths).
bulk=500 killn=300
if [[ ${SANITIZED:-0} == 1 ]]; then bulk=100 killn=120; fi
before=$(deliveries acme)
put_maildir alice@test.test "$bulk" bulk
start=$(date +%s%N)
out=$(fetch --once imaps 2>/dev/null)
ms=$((($(date +%s%N) - start) / 1000000))
grep -q "$bulk listed, $bulk archived, 0 already archived, $bulk deleted" <<<"$out" || fail "bulk: $out"
[[ $(deliveries acme) == $((before + bulk)) ]] || fail "bulk: archive count"
echo "figure: $bulk messages over IMAPS in one run: ${ms} ms"
ok "$bulk messages in one run"

big=$work/big.eml
{
  printf 'From: journal@acme.test\r\nSubject: twenty megabytes\r\nMessage-ID: <big@acme.test>\r\n\r\n'
  head -c 15000000 /dev/urandom | base64 -w 76 | sed 's/$/\r/'
} >"$big"
dovecot_put "$dc" alice@test.test "$big"
out=$(fetch --once pop3s 2>/dev/null)
grep -q "1 listed, 1 archived" <<<"$out" || fail "20 MB: $out"
[[ $(pj export "acme:$(deliveries acme)" | sha256sum) == $(sha256sum <"$big") ]] || fail "20 MB: bytes differ"
ok "a $(stat -c %s "$big")-byte message over POP3S, byte-exact"

# --- SIGKILL during a run, then a rerun: every message exactly once, none lost ------------------
for variant in imaps pop3s; do
  before=$(deliveries acme)
  put_maildir alice@test.test "$killn" "kill-$variant"
  "$build/fetch/postjournal-fetch" -c "$work/pj.yaml" --once "$variant" >/dev/null 2>"$work/kill.log" &
  pid=$!
  for _ in $(seq 2000); do
    [[ $(grep -c 'stored' "$work/kill.log" || true) -ge 60 ]] && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.01
  done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  killed_at=$(grep -c 'stored' "$work/kill.log" || true)
  out=$(fetch --once "$variant" 2>&1) || fail "$variant: rerun after SIGKILL failed: $out"
  n=$(count alice@test.test); [[ $n == 0 ]] || fail "$variant: mailbox not emptied after rerun ($n left)"
  added=$(($(deliveries acme) - before))
  [[ $added == "$killn" ]] || fail "$variant: $added deliveries for $killn messages after SIGKILL"
  [[ $(tagged acme "kill-$variant" | sort -u | wc -l) == "$killn" ]] ||
    fail "$variant: not every message was archived exactly once"
  ok "$variant: SIGKILL after $killed_at stored, rerun: $killn archived exactly once, none lost"
done
pj verify --tenant acme >/dev/null || fail "verify failed"

# --- the daemon: failure logged once per episode, recovery after reload, SIGTERM ---------------
sed -i 's/active: false}$/active: false}/; /name: wrong-password/s/active: false/active: true/' "$work/pj.yaml"
sed -i '/name: \(imap\|imap-starttls\|imaps\|pop3\|pop3s\),/s/}$/, active: false}/' "$work/pj.yaml"
put_maildir alice@test.test 5 daemon
"$build/fetch/postjournal-fetch" -f -c "$work/pj.yaml" 2>"$work/daemon.log" &
DAEMON_PID=$!
for _ in $(seq 400); do grep -q 'failing reason=auth' "$work/daemon.log" && break; sleep 0.025; done
grep -q "mailbox=wrong-password failing reason=auth" "$work/daemon.log" || fail "daemon: no failure line: $(cat "$work/daemon.log")"
rc=0; out=$(pj status) || rc=$?
[[ $rc == 2 ]] && grep -q '^wrong-password .*FAILING (auth: ' <<<"$out" || fail "status while failing ($rc): $out"
ok "status: the failing mailbox is FAILING with its reason, exit 2"
sed -i "/name: wrong-password/s/password: \"wrong\"/password: \"S3cret!\"/" "$work/pj.yaml"
kill -USR1 "$DAEMON_PID"
for _ in $(seq 800); do grep -q 'recovered' "$work/daemon.log" && break; sleep 0.025; done
grep -q 'mailbox=wrong-password recovered after 1 failed attempts' "$work/daemon.log" ||
  fail "daemon: no recovery line: $(cat "$work/daemon.log")"
[[ $(grep -c 'failing reason=auth' "$work/daemon.log") == 1 ]] || fail "daemon: failure logged more than once"
[[ $(count alice@test.test) == 0 ]] || fail "daemon: mailbox not pulled after recovery"
kill -TERM "$DAEMON_PID"
wait_gone "$DAEMON_PID"
wait "$DAEMON_PID" || fail "daemon: exit status $? after SIGTERM"
DAEMON_PID=
ok "daemon: auth failure logged once, recovered after SIGUSR1 reload, stopped by SIGTERM"
rc=0; out=$(pj status) || rc=$?
[[ $rc == 0 ]] && grep -q '^wrong-password .* 5 *OK$' <<<"$out" || fail "status after recovery ($rc): $out"
grep -q '^imaps .*DISABLED$' <<<"$out" || fail "status: inactive mailbox not DISABLED: $out"
rc=0; out=$(pj status --json --now "@$(($(date +%s) + 3 * 86400))") || rc=$?
[[ $rc == 2 ]] && grep -q '"state": "INACTIVE"' <<<"$out" || fail "status 3 days later ($rc): $out"
ok "status: OK after recovery (5 messages in 24 h), INACTIVE with exit 2 three days later"
echo "all fetch tests passed"
