#!/usr/bin/env bash
# The Debian package: builds it from BUILD_DIR with scripts/package.sh, checks its contents and
# control data, runs lintian (any E: or W: fails; I: findings are printed), then installs it with
# dpkg, checks what the postinst made (user, directories, permissions) and that the installed
# programs run, and purges it again (the archive directory stays).
# Usage: package_test.sh SOURCE_DIR BUILD_DIR   (root; changes the machine's package set)
set -euo pipefail
src=$1 build=$2
failures=0
ok() { echo "ok: $*"; }
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# A tree of its own, configured by package.sh exactly as a user's `./scripts/package.sh` does
# (dpkg-buildflags, no -Werror), not the test build.
rm -rf "$build/package-tree"
deb=$("$src/scripts/package.sh" "$build/package-tree" | tail -n 1)
grep -q '^CMAKE_BUILD_TYPE:STRING=None$' "$build/package-tree/CMakeCache.txt" || fail "not a None build"
grep -q '^POSTJOURNAL_WERROR:BOOL=OFF$' "$build/package-tree/CMakeCache.txt" || fail "package built with -Werror"
[[ -f $deb ]] || { echo "FAIL: no package built"; exit 1; }
echo "package: $deb ($(stat -c %s "$deb") bytes)"

contents=$(dpkg-deb -c "$deb" | awk '{print $1, $2, $6}')
for want in "-rwxr-xr-x root/root ./usr/bin/postjournal" \
            "-rwxr-xr-x root/root ./usr/sbin/postjournal-milter" \
            "-rwxr-xr-x root/root ./usr/sbin/postjournal-fetch" \
            "-rw-r--r-- root/root ./usr/share/man/man1/postjournal.1.gz" \
            "-rw-r--r-- root/root ./usr/share/man/man8/postjournal-milter.8.gz" \
            "-rw-r--r-- root/root ./usr/share/man/man8/postjournal-fetch.8.gz" \
            "-rw-r--r-- root/root ./etc/postjournal/postjournal.yaml" \
            "-rw-r--r-- root/root ./lib/systemd/system/postjournal-milter.service" \
            "-rw-r--r-- root/root ./lib/systemd/system/postjournal-fetch.service" \
            "-rw-r--r-- root/root ./lib/systemd/system/postjournal-purge.service" \
            "-rw-r--r-- root/root ./lib/systemd/system/postjournal-purge.timer" \
            "-rw-r--r-- root/root ./usr/share/doc/postjournal/copyright" \
            "-rwxr-xr-x root/root ./usr/share/postjournal/postfix-setup.sh"; do
  grep -qxF -- "$want" <<<"$contents" || fail "package lacks: $want"
done
[[ $(dpkg-deb -f "$deb" Depends) == *libmilter* && $(dpkg-deb -f "$deb" Depends) == *adduser* ]] ||
  fail "Depends: $(dpkg-deb -f "$deb" Depends)"
[[ $(dpkg-deb -I "$deb" conffiles) == "/etc/postjournal/postjournal.yaml" ]] || fail "conffiles"
dpkg-deb -x "$deb" "${x:=$(mktemp -d)}"
trap 'rm -rf "$x"' EXIT
for unit in milter fetch; do
  grep -qx 'ExecReload=/bin/kill -USR1 $MAINPID' "$x/lib/systemd/system/postjournal-$unit.service" ||
    fail "postjournal-$unit.service: no ExecReload with SIGUSR1"
done
grep -q '^postjournal\\-milter \\- archive' <(zcat "$x/usr/share/man/man8/postjournal-milter.8.gz") ||
  fail "milter manual page has no whatis line"
(( failures == 0 )) && ok "contents, modes, Depends, conffile, units and manual pages"

findings=$(lintian --display-info --pedantic "$deb" 2>/dev/null || true)
echo "lintian findings:"; sed 's/^/  /' <<<"${findings:-(none)}"
if grep -qE '^[EW]: ' <<<"$findings"; then fail "lintian errors or warnings"; else ok "lintian: no errors, no warnings"; fi

