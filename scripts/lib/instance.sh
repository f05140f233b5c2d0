# Shell helpers for the tests and the quick start (source it): free loopback ports, a private Postfix
# instance (never /etc/postfix) and postjournal-milter, started on 127.0.0.1 and stopped by PID.
# Waits are on ports and PIDs, never fixed sleeps. Needs root (postfix set-permissions).

# free_port: a TCP port no socket uses, below the kernel's ephemeral range: a port of that range
# may be the local end of an outgoing connection (or its TIME_WAIT) of another test running in
# parallel, and a listener then cannot bind it.
free_port() {
  local p low high
  read -r low high </proc/sys/net/ipv4/ip_local_port_range
  (( low > 12000 )) || low=61000  # an unusual range: fall back to the top
  for _ in $(seq 200); do
    if (( low == 61000 )); then p=$(( 61000 + RANDOM % 4000 )); else p=$(( 10000 + RANDOM % (low - 10000) )); fi
    ss -tan "( sport = :$p or dport = :$p )" | grep -q ":$p " || { echo "$p"; return 0; }
  done
  return 1
}

# wait_port PORT [PID]: until 127.0.0.1:PORT listens (10 s), failing early if PID died.
wait_port() {
  for _ in $(seq 400); do
    ss -ltn "sport = :$1" | grep -q "127.0.0.1:$1 " && return 0
    if [[ -n ${2:-} ]] && ! kill -0 "$2" 2>/dev/null; then echo "process $2 exited" >&2; return 1; fi
    sleep 0.025
  done
  echo "nothing listens on 127.0.0.1:$1" >&2
  return 1
}

# wait_gone PID: until the process has exited (20 s).
wait_gone() {
  for _ in $(seq 800); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.025; done
  echo "process $1 did not exit" >&2
  return 1
}

# pf_start DIR SMTP_PORT MILTER_PORT: a private Postfix on 127.0.0.1:SMTP_PORT whose smtpd uses
# the milter on 127.0.0.1:MILTER_PORT (wired by scripts/postfix-setup.sh), discarding after.
pf_start() {
  local dir=$1 port=$2 mport=$3 e=$1/etc
  mkdir -p "$e" "$dir/spool" "$dir/data"
  cp /etc/postfix/master.cf "$e/master.cf"
  : >"$e/main.cf"
  postconf -c "$e" -e compatibility_level=3.6 queue_directory="$dir/spool" data_directory="$dir/data" \
    mail_owner=postfix setgid_group=postdrop myhostname=archiver.test mydomain=test \
    myorigin=test mydestination= inet_interfaces=127.0.0.1 inet_protocols=ipv4 \
    mynetworks=127.0.0.0/8 alias_maps= alias_database= smtpd_peername_lookup=no \
    smtp_dns_support_level=disabled default_transport=discard relay_transport=discard \
    "smtpd_relay_restrictions=permit_mynetworks,permit_sasl_authenticated,reject_unauth_destination" \
    "maillog_file_prefixes=/var,/dev/stdout,$dir" maillog_file="$dir/maillog" \
    milter_command_timeout=30s milter_content_timeout=120s
  postconf -c "$e" -M# smtp/inet
  postconf -c "$e" -M "127.0.0.1:$port/inet=127.0.0.1:$port inet n - n - - smtpd"
  postconf -c "$e" -F '*/*/chroot=n'
  "$POSTJOURNAL_SOURCE/scripts/postfix-setup.sh" -c "$e" --milter "inet:127.0.0.1:$mport" \
    --archiver-domain archive.test >/dev/null
  postfix -c "$e" set-permissions >/dev/null 2>&1
  postfix -c "$e" check
  postfix -c "$e" start >/dev/null 2>&1
  wait_port "$port"
}

pf_stop() {
  local e=$1/etc pid
  pid=$(cat "$1/spool/pid/master.pid" 2>/dev/null | tr -d ' ') || true
  postfix -c "$e" stop >/dev/null 2>&1 || true
  [[ -n $pid ]] && wait_gone "$pid"
  return 0
}

# milter_start CONFIG LOGFILE: starts postjournal-milter -f in the background; sets MILTER_PID.
milter_start() {
  "$POSTJOURNAL_BIN_DIR/postjournal-milter" -f -c "$1" >>"$2" 2>&1 &
  MILTER_PID=$!
  wait_port "$(sed -n 's/.*inet:\([0-9]*\)@127.*/\1/p' "$1")" "$MILTER_PID"
}

milter_stop() {
  if [[ -n ${MILTER_PID:-} ]]; then
    kill -TERM "$MILTER_PID" 2>/dev/null || true
    wait "$MILTER_PID" 2>/dev/null || true
    MILTER_PID=
  fi
}

# dns_start DIR DNSMASQ_ARGS...: inside a private network+mount namespace (unshare --net --mount),
# brings lo up, points this namespace's /etc/resolv.conf at 127.0.0.1 and serves the given
# records with dnsmasq (never forwarding upstream). Sets DNS_PID. Stop with dns_stop.
dns_start() {
  local dir=$1; shift
  ip link set lo up
  printf 'nameserver 127.0.0.1\noptions timeout:1 attempts:1\n' >"$dir/resolv.conf"
  mount --bind "$dir/resolv.conf" /etc/resolv.conf
  dnsmasq --keep-in-foreground --no-resolv --no-hosts --listen-address=127.0.0.1 --bind-interfaces \
    --port=53 --local=/test/ --pid-file= --log-facility="$dir/dnsmasq.log" --log-queries "$@" &
  DNS_PID=$!
  for _ in $(seq 400); do
    ss -lun | grep -q '127.0.0.1:53 ' && return 0
    kill -0 "$DNS_PID" 2>/dev/null || { echo "dnsmasq exited" >&2; cat "$dir/dnsmasq.log" >&2; return 1; }
    sleep 0.025
  done
  echo "dnsmasq did not listen" >&2
  return 1
}

dns_stop() {
  if [[ -n ${DNS_PID:-} ]]; then kill "$DNS_PID" 2>/dev/null || true; wait "$DNS_PID" 2>/dev/null || true; DNS_PID=; fi
}

# stack_up DIR MILTER_EXTRA LISTENERS: the whole stack for a test or a benchmark: free ports
# (sets port and mport), DIR/pj.yaml (milter on 127.0.0.1:$mport as root, spool and archive in
# DIR, plus MILTER_EXTRA inside the milter mapping, e.g. "memory_limit: 64K"; STACK_NO_INDEX=1
# turns the milter's indexer thread off), then the milter
# and a private Postfix wired to it. LISTENERS is the YAML list under `listeners:`.
stack_up() {
  local dir=$1 extra=$2 listeners=$3
  chmod 755 "$dir"
  port=$(free_port)
  mport=$(free_port)
  mkdir -p "$dir/pjspool"
  printf 'milter: {socket: "inet:%s@127.0.0.1", user: root, spool_dir: %s%s}\narchive: {root: %s}\nlisteners:\n%s\n' \
    "$mport" "$dir/pjspool" "${extra:+, $extra}" "$dir/archive" "$listeners" >"$dir/pj.yaml"
  [[ ${STACK_NO_INDEX:-0} == 1 ]] && printf 'index: {enabled: false}\n' >>"$dir/pj.yaml"
  milter_start "$dir/pj.yaml" "$dir/milter.log"
  pf_start "$dir" "$port" "$mport"
}

stack_down() {
  milter_stop
  pf_stop "$1"
}
