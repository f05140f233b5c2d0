#!/usr/bin/env bash
# RFC 3161 stamps and evidence bundles, against a local TSA (scripts/lib/tsa.sh):
#   stamp    : `postjournal timestamp` wall time per stamp, against the same TSA asked directly
#              (`openssl ts -query` and an HTTP/1.0 POST through bash's /dev/tcp: what any client
#              pays) — the ratio is our overhead;
#   verify   : `postjournal verify` of a tenant of N deliveries with S stamps checked, against the
#              same verify without trust anchors (tokens not checked);
#   evidence : `export --evidence` of the first delivery (an N-step chain to the stamped head) and
#              scripts/verify-evidence.sh on it, in chain steps/s, against a loop that spawns the
#              same processes without hashing anything useful (the process-spawn floor).
# Usage: bench/run-stamp.sh [N] [S]   (default 10000 deliveries, 10 stamps; builds if needed)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-10000} stamps=${2:-10}
[[ -x build/cli/postjournal ]] || ./scripts/build.sh build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
pj=$PWD/build/cli/postjournal
tsa() { bash scripts/lib/tsa.sh "$@"; }
work=$(mktemp -d -p /var/tmp)
trap 'tsa stop "$work/tsa"; rm -rf "$work"' EXIT
tsa make "$work/tsa" "Bench TSA" >/dev/null
url=$(tsa start "$work/tsa")
printf 'archive: {root: %s}\ntimestamp: {url: "%s", ca_file: %s}\n' "$work/archive" "$url" \
  "$work/tsa/ca.crt" >"$work/pj.yaml"
printf 'archive: {root: %s}\n' "$work/archive" >"$work/untrusted.yaml"
now() { date +%s.%N; }
# post_query FILE OUT: POSTs FILE to the local TSA (HTTP/1.0: it closes the connection after
# the answer) and writes the raw answer (status line, headers, token) to OUT; fails unless 200.
post_query() {
  local port=${url#http://127.0.0.1:}
  port=${port%/}
  exec 3<>"/dev/tcp/127.0.0.1/$port"
  printf 'POST / HTTP/1.0\r\nContent-Type: application/timestamp-query\r\nContent-Length: %s\r\n\r\n' \
    "$(stat -c %s "$1")" >&3
  cat "$1" >&3
  cat <&3 >"$2"
  exec 3<&-
  head -1 "$2" | grep -q '^HTTP/1\.[01] 200 '
}
mkdir -p "$work/mail"
for i in $(seq "$n"); do
  printf 'From: a@acme.example\r\nTo: b@acme.example\r\nSubject: note %s\r\nMessage-ID: <n%s@acme.example>\r\n\r\nBody of note %s.\r\n' \
    "$i" "$i" "$i" >"$work/mail/$i.eml"
done
(cd "$work/mail" && ls | sort -n | xargs "$pj" -c "$work/pj.yaml" import --tenant acme >/dev/null)

t0=$(now)
for _ in $(seq "$stamps"); do "$pj" -c "$work/pj.yaml" timestamp --tenant acme >/dev/null; done
t1=$(now)
echo hello >"$work/data"
for _ in $(seq "$stamps"); do
  openssl ts -query -data "$work/data" -sha256 -cert -out "$work/q.tsq" 2>/dev/null
  post_query "$work/q.tsq" "$work/r.answer"
done
t2=$(now)
awk -v a="$t0" -v b="$t1" -v c="$t2" -v s="$stamps" 'BEGIN {
  printf "stamp   : %.1f ms per postjournal timestamp, %.1f ms per direct TSA request; ratio stamp/direct: %.2f\n",
    (b - a) * 1000 / s, (c - b) * 1000 / s, (b - a) / (c - b) }'

t0=$(now); "$pj" -c "$work/pj.yaml" verify --tenant acme >"$work/verify.out"; t1=$(now)
"$pj" -c "$work/untrusted.yaml" verify --tenant acme >/dev/null; t2=$(now)
grep -q "$stamps stamps, $stamps valid; deliveries 1..$n covered" "$work/verify.out" ||
  { cat "$work/verify.out" >&2; exit 1; }
awk -v a="$t0" -v b="$t1" -v c="$t2" -v n="$n" -v s="$stamps" 'BEGIN {
  printf "verify  : %d deliveries, %d stamps checked %.2f s, unchecked %.2f s; ratio: %.2f\n",
    n, s, b - a, c - b, (b - a) / (c - b) }'

t0=$(now); "$pj" -c "$work/pj.yaml" export acme:1 --evidence -o "$work/b.zip" 2>/dev/null; t1=$(now)
env -i PATH=/usr/bin:/bin bash scripts/verify-evidence.sh "$work/b.zip" >"$work/ve.out"; t2=$(now)
steps=$(sed -nE 's/^ok: ([0-9]+) chain steps.*/\1/p' "$work/ve.out")
link=0000000000000000000000000000000000000000000000000000000000000000
for _ in $(seq "$steps"); do x=$(printf '%s' "$link" | xxd -r -p | sha256sum); done
t3=$(now)
awk -v a="$t0" -v b="$t1" -v c="$t2" -v d="$t3" -v s="$steps" -v z="$(stat -c %s "$work/b.zip")" 'BEGIN {
  printf "evidence: %d chain steps, bundle %d bytes, export %.2f s, verify-evidence.sh %.1f s = %.0f steps/s; spawn floor %.0f steps/s; ratio: %.2f\n",
    s, z, b - a, c - b, s / (c - b), s / (d - c), (d - c) / (c - b) }'
