# The ledger invariant, as a helper for the fault-injection tests (source it after
# scripts/lib/instance.sh). Every message a test sends is written to the ledger with the SMTP
# reply it got; ledger_check then asserts the product's promise:
#   - a message that got 250 is in the expected tenant's archive exactly once, byte-exact
#     (the stored bytes are the sent file plus the final CRLF swaks adds);
#   - a message that got 4xx/5xx (or no reply) is stored at most once and, if stored, whole;
#   - `postjournal verify` passes.
# Messages are found by the SHA-256 of the stored bytes, so every ledger entry must be a
# different message (a test that sends the same bytes twice on purpose checks that itself).
# Needs: $pj (the postjournal binary), LEDGER_DIR (a directory for the ledger and the messages).

# ledger_message ID SIZE_KB: writes $LEDGER_DIR/msgs/ID.eml (random base64 body) and prints its path.
ledger_message() {
  local f=$LEDGER_DIR/msgs/$1.eml
  mkdir -p "$LEDGER_DIR/msgs"
  # With Date and Message-ID present, Postfix adds no header (it does for local clients).
  { printf 'From: a@acme.test\r\nTo: j@archive.test\r\nDate: Sun, 29 Nov 2026 10:00:00 +0000\r\nMessage-ID: <%s>\r\nSubject: %s\r\n\r\n' "$1" "$1"
    head -c $(( $2 * 1024 )) /dev/urandom | base64 -w 76 | sed 's/$/\r/'; } >"$f"
  echo "$f"
}

# ledger_send TENANT ID FILE SWAKS_ARGS...: sends FILE (which must be $LEDGER_DIR/msgs/ID.eml)
# with swaks, records "TENANT ID CODE" and prints CODE.
ledger_send() {
  local tenant=$1 id=$2 f=$3 out code
  shift 3
  out=$(swaks --data "@$f" --timeout 60 "$@" 2>&1 | tr -d '\0' || true)
  code=$(grep -oE '^<[^ ]* +[0-9]{3} ' <<<"$out" | tail -2 | head -1 | grep -oE '[0-9]{3}' || true)
  echo "$tenant $id ${code:-000}" >>"$LEDGER_DIR/ledger"
  echo "${code:-000}"
}

# ledger_check ROOT: checks every ledger line; prints a summary and each violation; returns
# non-zero on any violation.
ledger_check() {
  local root=$1 bad=0 acked=0 other=0 tenant id code n did sha
  while read -r tenant id code; do
    sha=$({ cat "$LEDGER_DIR/msgs/$id.eml"; printf '\r\n'; } | sha256sum | cut -d' ' -f1)
    n=$("$pj" --archive-root "$root" search --sha256 "$sha" --json | grep -c '"id"' || true)
    local select=(--tenant "$tenant")
    [[ $tenant == _no-tenant ]] && select=(--no-tenant)
    did=$("$pj" --archive-root "$root" search "${select[@]}" --sha256 "$sha" --json 2>/dev/null |
      sed -n 's/.*"id": "\(.*\)".*/\1/p' | head -1)
    if [[ $code == 250 ]]; then
      acked=$((acked + 1))
      if [[ $n != 1 || -z $did ]]; then
        echo "LEDGER: $id got 250 but is stored $n times (in $tenant: ${did:-no})"; bad=$((bad + 1)); continue
      fi
    else
      other=$((other + 1))
      if (( n > 1 )); then echo "LEDGER: $id ($code) stored $n times"; bad=$((bad + 1)); fi
      [[ $n == 1 && -n $did ]] || continue
    fi
    if ! { cat "$LEDGER_DIR/msgs/$id.eml"; printf '\r\n'; } | cmp -s - <("$pj" --archive-root "$root" export "$did"); then
      echo "LEDGER: $id ($code) is not byte-exact in $did"; bad=$((bad + 1))
    fi
  done <"$LEDGER_DIR/ledger"
  if ! "$pj" --archive-root "$root" verify >/dev/null; then echo "LEDGER: verify failed"; bad=$((bad + 1)); fi
  echo "ledger: $((acked + other)) sent, $acked acknowledged, $other not; $bad violations"
  (( bad == 0 ))
}
