#!/usr/bin/env bash
# RFC 3161 timestamps from the command line, against a local TSA (scripts/lib/tsa.sh):
# `timestamp` stamps each tenant's delivery and audit heads, `verify` says what is covered, an
# evidence bundle (directory and zip) verifies with scripts/verify-evidence.sh using standard
# tools only (postjournal's binaries not on PATH) and fails after any one byte of any of its files
# is changed or with another TSA's root; a delivery not yet stamped has no bundle; a TSA that is
# down makes `timestamp` exit 75 with its error, which `status` shows (FAILING once the gap is
# older than timestamp.alert_after); no timestamp.url is exit 78.
# Usage: timestamp.sh POSTJOURNAL_BINARY   (needs python3, openssl, unzip)
set -euo pipefail
source "$(dirname "$0")/lib.sh"  # bin, data, work (removed at exit), pj, fail, ok
src=$(cd "$(dirname "$0")/../.." && pwd)
tsa() { bash "$src/scripts/lib/tsa.sh" "$@"; }
trap 'tsa stop "$work/tsa"; rm -rf "$work"' EXIT
tsa make "$work/tsa" "CLI Test TSA" >/dev/null
tsa make "$work/other" "Other TSA" >/dev/null
url=$(tsa start "$work/tsa")
cat >"$work/pj.yaml" <<YAML
archive: {root: $work/archive}
timestamp: {url: "$url", ca_file: $work/tsa/ca.crt, alert_after: 3600}
YAML
verify_evidence() { env -i PATH=/usr/bin:/bin bash "$src/scripts/verify-evidence.sh" "$@"; }
command -v postjournal >/dev/null && fail "postjournal is on PATH: the bundle check would not be independent"

for i in 1 2 3; do
  printf 'From: a@acme.example\r\nTo: b@acme.example\r\nSubject: deal %s\r\nMessage-ID: <d%s@acme.example>\r\n\r\nTerms of deal %s.\r\n' \
    "$i" "$i" "$i" >"$work/m$i.eml"
done
expect_exit 0 pj import --tenant acme "$work/m1.eml" "$work/m2.eml"
expect_exit 0 pj import "$data/journal/google.eml"  # No Tenant, then deleted: an audit entry
expect_exit 0 pj delete _no-tenant:1 --reason "test: spam"
expect_exit 0 pj timestamp
grep -q '^acme: stamp 1 covers deliveries 1..2 and audit entries 1..0, TSA time ' <<<"$out" ||
  fail "timestamp output: $out"
grep -q '^_no-tenant: stamp 1 covers deliveries 1..1 and audit entries 1..1' <<<"$out" ||
  fail "the No Tenant audit entry is not stamped: $out"
expect_exit 0 pj timestamp --list --tenant acme
grep -qE '^acme +1 +[0-9T:Z-]+ +1\.\.2 +1\.\.0 +[0-9A-F]+ +VALID$' <<<"$out" || fail "timestamp --list: $out"
expect_exit 0 pj import --tenant acme "$work/m3.eml"
expect_exit 0 pj verify
grep -q '^  timestamps: 1 stamp, 1 valid; deliveries 1..2 covered (TSA time .*), 3..3 not yet$' \
  <<<"$out" || fail "verify's timestamps line: $out"
grep -q 'audit entries 1..1 of 1 covered' <<<"$out" || fail "verify's audit coverage: $out"
ok "timestamp stamps delivery and audit heads; verify says what is covered"

