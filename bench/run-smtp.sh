#!/usr/bin/env bash
# bench/smtp: SMTP throughput of a private Postfix (discard transport) measured in one run as
#   A  Postfix alone,
#   B  Postfix with bench/noop_milter (every callback registered, accepts everything),
#   C  Postfix with postjournal-milter archiving durably (then DISCARD),
# each with `smtp-source -s SESSIONS -m MESSAGES -l SIZE`, B and C over TCP and over a unix socket,
# each with and without the no-reply negotiation (milter.no_reply; noop_milter --no-reply
# negotiates the same flags, so B and C always speak the same protocol). Then the same for
# SEQUENTIAL single-message sessions (smtp-source -s 1: connect, one message, QUIT; the case
# where group commit cannot help). Prints messages/s, the ratios C/B and C/A per variant, and
# the "auto" rows (what milter.no_reply: auto picks for each socket kind) that scripts/bench.sh
# puts in the README's table.
# Usage: bench/run-smtp.sh [MESSAGES] [SIZE] [SESSIONS] [SEQUENTIAL]
#        (root; defaults 5000 100000 20 300)
set -euo pipefail
cd "$(dirname "$0")/.."
messages=${1:-5000} size=${2:-100000} sessions=${3:-20} sequential=${4:-300}
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
listeners=$(cat <<'YAML'
  - name: bench
    tenant: bench
    auth: {method: ip, ips: [127.0.0.1/32]}
YAML
)
stack_up "$work" "" "$listeners"
milter_stop  # the C runs start it with their own socket
use_milter() {  # use_milter SOCKET|"" : rewire smtpd_milters, reload, and wait until a message
  # gets 250 through the new setting (smtpd processes of the old one finish their session first)
  postconf -c "$work/etc" -e "smtpd_milters = $1"
  postfix -c "$work/etc" reload >/dev/null 2>&1
  for _ in $(seq 200); do
    swaks --server "127.0.0.1:$port" --from bench@src.test --to j@archive.test --body probe \
      2>/dev/null | grep -q '^<-  250 .*queued' && return 0
  done
  echo "bench/smtp: no 250 through '$1'" >&2
  return 1
}
run() {  # run SESSIONS COUNT -> prints msg/s
  local start end
  start=$(date +%s.%N)
  smtp-source -s "$1" -m "$2" -l "$size" -f bench@src.test -t j@archive.test \
    "127.0.0.1:$port" >/dev/null 2>&1
  end=$(date +%s.%N)
  awk -v m="$2" -v s="$start" -v e="$end" 'BEGIN { printf "%.1f", m / (e - s) }'
}
wait_socket() {  # wait_socket PATH PID
  for _ in $(seq 400); do
    [[ -S $1 ]] && return 0
    kill -0 "$2" 2>/dev/null || { echo "process $2 exited" >&2; return 1; }
    sleep 0.025
  done
  return 1
}
# endpoint KIND -> "milter-side postfix-side" socket names
endpoint() {
  if [[ $1 == tcp ]]; then echo "inet:$mport@127.0.0.1 inet:127.0.0.1:$mport"
  else echo "unix:$work/m.sock unix:$work/m.sock"; fi
}
ready() {  # ready KIND PID
  if [[ $1 == tcp ]]; then wait_port "$mport" "$2"; else wait_socket "$work/m.sock" "$2"; fi
}
measure_b() {  # measure_b KIND NOREPLY(yes|no) SESSIONS COUNT
  local ep; read -ra ep <<<"$(endpoint "$1")"
  rm -f "$work/m.sock"
  (umask 000; exec build/bench/noop_milter "${ep[0]}" $([[ $2 == yes ]] && echo --no-reply)) & noop=$!
  ready "$1" "$noop"
  use_milter "${ep[1]}"
  run "$3" "$4"
  kill "$noop"; wait "$noop" 2>/dev/null || true; noop=
}
measure_c() {  # measure_c KIND NOREPLY(yes|no) SESSIONS COUNT
  local ep; read -ra ep <<<"$(endpoint "$1")"
  rm -f "$work/m.sock"
  printf 'milter: {socket: "%s", user: root, spool_dir: %s, no_reply: %s}\narchive: {root: %s}\nlisteners:\n%s\n' \
    "${ep[0]}" "$work/pjspool" "$2" "$work/archive" "$listeners" >"$work/c.yaml"
  (umask 000; exec "$POSTJOURNAL_BIN_DIR/postjournal-milter" -f -c "$work/c.yaml") >>"$work/milter.log" 2>&1 &
  MILTER_PID=$!
  ready "$1" "$MILTER_PID"
  use_milter "${ep[1]}"
  run "$3" "$4"
  milter_stop
}

echo "bench/smtp: smtp-source -s $sessions -m $messages -l $size, and -s 1 -m $sequential; Postfix discard transport"
use_milter ""
a=$(run "$sessions" "$messages")
sa=$(run 1 "$sequential")
echo "A Postfix alone                 : $a msg/s   sequential: $sa msg/s"
for kind in tcp unix; do
  for nr in no yes; do
    b=$(measure_b $kind $nr "$sessions" "$messages"); sb=$(measure_b $kind $nr 1 "$sequential")
    c=$(measure_c $kind $nr "$sessions" "$messages"); sc=$(measure_c $kind $nr 1 "$sequential")
    declare "b_${kind}_$nr=$b" "c_${kind}_$nr=$c" "sb_${kind}_$nr=$sb" "sc_${kind}_$nr=$sc"
    awk -v k="$kind" -v n="$nr" -v a="$a" -v b="$b" -v c="$c" -v sa="$sa" -v sb="$sb" -v sc="$sc" 'BEGIN {
      printf "variant %-4s no_reply=%-3s: B %6.1f C %6.1f msg/s  C/B %.2f C/A %.2f | sequential: B %6.1f C %6.1f  C/B %.2f C/A %.2f\n",
        k, n, b, c, c / b, c / a, sb, sc, sc / sb, sc / sa }'
  done
done
stored=$(grep -c ': stored ' "$work/milter.log" || true)
echo "($stored messages archived by the C runs, durable commits)"
# milter.no_reply: auto is "yes" on both socket kinds (milter/main.cpp).
for kind in tcp unix; do
  nr=yes
  b=b_${kind}_$nr c=c_${kind}_$nr sb=sb_${kind}_$nr sc=sc_${kind}_$nr
  echo "B $kind auto no-op milter       : ${!b} msg/s   sequential: ${!sb} msg/s"
  echo "C $kind auto postjournal-milter : ${!c} msg/s   sequential: ${!sc} msg/s"
  awk -v k="$kind" -v a="$a" -v b="${!b}" -v c="${!c}" -v sa="$sa" -v sb="${!sb}" -v sc="${!sc}" 'BEGIN {
    printf "ratio %s C/B: %.2f C/A: %.2f   sequential C/B: %.2f C/A: %.2f   (targets: C/A >= 0.8, C/B >= 0.95)\n",
      k, c / b, c / a, sc / sb, sc / sa }'
done
