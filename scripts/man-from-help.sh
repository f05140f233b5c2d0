#!/usr/bin/env bash
# Turns a command's man-page style --help text (NAME, SYNOPSIS, ... headings at column 0, body
# indented by seven spaces) into a gzip'ed roff manual page: NAME as a whatis line, every other
# section preformatted, dashes as minus signs so options can be copied.
# Usage: man-from-help.sh PROGRAM SECTION OUTPUT.gz
set -euo pipefail
prog=$1 section=$2 out=$3
name=$(basename "$prog")
"$prog" --help | awk -v name="${name^^}" -v section="$section" '
  BEGIN { printf ".TH \"%s\" \"%s\" \"\" \"postjournal\" \"postjournal manual\"\n", name, section }
  {
    gsub(/\\/, "\\e"); gsub(/-/, "\\-")
    if ($0 ~ /^[A-Z][A-Z ]*$/) {
      print ".SH \"" $0 "\""; nf = ($0 != "NAME"); if (nf) print ".nf"; next
    }
    if ($0 == "" && !nf) next  # no blank lines in fill mode
    sub(/^       /, "")
    if ($0 ~ /^[.\047]/) $0 = "\\&" $0
    print
  }' | gzip -9n >"$out"
