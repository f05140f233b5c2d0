#!/usr/bin/env bash
# Builds the Debian package with CPack: postjournal_VERSION_ARCH.deb in the build directory.
# Contents: /usr/bin/postjournal, /usr/sbin/postjournal-milter and postjournal-fetch, their manual
# pages (generated from --help), /etc/postjournal/postjournal.yaml (conffile, the sample),
# systemd units, /usr/share/postjournal/postfix-setup.sh, README, copyright and changelog; the
# postinst creates the postjournal system user, /var/lib/postjournal and /var/spool/postjournal
# (0750, postjournal) and makes the configuration root:postjournal 0640.
# The package is built the way Debian builds its own packages: CMAKE_BUILD_TYPE=None with the
# compiler and linker flags dpkg-buildflags gives (hardening, -O2, -g, no -Werror: a new compiler
# warning must not break a user's build; -Werror belongs to CI's test trees).
# Usage: scripts/package.sh [BUILD_DIR]   (default build-pkg; configured on first use, then reused)
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-build-pkg}
if [[ ! -f $dir/CMakeCache.txt ]]; then
  ./scripts/install-deps.sh
  CXXFLAGS="$(dpkg-buildflags --get CXXFLAGS) $(dpkg-buildflags --get CPPFLAGS)" \
    LDFLAGS="$(dpkg-buildflags --get LDFLAGS)" \
    cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=None -DBUILD_TESTING=OFF -DPOSTJOURNAL_WERROR=OFF >/dev/null
fi
cmake --build "$dir" -j"${JOBS:-2}"
cmake --build "$dir" --target manpages
(cd "$dir" && cpack -G DEB >/dev/null)
ls "$dir"/postjournal_*.deb
