#!/usr/bin/env bash
# Operations end to end on a private Postfix (127.0.0.1, free ports):
#   metrics: the Prometheus text file parses (names, labels, HELP/TYPE) and its counters match
#     what was sent (messages and bytes per tenant and listener, the No Tenant queue, the commit
#     histogram, last-seen per source);
#   alerts: with the milter's clock three days ahead (libfaketime), both listeners become INACTIVE:
#     one alert mail each, delivered by the private Postfix's sendmail to a local mailbox; a
#     restart does not alert again; a new message recovers one listener: one recovery mail;
#   retention: the milter's scheduled purge removes mail that expired before it started (audit
#     entries, verify passes, postjournal_retention_purged_total).
# Usage: milter_ops_e2e.sh SOURCE_DIR BUILD_DIR   (root)
set -euo pipefail
export POSTJOURNAL_SOURCE=$1 POSTJOURNAL_BIN_DIR=$2/milter
pj=$2/cli/postjournal
source "$1/scripts/lib/instance.sh"

work=$(mktemp -d)
chmod 755 "$work"
MILTER_PID=
cleanup() { milter_stop; if (( ${failures:-0} > 0 )); then tail -n 20 "$work"/milter*.log "$work/maillog" 2>/dev/null; fi; pf_stop "$work"; rm -rf "$work"; }
trap cleanup EXIT
port=$(free_port)
mport=$(free_port)
e=$work/etc
prom=$work/metrics/postjournal.prom
mbox=$work/mail/ops
mkdir -p "$work/pjspool" "$work/mail" "$work/metrics"
cat >"$work/pj.yaml" <<YAML
milter: {socket: inet:$mport@127.0.0.1, user: root, spool_dir: $work/pjspool}
archive: {root: $work/archive}
alerts: {email: ops@alerts.test, check_interval: 1, sendmail: /usr/sbin/sendmail -C $e}
metrics: {file: $prom, interval: 1}
listeners:
  - {name: acme-relay, tenant: acme, auth: {method: ip, ips: [127.0.0.2/32]}}
  - {name: globex-relay, tenant: globex, allowed_inactivity_hours: 24, auth: {method: ip, ips: [127.0.0.4/32]}}
  - {name: spare, tenant: spare, auth: {method: ip, ips: [127.0.0.5/32]}}
retention:
  policies:
    - {tenant: acme, keep: 1y}
YAML
# Mail received 2015 and expired under acme's 1-year policy: the milter's first purge takes it.
printf 'From: old@x.test\r\nTo: j@archive.test\r\nSubject: expired\r\n\r\nold\r\n' >"$work/old.eml"
"$pj" -c "$work/pj.yaml" import --tenant acme --received 2015-01-01 "$work/old.eml" >/dev/null
pf_start "$work" "$port" "$mport"
# Alert mail goes to ops@alerts.test: a virtual mailbox (mbox file $mbox) of the private instance.
echo "ops@alerts.test ops" >"$e/vmailbox"
chown postfix: "$work/mail"
postconf -c "$e" -e virtual_mailbox_domains=alerts.test "virtual_mailbox_base=$work/mail" \
  "virtual_mailbox_maps=texthash:$e/vmailbox" "virtual_uid_maps=static:$(id -u postfix)" \
  "virtual_gid_maps=static:$(id -g postfix)" virtual_mailbox_limit=0
postfix -c "$e" reload >/dev/null 2>&1
milter_start "$work/pj.yaml" "$work/milter.log"

