# Shell helpers for a private dovecot (IMAP, IMAPS, POP3, POP3S) used by the fetch tests (source
# it after instance.sh). Standalone configuration under DIR (never /etc/dovecot), listening on
# 127.0.0.1 only on free ports, a self-signed certificate for imap.test.test and 127.0.0.1 (not
# "localhost", so a host name mismatch can be provoked), users in a passwd-file. Stopped by PID.
# Needs root; uses the system user "mail" (uid 8) for the mail files.

# dovecot_start DIR: sets DC_IMAP DC_IMAPS DC_POP3 DC_POP3S (ports) and DC_PID; the certificate
# is DIR/cert.pem. Users: alice@test.test / S3cret! and bob@test.test / B0b-pass.
dovecot_start() {
  local d=$1
  mkdir -p "$d/run" "$d/home"
  openssl req -x509 -newkey rsa:2048 -nodes -keyout "$d/key.pem" -out "$d/cert.pem" -days 2 \
    -subj "/CN=imap.test.test" -addext "subjectAltName=DNS:imap.test.test,IP:127.0.0.1" 2>/dev/null
  {
    echo "alice@test.test:{PLAIN}S3cret!:8:8::$d/home/alice"
    echo "bob@test.test:{PLAIN}B0b-pass:8:8::$d/home/bob"
  } >"$d/users"
  chown root:dovecot "$d/users"; chmod 640 "$d/users"
  mkdir -p "$d/home/alice" "$d/home/bob"; chown -R mail:mail "$d/home"
  DC_IMAP=$(free_port); DC_IMAPS=$(free_port); DC_POP3=$(free_port); DC_POP3S=$(free_port)
  local auth; auth=$(free_port)
  cat >"$d/dovecot.conf" <<CONF
base_dir = $d/run
instance_name = pj-test-$$
log_path = $d/dovecot.log
info_log_path = $d/dovecot.log
protocols = imap pop3
listen = 127.0.0.1
ssl = yes
ssl_cert = <$d/cert.pem
ssl_key = <$d/key.pem
disable_plaintext_auth = no
auth_mechanisms = plain login
first_valid_uid = 8
mail_location = maildir:~/Maildir
pop3_uidl_format = %08Xu%08Xv
passdb {
  driver = passwd-file
  args = scheme=PLAIN $d/users
}
userdb {
  driver = passwd-file
  args = $d/users
}
service imap-login {
  inet_listener imap {
    port = $DC_IMAP
  }
  inet_listener imaps {
    port = $DC_IMAPS
    ssl = yes
  }
}
service pop3-login {
  inet_listener pop3 {
    port = $DC_POP3
  }
  inet_listener pop3s {
    port = $DC_POP3S
    ssl = yes
  }
}
service auth {
  inet_listener {
    address = 127.0.0.1
    port = $auth
  }
}
CONF
  # Bounded: a hung start or doveadm call fails the test naming itself instead of stalling it
  # until ctest's timeout (seen once, not reproduced).
  timeout 60 dovecot -c "$d/dovecot.conf" || { echo "dovecot did not start (status $?)" >&2; return 1; }
  for p in $DC_IMAP $DC_IMAPS $DC_POP3 $DC_POP3S; do wait_port "$p"; done
  DC_PID=$(cat "$d/run/master.pid")
}

dovecot_stop() {
  local d=$1 pid
  pid=$(cat "$d/run/master.pid" 2>/dev/null) || return 0
  kill -TERM "$pid" 2>/dev/null || true
  wait_gone "$pid"
}

# dovecot_put DIR USER FILE [FOLDER]: stores FILE as a message in USER's FOLDER (default INBOX).
dovecot_put() {
  timeout 60 doveadm -c "$1/dovecot.conf" save -u "$2" -m "${4:-INBOX}" <"$3" ||
    { echo "doveadm save failed or hung (status $?)" >&2; return 1; }
}

# dovecot_count DIR USER [FOLDER]: number of messages in the folder.
dovecot_count() {
  timeout 60 doveadm -c "$1/dovecot.conf" -f flow mailbox status -u "$2" messages "${3:-INBOX}" |
    sed 's/.*messages=//'
}
