# Common set-up of the postjournal-web tests (source it as
#   source "$1/tests/integration/lib/web_test.sh" "$1" "$2"   with SOURCE_DIR and BUILD_DIR).
# Provides: $src, $pj (the postjournal binary), POSTJOURNAL_WEB, the helpers of
# scripts/lib/instance.sh, scripts/lib/web.sh and tests/integration/lib/frontdoor.sh, $work (a
# fresh directory, mode 0755 for Apache's www-data; removed at exit unless KEEP is set), ok/fail/
# check NAME WANT GOT with a $failures count, web_test_finish NAME (prints PASS or exits 1), and an
# EXIT trap that runs web_test_extra_cleanup when the test defines it, stops postjournal-web and
# the front door and, after a failure, shows the tail of every *.log under $work.
set -euo pipefail
src=$1
pj=$2/cli/postjournal
export POSTJOURNAL_WEB=$2/web/postjournal-web
source "$src/scripts/lib/instance.sh"
source "$src/scripts/lib/web.sh"
source "$src/tests/integration/lib/frontdoor.sh"
work=$(mktemp -d)
chmod 755 "$work"
failures=0
web_test_cleanup() {
  if declare -F web_test_extra_cleanup >/dev/null; then web_test_extra_cleanup || true; fi
  web_stop || true
  frontdoor_stop
  if (( failures > 0 )); then find "$work" -name '*.log' -exec tail -n 20 {} + 2>/dev/null || true; fi
  if [[ -n ${KEEP:-} ]]; then echo "kept $work"; else rm -rf "$work"; fi
}
trap web_test_cleanup EXIT
ok() { echo "ok: $*"; }
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
check() { if [[ "$2" == "$3" ]]; then ok "$1"; else fail "$1: want [$2] got [$3]"; fi; }
# frontdoor_config PORT ROLE_LINES: writes $work/pj.yaml (sets cfg) for postjournal-web on
# 127.0.0.1:PORT behind a front door (X-Remote-User, X-Remote-Mail) with the web.roles entries
# ROLE_LINES (YAML flow mappings, one per line), over the archive $work/archive.
frontdoor_config() {
  cfg=$work/pj.yaml
  printf 'milter: {user: root}\narchive: {root: %s}\nindex: {extract_sandbox: none}\nweb:\n  listen: "127.0.0.1:%s"\n  trusted_header: X-Remote-User\n  addresses_header: X-Remote-Mail\n  roles:\n' \
    "$work/archive" "$1" >"$cfg"
  sed 's/^/    - /' <<<"$2" >>"$cfg"
}

web_test_finish() {
  if (( failures == 0 )); then echo "PASS: $1"; else echo "FAILED: $failures"; exit 1; fi
}