failures=0
ok() { echo "ok: $*"; }
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
send() {  # send SOURCE_IP N
  for i in $(seq "$2"); do
    printf 'From: a@x.test\r\nTo: j@archive.test\r\nSubject: %s %s\r\nMessage-ID: <%s.%s@x.test>\r\n\r\n%s\r\n' \
      "$1" "$i" "$1" "$i" "$(head -c $((i * 300)) /dev/zero | tr '\0' x)" >"$work/m.eml"
    out=$(swaks --server "127.0.0.1:$port" --local-interface "$1" --from a@x.test \
      --to j@archive.test --data "@$work/m.eml" --timeout 60 2>&1 || true)
    grep -q '^<- *250 2.0.0 Ok: queued' <<<"$out" || fail "send from $1 not accepted: $out"
  done
}
wait_for() {  # wait_for DESCRIPTION COMMAND... : polls the condition for up to 30 s
  local what=$1; shift
  for _ in $(seq 600); do "$@" && return 0; sleep 0.05; done
  fail "timed out waiting for $what"; return 1
}
metric() { awk -v k="$1" '$1 == k {print $2}' "$prom"; }
archived_total() { [[ -f $prom ]] && awk '/^postjournal_archived_messages_total/ {s += $2} END {exit !(s == '"$1"')}' "$prom"; }
mails() { [[ -f $mbox ]] && grep -c '^From ' "$mbox" || echo 0; }
mail_count_is() { [[ $(mails) == "$1" ]]; }
# A full housekeeping round after now: the file is rewritten after the round's alert check.
another_round() { rm -f "$prom"; wait_for "metrics file" test -f "$prom"; rm -f "$prom"; wait_for "metrics file" test -f "$prom"; }

# --- retention --------------------------------------------------------------------------------
purged() { "$pj" -c "$work/pj.yaml" audit --tenant acme 2>/dev/null | grep -q '  purge-run  '; }
wait_for "the scheduled purge" purged
"$pj" -c "$work/pj.yaml" audit --tenant acme | grep -q '  retention  purge acme:1  .*policy=acme rule=- keep=1y' &&
  ok "the milter's scheduled purge removed the expired delivery (audit entry)" ||
  fail "purge audit entry: $("$pj" -c "$work/pj.yaml" audit --tenant acme)"
# verify also wants the index to have dropped it: the purge wakes the milter's indexer.
verified() { "$pj" -c "$work/pj.yaml" verify --tenant acme >/dev/null 2>&1; }
wait_for "verify to pass after the milter's purge (index updated)" verified

