#!/usr/bin/env bash
# bench/smtp: SMTP throughput of a private Postfix (discard transport) measured in one run as
#   A  Postfix alone,
#   B  Postfix with bench/noop_milter (every callback registered, accepts everything),
#   C  Postfix with postjournal-milter archiving durably (then DISCARD),
# each with `smtp-source -s SESSIONS -m MESSAGES -l SIZE`. Prints messages/s and C/B, C/A.
# Usage: bench/run-smtp.sh [MESSAGES] [SIZE] [SESSIONS]   (root; defaults 5000 100000 20)
set -euo pipefail
cd "$(dirname "$0")/.."
messages=${1:-5000} size=${2:-100000} sessions=${3:-20}
./scripts/install-deps.sh
TARGET=postjournal-milter ./scripts/build.sh build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
TARGET=noop_milter ./scripts/build.sh build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
export POSTJOURNAL_SOURCE=$PWD POSTJOURNAL_BIN_DIR=$PWD/build/milter
source scripts/lib/instance.sh
work=$(mktemp -d -p /var/tmp)
MILTER_PID= noop=
cleanup() {
  [[ -n $noop ]] && { kill "$noop" 2>/dev/null; wait "$noop" 2>/dev/null || true; }
  stack_down "$work"; rm -rf "$work"
}
trap cleanup EXIT
stack_up "$work" "" "$(cat <<'YAML'
  - name: bench
    tenant: bench
    auth: {method: ip, ips: [127.0.0.1/32]}
YAML
)"
milter_stop  # C starts it again after A and B
use_milter() {  # use_milter SOCKET|"" : rewire smtpd_milters and wait for the reload
  postconf -c "$work/etc" -e "smtpd_milters = $1"
  postfix -c "$work/etc" reload >/dev/null 2>&1
}
run() {  # run LABEL -> prints msg/s
  local start end
  start=$(date +%s.%N)
  smtp-source -s "$sessions" -m "$messages" -l "$size" -f bench@src.test -t j@archive.test \
    "127.0.0.1:$port" >/dev/null 2>&1
  end=$(date +%s.%N)
  awk -v m="$messages" -v s="$start" -v e="$end" 'BEGIN { printf "%.1f", m / (e - s) }'
}
use_milter ""
a=$(run A)
build/bench/noop_milter "inet:$mport@127.0.0.1" & noop=$!
wait_port "$mport" "$noop"
use_milter "inet:127.0.0.1:$mport"
b=$(run B)
kill "$noop"; wait "$noop" 2>/dev/null || true; noop=
milter_start "$work/pj.yaml" "$work/milter.log"
c=$(run C)
stored=$(grep -c ': stored ' "$work/milter.log" || true)
echo "bench/smtp: smtp-source -s $sessions -m $messages -l $size, Postfix discard transport"
echo "A Postfix alone                 : $a msg/s"
echo "B Postfix + no-op milter        : $b msg/s"
echo "C Postfix + postjournal-milter  : $c msg/s (durable commits; $stored messages archived)"
awk -v a="$a" -v b="$b" -v c="$c" 'BEGIN { printf "ratio C/B: %.2f (target >= 0.9)   ratio C/A: %.2f\n", c / b, c / a }'
