#!/usr/bin/env bash
# bench/web: the search API of postjournal-web against the CLI doing the same queries, in the
# same run, over one tenant of BENCH_WEB_MESSAGES (default 100,000) generated messages (1-3 KB
# of text from a fixed vocabulary, 500 senders, dates over five years, every tenth with a text
# attachment; deterministic). Each API request is what a browser's search costs: exact count,
# the first page of 50 newest first with their records, and the web-search audit entry made
# durable before the answer. Prints:
#   - web_load over keep-alive connections for BENCH_WEB_SECONDS (default 10) at 1 and at 4
#     connections: requests/s and p50/p95/p99;
#   - the CLI (`postjournal search Q --tenant bench --limit 50 --json`, a process per query, as
#     a script would) over the same queries: queries/s and p50/p95;
#   - the ratio of the API's requests/s at 4 connections to the CLI's queries/s.
# Usage: bench/run-web.sh   (root)
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
for t in postjournal postjournal-web web_load; do
  TARGET=$t ./scripts/build.sh build -DCMAKE_BUILD_TYPE=RelWithDebInfo
done
source scripts/lib/instance.sh
n=${BENCH_WEB_MESSAGES:-100000}
secs=${BENCH_WEB_SECONDS:-10}
work=$(mktemp -d -p /var/tmp)
WEB_PID=
trap '[[ -n $WEB_PID ]] && kill $WEB_PID 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
pj=$PWD/build/cli/postjournal
port=$(free_port)
cat >"$work/pj.yaml" <<YAML
milter: {user: root}
archive: {root: $work/archive}
index: {extract_sandbox: none}
web:
  listen: "127.0.0.1:$port"
  trusted_header: X-Remote-User
  roles: [{user: bench, role: auditor, tenants: ["*"]}]
YAML

echo "corpus: $n messages"
python3 - "$work/mail" "$n" <<'PY'
import os, random, sys
out, n = sys.argv[1], int(sys.argv[2])
rnd = random.Random(20261207)
syll = ["ka", "lo", "mi", "ren", "sto", "var", "qu", "est", "ion", "tal", "pro", "dex", "un", "bar"]
vocab = ["".join(rnd.choice(syll) for _ in range(rnd.randint(2, 4))) for _ in range(6000)]
vocab += ["quarterly", "invoice", "contract", "kubernetes", "zeitgeist", "report", "meeting"]
weights = [1.0 / (i + 1) for i in range(len(vocab))]
senders = ["user%d@corp%d.example" % (i, i % 20) for i in range(500)]
os.makedirs(out)
for i in range(n):
    words = rnd.choices(vocab, weights, k=rnd.randint(150, 450))
    body = "\r\n".join(" ".join(words[j:j + 12]) for j in range(0, len(words), 12))
    y, m, d = rnd.randint(2018, 2022), rnd.randint(1, 12), rnd.randint(1, 28)
    frm, to = rnd.choice(senders), rnd.choice(senders)
    head = ("From: %s\r\nTo: %s\r\nSubject: %s\r\nDate: %02d %s %d 10:%02d:00 +0000\r\n"
            "Message-ID: <m%d@bench.example>\r\n" % (frm, to, " ".join(rnd.choices(vocab, weights, k=5)),
            d, "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()[m - 1], y, i % 60, i))
    if i % 10 == 0:
        msg = (head + "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\n"
               + body + "\r\n--b\r\nContent-Type: text/plain; name=notes.txt\r\n"
               "Content-Disposition: attachment; filename=notes.txt\r\n\r\n"
               + " ".join(rnd.choices(vocab, k=60)) + "\r\n--b--\r\n")
    else:
        msg = head + "\r\n" + body + "\r\n"
    with open(os.path.join(out, "%06d.eml" % i), "w") as f:
        f.write(msg)
PY
find "$work/mail" -type f -print0 | xargs -0 -n 2000 "$pj" -c "$work/pj.yaml" import --tenant bench >/dev/null
rm -rf "$work/mail"
"$pj" -c "$work/pj.yaml" index --tenant bench | tail -1
cat >"$work/queries" <<'Q'
quarterly
kubernetes
zeitgeist
"quarterly report"
invoice OR contract
from:user7@corp7.example
rcpt:user42@corp2.example
date:2019-01-01..2019-12-31
has:attachment
meeting date:2020..2021
subject:invoice
report -meeting
Q
python3 - "$work/queries" >"$work/paths" <<'PY'
import sys, urllib.parse
for q in open(sys.argv[1]).read().splitlines():
    print("/api/search?tenant=bench&limit=50&q=" + urllib.parse.quote(q, safe=""))
PY

POSTJOURNAL_WEB=$PWD/build/web/postjournal-web
"$POSTJOURNAL_WEB" -f -c "$work/pj.yaml" >"$work/web.log" 2>&1 &
WEB_PID=$!
wait_port "$port" "$WEB_PID"
load() { build/bench/web_load --port "$port" --paths "$work/paths" --header "X-Remote-User: bench" "$@"; }
load --connections 1 --seconds 2 >/dev/null  # warm the page cache
w1=$(load --connections 1 --seconds "$secs")
w4=$(load --connections 4 --seconds "$secs")
echo "web search API, 1 connection : $w1"
echo "web search API, 4 connections: $w4"
kill "$WEB_PID"; wait "$WEB_PID" 2>/dev/null || true; WEB_PID=
cli=$(python3 - "$pj" "$work/pj.yaml" "$work/queries" <<'PY'
import subprocess, sys, time
pj, cfg, qfile = sys.argv[1:4]
qs = open(qfile).read().splitlines()
ms = []
start = time.monotonic()
for _ in range(5):
    for q in qs:
        t0 = time.monotonic()
        subprocess.run([pj, "-c", cfg, "search", q, "--tenant", "bench", "--limit", "50", "--json"],
                       check=True, stdout=subprocess.DEVNULL)
        ms.append((time.monotonic() - t0) * 1000)
elapsed = time.monotonic() - start
ms.sort()
pct = lambda p: ms[min(len(ms) - 1, int(p * len(ms)))]
print("queries=%d rate=%.1f q/s p50=%.1f ms p95=%.1f ms" % (len(ms), len(ms) / elapsed, pct(0.5), pct(0.95)))
PY
)
echo "CLI search (a process per query): $cli"
r4=$(sed -E 's/.*rate=([0-9.]+) req\/s.*/\1/' <<<"$w4")
rc=$(sed -E 's/.*rate=([0-9.]+) q\/s.*/\1/' <<<"$cli")
echo "ratio web (4 connections) / CLI: $(awk -v a="$r4" -v b="$rc" 'BEGIN {printf "%.2f", a / b}')"
echo "audit entries written by the web run: $("$pj" -c "$work/pj.yaml" audit --tenant bench | tail -1)"
