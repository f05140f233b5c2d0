# A private slapd, a private glewlwyd and a private Apache running one of the shipped site files
# (conf/apache/*.conf), for the tests of postjournal-web behind its front door (source it after
# scripts/lib/instance.sh). Each daemon listens on 127.0.0.1 on a free port and is stopped by PID
# (frontdoor_stop). Needs: slapd ldap-utils apache2 libapache2-mod-auth-openidc glewlwyd sqlite3
# openssl curl.

FRONTDOOR_PIDS=()

frontdoor_stop() {
  local p
  for p in "${FRONTDOOR_PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${FRONTDOOR_PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  FRONTDOOR_PIDS=()
}

# until_ok COMMAND...: retries COMMAND (output discarded) for up to 20 s; fails after that.
until_ok() {
  local _
  for _ in $(seq 400); do "$@" >/dev/null 2>&1 && return 0; sleep 0.05; done
  echo "timed out: $*" >&2
  return 1
}

# slapd_start DIR PORT LDIF: a directory with suffix dc=example,dc=org (admin cn=admin, password
# adminsecret) on ldap://127.0.0.1:PORT, loaded with LDIF (entries below the suffix).
slapd_start() {
  local dir=$1 port=$2 ldif=$3
  mkdir -p "$dir/db"
  cat >"$dir/slapd.conf" <<CONF
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
pidfile $dir/slapd.pid
modulepath /usr/lib/ldap
moduleload back_mdb
database mdb
maxsize 67108864
suffix "dc=example,dc=org"
rootdn "cn=admin,dc=example,dc=org"
rootpw $(slappasswd -s adminsecret)
directory $dir/db
access to attrs=userPassword by anonymous auth by self write by * none
access to * by * read
CONF
  # -d 0 keeps slapd in the foreground, so $! is slapd itself.
  /usr/sbin/slapd -f "$dir/slapd.conf" -h "ldap://127.0.0.1:$port/" -d 0 2>"$dir/slapd.log" &
  FRONTDOOR_PIDS+=($!)
  until_ok ldapsearch -x -H "ldap://127.0.0.1:$port" -b "" -s base
  ldapadd -x -H "ldap://127.0.0.1:$port" -D cn=admin,dc=example,dc=org -w adminsecret \
    -f "$ldif" >/dev/null
}

# tls_cert DIR: a self-signed certificate for 127.0.0.1 (DIR/cert.pem, DIR/key.pem).
tls_cert() {
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 \
    -addext subjectAltName=IP:127.0.0.1 -keyout "$1/key.pem" -out "$1/cert.pem" 2>/dev/null
}

# apache_start DIR SITE PORT SUBSTITUTIONS: Apache serving the shipped SITE file on
# https://127.0.0.1:PORT with DIR/cert.pem (tls_cert). The site is used as shipped except for
# the sed SUBSTITUTIONS (a sed script for its placeholders: LDAP URL, provider, backend) and the
# host, port and certificate lines replaced here. The global part (modules, pid file, log) is
# what a Debian apache2.conf + a2enmod would provide.
apache_start() {
  local dir=$1 site=$2 port=$3 subst=$4 m=/usr/lib/apache2/modules mod
  mkdir -p "$dir/run" "$dir/logs"
  chmod 755 "$dir"
  sed -e "s|<VirtualHost \*:443>|<VirtualHost 127.0.0.1:$port>|" \
    -e "s|https://archive.example.net|https://127.0.0.1:$port|g" \
    -e "s|archive.example.net|127.0.0.1|g" \
    -e "s|SSLCertificateFile .*|SSLCertificateFile $dir/cert.pem|" \
    -e "s|SSLCertificateKeyFile .*|SSLCertificateKeyFile $dir/key.pem|" \
    -e "$subst" "$site" >"$dir/site.conf"
  {
    echo "ServerRoot \"$dir\""
    echo "ServerName 127.0.0.1"
    echo "Listen 127.0.0.1:$port https"
    echo "PidFile \"$dir/run/httpd.pid\""
    echo "DefaultRuntimeDir \"$dir/run\""
    echo "Mutex file:$dir/run default"
    echo "ErrorLog \"$dir/logs/error.log\""
    echo "LogLevel warn"
    echo "User www-data"
    echo "Group www-data"
    for mod in mpm_event authn_core authz_core authz_user auth_basic ldap authnz_ldap headers \
      proxy proxy_http ssl socache_shmcb; do
      echo "LoadModule ${mod}_module $m/mod_$mod.so"
    done
    if grep -q '^ *OIDC' "$site"; then echo "LoadModule auth_openidc_module $m/mod_auth_openidc.so"; fi
    # Tests only: no LDAP result caching, so a changed password counts at once.
    echo "LDAPCacheEntries 0"
    echo "LDAPOpCacheEntries 0"
    echo "Include \"$dir/site.conf\""
  } >"$dir/httpd.conf"
  /usr/sbin/apache2 -f "$dir/httpd.conf" -t 2>"$dir/logs/configtest.log" ||
    { cat "$dir/logs/configtest.log" >&2; return 1; }
  /usr/sbin/apache2 -f "$dir/httpd.conf" -DFOREGROUND 2>>"$dir/logs/error.log" &
  FRONTDOOR_PIDS+=($!)
  until_ok curl -s --cacert "$dir/cert.pem" -o /dev/null "https://127.0.0.1:$port/"
}

