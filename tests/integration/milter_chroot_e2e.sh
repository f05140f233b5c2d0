#!/usr/bin/env bash
# Debian's stock layout end to end: a private Postfix whose smtpd runs chrooted (master.cf's
# chroot = y, as Debian ships it), the milter on a unix socket inside the chroot
# (queue_directory/postjournal/milter.sock) and smtpd_milters written by scripts/postfix-setup.sh
# (unix:/postjournal/milter.sock); `postjournal doctor` agrees. Then the fast path, measured with
# strace on the milter during SEQUENTIAL single-message SMTP sessions (default 300) of one tenant:
# every message archived and each one a durable commit, but no openat of the tenant's data.mdb or
# lock.mdb, no fsync (the archive commits with fdatasync; a directory or state sync would be an
# fsync), and no more threads than connections (libmilter's one thread per connection; the old
# code started a writer thread per message as well).
# Usage: milter_chroot_e2e.sh SOURCE_DIR BUILD_DIR [SESSIONS]   (root)
source "$1/tests/integration/lib/e2e.sh" "$1" "$2"
sessions=${3:-300}
STRACE_PID=
e2e_extra_cleanup() {
  [[ -n $STRACE_PID ]] && { kill "$STRACE_PID" 2>/dev/null; wait "$STRACE_PID" 2>/dev/null || true; }
  (( failures > 0 )) && tail -n 20 "$work/milter.log" "$work/maillog" 2>/dev/null
  return 0
}
chmod 755 "$work"
port=$(free_port)
e=$work/etc spool=$work/spool
mkdir -p "$e" "$spool/postjournal" "$work/data" "$work/pjspool"
chmod 755 "$spool/postjournal"
socket=$spool/postjournal/milter.sock
cat >"$work/pj.yaml" <<YAML
milter: {socket: "unix:$socket", user: root, spool_dir: $work/pjspool}
archive: {root: $work/archive}
# The counts below are those of the path to the 250; the indexer thread's own commits (at most one
# pass every 2 s, README Search) are not part of it.
index: {enabled: false}
listeners:
  - {name: acme-relay, tenant: acme, auth: {method: ip, ips: [127.0.0.1/32]}}
YAML
(umask 000; exec "$POSTJOURNAL_BIN_DIR/postjournal-milter" -f -c "$work/pj.yaml") >>"$work/milter.log" 2>&1 &
MILTER_PID=$!
for _ in $(seq 400); do [[ -S $socket ]] && break; kill -0 "$MILTER_PID" || break; sleep 0.025; done
[[ -S $socket ]] || { fail "milter socket $socket"; e2e_finish milter_chroot_e2e; }

# The private Postfix as Debian ships master.cf: smtpd chrooted in queue_directory.
cp /etc/postfix/master.cf "$e/master.cf"
: >"$e/main.cf"
postconf -c "$e" -e compatibility_level=3.6 queue_directory="$spool" data_directory="$work/data" \
  mail_owner=postfix setgid_group=postdrop myhostname=archiver.test mydomain=test myorigin=test \
  mydestination= inet_interfaces=127.0.0.1 inet_protocols=ipv4 mynetworks=127.0.0.0/8 alias_maps= \
  alias_database= smtpd_peername_lookup=no smtp_dns_support_level=disabled \
  default_transport=discard relay_transport=discard \
  "smtpd_relay_restrictions=permit_mynetworks,reject_unauth_destination" \
  "maillog_file_prefixes=/var,/dev/stdout,$work" maillog_file="$work/maillog"
postconf -c "$e" -M# smtp/inet
postconf -c "$e" -M "127.0.0.1:$port/inet=127.0.0.1:$port inet n - y - - smtpd"
[[ $(postconf -c "$e" -Fh "127.0.0.1:$port/inet/chroot") == y ]] && ok "smtpd runs chrooted" ||
  fail "smtpd is not chrooted"
"$POSTJOURNAL_SOURCE/scripts/postfix-setup.sh" -c "$e" --socket "$socket" \
  --archiver-domain archive.test >/dev/null
milters=$(postconf -c "$e" -h smtpd_milters)
[[ $milters == "unix:/postjournal/milter.sock" ]] && ok "postfix-setup wrote the chroot-relative socket" ||
  fail "smtpd_milters = $milters"
"$pj" doctor -c "$e" >"$work/doctor" && ok "doctor: wired safely" || { fail "doctor"; cat "$work/doctor"; }
grep -q "^OK   smtpd_milters unix:/postjournal/milter.sock (smtpd is chrooted" "$work/doctor" ||
  fail "doctor did not check the chroot"
# doctor catches the mistake this test would otherwise make: the host path inside the chroot.
postconf -c "$e" -e "smtpd_milters = unix:$socket"
"$pj" doctor -c "$e" >"$work/doctor-bad" && fail "doctor accepted a socket outside the chroot" ||
  ok "doctor flags a socket named outside the chroot"
postconf -c "$e" -e "smtpd_milters = unix:/postjournal/milter.sock"
postfix -c "$e" set-permissions >/dev/null 2>&1
postfix -c "$e" check
postfix -c "$e" start >/dev/null 2>&1
wait_port "$port"

reply=$(swaks --server "127.0.0.1:$port" --from a@acme.test --to j@archive.test --body first 2>&1 || true)
[[ $reply == *"250 2.0.0 Ok"* ]] && ok "first message: 250 through the chrooted smtpd" ||
  fail "first message: $(grep -m1 '^<.* [45][0-9][0-9] ' <<<"$reply")"

# The fast path: trace the milter while SESSIONS sequential single-message sessions arrive.
strace -f -qq -e trace=openat,fsync,fdatasync,clone,clone3 -o "$work/strace" -p "$MILTER_PID" &
STRACE_PID=$!
for _ in $(seq 400); do grep -q TracerPid:.*[1-9] "/proc/$MILTER_PID/status" && break; sleep 0.025; done
smtp-source -s 1 -m "$sessions" -l 2000 -f a@acme.test -t j@archive.test "127.0.0.1:$port" >/dev/null 2>&1
stored=$(grep -c ': stored tenant=acme' "$work/milter.log" || true)
kill "$STRACE_PID"; wait "$STRACE_PID" 2>/dev/null || true; STRACE_PID=
[[ $stored -eq $((sessions + 1)) ]] && ok "$sessions sequential sessions archived" ||
  fail "archived $stored of $((sessions + 1))"
count() { grep -cE "$1" "$work/strace" || true; }
opens=$(count 'openat\(.*(data|lock)\.mdb')
fsyncs=$(count ' fsync\(')
datasyncs=$(count ' fdatasync\(')
threads=$(count ' clone3?\(')
echo "strace over $sessions sessions: openat data/lock.mdb=$opens fsync=$fsyncs fdatasync=$datasyncs clone=$threads"
[[ $opens -eq 0 ]] && ok "no reopen of the archive per message" || fail "$opens openat of data.mdb/lock.mdb"
[[ $fsyncs -eq 0 ]] && ok "no directory or state sync per message" || fail "$fsyncs fsync calls"
(( datasyncs >= 1 && datasyncs <= sessions )) && ok "one durable commit per message or batch ($datasyncs)" ||
  fail "$datasyncs fdatasync calls for $sessions messages"
(( threads <= sessions + 2 )) && ok "no thread per message beyond libmilter's per connection ($threads)" ||
  fail "$threads threads for $sessions connections"
"$pj" --archive-root "$work/archive" verify --tenant acme >/dev/null && ok "verify" || fail "verify"
e2e_finish milter_chroot_e2e
