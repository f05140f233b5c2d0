#!/usr/bin/env bash
# postjournal-web behind the shipped OpenID Connect site (conf/apache/postjournal-openidc.conf:
# TLS, mod_auth_openidc, the user's e-mail claim in X-Remote-User and X-Remote-Mail) with a
# private glewlwyd as the provider. alice (auditor of acme) logs in through the provider's login
# page in headless Chromium and sees acme only, beta's id is 404; bob (auditor of beta) goes
# through the code flow with curl and a forged X-Remote-User is ignored; the views are audited.
# Usage: web_oidc_e2e.sh SOURCE_DIR BUILD_DIR   (root; apache2 libapache2-mod-auth-openidc
# glewlwyd sqlite3 chromium chromium-driver python3-selenium)
source "$1/tests/integration/lib/web_test.sh" "$1" "$2"

gport=$(free_port)
aport=$(free_port)
wport=$(free_port)
A=https://127.0.0.1:$aport
frontdoor_config "$wport" "{user: alice@acme.example, role: auditor, tenants: [acme]}
{user: bob@beta.example, role: auditor, tenants: [beta]}"
for t in acme acme beta; do
  printf '%s\r\n' "From: x@$t.example" "To: y@$t.example" "Subject: for $t" "" "body" >"$work/m.eml"
  $pj -c "$cfg" import --tenant "$t" "$work/m.eml" >/dev/null
done
$pj -c "$cfg" index >/dev/null 2>&1

glewlwyd_start "$work/op" "$gport" "$A/oidc/redirect"
glewlwyd_user "$work/op" alice alice-password alice@acme.example
glewlwyd_user "$work/op" bob bob-password bob@beta.example
web_start "$cfg" "$wport" "$work/web.log"
mkdir -p "$work/apache"
tls_cert "$work/apache"
apache_start "$work/apache" "$src/conf/apache/postjournal-openidc.conf" "$aport" \
  "s|https://login.microsoftonline.com/TENANT-ID/v2.0/.well-known/openid-configuration|$GLEWLWYD/api/oidc/.well-known/openid-configuration|; s|CLIENT-ID|postjournal|; s|CLIENT-SECRET|s3cret|; s|OIDCScope .*|OIDCScope \"openid\"|; s|http://127.0.0.1:8080/|http://127.0.0.1:$wport/|g"

c() { curl -s --cacert "$work/apache/cert.pem" "$@"; }
check "no session: redirected to the provider" 302 "$(c -o /dev/null -w '%{http_code}' "$A/search")"

# bob: the authorization-code flow with curl (cookie jars for Apache and for the provider).
rp=$work/rp.jar op=$work/op.jar
J=(-H 'Content-Type: application/json')
auth=$(c -c "$rp" -b "$rp" -o /dev/null -w '%{redirect_url}' "$A/api/whoami")
curl -sf -c "$op" -b "$op" -o /dev/null "${J[@]}" -d '{"username":"bob","password":"bob-password"}' \
  "$GLEWLWYD/api/auth/" || fail "provider refused bob"
curl -sf -c "$op" -b "$op" -o /dev/null -X PUT "${J[@]}" -d '{"scope":"openid"}' \
  "$GLEWLWYD/api/auth/grant/postjournal" || fail "grant"
cb=$(curl -s -c "$op" -b "$op" -o /dev/null -w '%{redirect_url}' "$auth&g_continue")
c -c "$rp" -b "$rp" -o /dev/null "$cb"
check "bob is bob@beta.example, a forged header ignored" bob@beta.example \
  "$(c -b "$rp" -H 'X-Remote-User: alice@acme.example' "$A/api/whoami" | sed -n 's/.*"user": "\([^"]*\)".*/\1/p')"
check "bob sees beta only" "beta:1" \
  "$(c -b "$rp" "$A/api/search?q=*" | grep -o '"id": "[^"]*"' | cut -d'"' -f4 | tr '\n' ' ' | xargs)"
check "bob asking for acme:1: 404" 404 "$(c -b "$rp" -o /dev/null -w '%{http_code}' "$A/api/deliveries/acme:1")"
check "bob reads beta:1" 200 "$(c -b "$rp" -o /dev/null -w '%{http_code}' "$A/messages/beta:1")"
check "a wrong password is refused by the provider" 401 \
  "$(curl -s -o /dev/null -w '%{http_code}' "${J[@]}" -d '{"username":"alice","password":"nope"}' "$GLEWLWYD/api/auth/")"

# alice: the provider's login page in a real browser.
mkdir -p "$work/browser"
if /usr/bin/python3 "$src/tests/integration/web_oidc_browser.py" "$A" alice alice-password \
  "acme:1,acme:2" beta:1 "$work/browser"; then ok "browser login through the provider"; else
  fail "browser login through the provider"; fi

check "alice's search audited in acme" 1 "$($pj -c "$cfg" audit --tenant acme |
  grep -c 'web:alice@acme.example (header, auditor) from 127.0.0.1  web-search')"
check "bob's view audited in beta" 1 "$($pj -c "$cfg" audit --tenant beta |
  grep -c 'web:bob@beta.example (header, auditor) from 127.0.0.1  web-view beta:1')"
web_test_finish web_oidc_e2e
