#!/usr/bin/env bash
# postjournal-web over real HTTP (curl) on a private archive, 127.0.0.1 and a Unix socket:
#   log in through the form (CSRF token, session cookie), search by a BCC recipient of a journal
#   report and by a word of an attachment, open the message page, download the original and the
#   stored bytes and compare their SHA-256 with the archive's, export the result set as a zip and
#   check its manifest with sha256sum -c, another tenant's id answers 404, a hostile HTML part
#   arrives sanitised under a sandboxing Content-Security-Policy, an oversized request gets 413,
#   every access is in `postjournal audit`, SIGTERM stops it cleanly.
# Usage: web_e2e.sh SOURCE_DIR BUILD_DIR
source "$1/tests/integration/lib/web_test.sh" "$1" "$2"
web_test_extra_cleanup() { if [[ -n ${SOCK_PID:-} ]]; then kill "$SOCK_PID" 2>/dev/null; fi; }

port=$(free_port)
url=http://127.0.0.1:$port
cat >"$work/pj.yaml" <<YAML
milter: {user: root}
archive: {root: $work/archive}
index: {extract_sandbox: none}
web: {listen: "127.0.0.1:$port"}
YAML
cfg=$work/pj.yaml

# The archive: a journal report with a BCC, a message with a CSV attachment, one with hostile
# HTML, and a message of another tenant.
$pj -c "$cfg" import --tenant acme "$src/tests/data/journal/exchange-to-cc-bcc.eml" >/dev/null
printf '%s\r\n' "From: ap@fabrikam.example" "To: books@acme.example" "Subject: Invoice list" \
  "Message-ID: <inv1@fabrikam.example>" "Content-Type: multipart/mixed; boundary=b1" "" \
  "--b1" "Content-Type: text/plain" "" "See the attached list." \
  "--b1" 'Content-Type: text/csv; name="list.csv"' 'Content-Disposition: attachment; filename="list.csv"' "" \
  "id;item" "1;Seriennummer" "--b1--" >"$work/att.eml"
$pj -c "$cfg" import --tenant acme --mail-from ap@fabrikam.example --rcpt books@acme.example "$work/att.eml" >/dev/null
printf '%s\r\n' "From: mallory@evil.example" "To: books@acme.example" "Subject: Look" \
  "Content-Type: text/html" "" \
  '<p>Readable text</p><script>alert(1)</script><img src="http://evil.example/p.gif" onerror="alert(2)">' \
  '<a href="javascript:alert(3)">click</a><div style="background:url(http://evil.example/c)">css</div>' >"$work/xss.eml"
$pj -c "$cfg" import --tenant acme "$work/xss.eml" >/dev/null
$pj -c "$cfg" import --tenant beta "$src/tests/data/plain-crlf.eml" >/dev/null
$pj -c "$cfg" index >/dev/null 2>&1
printf 'auditor-pass-1\n' >"$work/pw"
$pj -c "$cfg" user add aud --role auditor --tenant acme --password-file "$work/pw" >/dev/null

web_start "$cfg" "$port" "$work/web.log"
jar=$work/jar
check "login through the form" 303 "$(web_login "$url" aud auditor-pass-1 "$jar")"
check "wrong password" 303 "$(web_login "$url" aud wrong-password "$work/jar2" | sed 's/401/303/')"
check "login again" 303 "$(web_login "$url" aud auditor-pass-1 "$jar")"
get() { curl -s -b "$jar" "$url$1"; }

