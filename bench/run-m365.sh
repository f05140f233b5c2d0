#!/usr/bin/env bash
# bench/m365: postjournal-fetch retrieving Microsoft 365 mailboxes through the Graph emulator
# (tests/integration/graph_emulator.py, HTTPS on 127.0.0.1) against a baseline measured in the
# same run: curl downloading the same messages' $value from the same emulator with the same
# parallelism (12 transfers: 3 mailboxes x 4), i.e. what the emulator can serve. postjournal also
# lists users, folders and delta pages, and stores every message durably with its ledger entry.
# Prints messages/s and MB/s of both and their ratio.
# Usage: bench/run-m365.sh   (root) BENCH_M365_MESSAGES per mailbox (default 2000),
#        BENCH_M365_SIZE bytes per message (default 8192)
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
for t in postjournal-fetch; do TARGET=$t ./scripts/build.sh build -DCMAKE_BUILD_TYPE=RelWithDebInfo; done
source scripts/lib/instance.sh
source tests/integration/lib/graph.sh
n=${BENCH_M365_MESSAGES:-2000}
size=${BENCH_M365_SIZE:-8192}
work=$(mktemp -d -p /var/tmp)
trap 'graph_stop; rm -rf "$work"' EXIT
graph_certs "$work"
port=$(free_port)
dir=bench-directory
cid=bench-client
graph_start "$work" "$port" --tenant "$dir" --client-id "$cid" --secret s3cret
ctl() { graph_ctl "$work" "$@"; }
ctl users '{"users": [{"upn": "u1@b.example", "id": "u1", "folders": [{"name": "Inbox", "id": "i1"}]},
  {"upn": "u2@b.example", "id": "u2", "folders": [{"name": "Inbox", "id": "i2"}]},
  {"upn": "u3@b.example", "id": "u3", "folders": [{"name": "Inbox", "id": "i3"}]}]}'
for u in 1 2 3; do ctl messages "{\"user\": \"u$u\", \"folder\": \"i$u\", \"count\": $n, \"size\": $size}"; done
total=$((3 * n))

# Baseline: curl fetching every $value, 12 in parallel, over keep-alive connections.
token=$(curl -sf --cacert "$work/ca.pem" -d "grant_type=client_credentials&client_id=$cid&client_secret=s3cret&scope=$G/.default" \
  "$G/$dir/oauth2/v2.0/token" | sed 's/.*"access_token": "\([^"]*\)".*/\1/')
/usr/bin/python3 - "$G" "$n" >"$work/urls" <<'PY'
import base64, sys
g, n = sys.argv[1], int(sys.argv[2])
for u in (1, 2, 3):
    for i in range(n):
        mid = "AAMk" + base64.urlsafe_b64encode(("u%d/i%d/%d" % (u, u, i)).encode()).decode()
        print('url = "%s/v1.0/users/u%d/messages/%s/$value"\noutput = "/dev/null"' % (g, u, mid))
PY
start=$(date +%s.%N)
curl -sf --no-progress-meter --cacert "$work/ca.pem" --parallel --parallel-max 12 -H "Authorization: Bearer $token" \
  -H 'Prefer: IdType="ImmutableId"' -K "$work/urls"
base_s=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN {printf "%.2f", b - a}')

printf 's3cret\n' >"$work/secret"
mkdir -p "$work/spool"
cat >"$work/pj.yaml" <<YAML
milter: {user: root, spool_dir: $work/spool}
archive: {root: $work/archive}
index: {enabled: false}
microsoft365:
  - {name: bench, tenant: bench, directory_id: $dir, client_id: $cid, client_secret_file: $work/secret,
     login_url: "$G", graph_url: "$G", ca_file: $work/ca.pem, parallel_mailboxes: 3}
YAML
sync
start=$(date +%s.%N)
build/fetch/postjournal-fetch -c "$work/pj.yaml" --once bench >"$work/run.out" 2>"$work/run.log"
pj_s=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN {printf "%.2f", b - a}')
grep -q " $total archived" "$work/run.out" || { echo "bench/m365: not every message archived:"; cat "$work/run.out"; exit 1; }
mb=$(awk -v n="$total" -v s="$size" 'BEGIN {printf "%.1f", n * s / 1048576}')
echo "corpus: 3 mailboxes x $n messages of $size bytes ($mb MB)"
echo "baseline (curl, 12 parallel \$value downloads): $total in $base_s s = $(awk -v n="$total" -v s="$base_s" 'BEGIN {printf "%.1f", n / s}') msg/s"
echo "postjournal-fetch --once (list, delta, download, durable store): $total in $pj_s s = $(awk -v n="$total" -v s="$pj_s" 'BEGIN {printf "%.1f", n / s}') msg/s, $(awk -v m="$mb" -v s="$pj_s" 'BEGIN {printf "%.1f", m / s}') MB/s"
echo "ratio postjournal/baseline: $(awk -v a="$base_s" -v b="$pj_s" 'BEGIN {printf "%.2f", a / b}')"
