#!/usr/bin/python3
"""postjournal-web in a real browser (headless Chromium from Debian through python3-selenium).

Usage: web_browser.py BASE_URL USER PASSWORD BEACON_PORT OUT_DIR ORIGINAL_SHA256
  BASE_URL         postjournal-web (or the Apache in front of it, see --basic)
  BEACON_PORT      a port on 127.0.0.2 where this script counts every request (remote loads)
  OUT_DIR          downloads, screenshots (web-search.png, web-message.png) and Chromium's log
  ORIGINAL_SHA256  the archive's SHA-256 of the original message of the BCC journal report

The archive holds (web_browser_e2e.sh): a journal report with BCC auditor@contoso.example, a
message whose CSV attachment contains "Seriennummer", and one whose HTML carries script,
handlers, a javascript: link, remote CSS/images/fonts pointing at the beacon and a meta refresh.
Prints "ok: ..." / "FAIL: ..." lines and exits non-zero on any failure. Run with /usr/bin/python3
(Debian's python3-selenium is not visible to other Python builds).
"""
import hashlib
import http.server
import os
import shutil
import sys
import tempfile
import threading
import time
import zipfile
from urllib.parse import unquote

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

base, user, password, beacon_port, out, want_original = sys.argv[1:7]
failures = 0


def check(name, cond, detail=""):
    global failures
    if cond:
        print("ok: " + name)
    else:
        failures += 1
        print("FAIL: %s %s" % (name, detail))


class Beacon(http.server.BaseHTTPRequestHandler):
    hits = []

    def do_GET(self):
        Beacon.hits.append(self.path)
        self.send_response(200)
        if self.path == "/control-page":  # the control: a page that loads and runs
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            self.wfile.write(b"<img src='/control'><script>console.log('CONTROL-RAN')</script>")
            return
        self.send_header("Content-Type", "text/plain")
        self.end_headers()
        self.wfile.write(b"beacon")

    def log_message(self, *a):
        pass


beacon = http.server.ThreadingHTTPServer(("127.0.0.2", int(beacon_port)), Beacon)
threading.Thread(target=beacon.serve_forever, daemon=True).start()

downloads = os.path.join(out, "downloads")
os.makedirs(downloads, exist_ok=True)
udd = tempfile.mkdtemp(prefix="pj-chromium-")
chrome_log = os.path.join(out, "chromium.log")
opts = webdriver.ChromeOptions()
opts.binary_location = "/usr/bin/chromium"
for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
          "--no-first-run", "--no-default-browser-check", "--disable-background-networking",
          "--disable-component-update", "--disable-sync", "--disable-quic",
          "--window-size=1280,900", "--user-data-dir=" + udd,
          # console output of sandboxed iframes reaches get_log("browser") only in-process
          "--disable-features=IsolateSandboxedIframes",
          "--enable-logging", "--v=0", "--log-file=" + chrome_log):
    opts.add_argument(a)
opts.add_experimental_option("prefs", {"download.default_directory": downloads,
                                       "download.prompt_for_download": False})
opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
d = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)
d.execute_cdp_cmd("Page.setDownloadBehavior", {"behavior": "allow", "downloadPath": downloads})


def load(path):
    d.get(base + path)
    WebDriverWait(d, 15).until(lambda x: x.execute_script("return document.readyState") == "complete")


def console():
    return [e["message"] for e in d.get_log("browser")]


def chrome_console():
    with open(chrome_log, errors="replace") as f:
        return [l for l in f.read().splitlines() if ":CONSOLE" in l]


