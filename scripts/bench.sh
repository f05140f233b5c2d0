#!/usr/bin/env bash
# Runs the eight benchmarks (bench/run-archive.sh, bench/run-parse.sh, bench/run-smtp.sh,
# bench/run-search.sh, bench/run-stamp.sh, bench/run-retention.sh, bench/run-web.sh,
# bench/run-m365.sh) and
# prints one Markdown table of their figures and ratios against the baselines each measures in
# the same run, headed by the machine: cores, CPU, the file system and device under /var/tmp
# (where the benchmarks write), and its fsync rate (4 KiB writes with O_DSYNC, measured now).
# The same table goes into README's "Performance" section.
# Usage: scripts/bench.sh [-o FILE]   (root: bench/smtp runs a private Postfix)
#        BENCH_LOGS=DIR scripts/bench.sh   re-renders the table from saved outputs DIR/{archive,parse,smtp,search,stamp,retention,web,m365}
set -euo pipefail
cd "$(dirname "$0")/.."
out=
[[ ${1:-} == -o ]] && out=$2
log=$(mktemp -d -p /var/tmp)
trap 'rm -rf "$log"' EXIT

dd if=/dev/zero of="$log/fsync" bs=4k count=1000 oflag=dsync 2>"$log/dd" >/dev/null
fsync_s=$(awk '/copied/ {for (i = 1; i <= NF; i++) if ($(i+1) ~ /^s,?$/) print $i}' "$log/dd" | tr , .)
fsync_rate=$(awk -v s="$fsync_s" 'BEGIN {printf "%.0f", 1000 / s}')
fs=$(df --output=source,fstype /var/tmp | tail -1 | awk '{print $1 " (" $2 ")"}')
cpu=$(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)

if [[ -n ${BENCH_LOGS:-} ]]; then  # re-render a table from saved outputs (archive, parse, smtp)
  cp "$BENCH_LOGS"/{archive,parse,smtp,search,stamp,retention,web,m365} "$log/"
else
  echo "== bench/archive" >&2
  bench/run-archive.sh | tee "$log/archive" >&2
  echo "== bench/parse" >&2
  bench/run-parse.sh | tee "$log/parse" >&2
  echo "== bench/smtp" >&2
  bench/run-smtp.sh | tee "$log/smtp" >&2
  echo "== bench/search" >&2
  bench/run-search.sh | tee "$log/search" >&2
  echo "== bench/stamp" >&2
  bench/run-stamp.sh | tee "$log/stamp" >&2
  echo "== bench/retention" >&2
  bench/run-retention.sh | tee "$log/retention" >&2
  echo "== bench/web" >&2
  bench/run-web.sh | tee "$log/web" >&2
  echo "== bench/m365" >&2
  bench/run-m365.sh | tee "$log/m365" >&2
fi

