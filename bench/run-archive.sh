#!/usr/bin/env bash
# Builds and runs bench/archive: (1) throughput, 20,000 messages of ~100 KB from 8 producers by
# default, with zstd + aes-256-gcm and with neither, against a plain-file baseline, and
# export --raw MB/s; (2) disk use (LMDB pages in use / message bytes) on the messages of
# ../shared/corpus and on BENCH_ARCHIVE_GENERATED (default 5000) messages of
# ../shared/recipes/notmuch/gen_maildir.py, each cross-checked with mdb_stat -a and printed next
# to what zstd -3 alone makes of the same files.
# Extra arguments go to the throughput run, e.g.: bench/run-archive.sh --messages 2000
set -euo pipefail
cd "$(dirname "$0")/.."
TARGET=archive_bench ./scripts/build.sh build -DCMAKE_BUILD_TYPE=RelWithDebInfo
command -v zstd >/dev/null && command -v mdb_stat >/dev/null && command -v python3 >/dev/null ||
  ./scripts/install-deps.sh --bench
build/bench/archive_bench "$@"

work=$(mktemp -d -p /var/tmp)
trap 'rm -rf "$work"' EXIT
# disk NAME DIR: bench/archive --disk, mdb_stat -a over the archive it kept, zstd -3 per file.
disk() {
  local name=$1 dir=$2 out pages zbytes
  out=$(build/bench/archive_bench --disk "$dir" --keep "$work/$name")
  echo "$out" | sed "s/^disk:/disk $name:/"
  pages=$(mdb_stat -a "$work/$name/bench" |
    awk '/Branch pages:|Leaf pages:|Overflow pages:/ {n += $3} END {print n}')
  zbytes=$(find "$dir" -type f \( -name '*.eml' -o -path '*/cur/*' -o -path '*/new/*' \) -print0 |
    xargs -0 -n1 -P2 sh -c 'zstd -q -3 -c "$0" | wc -c' | awk '{t += $1} END {print t}')
  echo "$out" | awk -v n="$name" -v p="$pages" -v z="$zbytes" '{
    for (i = 1; i <= NF; i++) if ($(i+1) == "bytes" && $(i+2) == "->") b = $i
    printf "disk %s: mdb_stat -a: %d pages in use; zstd -3 of each file alone: %d bytes = %.3f\n", n, p, z, z / b }'
  rm -rf "${work:?}/$name"
}
disk corpus ../shared/corpus
python3 ../shared/recipes/notmuch/gen_maildir.py --out "$work/maildir" \
  --count "${BENCH_ARCHIVE_GENERATED:-5000}" --manifest "$work/manifest.json" >/dev/null
disk generated "$work/maildir"
