#!/usr/bin/env bash
# Retention, legal hold and erasure from the command line (README, Retention and legal hold):
# a 6-year policy keeps mail in year 5 and purges it in year 7 (`purge --dry-run --now`, then a
# real purge of mail imported with --received); holds by address and by query (present and
# future mail) keep expired mail until released; minimum retention refuses purge and erasure;
# `retention explain` and `retention apply` (lengthens, never shortens); an erasure needs two
# real uids (setpriv), leaves no unique string of the message in the tenant's directory of an
# unencrypted archive and rotates the KEK of an encrypted one; the erased id cannot be exported;
# verify passes after every step; the audit log has every action; status and --now rules.
# Usage: retention.sh POSTJOURNAL_BINARY (as root: the second identity is made with setpriv)
set -euo pipefail
source "$(dirname "$0")/lib.sh"  # bin, data, work (removed at exit), pj, fail, ok, expect_exit
export POSTJOURNAL_EXTRACT=${POSTJOURNAL_EXTRACT:-$(dirname "$bin")/../extractor/postjournal-extract}
cat >"$work/pj.yaml" <<YAML
archive: {root: $work/archive}
retention:
  purge_batch: 2
  policies:
    - tenant: acme
      keep: 6y
      rules:
        - {name: board, match: {sender: "*@board.acme.example"}, keep: 8y, minimum: 8y}
        - {name: legal, match: {query: "subject:contract"}, keep: 10y}
YAML
year=$(date -u +%Y)
ago() { echo "$(($year - $1))-$(date -u +%m)-01T00:00:00Z"; }  # ago YEARS: about then, UTC
mk() {  # mk FILE SUBJECT FROM TO [BODY]
  printf 'From: %s\r\nTo: %s\r\nSubject: %s\r\nMessage-ID: <%s@acme.example>\r\n\r\n%s\r\n' \
    "$3" "$4" "$2" "$2" "${5:-text of $2}" >"$1"
}
verify_ok() { expect_exit 0 pj verify --tenant acme; }

# --- a fresh delivery: kept in year 5, purged in year 7 ------------------------------------------
mk "$work/fresh.eml" fresh a@acme.example b@acme.example
pj import --tenant acme --mail-from a@acme.example --rcpt b@acme.example "$work/fresh.eml" >/dev/null
pj index --tenant acme >/dev/null  # the policy has a query rule: evaluation follows the index
expect_exit 0 pj purge --tenant acme --dry-run --now "$(($year + 5))-01-01"
grep -q '^acme: 0 would be purged' <<<"$out" || fail "year 5: $out"
expect_exit 0 pj purge --tenant acme --dry-run --now "$(($year + 7))-01-01"
grep -q '^would purge acme:1 ' <<<"$out" || fail "year 7: $out"
expect_exit 64 pj purge --tenant acme --now "$(($year + 7))-01-01"
grep -q -- '--now is accepted only with --dry-run' <<<"$out" || fail "--now without --dry-run: $out"
pj export acme:1 >/dev/null
ok "6 years: kept in year 5, would be purged in year 7; a real purge takes no --now"

# --- mail imported as received 7 and 5 years ago -------------------------------------------------
mk "$work/old.eml" old a@acme.example b@acme.example
mk "$work/five.eml" five a@acme.example b@acme.example
mk "$work/held.eml" held a@acme.example carol@acme.example
mk "$work/contract.eml" contract a@acme.example b@acme.example
mk "$work/board.eml" board ceo@board.acme.example b@acme.example
for f in old:7:a@acme.example:b five:5:a@acme.example:b held:7:a@acme.example:carol \
  contract:7:a@acme.example:b board:7:ceo@board.acme.example:b; do
  IFS=: read -r name years from to <<<"$f"
  pj import --tenant acme --received "$(ago "$years")" --mail-from "$from" \
    --rcpt "$to@acme.example" "$work/$name.eml" >/dev/null
done
# ids: 2 old, 3 five, 4 held, 5 contract (query rule, needs the index), 6 board (minimum 8y)
expect_exit 0 pj retention explain acme:5
grep -q 'not yet evaluated: the full-text index has reached 1 of 6' <<<"$out" ||
  fail "a query rule must wait for the index: $out"
expect_exit 0 pj purge --tenant acme
grep -q '^acme: 0 purged, 0 expired but kept.*not yet evaluated' <<<"$out" ||
  fail "nothing may go before the index evaluated it: $out"
pj index --tenant acme >/dev/null
expect_exit 0 pj retention explain acme:5
grep -q '^acme:5: kept until' <<<"$out" && grep -q 'fixed: *policy acme, rule legal, keep 10y' <<<"$out" ||
  fail "query rule not applied: $out"