field() { grep -m1 "$2" "$log/$1" | sed -E "s#.*$3.*#\\1#"; }
a_rate=$(field archive '^archive :' ' ([0-9.]+) msg/s')
a_mb=$(field archive '^archive :' 'msg/s +([0-9.]+) MB/s')
a_p99=$(field archive '^archive :' 'p99=([0-9.]+) ms')
b_rate=$(field archive '^baseline:' ' ([0-9.]+) msg/s')
a_ratio=$(field archive '^ratio archive' 'baseline: ([0-9.]+)')
a_plain=$(field archive '^plain   :' ' ([0-9.]+) msg/s')
a_sealed=$(field archive '^ratio compressed' 'plain: ([0-9.]+)')
a_exp=$(field archive '^export --raw' ': ([0-9.]+) MB/s encrypted')
a_exp_plain=$(field archive '^export --raw' ', ([0-9.]+) MB/s plain')
d_c=$(field archive '^disk corpus: [0-9]+ messages' 'ratio ([0-9.]+)')
d_cs=$(grep -m1 '^disk corpus: [0-9]* messages' "$log/archive" | awk '{for (i = 1; i <= NF; i++) if ($i == "bytes" && $(i-1) ~ /^[0-9]+$/ && $(i+1) == "->") b = $(i-1); for (i = 1; i <= NF; i++) if ($i == "(stored") p = $(i+2); printf "%.3f", p * 4096 / b}')
d_cz=$(field archive '^disk corpus: mdb_stat' '= ([0-9.]+)$')
d_g=$(field archive '^disk generated: [0-9]+ messages' 'ratio ([0-9.]+)')
d_gn=$(field archive '^disk generated: [0-9]+ messages' 'generated: ([0-9]+) messages')
d_gs=$(grep -m1 '^disk generated: [0-9]* messages' "$log/archive" | awk '{for (i = 1; i <= NF; i++) if ($i == "bytes" && $(i-1) ~ /^[0-9]+$/ && $(i+1) == "->") b = $(i-1); for (i = 1; i <= NF; i++) if ($i == "(stored") p = $(i+2); printf "%.3f", p * 4096 / b}')
d_gz=$(field archive '^disk generated: mdb_stat' '= ([0-9.]+)$')
p_ours=$(field parse '^postjournal extractor' ': +([0-9.]+) MB/s')
p_gmime=$(field parse '^GMime' ': +([0-9.]+) MB/s')
p_vmime=$(field parse '^vmime' ': +([0-9.]+) MB/s')
p_ratio=$(field parse '^ratio' 'GMime: ([0-9.]+)')
s_a=$(field smtp '^A ' 'alone +: ([0-9.]+) msg/s')
s_sa=$(field smtp '^A ' 'sequential: ([0-9.]+) msg/s')
for k in unix tcp; do
  declare "s_b_$k=$(field smtp "^B $k auto" 'milter +: ([0-9.]+) msg/s')"
  declare "s_c_$k=$(field smtp "^C $k auto" 'milter +: ([0-9.]+) msg/s')"
  declare "s_sb_$k=$(field smtp "^B $k auto" 'sequential: ([0-9.]+) msg/s')"
  declare "s_sc_$k=$(field smtp "^C $k auto" 'sequential: ([0-9.]+) msg/s')"
  declare "s_cb_$k=$(field smtp "^ratio $k" "$k C/B: ([0-9.]+)")"
  declare "s_ca_$k=$(field smtp "^ratio $k" 'C/A: ([0-9.]+) +sequential')"
  declare "s_scb_$k=$(field smtp "^ratio $k" 'sequential C/B: ([0-9.]+)')"
  declare "s_sca_$k=$(field smtp "^ratio $k" 'sequential C/B: [0-9.]+ C/A: ([0-9.]+)')"
done

q_n=$(field search '^postjournal :' ': ([0-9]+) messages')
q_pj=$(field search '^postjournal :' '= ([0-9.]+) msg/s')
q_nm=$(field search '^notmuch new :' '= ([0-9.]+) msg/s')
q_ratio=$(field search '^ratio postjournal/notmuch' 'notmuch: ([0-9.]+)')
q_size=$(field search '^index size' 'postjournal ([0-9.]+) x')
q_nsize=$(field search '^index size' 'notmuch ([0-9.]+) x')
q_ncsize=$(field search '^index size' ', ([0-9.]+) x compacted')
q_rss=$(field search '^postjournal :' 'peak RSS ([0-9]+) MB')
q_big=$(grep '^postjournal :' "$log/search" | sed -n 2p | sed -E 's#.*: ([0-9]+) messages.*peak RSS ([0-9]+) MB.*#\1 messages: \2 MB#')
q_p50=$(field search '^queries:' 'p50=([0-9.]+) ms')
q_p95=$(field search '^queries:' 'p95=([0-9.]+) ms')

