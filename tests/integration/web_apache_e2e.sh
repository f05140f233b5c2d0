#!/usr/bin/env bash
# postjournal-web behind the shipped Apache site (conf/apache/postjournal.conf: TLS,
# mod_authnz_ldap, the identity in X-Remote-User and the LDAP mail in X-Remote-Mail) with a private
# slapd holding alice (auditor of acme), bob (auditor of beta) and carol (a user, her address from
# LDAP): each sees only his tenant's deliveries, a forged identity header from the client is
# ignored (both spellings), an auditor of acme asking for an id of beta gets 404, carol does not
# see a message she did not take part in, a wrong password is refused, and every view is in
# `postjournal audit` under the LDAP name.
# Usage: web_apache_e2e.sh SOURCE_DIR BUILD_DIR   (root; apache2 slapd ldap-utils)
source "$1/tests/integration/lib/web_test.sh" "$1" "$2"

lport=$(free_port)
aport=$(free_port)
wport=$(free_port)
frontdoor_config "$wport" "{user: alice, role: auditor, tenants: [acme]}
{user: bob, role: auditor, tenants: [beta]}
{user: carol, role: user}"
msg() {  # msg TENANT FROM TO SUBJECT
  printf '%s\r\n' "From: $2" "To: $3" "Subject: $4" "Message-ID: <$RANDOM.$4@x>" "" "body of $4" \
    >"$work/m.eml"
  $pj -c "$cfg" import --tenant "$1" --mail-from "$2" --rcpt "$3" "$work/m.eml" >/dev/null
}
msg acme dave@acme.example carol@acme.example "to-carol"      # acme:1 (carol takes part)
msg acme dave@acme.example erin@acme.example "not-carols"     # acme:2
msg beta x@beta.example y@beta.example "beta-only"            # beta:1
$pj -c "$cfg" index >/dev/null 2>&1

mkdir -p "$work/ldap"
cat >"$work/ldap/people.ldif" <<LDIF
dn: dc=example,dc=org
objectClass: dcObject
objectClass: organization
o: Example
dc: example

dn: ou=people,dc=example,dc=org
objectClass: organizationalUnit
ou: people
LDIF
for u in alice bob carol; do
  printf '\ndn: uid=%s,ou=people,dc=example,dc=org\nobjectClass: inetOrgPerson\nuid: %s\ncn: %s\nsn: %s\nmail: %s@acme.example\nuserPassword: %s\n' \
    "$u" "$u" "$u" "$u" "$u" "$(slappasswd -s "$u-pw")" >>"$work/ldap/people.ldif"
done
slapd_start "$work/ldap" "$lport" "$work/ldap/people.ldif"
web_start "$cfg" "$wport" "$work/web.log"
mkdir -p "$work/apache"
tls_cert "$work/apache"
apache_start "$work/apache" "$src/conf/apache/postjournal.conf" "$aport" \
  "s|ldap://ldap.example.net/ou=people,dc=example,dc=net|ldap://127.0.0.1:$lport/ou=people,dc=example,dc=org|; s|http://127.0.0.1:8080/|http://127.0.0.1:$wport/|g"

A=https://127.0.0.1:$aport
c() { curl -s --cacert "$work/apache/cert.pem" "$@"; }
code() { c -o /dev/null -w '%{http_code}' "$@"; }
ids() { c "$@" | grep -o '"id": "[^"]*"' | cut -d'"' -f4 | sort | tr '\n' ' '; }
who() { c "$@" | sed -n 's/.*"user": "\([^"]*\)".*/\1/p'; }

check "no credentials: 401 from Apache" 401 "$(code "$A/api/search?q=*")"
check "wrong password: 401" 401 "$(code -u alice:wrong "$A/api/search?q=*")"
check "alice sees acme only" "acme:1 acme:2 " "$(ids -u alice:alice-pw "$A/api/search?q=*")"
check "bob sees beta only" "beta:1 " "$(ids -u bob:bob-pw "$A/api/search?q=*")"
check "forged X-Remote-User ignored" bob "$(who -u bob:bob-pw -H 'X-Remote-User: alice' "$A/api/whoami")"
check "forged X_Remote_User ignored" bob "$(who -u bob:bob-pw -H 'X_Remote_User: alice' "$A/api/whoami")"
check "forged header without credentials: 401" 401 "$(code -H 'X-Remote-User: alice' "$A/api/whoami")"
check "forged X-Remote-Mail ignored" "acme:1 " \
  "$(ids -u carol:carol-pw -H 'X-Remote-Mail: erin@acme.example' "$A/api/search?q=*")"
check "alice reads acme:1" 200 "$(code -u alice:alice-pw "$A/messages/acme:1")"
check "alice asking for beta:1: 404" 404 "$(code -u alice:alice-pw "$A/api/deliveries/beta:1")"
check "same answer as a missing id" "$(c -u alice:alice-pw "$A/api/deliveries/acme:99")" \
  "$(c -u alice:alice-pw "$A/api/deliveries/beta:1")"
check "carol (user, address from LDAP) sees her message only" "acme:1 " \
  "$(ids -u carol:carol-pw "$A/api/search?q=*")"
check "carol reads acme:1" 200 "$(code -u carol:carol-pw "$A/api/deliveries/acme:1")"
check "carol asking for acme:2: 404" 404 "$(code -u carol:carol-pw "$A/api/deliveries/acme:2")"
check "cookies are Secure behind TLS" 1 \
  "$(c -u alice:alice-pw -D - -o /dev/null "$A/login" | grep -ci '^set-cookie:.*; Secure')"

audit=$($pj -c "$cfg" audit --tenant acme)
check "alice's view audited" 1 "$(grep -c 'web:alice (header, auditor) from 127.0.0.1  web-view acme:1' <<<"$audit")"
check "carol's view audited" 1 "$(grep -c 'web:carol (header, user) from 127.0.0.1  web-view acme:1' <<<"$audit")"
check "no view of acme:2 by carol" 0 "$(grep -c 'web:carol.*web-view acme:2' <<<"$audit" || true)"
check "audit chain verified" 1 "$(grep -c 'chain verified' <<<"$audit")"
check "bob's search audited in beta" 1 \
  "$($pj -c "$cfg" audit --tenant beta | grep -c 'web:bob (header, auditor) from 127.0.0.1  web-search')"

ldappasswd -x -H "ldap://127.0.0.1:$lport" -D cn=admin,dc=example,dc=org -w adminsecret -s alice-2 \
  uid=alice,ou=people,dc=example,dc=org
check "changed LDAP password: old one refused" 401 "$(code -u alice:alice-pw "$A/api/whoami")"

web_test_finish web_apache_e2e