# glewlwyd_start DIR PORT REDIRECT_URI: Debian's OpenID Connect provider on http://127.0.0.1:PORT
# (issuer $GLEWLWYD/api/oidc, RS256 keys made here) with one confidential client "postjournal"
# (secret s3cret, code flow, REDIRECT_URI) whose ID tokens carry the claims email and
# preferred_username. Sets GLEWLWYD (its URL). Users: glewlwyd_user.
glewlwyd_start() {
  local dir=$1 port=$2 redirect=$3
  GLEWLWYD=http://127.0.0.1:$port
  mkdir -p "$dir"
  sqlite3 "$dir/glewlwyd.db" </usr/share/dbconfig-common/data/glewlwyd/install/sqlite3
  # The package's webapp has relative symlinks (-L) and its config.json is a directory.
  cp -rL /usr/share/glewlwyd/webapp "$dir/webapp"
  rm -rf "$dir/webapp/config.json"
  cp /etc/glewlwyd/config-2.7.json/config.json "$dir/webapp/config.json"
  # Host-only, non-Secure cookies: the provider is plain http on 127.0.0.1 in the test.
  zcat /usr/share/doc/glewlwyd/glewlwyd.conf.sample.gz | sed \
    -e "s|^port=.*|port=$port|" -e 's|^#\?bind_address=.*|bind_address="127.0.0.1"|' \
    -e "s|^external_url=.*|external_url=\"$GLEWLWYD\"|" \
    -e "s|^static_files_path=.*|static_files_path=\"$dir/webapp/\"|" \
    -e 's|^log_mode=.*|log_mode="console"|' -e 's|^cookie_domain=.*|#cookie_domain|' \
    -e 's|^cookie_secure=.*|cookie_secure=0|' \
    -e "s|^  path = \"/var/cache/glewlwyd/glewlwyd.db\"|  path = \"$dir/glewlwyd.db\"|" \
    >"$dir/glewlwyd.conf"
  stdbuf -oL glewlwyd --config-file="$dir/glewlwyd.conf" >"$dir/glewlwyd.log" 2>&1 &
  FRONTDOOR_PIDS+=($!)
  until_ok curl -sf "$GLEWLWYD/config.json"
  local j=(-H 'Content-Type: application/json')
  curl -sf -c "$dir/admin.jar" -o /dev/null "${j[@]}" -d '{"username":"admin","password":"password"}' \
    "$GLEWLWYD/api/auth/"
  openssl genrsa -out "$dir/sign.key" 2048 2>/dev/null
  openssl rsa -in "$dir/sign.key" -pubout -out "$dir/sign.pem" 2>/dev/null
  /usr/bin/python3 - "$GLEWLWYD" "$dir" >"$dir/plugin.json" <<'PY'
import json, sys
g, d = sys.argv[1], sys.argv[2]
claim = lambda name, prop: {"name": name, "user-property": prop, "type": "string",
                            "mandatory": True, "on-demand": False, "scope": []}
print(json.dumps({"module": "oidc", "name": "oidc", "display_name": "OIDC", "enabled": True,
  "parameters": {
    "iss": g + "/api/oidc", "jwt-type": "rsa", "jwt-key-size": "256",
    "key": open(d + "/sign.key").read(), "cert": open(d + "/sign.pem").read(),
    "access-token-duration": 3600, "refresh-token-duration": 1209600, "code-duration": 600,
    "refresh-token-rolling": True, "allow-non-oidc": False, "auth-type-code-enabled": True,
    "auth-type-token-enabled": False, "auth-type-id-token-enabled": True,
    "auth-type-none-enabled": False, "auth-type-password-enabled": False,
    "auth-type-client-enabled": False, "auth-type-device-enabled": False,
    "auth-type-refresh-enabled": True, "scope": [], "additional-parameters": [],
    "jwks-show": True, "request-parameter-allow": False, "secret-type": "pairwise",
    "address-claim": {"type": "no", "formatted": "", "locality": "", "region": "", "country": "",
                      "mandatory": False},
    "name-claim": "on-demand", "name-claim-scope": [], "email-claim": "mandatory",
    "email-claim-scope": [], "scope-claim": "no", "scope-claim-scope": [],
    "allowed-scope": ["openid"],
    "claims": [claim("preferred_username", "username")]}}))
PY
  curl -sf -b "$dir/admin.jar" -o /dev/null "${j[@]}" -d @"$dir/plugin.json" "$GLEWLWYD/api/mod/plugin/"
  curl -sf -b "$dir/admin.jar" -o /dev/null "${j[@]}" -d "{\"client_id\":\"postjournal\",\"name\":\"postjournal\",\"enabled\":true,\"confidential\":true,\"client_secret\":\"s3cret\",\"redirect_uri\":[\"$redirect\"],\"authorization_type\":[\"code\",\"refresh_token\"],\"token_endpoint_auth_method\":[\"client_secret_basic\"],\"scope\":[]}" \
    "$GLEWLWYD/api/client/"
}

# glewlwyd_user DIR NAME PASSWORD EMAIL: a user of the provider started by glewlwyd_start.
glewlwyd_user() {
  curl -sf -b "$1/admin.jar" -o /dev/null -H 'Content-Type: application/json' \
    -d "{\"username\":\"$2\",\"name\":\"$2\",\"email\":\"$4\",\"enabled\":true,\"scope\":[\"openid\"],\"password\":\"$3\"}" \
    "$GLEWLWYD/api/user/"
}
