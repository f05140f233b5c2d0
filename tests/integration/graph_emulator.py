#!/usr/bin/python3
"""A Microsoft identity platform + Microsoft Graph v1.0 emulator for postjournal's tests, written
from Microsoft's public documentation (client credentials flow with a secret or a certificate
assertion; users, groups' transitiveMembers, mailFolders/childFolders, messages/delta, $value;
throttling with Retry-After; syncStateNotFound). It is strict about what it accepts: a wrong
secret, a client assertion with a bad signature, audience, lifetime, thumbprint or a reused jti,
a missing or expired bearer token, a request without Prefer: IdType="ImmutableId", unknown query
options or a malformed delta token are refused as the real services refuse them.

Usage: graph_emulator.py --port P --cert server.pem --key server.key --state DIR
  --tenant DIRECTORY-ID --client-id ID [--secret S] [--client-cert app.pem]
  [--google-cert sa.pem --google-email E] [--exchange-mailbox UPN --introspect-port P2]
Token endpoints: POST /TENANT/oauth2/v2.0/token (client credentials), POST /google/token (JWT
bearer, RFC 7523). POST /introspect (RFC 7662, for dovecot; also on plain HTTP P2).
HTTPS on 127.0.0.1:P. Control (no auth, tests only) under /_control/:
  POST /_control/users      {"users": [{"upn", "id", "folders": [{"name", "id", "parent"}]}]}
  POST /_control/messages   {"user", "folder", "count", "size", "start"}  adds generated messages
  POST /_control/delete     {"user", "id"}                                removes one (404 later)
  POST /_control/faults     {"revoked": true (introspection refuses every token), "throttle_every": N, "retry_after": S, "unavailable_every": N,
                             "reset_ids": [...] (half the body, then the connection drops; once),
                             "vanish_ids": [...] (listed, but $value answers 404),
                             "expire_deltas": true (every delta token: 410), "page_size": N}
  GET  /_control/stats      counts: requests, tokens, max in flight per mailbox, throttled,
                            retry gaps (seconds between a 429 and the retry of the same URL),
                            downloads per message id, ids (message id -> Message-ID)
The process writes "ready PORT" on stdout when it listens.
"""
import argparse
import base64
import hashlib
import json
import os
import secrets
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

A = None  # arguments
LOCK = threading.Lock()
USERS = []  # [{"upn", "id", "mail", "folders": [{"name", "id", "parent"}], "groups": [...]}]
MESSAGES = {}  # user id -> folder id -> [message id] (order of arrival)
BODIES = {}  # message id -> bytes
TOKENS = {}  # access token -> {"exp", "kind", "sub"}
JTIS = set()
DELTAS = {}  # delta token -> {"user", "folder", "seen": set}
FAULTS = {"throttle_every": 0, "retry_after": 1, "unavailable_every": 0, "reset_ids": set(),
          "vanish_ids": set(), "page_size": 100}
STATS = {"requests": 0, "tokens": 0, "throttled": 0, "unavailable": 0, "resets": 0,
         "max_in_flight": 0, "retry_gaps": [], "downloads": {}, "refused": []}
IN_FLIGHT = {}  # user id -> requests in progress
THROTTLED_AT = {}  # url -> time of its last 429


