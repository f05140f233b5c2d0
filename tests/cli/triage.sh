#!/usr/bin/env bash
# No Tenant triage: queue, assign, delete and audit on a fresh archive. Asserts that assigned
# bytes arrive byte-exact in the tenant, that deleted bytes are gone unless another delivery has
# them, that every action is in the audit log with its content hash, and that `verify` passes on
# both archives afterwards (tombstones keep the chain verifiable).
# Usage: triage.sh POSTJOURNAL_BINARY
set -euo pipefail
source "$(dirname "$0")/lib.sh"  # bin, data, work (removed at exit), pj, fail, ok
cat >"$work/pj.yaml" <<YAML
archive: {root: $work/archive}
listeners:
  - {name: m365-acme, tenant: acme, auth: {method: ip, ips: [192.0.2.0/24]}}
YAML

pj import --received 2026-11-01T10:00:00Z --rcpt archive@journal.example "$data/plain-crlf.eml" >/dev/null
pj import --received 2026-11-02T10:00:00Z "$data/plain-lf.eml" >/dev/null
pj import --received 2026-11-03T10:00:00Z "$data/plain-lf.eml" >/dev/null
pj import --received 2026-11-04T10:00:00Z "$data/journal/exchange-to-cc-bcc.eml" >/dev/null

out=$(pj queue)
[[ $(sed -n 2p <<<"$out") == _no-tenant:4* ]] || fail "queue is not newest first: $out"
grep -q '^4 deliveries in the No Tenant queue$' <<<"$out" || fail "queue count: $out"
grep -q 'imported without a tenant' <<<"$out" || fail "queue reason: $out"
json=$(pj queue --json | tr -d ' \n')
grep -q '"smtp_recipients":\["archive@journal.example"\],"reason":"importedwithoutatenant"}\]$' \
  <<<"$json" || fail "queue json: $json"
ok "queue lists 4 deliveries newest first with their reason"

# --- assign ------------------------------------------------------------------------------------
expect_exit 64 pj assign _no-tenant:1 --tenant acme
grep -q -- '--reason' <<<"$out" || fail "assign without reason: $out"
expect_exit 64 pj assign _no-tenant:1 --tenant acmee --reason typo
grep -q "no archive and no listener" <<<"$out" || fail "unknown tenant: $out"
expect_exit 0 pj assign _no-tenant:1 --tenant acme --reason "journal rule of acme, new IP"
[[ $out == "assigned _no-tenant:1 to acme:1 (audit entry 1)" ]] || fail "assign said: $out"
[[ $(pj export acme:1 | sha256sum | cut -d' ' -f1) == $(sha "$data/plain-crlf.eml") ]] ||
  fail "assigned bytes differ"
pj show acme:1 | grep -q '^assigned from: *_no-tenant:1$' || fail "show acme:1 lacks assigned from"
pj search --tenant acme --address archive@journal.example | grep -q '^acme:1 ' ||
  fail "assigned delivery not indexed in acme"
expect_exit 1 pj show _no-tenant:1
grep -q "removed: audit entry 1, assign by .* now acme:1" <<<"$out" || fail "show removed: $out"
ok "assign moves a delivery byte-exact, indexed, with its origin"

# --- delete ------------------------------------------------------------------------------------
expect_exit 64 pj delete acme:1 --reason nope
grep -q "tenant archives are never edited" <<<"$out" || fail "delete of tenant delivery: $out"
expect_exit 0 pj delete _no-tenant:2 --reason "duplicate test message"
expect_exit 1 pj delete _no-tenant:2 --reason again
grep -q "already removed (audit entry 2)" <<<"$out" || fail "second delete: $out"
[[ $(pj export _no-tenant:3 | sha256sum | cut -d' ' -f1) == $(sha "$data/plain-lf.eml") ]] ||
  fail "bytes shared with a deleted delivery were lost"
expect_exit 0 pj delete _no-tenant:3 --reason "spam"
pj search --no-tenant --sha256 "$(sha "$data/plain-lf.eml")" | grep -q '^0 deliveries$' ||
  fail "deleted delivery still found by hash"
expect_exit 0 pj delete _no-tenant:4 --reason "tail of the chain"
ok "delete removes records, keeps shared bytes, refuses tenant deliveries and repeats"

# --- verify and audit ----------------------------------------------------------------------------
expect_exit 0 pj verify --no-tenant --json
out=$(tr -d ' \n' <<<"$out")
grep -q '"deliveries":0,"removed":4,"audit_entries":4,"contents":0' <<<"$out" ||
  fail "no-tenant verify: $out"
expect_exit 0 pj verify --tenant acme
pj import --received 2026-11-05T10:00:00Z "$data/plain-lf.eml" | grep -q 'stored _no-tenant:5$' ||
  fail "numbering after a deleted tail"
expect_exit 0 pj verify --no-tenant
ok "verify passes after assign and delete (tombstones in the chain)"

expect_exit 0 pj audit
[[ $(grep -c ' delete _no-tenant:' <<<"$out") == 3 ]] || fail "audit deletes: $out"
grep -q "assign _no-tenant:1 -> acme:1  sha256=$(sha "$data/plain-crlf.eml")  reason: journal rule of acme, new IP" <<<"$out" ||
  fail "audit assign line: $out"
grep -q "$(id -un)" <<<"$out" || fail "audit user: $out"
grep -q '^4 entries; chain verified$' <<<"$out" || fail "audit summary: $out"
SUDO_USER=alice pj delete _no-tenant:5 --reason "by sudo" >/dev/null
pj audit | grep -q "^5  .*  $(id -un) (sudo by alice)  delete _no-tenant:5" || fail "sudo user not recorded"
ok "audit shows who, what, content hash and reason; chain verified"

# The audit log is append-only evidence: changing an entry's bytes breaks its chain.
# (mdb_dump/mdb_load: lmdb-utils, installed by scripts/install-deps.sh)
mdb_dump -s audit "$work/archive/_no-tenant" >"$work/audit.dump"
sed -i 's/7370616d/7370616e/' "$work/audit.dump"  # "spam" -> "span" in entry 3's reason
mdb_load -s audit -f "$work/audit.dump" "$work/archive/_no-tenant" 2>/dev/null
expect_exit 1 pj audit
grep -q "audit entry 3: audit entry or its link was changed" <<<"$out" || fail "tamper: $out"
expect_exit 1 pj verify --no-tenant
ok "a changed audit entry is detected"
echo "PASS: triage"
