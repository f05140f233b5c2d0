#!/usr/bin/python3
"""Log in to postjournal-web through Apache + mod_auth_openidc in headless Chromium: the
provider's (glewlwyd's) login page, its consent step, back to the archive.

Usage: web_oidc_browser.py APACHE_URL USER PASSWORD WANT_IDS OTHER_ID OUT_DIR
  WANT_IDS  the ids /api/search?q=* must list for this user, comma-separated
  OTHER_ID  an id of another tenant: its page must be the 404 page
Prints ok:/FAIL: lines; exits non-zero on a failure. Run with /usr/bin/python3.
"""
import json
import os
import shutil
import sys
import tempfile

from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

base, user, password, want, other, out = sys.argv[1:7]
failures = 0


def check(name, cond, detail=""):
    global failures
    print(("ok: " if cond else "FAIL: ") + name + ("" if cond else " " + str(detail)))
    failures += 0 if cond else 1


udd = tempfile.mkdtemp(prefix="pj-chromium-")
o = webdriver.ChromeOptions()
o.binary_location = "/usr/bin/chromium"
for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
          "--no-first-run", "--disable-background-networking", "--disable-component-update",
          "--disable-sync", "--window-size=1280,900", "--user-data-dir=" + udd,
          "--ignore-certificate-errors"):  # the test's self-signed certificate
    o.add_argument(a)
d = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=o)
try:
    d.get(base + "/search")
    w = WebDriverWait(d, 20, ignored_exceptions=(StaleElementReferenceException,))
    w.until(EC.element_to_be_clickable((By.ID, "username"))).send_keys(user)
    check("redirected to the provider's login page", not d.current_url.startswith(base),
          d.current_url)
    d.find_element(By.ID, "password").send_keys(password)
    d.find_element(By.ID, "loginbut").click()

    def next_step(drv):
        if drv.current_url.startswith(base + "/search"):
            return "back"
        for b in drv.find_elements(By.TAG_NAME, "button"):
            if b.is_displayed() and b.text.strip().lower() in ("continue", "grant", "accept"):
                return b
        return False

    for _ in range(4):  # glewlwyd's continue / consent steps
        step = w.until(next_step)
        if step == "back":
            break
        step.click()
    check("back at the archive's search page", d.current_url.startswith(base + "/search"),
          d.current_url)
    check("the page names the provider's user", user in d.find_element(By.TAG_NAME, "nav").text
          or user in d.page_source)
    d.save_screenshot(os.path.join(out, "web-oidc-search.png"))
    d.get(base + "/api/search?q=*")
    data = json.loads(d.find_element(By.TAG_NAME, "body").text)
    ids = sorted(r["id"] for r in data["results"])
    check("sees his tenant's deliveries only", ids == sorted(want.split(",")), ids)
    d.get(base + "/messages/" + other)
    check("another tenant's id is the 404 page", d.title.startswith("Not found"),
          d.title)
finally:
    d.quit()
    shutil.rmtree(udd, ignore_errors=True)
print("%s: %d failures" % ("PASS" if failures == 0 else "FAILED", failures))
sys.exit(1 if failures else 0)