expect_exit 75 pj export acme:3 --evidence -o "$work/early.zip"
grep -q 'acme:3 is not covered by a valid timestamp yet' <<<"$out" || fail "unstamped export: $out"
[[ ! -e $work/early.zip ]] || fail "a bundle was written for an unstamped delivery"
expect_exit 0 pj export acme:2 --evidence -o "$work/bundle"
expect_exit 0 pj export acme:1 --evidence -o "$work/bundle.zip"
expect_exit 0 verify_evidence "$work/bundle"
grep -q '^verified: delivery 2 existed in this form no later than ' <<<"$out" || fail "$out"
cmp -s "$work/bundle/message.eml" "$work/m2.eml" || fail "message.eml is not the stored bytes"
grep -q '"sha256"' "$work/bundle/record.json" || fail "record.json"
grep -q 'Terms of deal 1\|Terms of deal 3' "$work"/bundle/* && fail "the bundle reveals another message"
expect_exit 0 verify_evidence "$work/bundle.zip"
grep -q '^ok: 2 chain steps lead from delivery 1 to the stamped head 2$' <<<"$out" || fail "$out"
expect_exit 0 unzip -t "$work/bundle.zip"
expect_exit 1 verify_evidence "$work/bundle" --ca "$work/other/ca.crt"
grep -q "the TSA's token does not verify" <<<"$out" || fail "another TSA's root: $out"
ok "evidence bundles (directory and zip) verify with standard tools only"

flipped=0
for f in "$work"/bundle/*; do
  name=$(basename "$f")
  rm -rf "$work/bad"; cp -r "$work/bundle" "$work/bad"
  size=$(stat -c %s "$f")
  pos=$(( (RANDOM * 32768 + RANDOM) % size ))
  byte=$(od -An -tu1 -j "$pos" -N1 "$f" | tr -d ' ')
  printf "$(printf '\\%03o' $(( (byte + 1) % 256 )))" |
    dd of="$work/bad/$name" bs=1 seek="$pos" conv=notrunc status=none
  cmp -s "$f" "$work/bad/$name" && fail "$name: the byte was not changed"
  if verify_evidence "$work/bad" >/dev/null 2>&1; then fail "a changed byte $pos of $name went unnoticed"; fi
  flipped=$((flipped + 1))
done
(( flipped == 10 )) || fail "expected 10 files in the bundle, changed $flipped"
cp "$work/bundle.zip" "$work/bad.zip"
pos=$(grep -obUa 'Terms of deal 1' "$work/bad.zip" | head -1 | cut -d: -f1)
printf 'X' | dd of="$work/bad.zip" bs=1 seek="$pos" conv=notrunc status=none
expect_exit 1 verify_evidence "$work/bad.zip"
ok "one changed byte in any file of a bundle (or in the zip's message) fails the check"

tsa stop "$work/tsa"
expect_exit 0 pj import --tenant acme "$data/journal/google.eml"
expect_exit 75 pj timestamp --tenant acme
grep -q 'acme: no stamp: TSA unreachable: ' <<<"$out" || fail "timestamp with the TSA down: $out"
pj status --json >"$work/status.json" || true
grep -q '"unstamped_deliveries": 2' "$work/status.json" || fail "status gap: $(cat "$work/status.json")"
grep -q '"last_error": "TSA unreachable' "$work/status.json" || fail "status error"
expect_exit 2 pj status --now "@$(( $(date +%s) + 7200 ))"
grep -q '^timestamp:acme .*FAILING (TSA unreachable: .*2 deliveries and 0 audit entries not stamped since' \
  <<<"$out" || fail "status past alert_after: $out"
tsa start "$work/tsa" "$(cat "$work/tsa/port")" >/dev/null
expect_exit 0 pj timestamp --tenant acme
expect_exit 0 pj status --json
grep -q '"unstamped_deliveries": 0' <<<"$out" || fail "the gap is not closed: $out"
grep -q '"last_error": null' <<<"$out" || fail "the error is still shown: $out"
ok "a TSA that is down: exit 75 with its error, the gap and the error in status, closed later"

cat >"$work/untrusted.yaml" <<YAML
archive: {root: $work/archive}
timestamp: {url: "$url", ca_file: $work/other/ca.crt}
YAML
expect_exit 1 "$bin" -c "$work/untrusted.yaml" verify --tenant acme
grep -q '^  stamp 1: the token does not verify' <<<"$out" || fail "verify with another root: $out"
expect_exit 1 "$bin" -c "$work/untrusted.yaml" timestamp --list --tenant acme --json
grep -q '"valid": false' <<<"$out" || fail "timestamp --list with another root: $out"
cat >"$work/none.yaml" <<YAML
archive: {root: $work/archive}
YAML
expect_exit 78 "$bin" -c "$work/none.yaml" timestamp
grep -q 'timestamp.url is not set' <<<"$out" || fail "$out"
expect_exit 0 "$bin" -c "$work/none.yaml" verify --tenant acme
grep -q '^  timestamps: 2 stamps, not checked: timestamp.ca_file is not set' <<<"$out" ||
  fail "verify without trust anchors: $out"
ok "verify names a token of an untrusted TSA; no timestamp.url is a configuration error"
echo "all timestamp tests passed"
