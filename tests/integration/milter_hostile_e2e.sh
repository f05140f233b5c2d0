#!/usr/bin/env bash
# Hostile input through the whole pipeline (private Postfix wired by postfix-setup.sh +
# postjournal-milter): deep MIME nesting, a million empty parts, a 1 MB header, 100,000 RFC 2231
# parameters, truncated RFC 2047 words, NUL bytes, bare CR, bare LF, 8-bit headers, a bare-LF "."
# SMTP smuggling attempt, 1,000 RCPTs and a journal report listing 50,000 recipients. Each must be
# answered 250 and archived raw (byte-exact: the ledger, tests/integration/lib/ledger.sh) or
# refused with a 5xx by Postfix's own limits; never a 4xx loop or a crash. Where Postfix changes
# the bytes before the milter sees them, the delivery is checked as stored once instead, and a
# cut the milter can notice must be flagged on the delivery:
#   - bare LF becomes CRLF (smtpd_forbid_bare_newline = normalize), bare CR becomes a space;
#   - a NUL in a header ends the header value (milter strings are NUL-terminated);
#   - a header longer than ~60 KB reaches the milter cut: anomaly long-header-may-be-cut;
#   - what Postfix 3.7 removes in every message received by smtpd (measured here, README's
#     byte-exactness paragraph): Return-Path:, Content-Length: and Bcc: fields and a leading mbox
#     "From " line (none of which reaches the milter, so nothing can be flagged; a message that
#     arrives with X-Mailbox-Line: as its first field, Postfix's rename of that line on other
#     paths, is flagged mbox-from-line-renamed-by-mta), and a header section that ends at a line
#     that is not a header field gets an empty line before that line (the milter sees the rest
#     as the body and cannot tell).
# The milter must still serve afterwards.
# Usage: milter_hostile_e2e.sh SOURCE_DIR BUILD_DIR   (root)
source "$1/tests/integration/lib/e2e.sh" "$1" "$2"
stack_up "$work" "memory_limit: 1M" "$(cat <<'YAML'
  - name: relay
    tenant: acme
    auth: {method: ip, ips: [127.0.0.2/32]}
YAML
)"
mkdir -p "$work/msgs"
head_of() {  # head_of ID: the common headers
  printf 'From: a@acme.test\r\nTo: j@archive.test\r\nDate: Sun, 29 Nov 2026 10:00:00 +0000\r\nMessage-ID: <%s>\r\n' "$1"
}
send() {  # send ID [RCPT...]: sends msgs/ID.eml, prints the reply code
  local id=$1; shift
  local to=j@archive.test
  (( $# > 0 )) && to=$(IFS=,; echo "$*")
  ledger_send acme "$id" "$work/msgs/$id.eml" --server "127.0.0.1:$port" \
    --local-interface 127.0.0.2 --from a@acme.test --to "$to"
}
changed_by_mta() {  # changed_by_mta ID WHY [ANOMALY]: stored once (not byte-exact), flagged if given
  local id=$1 why=$2 anomaly=${3:-} n did
  sed -i "/ $id /d" "$work/ledger"
  n=$("$pj" --archive-root "$work/archive" search --message-id "$id" --json | grep -c '"id"' || true)
  did=$("$pj" --archive-root "$work/archive" search --message-id "$id" --json | sed -n 's/.*"id": "\(.*\)".*/\1/p')
  if [[ $n == 1 && ( -z $anomaly || $("$pj" --archive-root "$work/archive" show "$did") == *"$anomaly"* ) ]]; then
    ok "$id: stored once; $why${anomaly:+ (flagged $anomaly)}"
  else
    fail "$id: stored $n times${anomaly:+, anomaly $anomaly missing}"
  fi
}
last_ms=0
expect() {  # expect ID DESCRIPTION [RCPT...]: sets $last_ms: 250 (byte-exactness checked by the ledger) or 5xx
  local id=$1 what=$2 start code; shift 2
  start=$(date +%s%N)
  code=$(send "$id" "$@")
  local ms=$(( ($(date +%s%N) - start) / 1000000 ))
  last_ms=$ms
  case $code in
    250) ok "$what: 250 in $ms ms ($(stat -c %s "$work/msgs/$id.eml") bytes)" ;;
    5*) ok "$what: refused by Postfix with $code"; sed -i "/ $id /d" "$work/ledger" ;;
    *) fail "$what: $code" ;;
  esac
}

# Deep nesting: 5,000 multipart levels.
{ head_of nest@h.test
  for i in $(seq 5000); do printf 'Content-Type: multipart/mixed; boundary="b%d"\r\n\r\n--b%d\r\n' "$i" "$i"; done
  printf 'Content-Type: text/plain\r\n\r\ndeep\r\n'; } >"$work/msgs/nest@h.test.eml"
expect nest@h.test "5,000 nested multiparts"

