#!/usr/bin/env bash
# bench/search: postjournal's indexer against notmuch 0.37 on the same generated corpus, in the
# same run, on the same machine. The corpus comes from the notmuch baseline's own generator
# (../shared/recipes/notmuch/gen_maildir.py: messages of 2-200 KB, ~30 % with PDF, CSV, log or
# PNG attachments, deterministic), so the figures compare with TESTING.md's. Prints:
#   - messages/s of `notmuch new` and of `postjournal index` (which also extracts and indexes
#     the attachments' text, notmuch does not) and their ratio, with each one's peak RSS;
#   - the index size as a fraction of the message bytes (notmuch's as it is and compacted);
#   - p50/p95 of a fixed query set (bench/search_bench) over a second corpus of
#     BENCH_SEARCH_QUERY_MESSAGES messages, and the indexer's peak RSS there (bounded: it does not
#     grow with the corpus).
# Usage: bench/run-search.sh   (root: installs notmuch, xapian-tools and python3)
#   BENCH_SEARCH_MESSAGES (default 20000), BENCH_SEARCH_QUERY_MESSAGES (default 100000)
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh --bench
for t in postjournal postjournal-extract search_bench; do
  TARGET=$t ./scripts/build.sh build -DCMAKE_BUILD_TYPE=RelWithDebInfo
done
gen=../shared/recipes/notmuch/gen_maildir.py
[[ -f $gen ]] || { echo "bench/search: $gen not found (../shared is part of CI)" >&2; exit 1; }
n=${BENCH_SEARCH_MESSAGES:-20000}
qn=${BENCH_SEARCH_QUERY_MESSAGES:-100000}
work=$(mktemp -d -p /var/tmp)
trap 'rm -rf "$work"' EXIT
pj=$PWD/build/cli/postjournal
export POSTJOURNAL_EXTRACT=$PWD/build/extractor/postjournal-extract

secs() { awk '{print $1}' "$1"; }
rss_mb() { awk '{printf "%.0f", $2 / 1024}' "$1"; }
rate() { awk -v n="$1" -v s="$2" 'BEGIN {printf "%.1f", n / s}'; }

# Imports maildir DIR into tenant bench of archive ROOT (not timed: the archive's own benchmark
# is bench/archive), then times `postjournal index` into TIMEFILE ("seconds maxrss_kB").
index_corpus() {  # index_corpus MAILDIR ROOT TIMEFILE
  printf 'archive: {root: %s}\n' "$2" >"$2.yaml"
  find "$1/cur" -type f -print0 | xargs -0 -n 2000 "$pj" -c "$2.yaml" import --tenant bench >/dev/null
  sync
  /usr/bin/time -f '%e %M' -o "$3" "$pj" -c "$2.yaml" index --tenant bench >"$3.out"
}

echo "corpus: $n messages (gen_maildir.py, seed 20240601)"
python3 "$gen" --out "$work/maildir" --count "$n" --manifest "$work/manifest.json" >/dev/null
bytes=$(du -sb --apparent-size "$work/maildir" | cut -f1)
echo "message bytes: $bytes"

# notmuch new, from scratch
printf '[database]\npath=%s/notmuch-db\nmail_root=%s/maildir\n[new]\ntags=\n[maildir]\nsynchronize_flags=false\n' \
  "$work" "$work" >"$work/notmuch-config"
mkdir -p "$work/notmuch-db"
sync
NOTMUCH_CONFIG=$work/notmuch-config /usr/bin/time -f '%e %M' -o "$work/notmuch.time" notmuch new >/dev/null 2>&1
nm_s=$(secs "$work/notmuch.time")
nm_rate=$(rate "$n" "$nm_s")
xap=$(find "$work/notmuch-db" -maxdepth 2 -type d -name xapian | head -1)
nm_bytes=$(du -sb "$xap" | cut -f1)
xapian-compact "$xap" "$work/nm-compact" >/dev/null
nm_cbytes=$(du -sb "$work/nm-compact" | cut -f1)
rm -rf "$work/nm-compact" "$work/notmuch-db"
echo "notmuch new : $n messages in ${nm_s} s = $nm_rate msg/s, peak RSS $(rss_mb "$work/notmuch.time") MB (no attachment text)"

# postjournal index (index.threads: 2, the default), from a fresh archive
index_corpus "$work/maildir" "$work/archive" "$work/pj.time"
pj_s=$(secs "$work/pj.time")
pj_rate=$(rate "$n" "$pj_s")
pj_bytes=$(du -sb "$work/archive/bench/index" | cut -f1)
echo "postjournal : $n messages in ${pj_s} s = $pj_rate msg/s, peak RSS $(rss_mb "$work/pj.time") MB ($(tail -1 "$work/pj.time.out" | sed 's/.*this run, //'))"
echo "ratio postjournal/notmuch: $(awk -v a="$pj_rate" -v b="$nm_rate" 'BEGIN {printf "%.2f", a / b}') (target >= 2, goal 5)"
echo "index size: postjournal $(awk -v i="$pj_bytes" -v m="$bytes" 'BEGIN {printf "%.2f", i / m}') x the mail (target <= 0.35, goal 0.25); notmuch $(awk -v i="$nm_bytes" -v m="$bytes" 'BEGIN {printf "%.2f", i / m}') x, $(awk -v i="$nm_cbytes" -v m="$bytes" 'BEGIN {printf "%.2f", i / m}') x compacted"

# One thread for comparison with notmuch's one core
rm -rf "$work/archive/bench/index"
printf 'archive: {root: %s}\nindex: {threads: 1}\n' "$work/archive" >"$work/one.yaml"
/usr/bin/time -f '%e %M' -o "$work/one.time" "$pj" -c "$work/one.yaml" index --tenant bench >/dev/null
echo "postjournal, index.threads 1: $(rate "$n" "$(secs "$work/one.time")") msg/s (attachment text from the archive's cache)"
read -r s1 s2 < <(python3 -c "import json; t=json.load(open('$work/manifest.json'))['top_senders']; print(t[0][0], t[1][0])")
rm -rf "$work/archive" "$work/maildir"

# Queries over the larger corpus
echo "query corpus: $qn messages"
python3 "$gen" --out "$work/qmail" --count "$qn" --manifest "$work/qmanifest.json" >/dev/null
index_corpus "$work/qmail" "$work/qarchive" "$work/q.time"
rm -rf "$work/qmail"
echo "postjournal : $qn messages in $(secs "$work/q.time") s = $(rate "$qn" "$(secs "$work/q.time")") msg/s, peak RSS $(rss_mb "$work/q.time") MB"
cat >"$work/queries" <<Q
quarterly
kubernetes
zeitgeist
"quarterly report"
from:$s1
from:$s2
date:2019-01-01..2019-12-31
date:2020-03-01..2020-03-31
has:attachment
mimetype:pdf
quarterly date:2018..2020
kubernetes OR zeitgeist
Q
build/bench/search_bench --root "$work/qarchive" --tenant bench --queries "$work/queries" --runs 5
