#!/usr/bin/env bash
# The spf listener method end to end: dnsmasq, Postfix and postjournal-milter inside a private
# network and mount namespace. SPF pass lands in the tenant with the result recorded; a DNS
# SERVFAIL answers 451 4.7.1 (the sender retries); another tenant passing SPF for the same
# shared IPs goes to No Tenant, and so does a message whose X-OriginatorOrg contradicts the
# listener's microsoft_tenant.
# Run as: unshare --net --mount --fork milter_spf_e2e.sh SOURCE_DIR BUILD_DIR   (root)
set -euo pipefail
export POSTJOURNAL_SOURCE=$1 POSTJOURNAL_BIN_DIR=$2/milter
pj=$2/cli/postjournal
source "$1/scripts/lib/instance.sh"
work=$(mktemp -d)
MILTER_PID= DNS_PID=
cleanup() { stack_down "$work"; dns_stop; rm -rf "$work"; }
trap cleanup EXIT

dns_start "$work" \
  --txt-record=acme.test,"v=spf1 ip4:192.0.2.0/24 -all" \
  --txt-record=evil.test,"v=spf1 ip4:192.0.2.0/24 -all" \
  --server=/flaky.test/127.0.0.9
# libspf2 passes any loopback client ("localhost is always allowed"), so the mail comes from a
# documentation address added to this namespace's lo: the "shared Microsoft 365 range".
ip addr add 192.0.2.1/32 dev lo
stack_up "$work" "" "$(cat <<'YAML'
  - name: acme-m365
    tenant: acme
    hosted_by: microsoft
    microsoft_tenant: acme.onmicrosoft.com
    auth: {method: spf, domain: acme.test}
  - name: flaky
    tenant: flaky
    auth: {method: spf, domain: flaky.test}
YAML
)"

failures=0
ok() { echo "ok: $*"; }
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
msg() {  # msg FROM ORG -> a message file
  printf 'From: %s\r\nTo: journal@archive.test\r\nSubject: spf test\r\nX-OriginatorOrg: %s\r\n\r\nbody\r\n' \
    "$1" "$2" >"$work/m.eml"
  echo "$work/m.eml"
}
send() {  # send FROM FILE -> the decisive reply line
  swaks --server "127.0.0.1:$port" --local-interface 192.0.2.1 --from "$1" --to journal@archive.test --data "@$2" 2>&1 |
    grep -E '^<\**-* *[245][0-9]{2} [0-9]' | tail -2 | head -1 || true
}
count() { "$pj" --archive-root "$work/archive" list "$@" --json 2>/dev/null | grep -c '"id"' || true; }

reply=$(send journal@acme.test "$(msg journal@acme.test acme.onmicrosoft.com)")
show=$("$pj" --archive-root "$work/archive" show acme:1 --json 2>&1 || true)
if [[ $reply == *"250"* && $show == *'"spf_result": "pass"'* && $show == *'"source": "acme-m365"'* ]]; then
  ok "SPF pass -> tenant acme, spf_result recorded"
else
  fail "SPF pass: '$reply' $show"
fi
reply=$(send journal@flaky.test "$(msg journal@flaky.test x)")
[[ $reply == *"451 4.7.1"* ]] && ok "SPF temperror -> 451 4.7.1" || fail "temperror: '$reply'"
reply=$(send journal@evil.test "$(msg journal@evil.test evil.onmicrosoft.com)")
[[ $reply == *"250"* && $(count --no-tenant) == 1 ]] && ok "another tenant passing SPF -> No Tenant" ||
  fail "evil sender: '$reply' no-tenant=$(count --no-tenant)"
reply=$(send journal@acme.test "$(msg journal@acme.test evil.onmicrosoft.com)")
if [[ $reply == *"250"* && $(count --no-tenant) == 2 && $(count --tenant acme) == 1 ]]; then
  ok "X-OriginatorOrg contradicting microsoft_tenant -> No Tenant, not acme"
else
  fail "hardening: '$reply' acme=$(count --tenant acme) no-tenant=$(count --no-tenant)"
fi
[[ $failures -eq 0 ]] || { tail -20 "$work/milter.log"; exit 1; }
echo "all SPF end-to-end checks passed"
