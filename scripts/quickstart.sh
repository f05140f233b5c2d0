#!/usr/bin/env bash
# Quick start: installs what is needed, builds, and runs the whole pipeline on an embedded default
# (conf/quickstart.yaml): a private Postfix on 127.0.0.1:2525 (its files under
# /tmp/postjournal-quickstart; /etc/postfix is not touched) and postjournal-milter on
# 127.0.0.1:11891. It sends the project's sample journal reports with swaks, then shows the
# archive: tenants, the deliveries, a search by a BCC recipient, the byte-exact original, verify,
# full-text searches once the milter's indexer has caught up, acme's retention with a legal hold
# (what a purge in 2040 would remove and keep), and the RFC 3161 stamps the milter
# takes through a local demo TSA on 127.0.0.1:3180 with an evidence bundle checked by
# scripts/verify-evidence.sh. Last it starts postjournal-web on http://127.0.0.1:8080/ with a demo
# auditor account (its password printed) and shows a search through its JSON API.
# They keep running so you can send more mail; `./scripts/quickstart.sh stop` stops them.
# Usage: ./scripts/quickstart.sh [stop]   (as root on Debian 12)
set -euo pipefail
cd "$(dirname "$0")/.."
src=$(pwd)
base=/tmp/postjournal-quickstart
conf=$src/conf/quickstart.yaml
export POSTJOURNAL_SOURCE=$src POSTJOURNAL_BIN_DIR=$src/build/milter
source scripts/lib/instance.sh
source scripts/lib/web.sh
export POSTJOURNAL_WEB=$src/build/web/postjournal-web

stop() {
  if [[ -f $base/milter.pid ]]; then
    pid=$(cat "$base/milter.pid")
    kill -TERM "$pid" 2>/dev/null && wait_gone "$pid" || true
    rm -f "$base/milter.pid"
  fi
  if [[ -f $base/web.pid ]]; then
    pid=$(cat "$base/web.pid")
    kill -TERM "$pid" 2>/dev/null && wait_gone "$pid" || true
    rm -f "$base/web.pid"
  fi
  [[ -d $base/postfix/etc ]] && pf_stop "$base/postfix"
  [[ -d $base/tsa ]] && bash scripts/lib/tsa.sh stop "$base/tsa"
  echo "quick start stopped (archive kept in $base/archive)"
}
if [[ ${1:-} == stop ]]; then stop; exit 0; fi

./scripts/install-deps.sh
echo "== building"
TARGET=postjournal ./scripts/build.sh build -DCMAKE_BUILD_TYPE=RelWithDebInfo
TARGET=postjournal-milter ./scripts/build.sh build -DCMAKE_BUILD_TYPE=RelWithDebInfo
TARGET=postjournal-extract ./scripts/build.sh build -DCMAKE_BUILD_TYPE=RelWithDebInfo
TARGET=postjournal-web ./scripts/build.sh build -DCMAKE_BUILD_TYPE=RelWithDebInfo
[[ -d $base ]] && stop >/dev/null
rm -rf "$base"
mkdir -p "$base/spool" "$base/postfix"
chmod 755 "$base" "$base/postfix"

echo "== starting a demo RFC 3161 TSA on 127.0.0.1:3180, postjournal-milter and a private Postfix on 127.0.0.1:2525"
bash scripts/lib/tsa.sh make "$base/tsa" "Quick Start Demo TSA" >/dev/null
bash scripts/lib/tsa.sh start "$base/tsa" 3180 >/dev/null
build/milter/postjournal-milter -c "$conf" -n
milter_start "$conf" "$base/milter.log"
echo "$MILTER_PID" >"$base/milter.pid"
pf_start "$base/postfix" 2525 11891
build/cli/postjournal doctor -c "$base/postfix/etc" --milter inet:127.0.0.1:11891 | tail -1

