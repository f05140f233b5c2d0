#!/usr/bin/env bash
# Installs the Debian 12 packages postjournal needs to build and test. Idempotent: when every
# package is already installed it does nothing (no apt-get update, no network).
# Usage: scripts/install-deps.sh [--bench]   (as root; --bench adds the libraries that only the
# benchmarks compare against: GMime 3, notmuch, the zstd program)
set -euo pipefail

packages=(
  # build
  g++ make cmake pkg-config ccache clang-format
  # libraries (each wrapped by one module of plugin-common)
  liblmdb-dev libyaml-cpp-dev libssl-dev libspf2-dev libmilter-dev libvmime-dev ca-certificates
  # compression of stored mail (compress/)
  libzstd-dev
  # full-text index (index/) and its sandboxed extractor worker (extractor/)
  libxapian-dev libpoppler-cpp-dev libzip-dev
  # what the extractor runs: the sandbox and the programs for DOC/XLS/PPT, RTF, TNEF
  bubblewrap antiword catdoc unrtf tnef
  # tests
  libgtest-dev googletest util-linux mount coreutils diffutils lmdb-utils dnsmasq-base iproute2 openssl
  # the milter fast-path test counts system calls
  strace
  # the alert test runs the milter with its clock days ahead (LD_PRELOAD libfaketime)
  faketime
  # the package test (scripts/package.sh, lintian, dpkg -i)
  dpkg-dev lintian adduser man-db
  # integration tests: a private Postfix, SMTP client, SASL
  postfix swaks libio-socket-ssl-perl libnet-ssleay-perl libauthen-sasl-perl sasl2-bin libsasl2-modules
  # integration tests: a private dovecot for postjournal-fetch (IMAP, POP3)
  dovecot-imapd dovecot-pop3d
  # RFC 3161 timestamps (stamp/): libcurl for the TSA; tests run a TSA (openssl ts -reply behind a
  # python3 stdlib HTTP server) and unzip evidence bundles
  libcurl4-openssl-dev python3 unzip
  # Microsoft 365 retrieval (cloud/): JSON of Microsoft Graph and OAuth2 token endpoints
  nlohmann-json3-dev
  # postjournal-web (web/): libmicrohttpd; its tests drive it with curl, headless Chromium
  # (selenium), and through the shipped Apache sites with a private slapd and glewlwyd (OIDC)
  libmicrohttpd-dev curl chromium chromium-driver python3-selenium apache2 slapd ldap-utils
  libapache2-mod-auth-openidc glewlwyd dbconfig-no-thanks sqlite3
  # index tests: a real PDF made with ghostscript (ps2pdf), DOCX zipped from its XML parts
  ghostscript zip
  # fuzzing (scripts/fuzz.sh; a short run is part of test.sh)
  clang libclang-rt-14-dev
)

if [[ ${1:-} == --bench ]]; then
  # GMime 3 (parse baseline); notmuch and xapian-compact (search baseline)
  packages+=(libgmime-3.0-dev notmuch xapian-tools python3 zstd)
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
if [[ ${#missing[@]} -eq 0 ]]; then
  exit 0
fi
if [[ $(id -u) -ne 0 ]]; then
  echo "install-deps: missing packages (${missing[*]}); run as root" >&2
  exit 1
fi
echo "install-deps: installing ${missing[*]}"
# Postfix is installed for the tests' private instances only: no system mailer configuration.
echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
# slapd and glewlwyd likewise: the tests run private instances with their own configuration.
echo "slapd slapd/no_configuration boolean true" | debconf-set-selections
echo "glewlwyd glewlwyd/config_type select No configuration" | debconf-set-selections
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
