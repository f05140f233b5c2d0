# Shell helpers for postjournal-web in the tests and the quick start (source it after
# scripts/lib/instance.sh): start it on a loopback port and stop it by PID, and log in with curl.
# Needs: curl. $POSTJOURNAL_WEB is the binary.

WEB_PID=
# web_start CONFIG PORT LOG: starts postjournal-web (config's web.listen must be 127.0.0.1:PORT)
# and waits until it listens.
web_start() {
  "$POSTJOURNAL_WEB" -f -c "$1" >"$3" 2>&1 &
  WEB_PID=$!
  wait_port "$2" "$WEB_PID"
}

# web_stop: SIGTERM and wait; the exit status of postjournal-web (0 when it stopped cleanly).
web_stop() {
  [[ -n $WEB_PID ]] || return 0
  local pid=$WEB_PID rc=0
  WEB_PID=
  kill -TERM "$pid" 2>/dev/null || return 0
  wait "$pid" || rc=$?
  return $rc
}

# web_login URL USER PASSWORD JAR: GET /login for the form's CSRF token, POST it; the session
# cookie ends up in JAR. Prints the HTTP status of the POST (303 on success).
web_login() {
  local token
  rm -f "$4"
  token=$(curl -s -c "$4" "$1/login" | grep -o 'name="csrf" value="[0-9a-f]*"' | sed 's/.*value="//; s/"$//')
  curl -s -o /dev/null -w '%{http_code}' -b "$4" -c "$4" \
    --data-urlencode "username=$2" --data-urlencode "password=$3" --data-urlencode "csrf=$token" \
    "$1/login"
}

# web_csrf URL JAR: the CSRF token of the logged-in session (from /api/whoami).
web_csrf() {
  curl -s -b "$2" "$1/api/whoami" | sed -n 's/.*"csrf": "\([0-9a-f]*\)".*/\1/p'
}