# --- metrics ----------------------------------------------------------------------------------
send 127.0.0.2 5
send 127.0.0.4 3
send 127.0.0.9 2
wait_for "10 archived in the metrics file" archived_total 10
bytes() { "$pj" --archive-root "$work/archive" list --tenant "$1" --json | awk -F'"size": ' 'NF > 1 {s += $2 + 0} END {print s}'; }
bad=$(awk '
  /^# HELP / {help[$3] = 1; next}
  /^# TYPE / {if (!help[$3]) print "TYPE before HELP: " $0; type[$3] = $4; next}
  /^#/ || /^$/ {next}
  {
    name = $1; sub(/\{.*/, "", name); base = name; sub(/_(bucket|sum|count)$/, "", base)
    if (!type[name] && !type[base]) print "no TYPE: " $0
    if ($0 !~ /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*",?)*\})? -?[0-9][0-9.e+-]*$/) print "bad line: " $0
  }' "$prom")
[[ -z $bad ]] && ok "metrics file is valid Prometheus text format" || fail "metrics format: $bad"
acme_m=$(metric 'postjournal_archived_messages_total{tenant="acme",listener="acme-relay"}')
globex_m=$(metric 'postjournal_archived_messages_total{tenant="globex",listener="globex-relay"}')
none_m=$(metric 'postjournal_archived_messages_total{tenant="_no-tenant",listener="no-tenant"}')
acme_b=$(metric 'postjournal_archived_bytes_total{tenant="acme",listener="acme-relay"}')
if [[ $acme_m == 5 && $globex_m == 3 && $none_m == 2 && $acme_b == "$(bytes acme)" ]]; then
  ok "archived messages 5/3/2 and acme's bytes ($acme_b) match the archive"
else
  fail "counters: acme=$acme_m/$acme_b (archive $(bytes acme)) globex=$globex_m none=$none_m"
fi
if [[ $(metric postjournal_no_tenant_queue) == 2 && $(metric postjournal_commit_seconds_count) == 10 &&
      $(metric 'postjournal_commit_seconds_bucket{le="+Inf"}') == 10 &&
      $(metric 'postjournal_tempfails_total{reason="resolver"}') == 0 ]]; then
  ok "No Tenant queue 2, commit histogram of 10, no tempfails"
else
  fail "gauges: $(grep -E 'queue|_count|tempfails' "$prom")"
fi
# The milter's indexer thread: acme's 5 deliveries indexed (after the purged acme:1), no lag,
# nothing failed to extract; the purge is counted.
index_caught_up() {
  [[ $(metric 'postjournal_index_watermark{tenant="acme"}') == 6 &&
     $(metric 'postjournal_retention_purged_total{tenant="acme"}') == 1 &&
     $(metric 'postjournal_index_lag_deliveries{tenant="acme"}') == 0 &&
     $(metric 'postjournal_index_lag_seconds{tenant="acme"}') == 0 &&
     $(metric 'postjournal_index_extract_failed_messages{tenant="acme"}') == 0 ]]
}
wait_for "acme's index in the metrics file" index_caught_up &&
  ok "index metrics: acme indexed up to 6, no lag, no extraction failure; 1 purged"
seen=$(metric 'postjournal_source_last_seen_timestamp_seconds{source="acme-relay",kind="listener",tenant="acme"}')
if (( seen > $(date +%s) - 120 )) &&
   [[ $(metric 'postjournal_source_state{source="acme-relay",kind="listener",tenant="acme",state="OK"}') == 1 &&
      $(metric 'postjournal_source_state{source="spare",kind="listener",tenant="spare",state="NEVER"}') == 1 ]]; then
  ok "last-seen timestamp and source states"
else
  fail "last seen $seen / states: $(grep source_state "$prom" | grep ' 1$')"
fi

# --- alerts -------------------------------------------------------------------------------------
faketime_lib=$(dpkg -L libfaketime | grep '/libfaketime.so.1$' | head -1)
export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0
ahead() { LD_PRELOAD=$faketime_lib FAKETIME=+3d FAKETIME_DONT_FAKE_MONOTONIC=1 "$@"; }
milter_stop
ahead milter_start "$work/pj.yaml" "$work/milter-ahead.log"
wait_for "two alert mails" mail_count_is 2
if grep -q '^Subject: \[postjournal\] INACTIVE: listener acme-relay (tenant acme)' "$mbox" &&
   grep -q '^Subject: \[postjournal\] INACTIVE: listener globex-relay (tenant globex)' "$mbox" &&
   grep -q '^Auto-Submitted: auto-generated' "$mbox" &&
   grep -q 'no message archived for more than 24 hours' "$mbox" &&
   grep -q 'alert: INACTIVE source=acme-relay' "$work/milter-ahead.log"; then
  ok "INACTIVE: one alert mail per listener through sendmail, and a log warning"
else
  fail "alert mails: $(grep '^Subject' "$mbox" 2>/dev/null)"
fi
milter_stop
ahead milter_start "$work/pj.yaml" "$work/milter-ahead.log"
another_round
mail_count_is 2 && ok "a restart does not alert again (episode kept in the source state)" ||
  fail "restart re-alerted: $(mails) mails"
send 127.0.0.2 1
wait_for "the recovery mail" mail_count_is 3
another_round
another_round
if mail_count_is 3 && grep -q '^Subject: \[postjournal\] RECOVERED: listener acme-relay' "$mbox" &&
   [[ $(cat "$work"/milter*.log | grep -c 'alert: INACTIVE source=acme-relay') == 1 &&
      $(grep -c 'alert: recovered source=acme-relay' "$work/milter-ahead.log") == 1 ]]; then
  ok "recovery: one mail and one log line; nothing repeated over later checks"
else
  fail "recovery: $(mails) mails: $(grep '^Subject' "$mbox")"
fi
"$pj" -c "$work/pj.yaml" status --now "$(LD_PRELOAD=$faketime_lib FAKETIME=+3d date -u +%Y-%m-%dT%H:%M:%SZ)" >"$work/status.txt" || true
grep -q '^globex-relay .*INACTIVE' "$work/status.txt" && grep -q '^acme-relay .*OK' "$work/status.txt" &&
  ok "status agrees at the same time" || fail "status: $(cat "$work/status.txt")"

(( failures == 0 )) && echo "PASS: milter_ops_e2e" || { echo "FAILED: $failures"; exit 1; }
