#!/usr/bin/env bash
# Wires postjournal-milter into a Postfix instance with postconf only (postconf -e), idempotent.
# Usage: scripts/postfix-setup.sh [-c POSTFIX_CONFIG_DIR] [--milter SOCKET | --socket PATH]
#          [--archiver-domain D]...
#          [--tls-cert FILE --tls-key FILE]
#   --milter           Postfix's form of the milter socket (inet:127.0.0.1:8891 for TCP). Default:
#                      milter.socket's default, /var/spool/postfix/postjournal/milter.sock, as the
#                      smtpd sees it: unix:/postjournal/milter.sock when smtpd runs chrooted in
#                      queue_directory (Debian's master.cf), the full path when it does not
#   --socket PATH      the milter's socket path (milter.socket without unix:) for that default
#   --archiver-domain  a domain whose mail the archiver accepts (journal addresses live there):
#                      added to relay_domains and routed to the discard transport
# What it sets, and why:
#   smtpd_milters (appended, other milters kept), milter_default_action=tempfail (milter down:
#   4xx, never a silent pass), milter_protocol=6, the macros the resolver reads ({auth_authen},
#   {tls_version}, {cipher}, i, {daemon_name}), message_size_limit >= 157286400 (Microsoft 365
#   sends up to 150 MB), header_size_limit and line_length_limit large enough that Postfix never
#   cuts a header or breaks a long line (bytes must stay exact), smtpd_forbid_bare_newline=normalize,
#   in_flow_delay=0 (mail the milter DISCARDs never reaches the queue manager, so Postfix's flow
#   control would otherwise stall every session 1 s per message once its tokens run out), and
#   TLS when a certificate is given.
set -euo pipefail
confdir=/etc/postfix
milter=
socket=/var/spool/postfix/postjournal/milter.sock
domains=()
cert= key=
while [[ $# -gt 0 ]]; do
  case $1 in
    -c) confdir=$2; shift 2 ;;
    --milter) milter=$2; shift 2 ;;
    --socket) socket=$2; shift 2 ;;
    --archiver-domain) domains+=("$2"); shift 2 ;;
    --tls-cert) cert=$2; shift 2 ;;
    --tls-key) key=$2; shift 2 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d'; exit 0 ;;
    *) echo "postfix-setup: unknown argument $1" >&2; exit 64 ;;
  esac
done
pc() { postconf -c "$confdir" "$@"; }

# A chrooted smtpd (any inet service running smtpd with chroot = y) sees the file system from
# queue_directory: the socket must be inside it, named relative to it.
chrooted=no
while read -r service; do
  [[ $(pc -Fh "$service/chroot") == y ]] && chrooted=yes
done < <(pc -F | sed -nE 's#^([^ ]+/inet)/command = smtpd.*#\1#p')
if [[ -z $milter ]]; then
  qdir=$(pc -h queue_directory)
  if [[ $chrooted == yes ]]; then
    if [[ $socket != "$qdir"/* ]]; then
      echo "postfix-setup: smtpd runs chrooted in $qdir but the socket $socket is outside it;" \
        "set milter.socket under $qdir (or pass --milter)" >&2
      exit 78
    fi
    milter="unix:${socket#"$qdir"}"
  else
    milter="unix:$socket"
  fi
fi

current=$(pc -h smtpd_milters)
case " ${current//,/ } " in
  *" $milter "*) ;;
  *) pc -e "smtpd_milters = ${current:+$current, }$milter" ;;
esac
pc -e milter_default_action=tempfail milter_protocol=6 \
  "milter_connect_macros = j {daemon_name} {daemon_addr} v _" \
  "milter_helo_macros = {tls_version} {cipher} {cipher_bits} {cert_subject} {cert_issuer}" \
  "milter_mail_macros = i {auth_type} {auth_authen} {auth_author} {mail_addr} {mail_host} {mail_mailer}" \
  "milter_rcpt_macros = i {rcpt_addr} {rcpt_host} {rcpt_mailer}" \
  "milter_end_of_data_macros = i"
at_least() {  # at_least PARAM VALUE
  local now; now=$(pc -h "$1")
  if [[ ! $now =~ ^[0-9]+$ ]] || (( now < $2 )); then pc -e "$1=$2"; fi
}
at_least message_size_limit 157286400
at_least header_size_limit 4194304
at_least line_length_limit 1048576
pc -e smtpd_forbid_bare_newline=normalize in_flow_delay=0
if [[ -n $cert && -n $key ]]; then
  pc -e "smtpd_tls_cert_file=$cert" "smtpd_tls_key_file=$key" smtpd_tls_security_level=may \
    smtpd_tls_received_header=yes
fi
if [[ ${#domains[@]} -gt 0 ]]; then
  relay=$(pc -h relay_domains)
  transport=""
  for d in "${domains[@]}"; do
    case " ${relay//,/ } " in *" $d "*) ;; *) relay="${relay:+$relay, }$d" ;; esac
    transport+="$d=discard: "
  done
  pc -e "relay_domains = $relay" "transport_maps = inline:{ ${transport% } }"
fi
echo "postfix-setup: $confdir wired to $milter; run 'postfix -c $confdir reload' and 'postjournal doctor -c $confdir'"
