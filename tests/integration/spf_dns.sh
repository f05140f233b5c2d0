#!/usr/bin/env bash
# SPF through the real resolver path: a dnsmasq serving the test zone inside a private network
# and mount namespace (only lo; /etc/resolv.conf bind-mounted to 127.0.0.1 for this namespace
# only), then `postjournal resolve --json` for each SPF outcome and the decision it leads to.
# Run as: unshare --net --mount --fork tests/integration/spf_dns.sh POSTJOURNAL_BINARY   (root)
set -euo pipefail
bin=$1
source "$(dirname "$0")/../../scripts/lib/instance.sh"
work=$(mktemp -d)
DNS_PID=
cleanup() { dns_stop; rm -rf "$work"; }
trap cleanup EXIT

dns_start "$work" \
  --txt-record=acme.test,"v=spf1 ip4:192.0.2.0/24 include:_spf.esp.test -all" \
  --txt-record=_spf.esp.test,"v=spf1 a:out.esp.test ~all" \
  --host-record=out.esp.test,198.51.100.7 \
  --txt-record=globex.test,"v=spf1 ip4:203.0.113.0/24 -all" \
  --txt-record=soft.test,"v=spf1 ~all" \
  --txt-record=broken.test,"v=spf1 ip4:999.1.1.1 -all" \
  --server=/flaky.test/127.0.0.9  # nothing answers there: SERVFAIL

cat >"$work/pj.yaml" <<'YAML'
listeners:
  - name: acme
    tenant: acme
    auth: {method: spf, domain: acme.test}
  - name: globex
    tenant: globex
    auth: {method: spf, domain: globex.test}
  - name: soft
    tenant: soft
    auth: {method: spf, domain: soft.test}
  - name: none
    tenant: none
    auth: {method: spf, domain: none.test}
  - name: broken
    tenant: broken
    auth: {method: spf, domain: broken.test}
  - name: flaky
    tenant: flaky
    auth: {method: spf, domain: flaky.test}
YAML

failures=0
expect() {  # expect IP FROM SPF DECISION TENANT
  local out spf decision tenant
  out=$("$bin" -c "$work/pj.yaml" resolve --json --ip "$1" --from "$2" --rcpt journal@archive.test)
  spf=$(sed -n 's/^  "spf": "\(.*\)",$/\1/p' <<<"$out")
  decision=$(sed -n 's/^  "decision": "\(.*\)",$/\1/p' <<<"$out")
  tenant=$(sed -n 's/^  "tenant": "\(.*\)",$/\1/p' <<<"$out")
  if [[ "$spf $decision $tenant" == "$3 $4 $5" ]]; then
    echo "ok: $1 $2 -> spf=$spf $decision $tenant"
  else
    echo "FAIL: $1 $2 -> spf=$spf $decision '$tenant', expected spf=$3 $4 '$5'"
    failures=$((failures + 1))
  fi
}
expect 192.0.2.10 a@acme.test pass accept acme           # ip4:
expect 198.51.100.7 a@acme.test pass accept acme         # include: -> a:
expect 203.0.113.9 a@acme.test fail unassigned ""        # include did not pass -> -all
expect 203.0.113.9 a@globex.test pass accept globex
expect 192.0.2.10 a@globex.test fail unassigned ""       # -all
expect 192.0.2.10 a@soft.test softfail unassigned ""     # ~all
expect 192.0.2.10 a@none.test none unassigned ""         # no SPF record (NXDOMAIN)
expect 192.0.2.10 a@broken.test permerror unassigned ""  # broken record
expect 192.0.2.10 a@flaky.test temperror tempfail ""     # SERVFAIL: the sender retries
grep -q 'query\[TXT\] acme.test' "$work/dnsmasq.log" || { echo "FAIL: dnsmasq saw no query"; failures=$((failures + 1)); }
[[ $failures -eq 0 ]] || exit 1
echo "all SPF decisions as expected"