t_ms=$(field stamp '^stamp ' ': ([0-9.]+) ms per postjournal')
t_direct=$(field stamp '^stamp ' ', ([0-9.]+) ms per direct')
t_ratio=$(field stamp '^stamp ' 'stamp/direct: ([0-9.]+)')
t_n=$(field stamp '^verify ' ': ([0-9]+) deliveries')
t_s=$(field stamp '^verify ' 'deliveries, ([0-9]+) stamps')
t_vc=$(field stamp '^verify ' 'checked ([0-9.]+) s')
t_vu=$(field stamp '^verify ' 'unchecked ([0-9.]+) s')
t_vr=$(field stamp '^verify ' 'ratio: ([0-9.]+)')
t_steps=$(field stamp '^evidence' ': ([0-9]+) chain steps')
t_exp=$(field stamp '^evidence' 'export ([0-9.]+) s')
t_ve=$(field stamp '^evidence' 'verify-evidence.sh ([0-9.]+) s')
t_rate=$(field stamp '^evidence' '= ([0-9]+) steps/s')
t_floor=$(field stamp '^evidence' 'floor ([0-9]+) steps/s')
t_er=$(field stamp '^evidence' 'ratio: ([0-9.]+)')

r_n=$(field retention '^purge   :' ': ([0-9]+) deliveries')
r_rate=$(field retention '^purge   :' '= ([0-9]+) deliveries/s')
r_store=$(field retention '^baseline:' 'at ([0-9]+) msg/s')
r_ratio=$(field retention '^ratio purge/store' ': ([0-9.]+)')
r_big=$(field retention '^purge in 10N' '= ([0-9]+) deliveries/s')
r_scale=$(field retention '^ratio purge rate' ': ([0-9.]+)')
w_n=$(field web '^corpus:' ': ([0-9]+) messages')
w_r1=$(field web '^web search API, 1 connection' 'rate=([0-9.]+) req/s')
w_p1=$(field web '^web search API, 1 connection' 'p95=([0-9.]+) ms')
w_r4=$(field web '^web search API, 4 connections' 'rate=([0-9.]+) req/s')
w_p4=$(field web '^web search API, 4 connections' 'p95=([0-9.]+) ms')
w_cli=$(field web '^CLI search' 'rate=([0-9.]+) q/s')
w_cp=$(field web '^CLI search' 'p95=([0-9.]+) ms')
w_ratio=$(field web '^ratio web' ': ([0-9.]+)$')
m_corpus=$(field m365 '^corpus:' ': (.*)$')
m_base=$(field m365 '^baseline' '= ([0-9.]+) msg/s')
m_pj=$(field m365 '^postjournal-fetch' '= ([0-9.]+) msg/s')
m_mb=$(field m365 '^postjournal-fetch' 'msg/s, ([0-9.]+) MB/s')
m_ratio=$(field m365 '^ratio' ': ([0-9.]+)$')