# A million empty parts, and a tenth of it: the time must grow linearly, not quadratically.
parts() {  # parts ID N
  { head_of "$1"
    printf 'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="b"\r\n\r\n'
    yes -- $'--b\r\n\r' | head -n "$2" || true  # yes ends by SIGPIPE
    printf -- '--b--\r\n'; } >"$work/msgs/$1.eml"
}
parts parts10@h.test 100000
expect parts10@h.test "100,000 empty MIME parts"
small_ms=$last_ms
parts parts@h.test 1000000
expect parts@h.test "a million empty MIME parts"
# Linear: about 10 times the time (plus a fixed SMTP cost); quadratic would be about 100 times.
if (( last_ms < 25 * (small_ms + 50) )); then
  ok "10 times the parts took $last_ms ms against $small_ms ms: linear"
else
  fail "10 times the parts took $last_ms ms against $small_ms ms: worse than linear"
fi

# One header of 1 MB (folded), and 100,000 RFC 2231 parameters.
{ head_of bighdr@h.test
  printf 'X-Big: start'
  head -c 786432 /dev/zero | base64 -w 70 | sed 's/^/ /; s/$/\r/'
  printf 'Subject: big header\r\n\r\nbody\r\n'; } >"$work/msgs/bighdr@h.test.eml"
expect bighdr@h.test "a 1 MB header"
changed_by_mta bighdr@h.test "Postfix passes ~60 KB of it to the milter" long-header-may-be-cut:X-Big
{ head_of rfc2231@h.test
  printf 'MIME-Version: 1.0\r\nContent-Type: text/plain'
  seq 0 99999 | awk '{printf ";\r\n p*%d*=utf-8%%27%%27v%d", $1, $1}'
  printf '\r\n\r\nbody\r\n'; } >"$work/msgs/rfc2231@h.test.eml"
expect rfc2231@h.test "100,000 RFC 2231 parameter sections"
changed_by_mta rfc2231@h.test "a 3 MB Content-Type header" long-header-may-be-cut:Content-Type

# Truncated RFC 2047 words and 8-bit headers.
{ head_of words@h.test
  printf 'Subject: =?UTF-8?B?SGVsbG8gd29y\r\nX-A: =?iso-8859-1?Q?caf=E\r\nX-B: =?\r\nX-C: =?UTF-8?Q?\r\n\r\nbody\r\n'; } >"$work/msgs/words@h.test.eml"
expect words@h.test "truncated RFC 2047 encoded words"
{ head_of 8bit@h.test
  printf 'Subject: Gr\xc3\xbc\xc3\x9fe \xe9t\xe9 \xff\xfe\r\nX-Latin1: na\xefve\r\n\r\nbody \xe9\r\n'; } >"$work/msgs/8bit@h.test.eml"
expect 8bit@h.test "8-bit header bytes"

# NUL bytes in a header and in the body.
{ head_of nul@h.test
  printf 'Subject: a\x00b\r\n\r\nbefore\x00after\r\n'; } >"$work/msgs/nul@h.test.eml"
expect nul@h.test "NUL bytes"
changed_by_mta nul@h.test "a NUL ends a header value in the milter protocol; the body keeps its NUL"

# Bare CR inside lines.
{ head_of cr@h.test
  printf 'Subject: bare\rCR\r\n\r\nline\rwith bare CR\r\n'; } >"$work/msgs/cr@h.test.eml"
expect cr@h.test "bare CR"
changed_by_mta cr@h.test "Postfix turns a bare CR into a space"

# Bare LF line ends (normalised by Postfix) and the SMTP smuggling attempt.
{ head_of lf@h.test
  printf 'Subject: bare LF\n\nline one\nline two\r\n'; } >"$work/msgs/lf@h.test.eml"
code=$(send lf@h.test)
sed -i '/ lf@h.test /d' "$work/ledger"
n=$("$pj" --archive-root "$work/archive" search --message-id lf@h.test --json | grep -c '"id"' || true)
[[ $code == 250 && $n == 1 ]] && ok "bare LF: 250, stored once (normalised by Postfix)" || fail "bare LF: $code, $n"
{ head_of smuggle@h.test
  printf 'Subject: smuggling\r\n\r\nfirst\r\n\n.\nMAIL FROM:<evil@x.test>\nRCPT TO:<j@archive.test>\nDATA\nMessage-ID: <smuggled@h.test>\nSubject: smuggled\n\nsmuggled\n.\r\n'; } >"$work/msgs/smuggle@h.test.eml"
code=$(send smuggle@h.test)
sed -i '/ smuggle@h.test /d' "$work/ledger"
n=$("$pj" --archive-root "$work/archive" search --message-id smuggle@h.test --json | grep -c '"id"' || true)
s=$("$pj" --archive-root "$work/archive" search --message-id smuggled@h.test --json | grep -c '"id"' || true)
if [[ $code == 250 && $n == 1 && $s == 0 ]]; then
  ok "bare-LF '.' smuggling: one message, nothing smuggled into a second delivery"
