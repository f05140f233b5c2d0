# The Microsoft Graph / identity-platform emulator for tests and bench/m365 (source it after
# scripts/lib/instance.sh). Needs: openssl, curl, /usr/bin/python3.

EMU_PID=

# graph_certs DIR: a throwaway CA (DIR/ca.pem) and a certificate for 127.0.0.1 signed by it
# (DIR/server.pem, DIR/server.key).
graph_certs() {
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=test-ca -keyout "$1/ca.key" \
    -out "$1/ca.pem" 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 -keyout "$1/server.key" \
    -out "$1/server.csr" 2>/dev/null
  printf 'subjectAltName=IP:127.0.0.1\n' >"$1/san"
  openssl x509 -req -in "$1/server.csr" -CA "$1/ca.pem" -CAkey "$1/ca.key" -CAcreateserial \
    -days 2 -extfile "$1/san" -out "$1/server.pem" 2>/dev/null
}

# graph_start DIR PORT ARGS...: the emulator on https://127.0.0.1:PORT with DIR's certificate
# (graph_certs) and state, ARGS passed on (--tenant, --client-id, ...); sets EMU_PID and G (its
# URL) and waits until it listens. Its log: DIR/emulator.log.
graph_start() {
  local dir=$1 port=$2 src
  shift 2
  src=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
  /usr/bin/python3 "$src/tests/integration/graph_emulator.py" --port "$port" \
    --cert "$dir/server.pem" --key "$dir/server.key" --state "$dir" "$@" >"$dir/emulator.log" 2>&1 &
  EMU_PID=$!
  G=https://127.0.0.1:$port
  wait_port "$port" "$EMU_PID"
}

graph_stop() {
  if [[ -n $EMU_PID ]]; then kill "$EMU_PID" 2>/dev/null || true; wait "$EMU_PID" 2>/dev/null || true; fi
  EMU_PID=
}

# graph_ctl DIR WHAT JSON: POSTs to the emulator's /_control/WHAT.
graph_ctl() {
  curl -sf --cacert "$1/ca.pem" -H 'Content-Type: application/json' -d "$3" "$G/_control/$2" >/dev/null
}
