#!/usr/bin/env bash
# Tenant attacks through the whole pipeline (private Postfix + postjournal-milter):
#   - a forged journal report from a source that matches no listener lands in No Tenant and adds
#     none of its claimed recipients (BCC included) to any index;
#   - the same report through a `forward` listener (copies, not journal reports) is archived
#     with only the SMTP envelope as recipients;
#   - a replayed report (the same bytes and envelope again) is stored once;
#   - a Message-ID reused with other content is stored, not deduplicated away.
# Each ends with the ledger invariant (tests/integration/lib/ledger.sh). (Tenant hijack through a
# shared SPF range and X-OriginatorOrg: milter_spf_e2e.sh; tenant names with ../, NUL, 200
# characters: tests/cli/config.sh.)
# Usage: milter_attacks_e2e.sh SOURCE_DIR BUILD_DIR   (root)
source "$1/tests/integration/lib/e2e.sh" "$1" "$2"
stack_up "$work" "" "$(cat <<'YAML'
  - name: contoso-journal
    tenant: contoso
    auth: {method: ip, ips: [127.0.0.2/32]}
  - name: fabrikam-copies
    tenant: fabrikam
    type: forward
    auth: {method: ip, ips: [127.0.0.4/32]}
YAML
)"
p() { "$pj" --archive-root "$work/archive" "$@"; }
report=$1/tests/data/journal/exchange-to-cc-bcc.eml  # claims a BCC auditor@contoso.example
mkdir -p "$work/msgs"
send_as() {  # send_as TENANT ID IP FILE
  ledger_send "$1" "$2" "$4" --server "127.0.0.1:$port" --local-interface "$3" \
    --from journal@contoso.example --to j@archive.test >/dev/null
}
found() { p search --address "$1" --json | grep -c '"id"' || true; }

# The report's own Message-ID is the embedded original's; the ledger needs one per transmission,
# so each copy gets a distinct outer Message-ID header.
# Postfix removes Return-Path: on receipt (cleanup), so the copies are sent without it.
variant() {  # variant ID: the report with an outer Message-ID <ID>
  { printf 'Message-ID: <%s>\r\n' "$1"; grep -v '^Return-Path:' "$report"; } >"$work/msgs/$1.eml"
}
variant forged@attack.test
send_as _no-tenant forged@attack.test 127.0.0.9 "$work/msgs/forged@attack.test.eml"
if [[ $(found auditor@contoso.example) == 0 ]] &&
   p show _no-tenant:1 | grep -q 'journal-envelope-untrusted'; then
  ok "forged report from an unknown source: No Tenant, its claimed BCC recipient indexed nowhere"
else
  fail "forged report: auditor found $(found auditor@contoso.example) times"
fi
variant copy@attack.test
send_as fabrikam copy@attack.test 127.0.0.4 "$work/msgs/copy@attack.test.eml"
if [[ $(found auditor@contoso.example) == 0 && $(p search --tenant fabrikam --address j@archive.test --json | grep -c '"id"') == 1 ]]; then
  ok "report through a forward listener: only the SMTP envelope is indexed"
else
  fail "forward listener indexed the report's recipients"
fi
variant replay@attack.test
send_as contoso replay@attack.test 127.0.0.2 "$work/msgs/replay@attack.test.eml"
[[ $(found auditor@contoso.example) == 1 ]] || fail "trusted journal report: BCC not indexed"
# The replay: byte-identical, the same envelope: a retransmission, merged (ledger: exactly once).
send_as contoso replay@attack.test 127.0.0.2 "$work/msgs/replay@attack.test.eml"
contents=$(p verify --tenant contoso --json | tr -d ' \n' | sed -n 's/.*"contents":\([0-9]*\).*/\1/p')
if [[ $contents == 1 && $(p list --tenant contoso --json | grep -c '"id"') == 1 ]] &&
   grep -q 'retransmission=yes' "$work/milter.log"; then
  ok "replayed report: stored once (logged as a retransmission of the first delivery)"
else
  fail "replay: $contents contents, $(p list --tenant contoso --json | grep -c '"id"') deliveries"
fi
for n in 1 2; do
  id=reused-$n@attack.test
  { printf 'From: a@contoso.example\r\nTo: b@contoso.example\r\nMessage-ID: <same@attack.test>\r\nX-Id: %s\r\n\r\nversion %s\r\n' "$id" "$n"; } >"$work/msgs/$id.eml"
  ledger_send contoso "$id" "$work/msgs/$id.eml" --server "127.0.0.1:$port" --local-interface 127.0.0.2 \
    --from a@contoso.example --to j@archive.test >/dev/null
done
if [[ $(p search --tenant contoso --message-id same@attack.test --json | grep -c '"sha256"') == 2 ]] &&
   [[ $(p search --tenant contoso --message-id same@attack.test --json | grep '"sha256"' | sort -u | wc -l) == 2 ]]; then
  ok "a Message-ID reused with other content: both stored, nothing deduplicated away"
else
  fail "reused Message-ID"
fi
ledger_check "$work/archive" || failures=$((failures + 1))
e2e_finish milter_attacks_e2e
