#!/usr/bin/env bash
# Storage v2 from the command line: key init/status/backup/rotate, encryption at rest (no stored
# message text in the archive file or in an `mdb_copy -c` backup of it), restoring that backup
# with the key backup, clear errors for a missing or wrong key, the status warning when
# encryption is off, and `migrate` of the v1 fixture into an encrypted archive.
# Usage: storage.sh POSTJOURNAL_BINARY   (needs mdb_copy: lmdb-utils)
set -euo pipefail
source "$(dirname "$0")/lib.sh"  # bin, data, work (removed at exit), pj, fail, ok
cat >"$work/pj.yaml" <<YAML
archive: {root: $work/archive, encryption: aes-256-gcm, key_dir: $work/keys}
YAML
token=okapi-unique-storage-token-$$
msg=$work/secret.eml
printf 'From: a@acme.example\r\nTo: b@acme.example\r\nSubject: plans\r\n\r\nThe code word is %s.\r\n' \
  "$token" >"$msg"

expect_exit 70 pj import --tenant acme "$msg"
grep -q "key file $work/keys/acme.key: No such file or directory" <<<"$out" ||
  fail "import without a key: $out"
expect_exit 0 pj key init --tenant acme
[[ $(stat -c %a "$work/keys/acme.key") == 600 && $(stat -c %a "$work/keys") == 700 ]] ||
  fail "key file or directory mode: $(ls -la "$work/keys")"
expect_exit 78 pj key init --tenant acme
grep -q 'exists; refusing to overwrite a key' <<<"$out" || fail "second key init: $out"
expect_exit 1 pj key status
grep -q "^_no-tenant: MISSING KEY" <<<"$out" || fail "key status without _no-tenant.key: $out"
expect_exit 0 pj key init --no-tenant
ok "key init makes a private key file once; key status names a missing key"

expect_exit 0 pj import --tenant acme "$msg" "$data/journal/google.eml"
expect_exit 0 pj verify --tenant acme
grep -q '^  storage: format 2, 2 blobs encrypted, 0 in clear, 0 in format 1$' <<<"$out" ||
  fail "verify storage line: $out"
expect_exit 0 pj status
grep -q 'not encrypted at rest' <<<"$out" && fail "status warns although encryption is on: $out"
grep -q "$token" "$work/archive/acme/data.mdb" && fail "the token is in the archive file"
mkdir -p "$work/copy"
mdb_copy -c "$work/archive/acme" "$work/copy"
grep -q "$token" "$work/copy/data.mdb" && fail "the token is in the mdb_copy backup"
ok "an encrypted archive and its mdb_copy -c backup hold no message text"

expect_exit 0 pj key backup --tenant acme -o "$work/acme.key.backup"
[[ $(stat -c %a "$work/acme.key.backup") == 600 ]] || fail "backup mode"
mkdir -p "$work/restored/archive/acme" "$work/restored/keys"
cp "$work/copy/data.mdb" "$work/restored/archive/acme/"
cat >"$work/restored.yaml" <<YAML
archive: {root: $work/restored/archive, encryption: aes-256-gcm, key_dir: $work/restored/keys}
YAML
rpj() { "$bin" -c "$work/restored.yaml" "$@"; }
expect_exit 78 rpj export acme:1
grep -q "key file $work/restored/keys/acme.key: No such file or directory" <<<"$out" ||
  fail "export without the key: $out"
printf 'tenant acme\nkek 1 %s\n' "$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')" \
  >"$work/restored/keys/acme.key"
expect_exit 78 rpj export acme:1
grep -q "does not open with kek 1 of $work/restored/keys/acme.key (a wrong key file" <<<"$out" ||
  fail "export with a wrong key: $out"
cp "$work/acme.key.backup" "$work/restored/keys/acme.key"
expect_exit 0 rpj verify --tenant acme
rpj export acme:1 -o "$work/back.eml"
[[ $(sha "$work/back.eml") == "$(sha "$msg")" ]] || fail "restored export differs"
ok "mdb_copy -c plus the key backup restore a working archive; missing and wrong keys are named"

expect_exit 0 pj key rotate --tenant acme
grep -q '^acme: rotated to kek 2; 2 blob and 0 text data keys re-wrapped' <<<"$out" ||
  fail "rotate: $out"
grep -q '^kek 2 ' "$work/keys/acme.key" && ! grep -q '^kek 1 ' "$work/keys/acme.key" ||
  fail "key file after rotation: $(grep -c kek "$work/keys/acme.key") keks"
pj export acme:1 -o "$work/back2.eml"
[[ $(sha "$work/back2.eml") == "$(sha "$msg")" ]] || fail "export after rotation differs"
ok "key rotate re-wraps the data keys; the mail reads with the new key alone"

expect_exit 0 pj import "$data/plain-crlf.eml"
expect_exit 0 pj assign _no-tenant:1 --tenant acme --reason "misrouted"
[[ $(pj export acme:3 | sha256sum | cut -d' ' -f1) == "$(sha "$data/plain-crlf.eml")" ]] ||
  fail "assigned copy differs"
expect_exit 0 pj verify
grep -A2 '^acme: 3 deliveries' <<<"$out" | grep -q '^  storage: format 2, 3 blobs encrypted' ||
  fail "after assign: $out"
ok "assign moves a No Tenant delivery into the tenant's archive under the tenant's keys"

cp -r "$data/archive-v1" "$work/v1"
cat >"$work/v1.yaml" <<YAML
archive: {root: $work/v1, encryption: aes-256-gcm, key_dir: $work/v1keys}
YAML
vpj() { "$bin" -c "$work/v1.yaml" "$@"; }
expect_exit 0 vpj key init --tenant acme
expect_exit 0 vpj migrate --tenant acme
grep -q '^acme: migrated to storage format 2 (encrypted): 5 deliveries, 6 blobs' <<<"$out" ||
  fail "migrate: $out"
expect_exit 0 vpj verify --tenant acme
grep -q 'format 2, 6 blobs encrypted, 0 in clear, 0 in format 1' <<<"$out" || fail "after migrate: $out"
while read -r id want; do
  [[ $id == acme:* ]] || continue
  [[ $(vpj export "$id" | sha256sum | cut -d' ' -f1) == "$want" ]] || fail "$id differs after migrate"
done <"$data/archive-v1/SHA256SUMS"
ok "migrate rewrites the v1 archive encrypted, byte for byte"

cat >"$work/clear.yaml" <<YAML
archive: {root: $work/clear}
YAML
expect_exit 0 "$bin" -c "$work/clear.yaml" status
grep -q '^warning: archive.encryption is none: stored mail is not encrypted at rest' <<<"$out" ||
  fail "status warning: $out"
ok "status warns (a line, exit 0) when encryption is off"
