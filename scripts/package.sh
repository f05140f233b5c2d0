#!/usr/bin/env bash
# Builds the Debian package with CPack: postjournal_VERSION_ARCH.deb in the build directory.
# Contents: /usr/bin/postjournal, /usr/sbin/postjournal-milter and postjournal-fetch, their manual
# pages (generated from --help), /etc/postjournal/postjournal.yaml (conffile, the sample),
# systemd units, /usr/share/postjournal/postfix-setup.sh, README, copyright and changelog; the
# postinst creates the postjournal system user, /var/lib/postjournal and /var/spool/postjournal
# (0750, postjournal) and makes the configuration root:postjournal 0640.
# Usage: scripts/package.sh [BUILD_DIR]   (default build-pkg, a Release build; an existing
#        build directory such as test.sh's `build` is reused as it is configured)
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-build-pkg}
if [[ ! -f $dir/CMakeCache.txt ]]; then
  ./scripts/install-deps.sh
  ./scripts/build.sh "$dir" -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF
fi
cmake --build "$dir" -j"${JOBS:-2}"
cmake --build "$dir" --target manpages
(cd "$dir" && cpack -G DEB >/dev/null)
ls "$dir"/postjournal_*.deb