had_lib=no
[[ -d /var/lib/postjournal ]] && had_lib=yes
DEBIAN_FRONTEND=noninteractive dpkg -i "$deb" >/dev/null
if getent passwd postjournal >/dev/null &&
   [[ $(stat -c '%a %U %G' /var/lib/postjournal) == "750 postjournal postjournal" &&
      $(stat -c '%a %U %G' /var/spool/postjournal) == "750 postjournal postjournal" &&
      $(stat -c '%a %U %G' /etc/postjournal/postjournal.yaml) == "640 root postjournal" ]]; then
  ok "postinst: postjournal user, 0750 directories, configuration root:postjournal 0640"
else
  fail "postinst result: $(stat -c '%n %a %U %G' /var/lib/postjournal /var/spool/postjournal /etc/postjournal/postjournal.yaml 2>&1)"
fi
# Each check on its own, so a failure names itself. (--help is read whole before grep: `| grep -q`
# may exit early and kill the writer with SIGPIPE, which pipefail reports as a failure.)
installed_ok=yes
if ! check=$(/usr/sbin/postjournal-milter -n -c /etc/postjournal/postjournal.yaml 2>&1); then
  fail "postjournal-milter -n on the shipped configuration: $check"; installed_ok=no
fi
help=$(/usr/bin/postjournal --help 2>&1 || true)
grep -q '^NAME' <<<"$help" || { fail "postjournal --help has no NAME section"; installed_ok=no; }
/usr/sbin/postjournal-fetch --help >/dev/null || { fail "postjournal-fetch --help"; installed_ok=no; }
man -w postjournal-milter >/dev/null 2>&1 || { fail "man -w postjournal-milter"; installed_ok=no; }
/usr/lib/postjournal/postjournal-extract --help >/dev/null || { fail "postjournal-extract --help"; installed_ok=no; }
# The installed indexer finds its extractor and runs it sandboxed as the postjournal user.
pjt=$(mktemp -d) && chown postjournal "$pjt"
printf 'From: a@x.test\r\nSubject: rtf\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: application/rtf; name=a.rtf\r\n\r\n{\\rtf1\\ansi Paketwort}\r\n--b--\r\n' >"$pjt/m.eml"
if runuser -u postjournal -- /usr/bin/postjournal --archive-root "$pjt/archive" import --tenant t "$pjt/m.eml" >/dev/null &&
   runuser -u postjournal -- /usr/bin/postjournal --archive-root "$pjt/archive" index >/dev/null &&
   [[ $(runuser -u postjournal -- /usr/bin/postjournal --archive-root "$pjt/archive" search 'att:paketwort' --count) == 1 ]]; then
  ok "the installed indexer extracts attachment text in its sandbox as user postjournal"
else
  fail "installed indexer: $(runuser -u postjournal -- /usr/bin/postjournal --archive-root "$pjt/archive" search 'is:extract-failed' 2>&1 | tail -3)"
  installed_ok=no
fi
rm -rf "$pjt"
# The socket directory inside Postfix's chroot, reachable by smtpd (postfix in group postjournal).
if [[ -d /var/spool/postfix ]]; then
  [[ $(stat -c '%a %U' /var/spool/postfix/postjournal 2>&1) == "750 postjournal" ]] &&
    id -nG postfix | grep -qw postjournal &&
    ok "postinst: /var/spool/postfix/postjournal (0750 postjournal), postfix in group postjournal" ||
    fail "chroot socket directory: $(stat -c '%n %a %U' /var/spool/postfix/postjournal 2>&1), postfix groups: $(id -nG postfix)"
fi
[[ $installed_ok == yes ]] &&
  ok "installed programs run, the shipped configuration is valid, manual pages are found"
DEBIAN_FRONTEND=noninteractive dpkg --purge postjournal >/dev/null
if [[ ! -e /usr/bin/postjournal && ! -e /etc/postjournal && -d /var/lib/postjournal ]]; then
  ok "purge removes the programs and configuration, keeps /var/lib/postjournal (archives)"
else
  fail "after purge: $(ls -d /usr/bin/postjournal /etc/postjournal /var/lib/postjournal 2>&1)"
fi
[[ $had_lib == no ]] && rmdir /var/lib/postjournal 2>/dev/null || true

(( failures == 0 )) && echo "PASS: package" || { echo "FAILED: $failures"; exit 1; }