expect_exit 0 pj retention explain acme:6
grep -q 'rule board, keep 8y' <<<"$out" || fail "board rule: $out"
ok "query rules wait for the index; explain shows the rule and why"

# --- holds ---------------------------------------------------------------------------------------
expect_exit 0 pj hold create case-1 --tenant acme --address carol@acme.example --reason "suit 42"
grep -q '^hold case-1 created on tenant acme: 1 deliveries held now' <<<"$out" || fail "hold: $out"
expect_exit 0 pj hold create case-2 --tenant acme --query 'subject:zzfuture' --reason "inquiry 7"
grep -q ': 0 deliveries held now' <<<"$out" || fail "query hold: $out"
expect_exit 1 pj hold create case-1 --tenant acme --all --reason again
grep -q "hold 'case-1' already exists" <<<"$out" || fail "duplicate hold: $out"
expect_exit 64 pj hold create case-3 --tenant acme --address x@y --reason ""
# A future delivery in a query hold's scope: pinned once the index reaches it.
mk "$work/future.eml" zzfuture a@acme.example b@acme.example
pj import --tenant acme --received "$(ago 9)" "$work/future.eml" >/dev/null  # acme:7
pj index --tenant acme >/dev/null
expect_exit 0 pj purge --tenant acme
grep -q '^purged acme:2 ' <<<"$out" || fail "old not purged: $out"
grep -q '^kept acme:4 .*legal hold case-1' <<<"$out" || fail "held kept: $out"
grep -q '^kept acme:7 .*legal hold case-2' <<<"$out" || fail "future held kept: $out"
grep -q 'acme:[356] ' <<<"$out" && fail "five-year-old, legal or board mail purged: $out"
verify_ok
expect_exit 1 pj export acme:2
grep -q 'no delivery acme:2 (removed: audit entry [0-9]*, purge by retention' <<<"$out" ||
  fail "export of a purged id: $out"
expect_exit 0 pj search --tenant acme 'subject:old'
grep -q '^0 matching deliveries' <<<"$out" || fail "the index still finds purged mail: $out"
expect_exit 0 pj hold list --tenant acme
grep -q '^case-1  ACTIVE .*held 1 ' <<<"$out" && grep -q '^case-2  ACTIVE .*held 1 ' <<<"$out" ||
  fail "hold list: $out"
expect_exit 0 pj hold release case-1 --tenant acme --reason "suit settled"
expect_exit 0 pj purge --tenant acme
grep -q '^purged acme:4 ' <<<"$out" || fail "released hold: $out"
verify_ok
ok "holds by address and by query (present and future) keep expired mail until released"

# --- minimum retention: no command removes it ----------------------------------------------------
expect_exit 0 pj erase request --tenant acme acme:6 --reason "asked"
grep -q '^  keep  acme:6  minimum retention until' <<<"$out" || fail "erase of minimum: $out"
request=$(sed -n 's/^erasure request \([0-9]*\) .*/\1/p' <<<"$out")
setpriv --ruid 65534 --euid 0 "$bin" -c "$work/pj.yaml" erase approve "$request" --tenant acme >/dev/null
pj export acme:6 >/dev/null || fail "minimum retention did not hold"
ok "minimum retention: neither purge nor an approved erasure removes it"

# --- retention apply: lengthens, never shortens --------------------------------------------------
sed -i 's/      keep: 6y$/      keep: 8y/' "$work/pj.yaml"
expect_exit 0 pj retention apply --tenant acme --dry-run
grep -q 'would apply.* [1-9][0-9]* lengthened' <<<"$out" || fail "apply dry run: $out"
expect_exit 0 pj retention apply --tenant acme
grep -q '^acme: applied .* [1-9][0-9]* lengthened' <<<"$out" || fail "apply: $out"
sed -i 's/      keep: 8y$/      keep: 2y/' "$work/pj.yaml"
expect_exit 0 pj retention apply --tenant acme
grep -q ' 0 lengthened.* [1-9][0-9]* kept at their longer fixed retention' <<<"$out" ||
  fail "apply must not shorten: $out"
expect_exit 0 pj purge --tenant acme --dry-run --now "$(($year + 7))-06-01"
grep -q 'acme:1 ' <<<"$out" && fail "a shorter policy shortened stored retention: $out"
expect_exit 0 pj retention explain acme:1
grep -q 'keep 8y' <<<"$out" && grep -q 'changed by audit entry' <<<"$out" || fail "explain: $out"
ok "retention apply lengthens stored retention and never shortens it"

