#!/usr/bin/env bash
# postjournal-web in headless Chromium against a running stack: mail arrives through a private
# Postfix and the milter (which indexes it), postjournal-web serves it, and web_browser.py drives
# the browser: login form, search by a BCC recipient and by a word of an attachment, the message
# page, the original's download vs the archive's SHA-256, a zip export's manifest, and a message
# whose HTML carries script, handlers, a javascript: link and remote CSS/images (a beacon on
# 127.0.0.2 counts requests) — shown, nothing run, nothing loaded. Screenshots of the search and
# message pages land in $SCREENSHOT_DIR when set (the README's images).
# Usage: web_browser_e2e.sh SOURCE_DIR BUILD_DIR   (root; chromium, chromium-driver, python3-selenium)
source "$1/tests/integration/lib/e2e.sh" "$1" "$2"
source "$1/scripts/lib/web.sh"
export POSTJOURNAL_WEB=$2/web/postjournal-web
e2e_extra_cleanup() { web_stop; }

stack_up "$work" "" "  - {name: acme-relay, tenant: acme, auth: {method: ip, ips: [127.0.0.2/32]}}"
wport=$(free_port)
beacon=$(free_port)
cat >>"$work/pj.yaml" <<YAML
web: {listen: "127.0.0.1:$wport"}
YAML

send() {  # send FILE
  local out
  out=$(swaks --server "127.0.0.1:$port" --local-interface 127.0.0.2 --from journal@acme.example \
    --to j@archive.test --data "@$1" --timeout 60 2>&1 || true)
  grep -q '^<- *250 ' <<<"$out" || fail "not accepted: $1: $out"
}
send "$1/tests/data/journal/exchange-to-cc-bcc.eml"
printf '%s\r\n' "From: ap@fabrikam.example" "To: books@acme.example" "Subject: Invoice list" \
  "Date: Mon, 7 Dec 2026 10:00:00 +0000" "Message-ID: <inv1@fabrikam.example>" \
  "Content-Type: multipart/mixed; boundary=b1" "" \
  "--b1" "Content-Type: text/plain" "" "See the attached list." \
  "--b1" 'Content-Type: text/csv; name="list.csv"' 'Content-Disposition: attachment; filename="list.csv"' "" \
  "id;item" "1;Seriennummer" "--b1--" >"$work/att.eml"
send "$work/att.eml"
b="http://127.0.0.2:$beacon"
printf '%s\r\n' "From: mallory@evil.example" "To: books@acme.example" "Subject: Look at this" \
  "Date: Mon, 7 Dec 2026 11:00:00 +0000" "Message-ID: <xss1@evil.example>" "Content-Type: text/html" "" \
  "<html><head><meta http-equiv=\"refresh\" content=\"0;url=$b/refresh\">" \
  "<link rel=\"stylesheet\" href=\"$b/link.css\"><style>@import url($b/import.css);" \
  "@font-face{font-family:x;src:url($b/font.woff)} p{font-family:x}</style></head><body>" \
  "<p>Readable text</p><script>console.log('INJECTED-SCRIPT'); parent.pwned = 1</script>" \
  "<img src=\"$b/img.gif\" onerror=\"console.log('INJECTED-ONERROR')\">" \
  "<img src=\"x\" onerror=\"console.log('INJECTED-ONERROR-2')\">" \
  "<a href=\"javascript:console.log('INJECTED-HREF')\">click me</a>" \
  "<div style=\"background:url($b/css.png)\">styled</div>" \
  "<iframe src=\"$b/frame\"></iframe><object data=\"$b/object\"></object>" \
  "<svg><image href=\"$b/svg.png\"/></svg></body></html>" >"$work/xss.eml"
send "$work/xss.eml"

printf 'browser-pass-1\n' >"$work/pw"
$pj -c "$work/pj.yaml" user add aud --role auditor --tenant acme --password-file "$work/pw" >/dev/null
web_start "$work/pj.yaml" "$wport" "$work/web.log"
url=http://127.0.0.1:$wport
jar=$work/jar
[[ $(web_login "$url" aud browser-pass-1 "$jar") == 303 ]] || fail "curl login"
# The milter's indexer thread takes the mail shortly after the 250: wait until all three are in
# (asked of `postjournal status`, not of the web, whose searches are audited).
indexed() { $pj -c "$work/pj.yaml" status --json | /usr/bin/python3 -c 'import json, sys
ix = [i for i in json.load(sys.stdin)["indexes"] if i["tenant"] == "acme"]
sys.exit(0 if ix and ix[0]["documents"] == 3 and ix[0]["lag"] == 0 else 1)'; }
for _ in $(seq 600); do indexed && break; sleep 0.05; done
indexed && ok "three deliveries indexed" || fail "index did not catch up"

original=$($pj -c "$work/pj.yaml" export --original acme:1 | sha256sum | cut -d' ' -f1)
out=$work/browser
mkdir -p "$out"
if /usr/bin/python3 "$1/tests/integration/web_browser.py" "$url" aud browser-pass-1 "$beacon" \
  "$out" "$original"; then ok "browser checks"; else fail "browser checks"; fi
[[ -s $out/web-search.png && -s $out/web-message.png ]] && ok "screenshots written" ||
  fail "screenshots missing"
if [[ -n ${SCREENSHOT_DIR:-} ]]; then cp "$out"/web-*.png "$SCREENSHOT_DIR/"; fi

audit=$($pj -c "$work/pj.yaml" audit --tenant acme)
grep -q 'web:aud (local, auditor) from 127.0.0.1  web-view acme:3' <<<"$audit" &&
  ok "the browser's views are audited" || fail "views not audited: $audit"
grep -q 'web-download acme:1' <<<"$audit" && grep -q 'web-export' <<<"$audit" &&
  ok "download and export audited" || fail "download/export not audited"
e2e_finish web_browser_e2e
