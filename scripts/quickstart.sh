#!/usr/bin/env bash
# Quick start: installs what is needed, builds, and shows the archive working on an embedded
# default configuration (conf/quickstart.yaml, archive under /tmp/postjournal-quickstart):
# imports the project's sample messages into a demo tenant and the No Tenant queue, lists,
# searches, shows, exports byte-exact, imports a duplicate, verifies, then detects tampering in
# a scratch copy of the archive.
# Usage: ./scripts/quickstart.sh   (as root on Debian 12)
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
echo "== building"
TARGET=postjournal ./scripts/build.sh build -DCMAKE_BUILD_TYPE=RelWithDebInfo

pj() { echo "\$ postjournal $*"; build/cli/postjournal -c conf/quickstart.yaml "$@"; echo; }
root=/tmp/postjournal-quickstart
rm -rf "$root"

pj check-config
pj import --tenant demo --source quickstart tests/data/plain-crlf.eml tests/data/plain-lf.eml
pj import --rcpt archiver@journal.example tests/data/plain-undisclosed.eml
pj tenants
pj list --tenant demo
pj search --address erin@acme.example
pj show demo:1

echo "== export is byte-exact"
build/cli/postjournal -c conf/quickstart.yaml export demo:1 -o "$root/demo-1.eml"
sha256sum tests/data/plain-crlf.eml "$root/demo-1.eml"
cmp tests/data/plain-crlf.eml "$root/demo-1.eml" && echo "identical"
echo

echo "== the same message again adds a delivery, not a copy"
pj import --tenant demo tests/data/plain-crlf.eml
pj verify

echo "== tampering is detected (in a scratch copy)"
cp -r "$root/archive" "$root/tampered"
# Change one byte of the stored message inside the LMDB file (same length, so only content changes).
perl -0777 -pi -e 's/Subject: Quarterly numbers/Subject: quarterly numbers/g' "$root/tampered/demo/data.mdb"
build/cli/postjournal --archive-root "$root/tampered" verify --tenant demo || echo "(verify exit status $?: tampering found)"
echo
echo "Quick start done. Archive: $root/archive; try: build/cli/postjournal -c conf/quickstart.yaml --help"
