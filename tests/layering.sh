#!/usr/bin/env bash
# The layering, checked: reads the module table of plugin-common/CMakeLists.txt
# (postjournal_module lines) and fails when
#   - a plugin-common module includes a module it does not DEPEND on (a module above it), or
#   - any product file (plugin-common/, milter/, fetch/, cli/, web/) outside a module includes the
#     headers that module alone WRAPS (lmdb.h only in archive/, yaml-cpp only in config/, ...), or
#   - a front end includes libmilter (milter/ only), vmime (fetch/ only), or poppler or libzip
#     (extractor/pdf.cpp and extractor/office.cpp only: the sandboxed worker's parsers).
# Tests and benchmarks are exempt (a test may tamper with raw LMDB on purpose).
# Usage: tests/layering.sh [SOURCE_DIR]
set -euo pipefail
cd "${1:-$(dirname "$0")/..}"

declare -A deps headers
modules=()
while read -r line; do
  args=${line#*(}; args=${args%)*}
  read -ra words <<<"$args"
  name=${words[0]}; modules+=("$name")
  section=""; deps[$name]=""; headers[$name]=""
  for w in "${words[@]:1}"; do
    case $w in
      DEPENDS|WRAPS|HEADERS) section=$w ;;
      *) [[ $section == DEPENDS ]] && deps[$name]+=" $w"
         [[ $section == HEADERS ]] && headers[$name]+=" $w" ;;
    esac
  done
done < <(grep -E '^postjournal_module\(' plugin-common/CMakeLists.txt)
[[ ${#modules[@]} -gt 0 ]] || { echo "layering: no postjournal_module lines found" >&2; exit 1; }

problems=0
problem() { echo "layering: $*"; problems=$((problems + 1)); }

# 1. module -> module includes
for m in "${modules[@]}"; do
  for f in plugin-common/"$m"/*.cpp plugin-common/"$m"/*.hpp; do
    [[ -f $f ]] || continue
    while IFS= read -r inc; do
      target=${inc%%/*}
      [[ $target == "$m" ]] && continue
      [[ " ${deps[$m]} " == *" $target "* ]] && continue
      [[ " ${modules[*]} " == *" $target "* ]] || continue  # not a module (e.g. a front end's own file)
      problem "$f includes $inc: module '$m' does not depend on '$target' (plugin-common/CMakeLists.txt)"
    done < <(sed -nE 's/^#include "([a-z_]+\/[^"]+)".*/\1/p' "$f")
  done
done

# 2. wrapped headers outside their wrapper
dirs=(); for d in plugin-common milter fetch cli web extractor; do [[ -d $d ]] && dirs+=("$d"); done
product=$(find "${dirs[@]}" -name '*.[ch]pp' | sort)
for m in "${modules[@]}"; do
  for h in ${headers[$m]}; do
    for f in $product; do
      [[ $f == plugin-common/$m/* ]] && continue
      if grep -qE "^#include <${h//./\\.}" "$f"; then
        problem "$f includes <$h...>, which only plugin-common/$m/ may include"
      fi
    done
  done
done

# 3. front-end libraries
for f in $product; do
  if grep -qE '^#include <libmilter/' "$f" && [[ $f != milter/* ]]; then
    problem "$f includes libmilter (milter/ only)"
  fi
  if grep -qE '^#include <vmime/' "$f" && [[ $f != fetch/mail_store.* && $f != fetch/tls_trust.* ]]; then
    problem "$f includes vmime (fetch/mail_store and fetch/tls_trust only)"
  fi
  if grep -qE '^#include <poppler/' "$f" && [[ $f != extractor/pdf.cpp ]]; then
    problem "$f includes poppler (extractor/pdf.cpp only)"
  fi
  if grep -qE '^#include <zip\.h>' "$f" && [[ $f != extractor/office.cpp ]]; then
    problem "$f includes libzip (extractor/office.cpp only)"
  fi
done

if [[ $problems -gt 0 ]]; then
  echo "layering: $problems problem(s)"
  exit 1
fi
echo "layering: ${#modules[@]} modules, $(wc -w <<<"$product") files: OK"