def b64url_decode(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def verify_rs256(signing_input, signature, public_pem):
    with tempfile.TemporaryDirectory() as d:
        with open(os.path.join(d, "sig"), "wb") as f:
            f.write(signature)
        with open(os.path.join(d, "data"), "wb") as f:
            f.write(signing_input)
        r = subprocess.run(["openssl", "dgst", "-sha256", "-verify", public_pem, "-signature",
                            os.path.join(d, "sig"), os.path.join(d, "data")],
                           capture_output=True)
        return r.returncode == 0


def cert_thumbprint(cert_pem):
    der = subprocess.run(["openssl", "x509", "-in", cert_pem, "-outform", "DER"],
                         capture_output=True, check=True).stdout
    return base64.urlsafe_b64encode(hashlib.sha256(der).digest()).rstrip(b"=").decode()


def public_key_of(cert_pem, out):
    subprocess.run(["openssl", "x509", "-in", cert_pem, "-pubkey", "-noout", "-out", out],
                   check=True)
    return out


def check_jwt(assertion, public_pem, audience, issuer, subject=None, thumbprint=None):
    """'' when the assertion is good, else why not."""
    parts = assertion.split(".")
    if len(parts) != 3:
        return "not a JWT"
    try:
        header = json.loads(b64url_decode(parts[0]))
        claims = json.loads(b64url_decode(parts[1]))
        sig = b64url_decode(parts[2])
    except Exception:
        return "undecodable JWT"
    if header.get("alg") not in ("RS256", "PS256") or header.get("typ", "JWT") != "JWT":
        return "alg must be RS256 or PS256"
    if header.get("alg") == "PS256":
        return "this emulator checks RS256 signatures only"
    if thumbprint is not None and header.get("x5t#S256") != thumbprint:
        return "x5t#S256 does not match a certificate of the application"
    if not verify_rs256((parts[0] + "." + parts[1]).encode(), sig, public_pem):
        return "signature does not verify"
    now = time.time()
    if claims.get("aud") != audience:
        return "aud %r is not %r" % (claims.get("aud"), audience)
    if claims.get("iss") != issuer:
        return "iss is not the client"
    if subject is not None and claims.get("sub") != subject:
        return "sub is not the client"
    exp, iat = claims.get("exp", 0), claims.get("iat", claims.get("nbf", 0))
    if not isinstance(exp, int) or exp < now - 30:
        return "expired"
    if exp - now > 3600 + 60:
        return "lifetime too long"
    if claims.get("nbf", iat) > now + 30:
        return "not yet valid"
    jti = claims.get("jti")
    if subject is not None:  # Microsoft: a client assertion's jti is used once
        if not jti or jti in JTIS:
            return "jti missing or replayed"
        JTIS.add(jti)
    return claims


def message_bytes(user, folder, n, size, mid):
    body = ("Message %d of %s in %s.\r\n" % (n, user["upn"], folder)).encode()
    filler = b""
    if size > 0:
        line = (b"x" * 74) + b"\r\n"
        filler = line * max(0, (size - 400) // len(line))
    head = ("From: sender%d@fabrikam.example\r\nTo: %s\r\nSubject: %s item %d\r\n"
            "Message-ID: <%s@graph.example>\r\nDate: Mon, 7 Dec 2026 10:00:00 +0000\r\n"
            "MIME-Version: 1.0\r\nContent-Type: text/plain\r\n\r\n"
            % (n % 7, user["mail"], folder, n, mid.replace("=", ""))).encode()
    return head + body + filler


def user_by(key):
    for u in USERS:
        if key in (u["id"], u["upn"]):
            return u
    return None


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def send(self, code, doc=None, body=None, ctype="application/json", headers=()):
        data = body if body is not None else json.dumps(doc or {}).encode()
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def error(self, code, gcode, message, headers=()):
        with LOCK:
            STATS["refused"].append("%d %s %s" % (code, gcode, self.path[:120]))
        self.send(code, {"error": {"code": gcode, "message": message}}, headers=headers)

    # --- identity platform -------------------------------------------------------------------
    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        raw = self.rfile.read(length)
        path = urllib.parse.urlparse(self.path).path
        if path.startswith("/_control/"):
            return self.control(path, json.loads(raw or b"{}"))
        if path == "/introspect":
            return self.introspect(urllib.parse.parse_qs(raw.decode()))
        if path == "/%s/oauth2/v2.0/token" % A.tenant:
            return self.token(urllib.parse.parse_qs(raw.decode()), "https://127.0.0.1:%d%s"
                              % (A.port, path))
        if path == "/google/token":
            return self.google_token(urllib.parse.parse_qs(raw.decode()),
                                     "https://127.0.0.1:%d%s" % (A.port, path))
        self.error(404, "NotFound", "no such endpoint")

    def token(self, form, url):
        one = lambda k: form.get(k, [""])[0]
        if one("grant_type") != "client_credentials":
            return self.send(400, {"error": "unsupported_grant_type",
                                   "error_description": "AADSTS70003: grant type not supported"})
        if one("client_id") != A.client_id:
            return self.send(400, {"error": "unauthorized_client",
                                   "error_description": "AADSTS700016: Application not found"})
        if not one("scope").endswith("/.default"):
            return self.send(400, {"error": "invalid_scope",
                                   "error_description": "AADSTS1002012: scope must end in /.default"})
        if one("client_assertion"):
            if one("client_assertion_type") != "urn:ietf:params:oauth:client-assertion-type:jwt-bearer":
                return self.send(400, {"error": "invalid_request",
                                       "error_description": "AADSTS50027: bad assertion type"})
            if not A.client_cert:
                return self.send(401, {"error": "invalid_client",
                                       "error_description": "AADSTS700027: no certificate"})
            with LOCK:
                why = check_jwt(one("client_assertion"), A.client_pub, url, A.client_id,
                                A.client_id, A.client_thumb)
            if isinstance(why, str):
                return self.send(401, {"error": "invalid_client",
                                       "error_description": "AADSTS700027: " + why})
        elif not A.secret or one("client_secret") != A.secret:
            return self.send(401, {"error": "invalid_client",
                                   "error_description": "AADSTS7000215: Invalid client secret provided."})
        tok = secrets.token_urlsafe(24)
        with LOCK:
            TOKENS[tok] = {"exp": time.time() + 3599, "scope": one("scope")}
            STATS["tokens"] += 1
        self.send(200, {"token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599,
                        "access_token": tok})

    def google_token(self, form, url):
        one = lambda k: form.get(k, [""])[0]
        if one("grant_type") != "urn:ietf:params:oauth:grant-type:jwt-bearer":
            return self.send(400, {"error": "unsupported_grant_type"})
        with LOCK:
            claims = check_jwt(one("assertion"), A.google_key, url, A.google_email)
        if isinstance(claims, str):
            return self.send(400, {"error": "invalid_grant", "error_description": claims})
        if claims.get("scope") != "https://mail.google.com/" or not claims.get("sub"):
            return self.send(400, {"error": "invalid_scope", "error_description": "scope/sub"})
        tok = secrets.token_urlsafe(24)
        with LOCK:
            TOKENS[tok] = {"exp": time.time() + 3599, "sub": claims["sub"]}
            STATS["tokens"] += 1
        self.send(200, {"token_type": "Bearer", "expires_in": 3599, "access_token": tok})

    def introspect(self, form):
        """RFC 7662 for dovecot's oauth2 passdb (always 200; "active" false when refused). An
        Exchange app-only token (scope outlook.office365.com/.default) may open the mailbox the
        application access policy allows (--exchange-mailbox); a Google token its subject."""
        if (form.get("client_id", [""])[0], form.get("client_secret", [""])[0]) != ("dovecot", "s3cret"):
            return self.send(401, {"error": "invalid_client"})
        with LOCK:
            t = TOKENS.get(form.get("token", [""])[0])
            STATS["introspections"] = STATS.get("introspections", 0) + 1
        if not t or t["exp"] < time.time() or FAULTS.get("revoked"):
            return self.send(200, {"active": False})
        if "sub" in t:
            return self.send(200, {"active": True, "username": t["sub"], "scope": "mail"})
        if t.get("scope") == "https://outlook.office365.com/.default" and A.exchange_mailbox:
            return self.send(200, {"active": True, "username": A.exchange_mailbox, "scope": "mail"})
        return self.send(200, {"active": False})

    # --- control -----------------------------------------------------------------------------
    def control(self, path, doc):
        with LOCK:
            if path == "/_control/users":
                for u in doc["users"]:
                    u.setdefault("mail", u["upn"])
                    u.setdefault("groups", [])
                    USERS.append(u)
                    MESSAGES[u["id"]] = {f["id"]: [] for f in u["folders"]}
            elif path == "/_control/messages":
                u = user_by(doc["user"])
                for i in range(doc.get("start", 0), doc.get("start", 0) + doc["count"]):
                    mid = "AAMk" + base64.urlsafe_b64encode(
                        ("%s/%s/%d" % (u["id"], doc["folder"], i)).encode()).decode()
                    BODIES[mid] = message_bytes(u, doc["folder"], i, doc.get("size", 0), mid)
                    MESSAGES[u["id"]][doc["folder"]].append(mid)
            elif path == "/_control/delete":
                u = user_by(doc["user"])
                for f in MESSAGES[u["id"]].values():
                    if doc["id"] in f:
                        f.remove(doc["id"])
                BODIES.pop(doc["id"], None)
            elif path == "/_control/faults":
                for k, v in doc.items():
                    if k == "revoked":
                        FAULTS["revoked"] = bool(v)
                    elif k == "expire_deltas":
                        DELTAS.clear()
                    elif k in ("reset_ids", "vanish_ids"):
                        FAULTS[k] = set(v)
                    else:
                        FAULTS[k] = v
            else:
                return self.error(404, "NotFound", "no such control")
        self.send(200, {"ok": True})

    # --- Graph -------------------------------------------------------------------------------
    def do_GET(self):
        u = urllib.parse.urlparse(self.path)
        if u.path == "/_control/stats":
            with LOCK:
                s = dict(STATS)
                s["downloads"] = dict(STATS["downloads"])
                s["messages"] = sum(len(v) for f in MESSAGES.values() for v in f.values())
            return self.send(200, s)
        query = urllib.parse.parse_qs(u.query)
        parts = [urllib.parse.unquote(p) for p in u.path.split("/")[1:]]
        auth = self.headers.get("Authorization", "")
        with LOCK:
            STATS["requests"] += 1
            t = TOKENS.get(auth[7:]) if auth.startswith("Bearer ") else None
        graph_scope = "https://127.0.0.1:%d/.default" % A.port
        if not t or t["exp"] < time.time() or t.get("scope") != graph_scope:
            return self.error(401, "InvalidAuthenticationToken", "Access token is empty or invalid.")
        prefer = self.headers.get_all("Prefer") or []
        if not any('IdType="ImmutableId"' in p for p in prefer):
            return self.error(400, "BadRequest", "this emulator requires Prefer: IdType=\"ImmutableId\"")
        allowed = {"$select", "$top", "$skiptoken", "$deltatoken", "includeHiddenFolders"}
        if set(query) - allowed:
            return self.error(400, "BadRequest", "unsupported query option")
        if len(parts) < 2 or parts[0] != "v1.0":
            return self.error(404, "NotFound", "no such resource")
        mailbox = parts[2] if len(parts) > 2 and parts[1] == "users" else None
        owner = user_by(mailbox) if mailbox else None
        key = owner["id"] if owner else "-"
        with LOCK:
            IN_FLIGHT[key] = IN_FLIGHT.get(key, 0) + 1
            if owner:
                STATS["max_in_flight"] = max(STATS["max_in_flight"], IN_FLIGHT[key])
            n = STATS["requests"]
            now = time.time()
            if self.path in THROTTLED_AT:
                STATS["retry_gaps"].append(round(now - THROTTLED_AT.pop(self.path), 3))
        try:
            te, ue = FAULTS["throttle_every"], FAULTS["unavailable_every"]
            if te and n % te == 0:
                with LOCK:
                    STATS["throttled"] += 1
                    THROTTLED_AT[self.path] = time.time()
                return self.error(429, "TooManyRequests", "Application is over its MailboxConcurrency limit.",
                                  headers=[("Retry-After", str(FAULTS["retry_after"]))])
            if ue and n % ue == 0:
                with LOCK:
                    STATS["unavailable"] += 1
                return self.error(503, "ServiceUnavailable", "Service Unavailable")
            return self.route(parts, query, owner)
        finally:
            with LOCK:
                IN_FLIGHT[key] -= 1

    def page(self, items, query, base):
        size = min(int(query.get("$top", ["100"])[0]), FAULTS["page_size"])
        skip = int(query.get("$skiptoken", ["0"])[0])
        doc = {"value": items[skip:skip + size]}
        if skip + size < len(items):
            doc["@odata.nextLink"] = base + "&$skiptoken=%d" % (skip + size)
        return doc

    def route(self, parts, query, owner):
        root = "https://127.0.0.1:%d/v1.0" % A.port
        sel = "$select=" + query.get("$select", ["id"])[0]
        if parts[1:] == ["users"]:
            users = [{"id": u["id"], "userPrincipalName": u["upn"], "mail": u["mail"]} for u in USERS]
            users.append({"id": "no-mailbox", "userPrincipalName": "room@contoso.example", "mail": None})
            return self.send(200, self.page(users, query, root + "/users?" + sel + "&$top=999"))
        if len(parts) == 5 and parts[1] == "groups" and parts[3] == "transitiveMembers":
            members = [{"id": u["id"], "userPrincipalName": u["upn"], "mail": u["mail"]}
                       for u in USERS if parts[2] in u["groups"]]
            base = root + "/groups/%s/transitiveMembers/microsoft.graph.user?%s&$top=999" % (parts[2], sel)
            return self.send(200, self.page(members, query, base))
        if not owner:
            return self.error(404, "ResourceNotFound" if len(parts) > 2 else "NotFound",
                              "Resource could not be discovered.")
        rest = parts[3:]
        if rest == []:
            return self.send(200, {"id": owner["id"], "userPrincipalName": owner["upn"],
                                   "mail": owner["mail"]})
        folders = owner["folders"]
        def folder_doc(f):
            return {"id": f["id"], "displayName": f["name"],
                    "childFolderCount": sum(1 for g in folders if g.get("parent") == f["id"]),
                    "totalItemCount": len(MESSAGES[owner["id"]][f["id"]])}
        if rest == ["mailFolders"]:
            top = [folder_doc(f) for f in folders if not f.get("parent")]
            return self.send(200, self.page(top, query, root + "/users/%s/mailFolders?$top=250" % owner["id"]))
        if len(rest) == 3 and rest[0] == "mailFolders" and rest[2] == "childFolders":
            kids = [folder_doc(f) for f in folders if f.get("parent") == rest[1]]
            base = root + "/users/%s/mailFolders/%s/childFolders?$top=250" % (owner["id"], rest[1])
            return self.send(200, self.page(kids, query, base))
        if len(rest) == 4 and rest[0] == "mailFolders" and rest[2:] == ["messages", "delta"]:
            return self.delta(owner, rest[1], query, root)
        if len(rest) == 3 and rest[0] == "messages" and rest[2] == "$value":
            return self.value(owner, rest[1])
        return self.error(400, "BadRequest", "unsupported resource")

    def delta(self, owner, folder, query, root):
        if folder not in MESSAGES[owner["id"]]:
            return self.error(404, "ErrorItemNotFound", "The specified folder could not be found.")
        # The first request names what to return; a deltaLink carries it in its token.
        if "$deltatoken" not in query and query.get("$select", [""])[0] != "id":
            return self.error(400, "BadRequest", "this emulator expects $select=id")
        ids = list(MESSAGES[owner["id"]][folder])
        seen = set()
        if "$deltatoken" in query:
            with LOCK:
                state = DELTAS.get(query["$deltatoken"][0])
            if state is None or state["user"] != owner["id"] or state["folder"] != folder:
                return self.error(410, "syncStateNotFound",
                                  "The sync state generation is invalid or has expired.")
            seen = state["seen"]
        new = [i for i in ids if i not in seen]
        removed = [i for i in seen if i not in ids]
        items = [{"id": i} for i in new] + [{"id": i, "@removed": {"reason": "deleted"}} for i in removed]
        size = 100
        for p in self.headers.get_all("Prefer") or []:
            if p.strip().startswith("odata.maxpagesize="):
                size = int(p.strip().split("=", 1)[1])
        size = min(size, FAULTS["page_size"])
        skip = int(query.get("$skiptoken", ["0"])[0])
        base = root + "/users/%s/mailFolders/%s/messages/delta?$select=id" % (owner["id"], folder)
        if "$deltatoken" in query:
            base += "&$deltatoken=" + query["$deltatoken"][0]
        doc = {"value": items[skip:skip + size]}
        if skip + size < len(items):
            doc["@odata.nextLink"] = base + "&$skiptoken=%d" % (skip + size)
        else:
            tok = secrets.token_hex(8)
            with LOCK:
                DELTAS[tok] = {"user": owner["id"], "folder": folder, "seen": set(ids)}
            doc["@odata.deltaLink"] = (root + "/users/%s/mailFolders/%s/messages/delta?$deltatoken=%s"
                                       % (owner["id"], folder, tok))
        self.send(200, doc)

    def value(self, owner, mid):
        if mid in FAULTS.get("vanish_ids", set()) or not any(mid in f for f in MESSAGES[owner["id"]].values()):
            return self.error(404, "ErrorItemNotFound", "The specified object was not found in the store.")
        body = BODIES[mid]
        with LOCK:
            STATS["downloads"][mid] = STATS["downloads"].get(mid, 0) + 1
            reset = mid in FAULTS["reset_ids"]
            if reset:
                FAULTS["reset_ids"].discard(mid)
                STATS["resets"] += 1
        self.send_response(200)
        self.send_header("Content-Type", "message/rfc822")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if reset:  # half the body, then the connection is gone
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(2)
            return
        self.wfile.write(body)


def main():
    global A
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--cert", required=True)
    p.add_argument("--key", required=True)
    p.add_argument("--tenant", required=True)
    p.add_argument("--client-id", required=True)
    p.add_argument("--secret", default="")
    p.add_argument("--client-cert", default="")
    p.add_argument("--google-cert", default="")
    p.add_argument("--google-email", default="")
    p.add_argument("--state", required=True)
    p.add_argument("--exchange-mailbox", default="")
    p.add_argument("--introspect-port", type=int, default=0)
    A = p.parse_args()
    A.client_pub = A.client_thumb = A.google_key = None
    if A.client_cert:
        A.client_pub = public_key_of(A.client_cert, os.path.join(A.state, "client-pub.pem"))
        A.client_thumb = cert_thumbprint(A.client_cert)
    if A.google_cert:
        A.google_key = public_key_of(A.google_cert, os.path.join(A.state, "google-pub.pem"))
    server = ThreadingHTTPServer(("127.0.0.1", A.port), Handler)
    server.daemon_threads = True
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(A.cert, A.key)
    server.socket = ctx.wrap_socket(server.socket, server_side=True)
    if A.introspect_port:  # dovecot's passdb asks over plain HTTP on loopback
        plain = ThreadingHTTPServer(("127.0.0.1", A.introspect_port), Handler)
        plain.daemon_threads = True
        threading.Thread(target=plain.serve_forever, daemon=True).start()
    print("ready %d" % A.port, flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
