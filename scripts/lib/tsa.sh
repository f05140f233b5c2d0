#!/usr/bin/env bash
# A local RFC 3161 TSA for the tests, the benchmark and the quick start: a throwaway root CA, a
# TSA certificate with the critical timeStamping extended key usage (`openssl ts -reply` refuses a non-critical one), an openssl
# [tsa] configuration, and tsa_server.py on a free 127.0.0.1 port.
#   tsa.sh make DIR [NAME] [DIGESTS]  creates DIR/ca.crt (the trust anchor), tsa.crt, tsa.key,
#                                     tsa.cnf; DIGESTS: what the TSA accepts (default sha256);
#                                     also https.crt/.key (127.0.0.1) and client.crt/.key (for
#                                     a client-certificate TSA), issued by the same CA
#   tsa.sh start DIR [PORT [OPTION...]]  starts the server (on PORT, e.g. the one it had before;
#                                     0: a free one); prints its URL; DIR/pid and DIR/port are
#                                     written. OPTIONs go to tsa_server.py: --basic-auth U:P,
#                                     --tls (HTTPS with https.crt, client certificates of ca.crt)
#   tsa.sh stop DIR                   stops it (by PID) and waits until it is gone
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cmd=$1 dir=$2
case $cmd in
make)
  name=${3:-Test TSA} digests=${4:-sha256}
  mkdir -p "$dir"
  cd "$dir"
  openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 3650 \
    -subj "/CN=$name Root CA" -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
  cat >tsa-ext.cnf <<EXT
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,nonRepudiation
extendedKeyUsage = critical,timeStamping
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid,issuer
EXT
  openssl req -new -newkey rsa:2048 -nodes -keyout tsa.key -out tsa.csr -subj "/CN=$name" \
    2>/dev/null
  openssl x509 -req -in tsa.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out tsa.crt \
    -days 3650 -sha256 -extfile tsa-ext.cnf 2>/dev/null
  for role in https client; do
    if [[ $role == https ]]; then
      ext="subjectAltName = IP:127.0.0.1"$'\n'"extendedKeyUsage = serverAuth"
    else
      ext="extendedKeyUsage = clientAuth"
    fi
    printf '%s\n' "$ext" >"$role-ext.cnf"
    openssl req -new -newkey rsa:2048 -nodes -keyout "$role.key" -out "$role.csr" \
      -subj "/CN=$name $role" 2>/dev/null
    openssl x509 -req -in "$role.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -out "$role.crt" \
      -days 3650 -sha256 -extfile "$role-ext.cnf" 2>/dev/null
  done
  echo 01 >serial
  cat >tsa.cnf <<CNF
[ tsa ]
default_tsa = tsa_config
[ tsa_config ]
dir = $PWD
serial = \$dir/serial
crypto_device = builtin
signer_cert = \$dir/tsa.crt
certs = \$dir/ca.crt
signer_key = \$dir/tsa.key
signer_digest = sha256
default_policy = 1.3.6.1.4.1.99999.1.1
other_policies = 1.3.6.1.4.1.99999.1.2
digests = $digests
accuracy = secs:1
clock_precision_digits = 0
ordering = no
tsa_name = yes
ess_cert_id_chain = no
ess_cert_id_alg = sha256
CNF
  ;;
start)
  rm -f "$dir/port"
  scheme=http options=()
  for o in "${@:4}"; do
    if [[ $o == --tls ]]; then
      scheme=https options+=(--tls "$dir/https.crt" "$dir/https.key" "$dir/ca.crt")
    else
      options+=("$o")
    fi
  done
  setsid python3 "$here/tsa_server.py" --config "$dir/tsa.cnf" --port-file "$dir/port" \
    --port "${3:-0}" --count-file "$dir/requests" "${options[@]}" </dev/null \
    >"$dir/server.log" 2>&1 &
  echo $! >"$dir/pid"
  for _ in $(seq 200); do  # readiness: the port file appears once the socket listens
    [[ -s $dir/port ]] && break
    kill -0 "$(cat "$dir/pid")" 2>/dev/null || { cat "$dir/server.log" >&2; exit 1; }
    sleep 0.05
  done
  [[ -s $dir/port ]] || { echo "tsa.sh: the TSA did not start" >&2; exit 1; }
  echo "$scheme://127.0.0.1:$(cat "$dir/port")/"
  ;;
stop)
  if [[ -s $dir/pid ]]; then
    pid=$(cat "$dir/pid")
    kill "$pid" 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null; do sleep 0.05; done
    rm -f "$dir/pid"
  fi
  ;;
*) echo "usage: tsa.sh make|start|stop DIR ..." >&2; exit 64 ;;
esac