def downloaded(before, timeout=30):
    """The file that appeared in the download directory since `before` (a set of names)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        new = [f for f in os.listdir(downloads) if f not in before and not f.endswith(".crdownload")]
        partial = [f for f in os.listdir(downloads) if f.endswith(".crdownload")]
        if new and not partial:
            return os.path.join(downloads, new[0])
        time.sleep(0.05)  # polling a condition with a deadline, not synchronisation by sleep
    return None


def result_ids():
    return [td.text for td in d.find_elements(By.CSS_SELECTOR, "#results tbody td:last-child")]


def search(query):
    load("/search")
    box = d.find_element(By.NAME, "q")
    box.clear()
    box.send_keys(query)
    d.find_element(By.CSS_SELECTOR, "form.search button[type=submit]").click()
    WebDriverWait(d, 15).until(lambda x: "/search?" in x.current_url)


try:
    # Log in through the form.
    load("/login")
    d.find_element(By.NAME, "username").send_keys(user)
    d.find_element(By.NAME, "password").send_keys(password)
    d.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
    WebDriverWait(d, 15).until(lambda x: "/login" not in x.current_url)
    check("logged in through the form", "/search" in d.current_url, d.current_url)
    cookies = d.get_cookies()
    session = [c for c in cookies if c["name"] == "pj_session"]
    check("session cookie is HttpOnly and SameSite=Strict",
          session and session[0]["httpOnly"] and session[0].get("sameSite") == "Strict", cookies)

    search("bcc:auditor@contoso.example")
    ids = result_ids()
    check("search by a BCC recipient finds the journal report", ids == ["acme:1"], ids)
    d.save_screenshot(os.path.join(out, "web-search.png"))

    search("seriennummer")
    ids = result_ids()
    check("search by a word of an attachment", ids == ["acme:2"], ids)

    # Open the message from the results; download the original.
    search("bcc:auditor@contoso.example")
    d.find_element(By.CSS_SELECTOR, "#results tbody a").click()
    WebDriverWait(d, 15).until(lambda x: unquote(x.current_url).endswith("/messages/acme:1"))
    evidence = d.find_element(By.ID, "evidence").text
    check("message page shows the BCC evidence", "auditor@contoso.example" in evidence, evidence)
    d.save_screenshot(os.path.join(out, "web-message.png"))
    before = set(os.listdir(downloads))
    d.find_element(By.LINK_TEXT, "Download the original").click()
    f = downloaded(before)
    got = hashlib.sha256(open(f, "rb").read()).hexdigest() if f else None
    check("downloaded original has the archive's SHA-256", got == want_original,
          "%s != %s" % (got, want_original))

    # Export the result set of a search as a zip; check its manifest.
    load("/search?q=*&tenant=acme")
    Select(d.find_element(By.NAME, "format")).select_by_value("zip")
    before = set(os.listdir(downloads))
    d.find_element(By.CSS_SELECTOR, "form[action='/export'] button[type=submit]").click()
    f = downloaded(before)
    ok_manifest, names = False, []
    if f:
        with zipfile.ZipFile(f) as z:
            names = sorted(z.namelist())
            sums = [l.split("  ", 1) for l in z.read("SHA256SUMS").decode().splitlines()]
            ok_manifest = len(sums) == 3 and all(
                hashlib.sha256(z.read(n)).hexdigest() == h for h, n in sums)
    check("exported zip: three messages, SHA256SUMS verifies", ok_manifest, names)

    # The hostile message: its text shows, nothing runs, nothing is loaded.
    console()  # drain
    log_start = len(chrome_console())
    load("/messages/acme:3")
    time.sleep(0.5)  # give a (wrongly) loaded image or refresh time to fire: nothing should
    d.switch_to.frame(d.find_element(By.ID, "html"))
    frame_text = d.find_element(By.TAG_NAME, "body").text
    for a in d.find_elements(By.TAG_NAME, "a"):
        try:
            a.click()
        except Exception:  # an anchor without href is not clickable: fine
            pass
    d.switch_to.default_content()
    time.sleep(0.3)
    check("hostile HTML: the text is shown", "Readable text" in frame_text, frame_text)
    logs = console() + chrome_console()[log_start:]
    check("hostile HTML: no script ran (console)", not any("INJECTED" in m for m in logs), logs)
    check("hostile HTML: window untouched", d.execute_script("return window.pwned") is None)
    check("hostile HTML: page not navigated away", unquote(d.current_url).endswith("/messages/acme:3"),
          d.current_url)
    check("hostile HTML: nothing loaded from a remote host", Beacon.hits == [], Beacon.hits)

    # Control: the same probes do see a page that runs script and loads from the beacon.
    d.get("http://127.0.0.2:%s/control-page" % beacon_port)
    WebDriverWait(d, 10).until(lambda x: "/control" in Beacon.hits)
    check("control: the probes detect script and remote loads",
          any("CONTROL-RAN" in m for m in console()) and "/control" in Beacon.hits)
finally:
    d.quit()
    beacon.shutdown()
    shutil.rmtree(udd, ignore_errors=True)

print("%s: %d failures" % ("PASS" if failures == 0 else "FAILED", failures))
sys.exit(1 if failures else 0)