table=$(cat <<TABLE
Measured $(date -u +%Y-%m-%d) on $(nproc) cores ($cpu), $(free -g | awk '/^Mem/ {print $2}') GB RAM;
/var/tmp on $fs, $fsync_rate fsyncs/s (4 KiB O_DSYNC writes).

| benchmark | postjournal | baseline in the same run | ratio | target |
|---|---|---|---|---|
| archive: 20,000 × ~100 KB, 8 producers, durable group commits | $a_rate msg/s, $a_mb MB/s, p99 $a_p99 ms | one file + fdatasync per batch: $b_rate msg/s | $a_ratio | ≥ 0.50 |
| archive: the same without compression and encryption | zstd-3 + aes-256-gcm: $a_rate msg/s | neither: $a_plain msg/s | $a_sealed | ≥ 0.80 |
| archive: export --raw (every message read back) | encrypted: $a_exp MB/s | clear, uncompressed: $a_exp_plain MB/s | — | (reported) |
| disk: ../shared/corpus (204 messages), LMDB pages in use / message bytes | $d_c (stored bytes alone: $d_cs) | zstd -3 of each file: $d_cz | — | ≤ 0.6 (goal 0.5) |
| disk: $d_gn generated messages (gen_maildir.py) | $d_g (stored bytes alone: $d_gs) | zstd -3 of each file: $d_gz | — | (reported; goal 0.5) |
| parse: journal extraction, corpus + large reports | $p_ours MB/s | GMime 3: $p_gmime MB/s; vmime: $p_vmime MB/s | $p_ratio (vs GMime) | ≥ 1.0 |
| smtp: 5,000 × 100 KB, 20 sessions, private Postfix, unix socket | C = $s_c_unix msg/s | B (no-op milter) = $s_b_unix msg/s; A (Postfix alone) = $s_a msg/s | C/B $s_cb_unix; C/A $s_ca_unix | C/A ≥ 0.8, C/B ≥ 0.95 |
| smtp: the same over TCP | C = $s_c_tcp msg/s | B = $s_b_tcp msg/s; A = $s_a msg/s | C/B $s_cb_tcp; C/A $s_ca_tcp | C/A ≥ 0.8, C/B ≥ 0.95 |
| smtp: 300 sequential single-message sessions, unix socket | C = $s_sc_unix msg/s | B = $s_sb_unix msg/s; A = $s_sa msg/s | C/B $s_scb_unix; C/A $s_sca_unix | (reported) |
| smtp: 300 sequential sessions over TCP | C = $s_sc_tcp msg/s | B = $s_sb_tcp msg/s; A = $s_sa msg/s | C/B $s_scb_tcp; C/A $s_sca_tcp | (reported) |
| search: index $q_n generated messages of 2–200 KB, 30 % with attachments (postjournal also extracts and indexes attachment text) | $q_pj msg/s, index $q_size × the mail, peak RSS $q_rss MB ($q_big) | notmuch new: $q_nm msg/s, index $q_nsize × ($q_ncsize × compacted) | $q_pj/$q_nm = $q_ratio | ≥ 2 (goal 5); size ≤ 0.35 (goal 0.25) |
| search: 12 queries × 5 runs at 100,000 messages (exact count + first page of 50) | p50 $q_p50 ms, p95 $q_p95 ms | — | — | p95 < 200 ms (goal 100) |
| timestamp: one RFC 3161 stamp, local TSA (openssl ts -reply) | postjournal timestamp: $t_ms ms | the TSA asked directly (openssl ts -query + a POST): $t_direct ms | $t_ratio | (reported) |
| timestamp: verify of $t_n deliveries | $t_s stamps checked: $t_vc s | tokens not checked: $t_vu s | $t_vr | (reported) |
| timestamp: evidence bundle of a delivery $t_steps deliveries before its stamp | export $t_exp s; verify-evidence.sh $t_ve s = $t_rate steps/s | process-spawn floor: $t_floor steps/s | $t_er | (reported) |
| retention: purge of $r_n expired 4 KB deliveries (batches of 256, tombstones and audit entries) | $r_rate deliveries/s | stored by 8 producers: $r_store msg/s | $r_ratio | (reported) |
| web: search API at $w_n messages (exact count + first page of 50 + the durable audit entry), keep-alive | 4 connections: $w_r4 req/s, p95 $w_p4 ms; 1 connection: $w_r1 req/s, p95 $w_p1 ms | the CLI, a process per query: $w_cli q/s, p95 $w_cp ms | $w_ratio | (reported) |
| m365: Graph emulator, $m_corpus: users, folders, delta, \$value, durable store with the ledger | $m_pj msg/s, $m_mb MB/s | curl, 12 parallel \$value downloads: $m_base msg/s | $m_ratio | (reported; the emulator is the limit) |
| retention: the same $r_n purged from an archive of 10 × as many | $r_big deliveries/s | the purge above: $r_rate deliveries/s | $r_scale | (reported; a scan of the archive per removal would be ≈ 0.1) |
TABLE
)
echo "$table"
[[ -n $out ]] && echo "$table" >"$out"
exit 0
