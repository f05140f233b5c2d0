#!/usr/bin/env bash
# CLI golden tests: imports the fixtures of tests/data with fixed receipt times into a fresh
# archive and compares the output of list, search, show and export with tests/cli/golden/*.out.
# Usage: golden.sh POSTJOURNAL_BINARY   (UPDATE_GOLDEN=1 rewrites the golden files)
set -euo pipefail
bin=$1
here=$(cd "$(dirname "$0")" && pwd)
data=$here/../data
golden=$here/golden
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
pj() { "$bin" --archive-root "$work/archive" "$@"; }

failures=0
check() {  # check NAME COMMAND...   compares stdout and the exit status with golden/NAME.out
  local name=$1; shift
  local out=$work/$name.out rc=0
  "$@" >"$out.raw" 2>&1 || rc=$?
  echo "[exit $rc]" >>"$out.raw"
  sed -e "s|$work|WORK|g" -e "s|$data|DATA|g" "$out.raw" >"$out"
  if [[ ${UPDATE_GOLDEN:-0} == 1 ]]; then
    cp "$out" "$golden/$name.out"
  elif ! diff -u "$golden/$name.out" "$out"; then
    echo "FAIL: $name"; failures=$((failures + 1))
  else
    echo "ok: $name"
  fi
}

check import-acme pj import --tenant acme --received 2026-11-03T10:15:02Z "$data/plain-crlf.eml"
check import-acme-lf pj import --tenant acme --received 2026-11-04T08:00:00Z --source m365-acme \
  --mail-from bounces@partner.example "$data/plain-lf.eml"
check import-duplicate pj import --tenant acme --received 2026-11-05T09:30:00Z "$data/plain-crlf.eml"
check import-no-tenant pj import --received 2026-11-06T12:00:00Z --rcpt archiver@journal.example \
  "$data/plain-undisclosed.eml"
check tenants pj tenants
check list pj list
check list-acme-json pj list --tenant acme --json
check list-since-limit pj list --tenant acme --since 2026-11-04 --limit 1
check search-address pj search --address ALICE@acme.example
check search-bcc-like pj search --tenant acme --address erin@acme.example --json
check search-message-id pj search --message-id q3-numbers@acme.example
check search-none pj search --tenant acme --address nobody@acme.example
check show pj show acme:3
check show-envelope pj show _no-tenant:1
check show-json pj show acme:2 --json
check show-missing pj show acme:99
check export-mbox pj export --tenant acme --mbox
check export-bad-id pj export ../etc:1
check list-bad-tenant pj list --tenant ../etc
check list-unknown-tenant pj list --tenant nosuch
# Journal reports: two reports of one original store the original once; BCC and expanded
# recipients find their report; export --original is the embedded original.
check import-reports pj import --tenant contoso --received 2026-11-07T08:00:00Z \
  "$data/journal/exchange-to-cc-bcc.eml" "$data/journal/exchange-quoted-comma.eml"
check search-bcc pj search --address auditor@contoso.example
check search-expanded-list pj search --tenant contoso --address all-staff@contoso.example
original_sha=$(pj inspect --json "$data/journal/exchange-to-cc-bcc.eml" | sed -n 's/.*"original_sha256": "\(.*\)".*/\1/p')
check search-original pj search --sha256 "$original_sha"
check show-report pj show contoso:1
if [[ $(pj export contoso:2 --original | sha256sum | cut -d' ' -f1) == "$original_sha" ]] &&
   cmp -s <(pj export contoso:2) "$data/journal/exchange-quoted-comma.eml"; then
  echo "ok: export --original of a report is the embedded original"
else
  echo "FAIL: export --original of a report"; failures=$((failures + 1))
fi
check import-no-original pj import --tenant contoso --received 2026-11-08T08:00:00Z \
  "$data/journal/exchange-gcc.eml"
check export-no-original pj export contoso:3 --original
check verify pj verify

# export --raw and --original are byte-identical to the imported file.
for id in acme:1 acme:2 acme:3 _no-tenant:1; do
  pj export "$id" -o "$work/export.eml"
  src=$data/plain-crlf.eml
  [[ $id == acme:2 ]] && src=$data/plain-lf.eml
  [[ $id == _no-tenant:1 ]] && src=$data/plain-undisclosed.eml
  if cmp -s "$src" "$work/export.eml" && [[ $(pj export "$id" --original | sha256sum) == $(sha256sum <"$src") ]]; then
    echo "ok: export $id byte-identical"
  else
    echo "FAIL: export $id differs from $src"; failures=$((failures + 1))
  fi
done

if [[ $failures -ne 0 ]]; then echo "$failures golden test(s) failed"; exit 1; fi
echo "all golden tests passed"
