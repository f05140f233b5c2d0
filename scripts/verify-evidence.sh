#!/usr/bin/env bash
# Checks a postjournal evidence bundle (`postjournal export ID --evidence`) with standard tools
# only — bash, coreutils, openssl, and unzip for a .zip — no postjournal needed:
#   1. every file matches SHA256SUMS (sha256sum --strict -c), and every expected file is listed;
#   2. SHA-256(record.bin || SHA-256(message.eml)) is the delivery's digest in chain.txt;
#   3. chaining link(n) = SHA-256(link(n-1) || digest(n)) from the "previous" link through every
#      digest gives the "head" link, which is the one anchor.txt names for the same delivery;
#   4. `openssl ts -verify` of anchor.txt against timestamp.tsr, the certificates checked as of
#      the token's own time, with tsa-ca.pem or the trust anchor given by --ca.
# Usage: verify-evidence.sh BUNDLE.zip|DIR [--ca TSA-ROOT.pem]
# Prints what was checked; exits 0 when everything holds, 1 otherwise (naming the first failure),
# 64 on a usage error.
set -euo pipefail
usage() { echo "usage: verify-evidence.sh BUNDLE.zip|DIR [--ca TSA-ROOT.pem]" >&2; exit 64; }
[[ $# -ge 1 ]] || usage
bundle=$1; shift
ca=
while [[ $# -gt 0 ]]; do
  case $1 in
    --ca) [[ $# -ge 2 ]] || usage; ca=$(cd "$(dirname "$2")" && pwd)/$(basename "$2"); shift 2 ;;
    *) usage ;;
  esac
done
bad() { echo "verify-evidence: FAILED: $*" >&2; exit 1; }

tmp=
trap '[[ -n $tmp ]] && rm -rf "$tmp"' EXIT
if [[ -f $bundle ]]; then
  command -v unzip >/dev/null || bad "unzip is needed to read $bundle"
  tmp=$(mktemp -d)
  unzip -q "$bundle" -d "$tmp" || bad "$bundle is not a readable zip"
  dir=$tmp
elif [[ -d $bundle ]]; then
  dir=$bundle
else
  bad "$bundle: no such file or directory"
fi
cd "$dir"

# Hex to bytes: xxd (one process a step), else basenc (coreutils >= 8.31).
if command -v xxd >/dev/null; then
  unhex() { xxd -r -p; }
else
  unhex() { tr 'a-f' 'A-F' | basenc --base16 -d; }
fi
hash() { sha256sum | cut -c1-64; }

# 1. The files.
files=(message.eml record.bin record.json chain.txt anchor.txt timestamp.tsr tsa-certs.pem
       tsa-ca.pem VERIFY.txt)
[[ -f SHA256SUMS ]] || bad "SHA256SUMS is missing"
for f in "${files[@]}"; do
  grep -qxE "[0-9a-f]{64}  $f" SHA256SUMS || bad "SHA256SUMS does not list $f"
done
sha256sum --strict --quiet -c SHA256SUMS || bad "a file does not match SHA256SUMS"
echo "ok: ${#files[@]} files match SHA256SUMS"

# 2. The delivery's digest.
field() {  # field KEYWORD N: the Nth word of chain.txt's line starting with KEYWORD
  awk -v k="$1" -v n="$2" '$1 == k { print $n; exit }' chain.txt
}
seq=$(field delivery 2)
want=$(field delivery 3)
[[ $seq =~ ^[0-9]+$ && $want =~ ^[0-9a-f]{64}$ ]] || bad "chain.txt has no delivery line"
got=$({ cat record.bin; openssl dgst -sha256 -binary message.eml; } | hash)
[[ $got == "$want" ]] || bad "record.bin and message.eml do not give the delivery's digest"
echo "ok: message.eml (SHA-256 $(hash <message.eml)) and record.bin give delivery $seq's digest"

# 3. The chain to the stamped head.
link=$(field previous 3)
[[ $link =~ ^[0-9a-f]{64}$ && $(field previous 2) == $((seq - 1)) ]] ||
  bad "chain.txt has no link before delivery $seq"
next=$seq steps=0
while read -r kind n digest; do
  [[ $kind == delivery || $kind == digest ]] || continue
  [[ $n == "$next" && $digest =~ ^[0-9a-f]{64}$ ]] || bad "chain.txt: digest $next is missing"
  link=$(printf '%s%s' "$link" "$digest" | unhex | sha256sum)
  link=${link:0:64}
  next=$((next + 1)) steps=$((steps + 1))
done <chain.txt
head_seq=$(field head 2)
[[ $head_seq == $((next - 1)) && $link == "$(field head 3)" ]] ||
  bad "chaining does not give the head link of chain.txt"
anchored=$(awk '$1 == "deliveries:" { print $2 " " $3 }' anchor.txt)
[[ $anchored == "$head_seq $link" ]] || bad "anchor.txt does not name the head link $head_seq"
echo "ok: $steps chain steps lead from delivery $seq to the stamped head $head_seq"

# 4. The TSA's signature over anchor.txt.
ca=${ca:-$PWD/tsa-ca.pem}
when=$(openssl ts -reply -in timestamp.tsr -text 2>/dev/null | sed -n 's/^Time stamp: //p')
[[ -n $when ]] || bad "timestamp.tsr is not a time-stamp response"
epoch=$(date -u -d "$when" +%s) || bad "cannot read the token's time: $when"
openssl ts -verify -data anchor.txt -in timestamp.tsr -CAfile "$ca" -untrusted tsa-certs.pem \
  -attime "$epoch" >/dev/null 2>&1 || bad "the TSA's token does not verify against $ca"
fingerprint=$(openssl x509 -in "$ca" -noout -fingerprint -sha256 | cut -d= -f2)
echo "ok: the TSA signed anchor.txt at $when (trust anchor SHA-256 $fingerprint)"
echo "verified: delivery $seq existed in this form no later than $when"