else
  fail "smuggling: $code, outer stored $n, smuggled stored $s"
fi

# What Postfix changes in headers before any milter sees them (each measured on the stored bytes).
stored_of() {  # stored_of ID: the archived bytes of the message with this Message-ID
  local did
  did=$("$pj" --archive-root "$work/archive" search --message-id "$1" --json | sed -n 's/.*"id": "\(.*\)".*/\1/p')
  "$pj" --archive-root "$work/archive" export "$did" --raw
}
{ printf 'Return-Path: <forged@h.test>\r\nContent-Length: 5\r\n'; head_of rp@h.test; printf 'Subject: rp\r\n\r\nbody\r\n'; } >"$work/msgs/rp@h.test.eml"
expect rp@h.test "Return-Path: and Content-Length: fields"
changed_by_mta rp@h.test "Postfix removes Return-Path: and Content-Length:"
got=$(stored_of rp@h.test)
[[ $got != *Return-Path:* && $got != *Content-Length:* && $got == *"Subject: rp"* ]] &&
  ok "measured: Return-Path: and Content-Length: removed, the rest kept" || fail "rp: $(head -c 300 <<<"$got")"
{ printf 'From a@acme.test Sun Nov 29 10:00:00 2026\r\n'; head_of mbox@h.test; printf 'Subject: mbox\r\n\r\nbody\r\n'; } >"$work/msgs/mbox@h.test.eml"
expect mbox@h.test "a leading mbox From line"
changed_by_mta mbox@h.test "Postfix removes the mbox From line"
[[ $(stored_of mbox@h.test | head -1) == "From: a@acme.test"$'\r' ]] &&
  ok "measured: the From line is removed before the milter" || fail "mbox: $(stored_of mbox@h.test | head -1)"
{ head_of bcc@h.test; printf 'Bcc: hidden@acme.test\r\nSubject: bcc\r\n\r\nbody\r\n'; } >"$work/msgs/bcc@h.test.eml"
expect bcc@h.test "a Bcc: field"
changed_by_mta bcc@h.test "Postfix removes Bcc: before the milter"
got=$(stored_of bcc@h.test)
[[ $got != *Bcc:* && $got == *"Subject: bcc"* ]] && ok "measured: Bcc: removed" || fail "bcc: $(head -c 300 <<<"$got")"
{ head_of nonfield@h.test; printf 'Subject: nf\r\nthis line is not a header field\r\n\r\nbody\r\n'; } >"$work/msgs/nonfield@h.test.eml"
expect nonfield@h.test "a header section ended by a non-field line"
changed_by_mta nonfield@h.test "the milter's reconstruction adds an empty line before it"
[[ $(stored_of nonfield@h.test) == *$'Subject: nf\r\n\r\nthis line is not a header field\r\n'* ]] &&
  ok "measured: an empty line appears before the non-field line" || fail "nonfield: $(stored_of nonfield@h.test | head -c 300)"

# 1,000 RCPTs in one transaction, and a journal report claiming 50,000 recipients.
rcpts=()
for i in $(seq 1000); do rcpts+=("r$i@archive.test"); done
{ head_of rcpts@h.test; printf 'Subject: many recipients\r\n\r\nbody\r\n'; } >"$work/msgs/rcpts@h.test.eml"
expect rcpts@h.test "1,000 RCPT TO" "${rcpts[@]}"
{ printf 'From: journal@acme.test\r\nTo: j@archive.test\r\nDate: Sun, 29 Nov 2026 10:00:00 +0000\r\nMessage-ID: <report@h.test>\r\nSubject: report\r\nX-MS-Journal-Report:\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="j"\r\n\r\n--j\r\nContent-Type: text/plain\r\n\r\nSender: a@acme.test\r\nSubject: big\r\nMessage-Id: <orig@h.test>\r\n'
  seq 50000 | awk '{printf "To: u%d@acme.test\r\n", $1}'
  printf '\r\n--j\r\nContent-Type: message/rfc822\r\n\r\nFrom: a@acme.test\r\nMessage-ID: <orig@h.test>\r\nSubject: big\r\n\r\nhi\r\n--j--\r\n'; } >"$work/msgs/report@h.test.eml"
expect report@h.test "a journal report listing 50,000 recipients"
n=$("$pj" --archive-root "$work/archive" search --tenant acme --address u49999@acme.test --json | grep -c '"id"' || true)
[[ $n == 1 ]] && ok "the report's 49,999th recipient is indexed" || fail "report recipients: $n"

{ head_of after@h.test; printf 'Subject: after\r\n\r\nstill serving\r\n'; } >"$work/msgs/after@h.test.eml"
[[ $(send after@h.test) == 250 ]] && kill -0 "$MILTER_PID" && ok "the milter still serves" || fail "milter after hostile input"
ledger_check "$work/archive" || failures=$((failures + 1))
e2e_finish milter_hostile_e2e