pj() { echo "\$ postjournal $*"; build/cli/postjournal -c "$conf" "$@"; echo; }
send() {  # send SOURCE_IP FROM TO FILE
  echo "swaks from $1: $(basename "$4") -> $(swaks --server 127.0.0.1:2525 --local-interface "$1" \
    --from "$2" --to "$3" --data "@$4" 2>&1 | grep -E '^<-' | tail -2 | head -1)"
}
echo "== sending journal reports"
send 127.0.0.2 journal-ndr@contoso.example journal@archive.test tests/data/journal/exchange-to-cc-bcc.eml
send 127.0.0.2 journal-ndr@contoso.example journal@archive.test tests/data/journal/exchange-qp-latin1.eml
send 127.0.0.2 journal-ndr@contoso.example journal@archive.test tests/data/index/report-bcc.eml
send 127.0.0.3 journal@contoso.example journal@archive.test tests/data/journal/workmail.eml
send 127.0.0.1 someone@unknown.example journal@archive.test tests/data/plain-undisclosed.eml
echo
echo "== milter log (one line per message, Postfix's queue id first)"
grep -E 'stored|reject|tempfail' "$base/milter.log" | sed 's/^/  /'
echo
pj tenants
pj list
pj search --address auditor@contoso.example
pj show acme:1
echo "== the original inside the report, byte for byte"
echo "sent:     $(build/cli/postjournal inspect --json tests/data/journal/exchange-to-cc-bcc.eml | sed -n 's/.*"original_sha256": "\(.*\)".*/\1/p')"
echo "archived: $(build/cli/postjournal -c "$conf" export acme:1 --original | sha256sum | cut -d' ' -f1)"
echo
pj verify
# wait_status PATTERN: until `status --json` (blanks removed) matches PATTERN, at most 60 s.
wait_status() {
  local deadline=$((SECONDS + 60))
  until { build/cli/postjournal -c "$conf" status --json || true; } | tr -d ' \n' | grep -q "$1" ||
    ((SECONDS > deadline)); do sleep 0.2; done
}
echo "== full-text search (the milter's indexer follows the archives; waiting for it)"
wait_status '"indexes":\[{"tenant":"_no-tenant","state":"OK".*"tenant":"acme","state":"OK".*"tenant":"contoso","state":"OK"'
pj search --tenant acme 'body:Nordstern'
pj search 'bcc:auditor@contoso.example' --count
pj search --tenant acme '"pricing policy" from:pat@contoso.example'
echo "\$ postjournal status   (the index rows)"
build/cli/postjournal -c "$conf" status | sed -n '/^INDEX/,/^$/p' || true
echo
echo "== retention and legal hold (acme keeps mail 10 years; a hold keeps it longer)"
pj retention explain acme:1
pj hold create demo-case --tenant acme --address auditor@contoso.example --reason "quick start demo"
pj purge --tenant acme --dry-run --now 2040-01-01
echo "== RFC 3161 timestamps (the milter stamps each tenant's chain within timestamp.interval)"
wait_status '"timestamps":\[{"tenant":"_no-tenant","stamps":[1-9][0-9]*,"stamped_deliveries":1,.*"tenant":"acme","stamps":[1-9][0-9]*,"stamped_deliveries":3,.*"tenant":"contoso","stamps":[1-9][0-9]*,"stamped_deliveries":1,'
echo "\$ postjournal status   (the timestamp rows)"
build/cli/postjournal -c "$conf" status | sed -n '/^TIMESTAMPS/,/^$/p' | grep -v '^warning' || true
echo
pj verify --tenant acme
pj export acme:1 --evidence -o "$base/acme-1-evidence.zip"
echo "\$ scripts/verify-evidence.sh $base/acme-1-evidence.zip   (coreutils, openssl and unzip only)"
env -i PATH=/usr/bin:/bin bash scripts/verify-evidence.sh "$base/acme-1-evidence.zip" || true
echo
echo "== postjournal-web on http://127.0.0.1:8080/ (every search and view is audited)"
password=$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')
printf '%s\n' "$password" | build/cli/postjournal -c "$conf" user add demo-auditor --role auditor \
  --tenant '*' --password-file -
web_start "$conf" 8080 "$base/web.log"
echo "$WEB_PID" >"$base/web.pid"
jar=$base/web-cookies
echo "login: HTTP $(web_login http://127.0.0.1:8080 demo-auditor "$password" "$jar")"
echo "\$ curl -b COOKIES 'http://127.0.0.1:8080/api/search?q=bcc:auditor@contoso.example'"
curl -s -b "$jar" 'http://127.0.0.1:8080/api/search?q=bcc:auditor@contoso.example' |
  grep -E '"(total|id|subject)"' || true
pj audit --tenant acme | grep web- | tail -2 || true
echo "Open http://127.0.0.1:8080/ and log in as demo-auditor with password $password"
echo
echo "Postfix (127.0.0.1:2525), the milter, postjournal-web and the demo TSA keep running; send more with e.g."
echo "  swaks --server 127.0.0.1:2525 --local-interface 127.0.0.2 --to journal@archive.test"
echo "Stop them: ./scripts/quickstart.sh stop"