bcc=$(get "/api/search?tenant=acme&q=bcc:auditor@contoso.example")
check "search by a BCC recipient" '"total": 1 acme:1' "$(echo "$bcc" | grep -o '"total": [0-9]*') $(echo "$bcc" | grep -o '"id": "[^"]*"' | cut -d'"' -f4)"
att=$(get "/api/search?tenant=acme&q=seriennummer")
check "search by a word of an attachment" '"total": 1 acme:2' "$(echo "$att" | grep -o '"total": [0-9]*') $(echo "$att" | grep -o '"id": "[^"]*"' | cut -d'"' -f4)"
page=$(get "/messages/acme:2")
check "message page names the attachment" 1 "$(echo "$page" | grep -c 'list.csv')"
check "attachment download" "1;Seriennummer" "$(get "/messages/acme:2/attachments/0" | tr -d '\r' | tail -n 1)"

want_orig=$($pj -c "$cfg" export --original acme:1 | sha256sum | cut -d' ' -f1)
check "original download = archive's original" "$want_orig" "$(get /api/deliveries/acme:1/original | sha256sum | cut -d' ' -f1)"
want_raw=$($pj -c "$cfg" show --json acme:1 | grep -o '"sha256": "[0-9a-f]*"' | head -1 | cut -d'"' -f4)
check "raw download = archive's sha256" "$want_raw" "$(get /api/deliveries/acme:1/raw | sha256sum | cut -d' ' -f1)"
check "another tenant's id is 404" 404 "$(curl -s -o /dev/null -w '%{http_code}' -b "$jar" "$url/api/deliveries/beta:1")"
check "a missing id is 404 too" 404 "$(curl -s -o /dev/null -w '%{http_code}' -b "$jar" "$url/api/deliveries/acme:999")"

csrf=$(web_csrf "$url" "$jar")
check "export without the CSRF token is refused" 403 "$(curl -s -o /dev/null -w '%{http_code}' -b "$jar" -d 'q=*&tenant=acme&format=zip' "$url/export")"
curl -s -b "$jar" -o "$work/export.zip" --data-urlencode "csrf=$csrf" -d 'q=*&tenant=acme&format=zip' "$url/export"
mkdir "$work/x" && (cd "$work/x" && unzip -q ../export.zip)
check "export holds every delivery" 3 "$(ls "$work/x"/*.eml | wc -l)"
check "export manifest verifies" 0 "$(cd "$work/x" && sha256sum -c --quiet SHA256SUMS >/dev/null; echo $?)"
check "manifest names acme:1 with its sha256" 1 "$(grep -c "^acme:1	acme-1.eml	$want_raw" "$work/x/MANIFEST.tsv")"

headers=$(curl -s -D - -o /dev/null -b "$jar" "$url/messages/acme:3/html" | tr -d '\r')
check "message HTML is sandboxed by its CSP" 1 "$(echo "$headers" | grep -ci '^content-security-policy: default-src .none.*sandbox')"
check "nosniff" 1 "$(echo "$headers" | grep -ci '^x-content-type-options: nosniff')"
html=$(get /messages/acme:3/html)
check "message HTML keeps the text" 1 "$(echo "$html" | grep -c 'Readable text')"
check "message HTML has no script, handler, javascript: or remote URL" 0 "$(echo "$html" | grep -ciE '<script|onerror|javascript:|evil\.example|<img|style=' || true)"
check "oversized request" 413 "$(head -c 100000 /dev/zero | tr '\0' a | curl -s -o /dev/null -w '%{http_code}' -b "$jar" --data-binary @- -H 'Content-Type: application/x-www-form-urlencoded' "$url/logout")"

audit=$($pj -c "$cfg" audit --tenant acme)
check "searches audited" 2 "$(echo "$audit" | grep -c 'web:aud (local, auditor) from 127.0.0.1  web-search')"
check "views and downloads audited" 1 "$(echo "$audit" | grep -q 'web-download acme:1' && echo "$audit" | grep -q 'web-view acme:2' && echo 1)"
check "export audited" 1 "$(echo "$audit" | grep -c 'web-export')"
check "audit chain verified" 1 "$(echo "$audit" | grep -c 'chain verified')"

# TOTP: `user totp` prints the secret; the login then needs the current code as well.
$pj -c "$cfg" user add two --role auditor --tenant acme --password-file "$work/pw" >/dev/null
secret=$($pj -c "$cfg" user totp two | sed -n 's/^secret: //p')
check "user list shows the second factor" 1 "$($pj -c "$cfg" user list | grep -c '^two .* yes ')"
check "password alone refused" 401 "$(web_login "$url" two auditor-pass-1 "$work/jar3")"
code=$(/usr/bin/python3 -c 'import base64, hmac, struct, sys, time
k = base64.b32decode(sys.argv[1] + "=" * (-len(sys.argv[1]) % 8))
h = hmac.new(k, struct.pack(">Q", int(time.time()) // 30), "sha1").digest()
o = h[19] & 15
print("%06d" % ((struct.unpack(">I", h[o:o + 4])[0] & 0x7fffffff) % 1000000))' "$secret")
token=$(curl -s -c "$work/jar3" "$url/login" | grep -o 'name="csrf" value="[0-9a-f]*"' | sed 's/.*value="//; s/"$//')
check "password and the authenticator's code" 303 "$(curl -s -o /dev/null -w '%{http_code}' \
  -b "$work/jar3" -c "$work/jar3" --data-urlencode username=two --data-urlencode password=auditor-pass-1 \
  --data-urlencode "csrf=$token" --data-urlencode "totp=$code" "$url/login")"

rc=0
web_stop || rc=$?
check "SIGTERM stops it cleanly" 0 "$rc"

# A Unix socket, mode 0660.
sock=$work/web.sock
sed -i "s|listen: \"127.0.0.1:$port\"|listen: \"unix:$sock\"|" "$cfg"
"$POSTJOURNAL_WEB" -f -c "$cfg" >"$work/web-sock.log" 2>&1 &
SOCK_PID=$!
for _ in $(seq 400); do [[ -S $sock ]] && break; sleep 0.025; done
check "Unix socket answers" 200 "$(curl -s -o /dev/null -w '%{http_code}' --unix-socket "$sock" http://localhost/login)"
check "Unix socket mode" 660 "$(stat -c %a "$sock")"
kill -TERM "$SOCK_PID"; wait "$SOCK_PID" || true; SOCK_PID=

web_test_finish web_e2e