# --- erasure: four-eyes, bytes gone, index terms gone -------------------------------------------
sed -i 's/      keep: 2y$/      keep: 6y/' "$work/pj.yaml"
mk "$work/victim.eml" gdpr a@acme.example victim@acme.example "zqxsecretword of the data subject"
pj import --tenant acme --mail-from a@acme.example --rcpt victim@acme.example "$work/victim.eml" >/dev/null
pj index --tenant acme >/dev/null
vid=$(pj search --tenant acme --address victim@acme.example | sed -n 's/^\(acme:[0-9]*\) .*/\1/p')
[[ -n $vid ]] || fail "victim's delivery not found"
grep -rqa zqxsecretword "$work/archive/acme" || fail "the test string is not in the archive"
expect_exit 0 pj erase request --tenant acme --address victim@acme.example --reason "Art. 17 #9"
grep -q "^  erase $vid\$" <<<"$out" || fail "erase request: $out"
request=$(sed -n 's/^erasure request \([0-9]*\) .*/\1/p' <<<"$out")
expect_exit 1 pj erase approve "$request" --tenant acme
grep -q 'another person must approve it' <<<"$out" || fail "four-eyes: $out"
pj export "$vid" >/dev/null || fail "refused approval removed something"
expect_exit 1 env SUDO_USER=alice "$bin" -c "$work/pj.yaml" erase approve "$request" --tenant acme
expect_exit 0 setpriv --ruid 65534 --euid 0 "$bin" -c "$work/pj.yaml" erase approve "$request" --tenant acme
grep -q "^erased $vid\$" <<<"$out" && grep -q 'compacted' <<<"$out" || fail "approve: $out"
if grep -rla zqxsecretword "$work/archive/acme"; then fail "a unique string of the erased message is still on disk"; fi
expect_exit 1 pj export "$vid"
grep -q "erase by nobody (uid 65534)" <<<"$out" || fail "export of an erased id: $out"
verify_ok
expect_exit 0 pj audit --tenant acme
for a in purge purge-run hold-create hold-release retention-apply erase-request erase erase-approve; do
  grep -q "  $a " <<<"$out" || fail "audit lacks $a: $out"
done
grep -q 'chain verified$' <<<"$out" || fail "audit chain: $out"
ok "erasure: refused to the requester, done by another uid, no trace in the tenant's files"

# --- encrypted archive: the KEK is rotated ------------------------------------------------------
cat >"$work/enc.yaml" <<YAML
archive: {root: $work/enc, encryption: aes-256-gcm, key_dir: $work/keys}
retention:
  policies:
    - {tenant: beta, keep: 6y}
YAML
mkdir -p "$work/keys" && chmod 700 "$work/keys"
pe() { "$bin" -c "$work/enc.yaml" "$@"; }
pe key init --tenant beta >/dev/null
pe import --tenant beta --mail-from a@acme.example --rcpt victim@acme.example "$work/victim.eml" >/dev/null
pe import --tenant beta --mail-from a@acme.example --rcpt other@acme.example "$work/five.eml" >/dev/null
expect_exit 0 pe erase request --tenant beta beta:1 --reason "Art. 17 #0"
grep -q '^  keep  beta:1  not yet indexed' <<<"$out" || fail "erasure before the index saw it: $out"
pe index --tenant beta >/dev/null
out=$(pe erase request --tenant beta beta:1 --reason "Art. 17 #10")
expect_exit 0 setpriv --ruid 65534 --euid 0 "$bin" -c "$work/enc.yaml" erase approve 2 --tenant beta
grep -q '^beta: key rotated (KEK 1 -> 2)' <<<"$out" || fail "no key rotation: $out"
expect_exit 0 pe key status --tenant beta --json
grep -q '"keks":\[2\]' <<<"$(tr -d ' \n' <<<"$out")" || fail "old KEK still in the key file: $out"
expect_exit 0 pe verify --tenant beta
pe export beta:2 >/dev/null || fail "the other delivery is unreadable after rotation"
ok "encrypted archive: erasure rotates the KEK; the rest stays readable"

# --- status ---------------------------------------------------------------------------------------
json=$(pj status --json | tr -d ' \n')
grep -q '"retention":\[{"tenant":"acme","policy":true,"held":1,"active_holds":1,' <<<"$json" ||
  fail "status json: $json"
grep -q '"erased":1,' <<<"$json" || fail "status erased count: $json"
out=$(pj status || true)
grep -q '^acme  *yes  *1  *1  ' <<<"$out" || fail "status table: $out"
ok "status shows held deliveries, holds, the next purge and the counts"
