// postjournal-web's application driven directly (no HTTP): sessions, CSRF, login throttling,
// roles and the 404 rule, the participant filter, the front-door header, the audit of every
// access, sanitised HTML and exports; plus the pieces under it (sanitiser, escaper, scrypt,
// account store, identity rules). A real archive and index in a temporary directory.
#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <regex>

#include "access/accounts.hpp"
#include "access/identity.hpp"
#include "app.hpp"
#include "config/config.hpp"
#include "extract/pool.hpp"
#include "index/index.hpp"
#include "test_support.hpp"
#include "util/crypto.hpp"
#include "util/markup.hpp"
#include "util/time.hpp"
#include "util/totp.hpp"
#include "view/message_view.hpp"
#include "view/sanitize.hpp"

namespace postjournal {
namespace {

using test::TempDir;

TEST(WebPieces, SanitizerKeepsTextAndDropsEverythingActive) {
  std::string in =
      "<html><head><title>t</title><style>body{background:url(http://evil.example/x)}</style>"
      "</head><body onload=\"steal()\"><p style=\"background:url(http://evil.example/y)\">Hello "
      "<b>world</b> &amp; friends</p><script>alert(1)</script><SCRIPT SRC=//x></SCRIPT>"
      "<img src=\"http://evil.example/pixel.gif\" onerror=\"alert(2)\" alt=\"logo\">"
      "<a href=\"javascript:alert(3)\">js</a><a href=\"java&#x09;script:alert(4)\">js2</a>"
      "<a href=\" JaVaScRiPt:alert(5)\">js3</a><a href=\"https://example.org/?a=1&amp;b=2\">ok</a>"
      "<iframe src=\"http://evil.example\"></iframe><svg><script>alert(6)</script></svg>"
      "<form action=\"http://evil.example\"><input name=x>inside form</form>"
      "<div title='a\"><script>alert(7)</script>'>quoted</div><!-- <script>c</script> -->"
      "<table><tr><td colspan=2 onclick=x()>cell</table> a < b";
  std::string out = view::sanitize_html(in);
  for (const char* bad :
       {"<script", "<SCRIPT", "onload", "onerror", "onclick", "javascript", "JaVaScRiPt",
        "evil.example", "<img", "<iframe", "<svg", "<style", "style=", "<form", "<input"}) {
    EXPECT_EQ(out.find(bad), std::string::npos) << bad << " in " << out;
  }
  for (const char* good : {"Hello <b>world</b> &amp; friends", "[logo]", ">js</a>",
                           "href=\"https://example.org/?a=1&amp;b=2\"", "inside form",
                           "title=\"a&quot;&gt;&lt;script&gt;alert(7)&lt;/script&gt;\"",
                           "<td colspan=\"2\">cell</td>", "a &lt; b"}) {
    EXPECT_NE(out.find(good), std::string::npos) << good << " not in " << out;
  }
  // Unclosed elements are closed; stray end tags are dropped.
  EXPECT_EQ(view::sanitize_html("<div><b>x</div></i>"), "<div><b>x</b></div>");
  EXPECT_EQ(view::sanitize_html("<p>unterminated <a href=\"http://x"), "<p>unterminated </p>");
}

TEST(WebPieces, EscaperAndEntities) {
  EXPECT_EQ(util::escape_html("<a href=\"x\">'&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
  EXPECT_EQ(util::decode_entities("a&amp;b&#60;&#x3e;&unknown;&"), "a&b<>&unknown;&");
}

TEST(WebPieces, ScryptPasswords) {
  std::string h = util::password_hash("correct horse", 10);
  EXPECT_EQ(h.rfind("scrypt$10$8$1$", 0), 0u) << h;
  EXPECT_TRUE(util::password_verify("correct horse", h));
  EXPECT_FALSE(util::password_verify("correct horsf", h));
  EXPECT_NE(util::password_hash("correct horse", 10), h);  // salted
  for (const char* bad :
       {"", "scrypt$10$8$1$zz$00", "scrypt$99$8$1$00$00", "md5$x", "scrypt$10$8$1$"})
    EXPECT_FALSE(util::password_verify("correct horse", bad)) << bad;
}

TEST(WebPieces, TotpMatchesRfc6238AndBase32RoundTrips) {
  // RFC 6238 appendix B (SHA-1 secret "12345678901234567890"), the last 6 of its 8 digits.
  std::string secret = "12345678901234567890";
  EXPECT_EQ(util::totp_code(secret, 59 / 30, 8), "94287082");
  EXPECT_EQ(util::totp_code(secret, 1111111109 / 30, 8), "07081804");
  EXPECT_EQ(util::totp_code(secret, 20000000000 / 30, 8), "65353130");
  EXPECT_EQ(util::base32_encode(secret), "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
  EXPECT_EQ(util::base32_decode("gezdgnbvgy3tqojqgezdgnbvgy3tqojq"), secret);
  EXPECT_FALSE(util::base32_decode("GEZ1"));
  std::string b32 = util::base32_encode(secret);
  std::string now_code = util::totp_code(secret, 1111111109 / 30);
  EXPECT_EQ(util::totp_match(b32, now_code, 1111111109, 0), 1111111109 / 30);
  EXPECT_EQ(util::totp_match(b32, now_code, 1111111109 + 30, 0), 1111111109 / 30);  // drift
  EXPECT_FALSE(util::totp_match(b32, now_code, 1111111109 + 90, 0));                // too old
  EXPECT_FALSE(util::totp_match(b32, now_code, 1111111109, 1111111109 / 30));       // used
  EXPECT_FALSE(util::totp_match(b32, "12345", 1111111109, 0));
  EXPECT_EQ(util::totp_uri("postjournal", "a b", "ABC"),
            "otpauth://totp/postjournal:a%20b?secret=ABC&issuer=postjournal&algorithm=SHA1&"
            "digits=6&period=30");
  EXPECT_EQ(util::base32_decode(util::totp_new_secret())->size(), 20u);
}

TEST(WebPieces, AccountStoreRefusesDuplicatesAndNamesDamagedLines) {
  TempDir dir;
  access::AccountStore store(dir.path() + "/web-users");
  EXPECT_TRUE(store.list().empty());
  access::Account a{"aud", config::Role::kAuditor,        {"acme"}, {},
                    {},    util::password_hash("pw", 10), {}};
  store.add(a);
  EXPECT_THROW(store.add(a), access::AccountError);
  access::Account u{"alice", config::Role::kUser, {}, {}, {"Alice@Acme.Example"}, "scrypt$x", {}};
  store.add(u);
  ASSERT_EQ(store.list().size(), 2u);
  EXPECT_EQ(store.find("alice")->addresses, std::vector<std::string>{"alice@acme.example"});
  access::Account nobody{"bob", config::Role::kUser, {}, {}, {}, "scrypt$x", {}};
  EXPECT_THROW(store.add(nobody), access::AccountError);  // a user needs an address
  access::Account bad_name{"a b", config::Role::kOperator, {}, {}, {}, "scrypt$x", {}};
  EXPECT_THROW(store.add(bad_name), access::AccountError);
  EXPECT_TRUE(store.remove("aud"));
  EXPECT_FALSE(store.remove("aud"));
  std::ofstream(dir.path() + "/web-users", std::ios::app) << "broken line\n";
  try {
    store.list();
    FAIL() << "damaged file accepted";
  } catch (const access::AccountError& e) {
    EXPECT_NE(std::string(e.what()).find("web-users:3:"), std::string::npos) << e.what();
  }
}

TEST(WebPieces, AddressHeaderParsing) {
  EXPECT_EQ(
      access::parse_address_header("SMTP:Alice@Acme.Example; smtp:a.l@acme.example, x500:/o=x"),
      (std::vector<std::string>{"a.l@acme.example", "alice@acme.example"}));
  EXPECT_TRUE(access::parse_address_header("").empty());
}

TEST(WebPieces, MessageViewFindsTextHtmlAndAttachments) {
  std::string m =
      "From: a@x\r\nSubject: =?utf-8?Q?Gr=C3=BC=C3=9Fe?=\r\nContent-Type: multipart/mixed; "
      "boundary=b\r\n\r\n--b\r\nContent-Type: multipart/alternative; boundary=c\r\n\r\n--c\r\n"
      "Content-Type: text/plain\r\n\r\nplain text\r\n--c\r\nContent-Type: text/html\r\n\r\n"
      "<p>html</p>\r\n--c--\r\n--b\r\nContent-Type: application/pdf; name=\"r.pdf\"\r\n"
      "Content-Transfer-Encoding: base64\r\n\r\nSGVsbG8=\r\n--b--\r\n";
  view::MessageView v = view::read_view(m);
  EXPECT_EQ(v.subject, "Grüße");
  EXPECT_EQ(v.text, "plain text");
  EXPECT_EQ(v.html, "<p>html</p>");
  ASSERT_EQ(v.attachments.size(), 1u);
  EXPECT_EQ(v.attachments[0].filename, "r.pdf");
  EXPECT_EQ(view::attachment_bytes(m, v.attachments[0]), "Hello");
}

// --- the application ---------------------------------------------------------------------------

struct Reply {
  web::Response r;
  std::string header(const std::string& name) const {
    for (const auto& [k, v] : r.headers)
      if (k == name) return v;
    return {};
  }
};

class WebApp : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string yaml = "milter: {user: root}\narchive: {root: " + root_.path() +
                       "}\nindex: {extract_sandbox: none}\n"
                       "web:\n  trusted_header: X-Remote-User\n  addresses_header: X-Remote-Mail\n"
                       "  login_failures: 3\n  roles:\n"
                       "    - {user: hdr-aud, role: auditor, tenants: [beta]}\n"
                       "    - {user: hdr-user, role: user}\n"
                       "    - {user: ops, role: operator}\n";
    config_ = std::make_shared<config::Config>(config::load_string(yaml, "t.yaml"));
    auto acme = archive::Registry::instance().open(root_.path(), *archive::TenantId::parse("acme"));
    auto beta = archive::Registry::instance().open(root_.path(), *archive::TenantId::parse("beta"));
    std::string html =
        "From: Alice <alice@acme.example>\r\nTo: bob@acme.example\r\nSubject: Quarterly <b>numbers"
        "</b>\r\nMessage-ID: <q1@acme.example>\r\nContent-Type: multipart/alternative; "
        "boundary=z\r\n\r\n--z\r\nContent-Type: text/plain\r\n\r\nRevenue grew.\r\n--z\r\n"
        "Content-Type: text/html\r\n\r\n<p onclick=\"x()\">Revenue <script>alert(1)</script>"
        "<img src=\"https://tracker.example/p.gif\"></p>\r\n--z--\r\n";
    put(*acme, html, "alice@acme.example", {"bob@acme.example"});
    put(*acme, test::make_message("carol@acme.example", "dave@acme.example", "Board", "<b2@x>"),
        "carol@acme.example", {"dave@acme.example", "alice@acme.example"});  // alice: BCC
    put(*acme,
        "From: eve@other.example\r\nTo: frank@acme.example\r\nCc: alice@acme.example\r\n"
        "Subject: Named, not sent\r\nMessage-ID: <n3@x>\r\n\r\nbody\r\n",
        "eve@other.example", {"frank@acme.example"});
    put(*beta, test::make_message("x@beta.example", "y@beta.example", "Beta only", "<b1@y>"),
        "x@beta.example", {"y@beta.example"});
    auto o = index::index_options(*config_);
    extract::Pool pool(o.extract);
    std::atomic<bool> stop{false};
    for (auto* a : {acme.get(), beta.get()}) {
      index::Indexer ix(*a, index::index_dir(root_.path(), a->tenant()), o, pool);
      ix.run(stop);
    }
    acme_ = acme;
    access::AccountStore store(access::accounts_path(*config_));
    store.add(
        {"aud", config::Role::kAuditor, {"acme"}, {}, {}, util::password_hash("aud-pass", 10), {}});
    store.add({"alice",
               config::Role::kUser,
               {},
               {},
               {"alice@acme.example"},
               util::password_hash("alice-pass", 10),
               {}});
    app_ = std::make_unique<web::App>(config_);
  }

  static void put(archive::TenantArchive& a, const std::string& bytes, const std::string& from,
                  const std::vector<std::string>& rcpts) {
    ingest::TransportFacts f;
    f.source = "test";
    f.mail_from = from;
    f.rcpt_to = rcpts;
    f.trust_journal = false;
    auto m = archive::MessageBytes::from_string(bytes);
    archive::Delivery d = ingest::make_delivery(f, m);
    ASSERT_TRUE(util::is_stored(a.store(std::move(d), std::move(m)).outcome));
  }

  Reply call(const std::string& method, const std::string& target,
             std::map<std::string, std::string> form = {},
             std::map<std::string, std::string> headers = {},
             const std::string& client = "127.0.0.1") {
    web::Request r;
    r.method = method;
    auto q = target.find('?');
    r.path = target.substr(0, q);
    if (q != std::string::npos) r.query = web::parse_form(target.substr(q + 1));
    r.form = std::move(form);
    r.client = client;
    if (!cookie_.empty()) r.cookies["pj_session"] = cookie_;
    r.header = [headers](const std::string& n) -> std::optional<std::string> {
      for (const auto& [k, v] : headers)
        if (strcasecmp(k.c_str(), n.c_str()) == 0) return v;
      return std::nullopt;
    };
    Reply out{app_->handle(r)};
    std::smatch m;
    std::string set = out.header("Set-Cookie");
    if (std::regex_search(set, m, std::regex("pj_session=([0-9a-f]*)"))) cookie_ = m[1];
    return out;
  }

  std::string csrf_of(const std::string& html) {
    std::smatch m;
    if (!std::regex_search(html, m, std::regex("name=\"csrf\" value=\"([0-9a-f]+)\""))) return {};
    return m[1];
  }

  Reply login(const std::string& user, const std::string& password) {
    cookie_.clear();
    std::string csrf = csrf_of(call("GET", "/login").r.body);
    return call("POST", "/login", {{"username", user}, {"password", password}, {"csrf", csrf}});
  }

  std::set<std::string> ids(const Reply& r) {
    std::set<std::string> out;
    std::regex re("\"id\": \"([^\"]+)\"");
    for (std::sregex_iterator it(r.r.body.begin(), r.r.body.end(), re), end; it != end; ++it)
      out.insert((*it)[1]);
    return out;
  }

  std::vector<archive::AuditEntry> audit_of(const std::string& action) {
    std::vector<archive::AuditEntry> out;
    for (auto& e : acme_->audit())
      if (e.action == action) out.push_back(e);
    return out;
  }

  TempDir root_;
  std::shared_ptr<config::Config> config_;
  std::shared_ptr<archive::TenantArchive> acme_;
  std::unique_ptr<web::App> app_;
  std::string cookie_;
};

TEST_F(WebApp, LoginNeedsTheFormsTokenAndRotatesTheSession) {
  EXPECT_EQ(call("GET", "/search").r.status, 303u);  // to /login
  EXPECT_EQ(call("GET", "/api/search?q=x").r.status, 401u);
  Reply form = call("GET", "/login");
  std::string anonymous = cookie_;
  // A second form (another tab, a browser's /favicon.ico) keeps the session and its token.
  EXPECT_EQ(csrf_of(call("GET", "/login").r.body), csrf_of(form.r.body));
  EXPECT_EQ(cookie_, anonymous);
  EXPECT_NE(form.header("Set-Cookie").find("HttpOnly; SameSite=Strict"), std::string::npos);
  EXPECT_EQ(form.header("Set-Cookie").find("Secure"), std::string::npos);  // plain http
  EXPECT_EQ(call("POST", "/login", {{"username", "aud"}, {"password", "aud-pass"}, {"csrf", "0"}})
                .r.status,
            403u);
  Reply ok = login("aud", "aud-pass");
  EXPECT_EQ(ok.r.status, 303u);
  EXPECT_NE(cookie_, anonymous);
  EXPECT_EQ(call("GET", "/api/whoami").r.status, 200u);
  // Logging out needs the session's token.
  EXPECT_EQ(call("POST", "/logout").r.status, 403u);
  std::string csrf = csrf_of(call("GET", "/search").r.body);
  EXPECT_EQ(call("POST", "/logout", {{"csrf", csrf}}).r.status, 303u);
  EXPECT_EQ(call("GET", "/api/whoami").r.status, 401u);
}

TEST_F(WebApp, TotpAccountNeedsTheCurrentCodeOnce) {
  access::AccountStore store(access::accounts_path(*config_));
  std::string secret = util::totp_new_secret();
  store.set_totp("aud", secret);
  EXPECT_EQ(store.find("aud")->totp_secret, secret);
  auto code = [&] {
    return util::totp_code(*util::base32_decode(secret), util::now_us() / 1000000 / 30);
  };
  auto login_with = [&](const std::string& totp) {
    cookie_.clear();
    std::string csrf = csrf_of(call("GET", "/login").r.body);
    return call("POST", "/login",
                {{"username", "aud"}, {"password", "aud-pass"}, {"csrf", csrf}, {"totp", totp}});
  };
  EXPECT_EQ(login("aud", "aud-pass").r.status, 401u);  // the password alone
  std::string good = code();
  EXPECT_EQ(login_with(good == "000000" ? "111111" : "000000").r.status, 401u);
  // The counter of failures is per account and address: two so far, the limit is three.
  EXPECT_EQ(login_with(good).r.status, 303u);
  EXPECT_EQ(call("GET", "/api/whoami").r.status, 200u);
  cookie_.clear();
  EXPECT_EQ(login_with(good).r.status, 401u);  // a code is good once
  store.set_totp("aud", "");
  EXPECT_TRUE(store.find("aud")->totp_secret.empty());
}

TEST_F(WebApp, FailedLoginsAreThrottled) {
  for (int i = 0; i < 3; ++i) EXPECT_EQ(login("aud", "wrong").r.status, 401u);
  EXPECT_EQ(login("aud", "aud-pass").r.status, 429u);     // even the right password now
  EXPECT_EQ(login("nobody", "whatever").r.status, 429u);  // same client address
}

TEST_F(WebApp, AuditorSeesHisTenantAndOtherIdsAnswerLikeMissingOnes) {
  login("aud", "aud-pass");
  Reply s = call("GET", "/api/search?tenant=acme&q=*");
  EXPECT_EQ(s.r.status, 200u);
  EXPECT_EQ(ids(s), (std::set<std::string>{"acme:1", "acme:2", "acme:3"}));
  EXPECT_NE(s.r.body.find("\"total\": 3"), std::string::npos) << s.r.body;
  EXPECT_EQ(ids(call("GET", "/api/search?q=revenue")), std::set<std::string>{"acme:1"});
  EXPECT_EQ(call("GET", "/api/search?tenant=beta&q=*").r.status, 404u);
  Reply other = call("GET", "/api/deliveries/beta:1");
  Reply missing = call("GET", "/api/deliveries/acme:99");
  EXPECT_EQ(other.r.status, 404u);
  EXPECT_EQ(other.r.body, missing.r.body);
  EXPECT_EQ(call("GET", "/messages/beta:1/raw").r.status, 404u);
  EXPECT_EQ(call("GET", "/status").r.status, 404u);  // operators only
  Reply raw = call("GET", "/api/deliveries/acme:1/raw");
  ASSERT_TRUE(raw.r.read);
  std::string bytes(static_cast<std::size_t>(raw.r.size), '\0');
  EXPECT_EQ(raw.r.read(0, bytes.data(), bytes.size()), static_cast<std::int64_t>(bytes.size()));
  EXPECT_EQ(util::sha256(bytes), acme_->get(1)->content_sha256);
  EXPECT_EQ(raw.header("Content-Disposition").rfind("attachment;", 0), 0u);
}

TEST_F(WebApp, UserSeesOnlyDeliveriesHeTookPartIn) {
  login("alice", "alice-pass");
  // acme:2 only through the envelope (a BCC); acme:3 names her in Cc but never reached her.
  EXPECT_EQ(ids(call("GET", "/api/search?q=*")), (std::set<std::string>{"acme:1", "acme:2"}));
  EXPECT_EQ(call("GET", "/api/deliveries/acme:2").r.status, 200u);
  EXPECT_EQ(call("GET", "/api/deliveries/acme:3").r.status, 404u);
  EXPECT_EQ(call("GET", "/messages/acme:3").r.status, 404u);
  EXPECT_EQ(call("GET", "/audit").r.status, 404u);
}

TEST_F(WebApp, FrontDoorHeaderOnlyFromTrustedAddresses) {
  std::map<std::string, std::string> hdr{{"X-Remote-User", "hdr-aud"}};
  EXPECT_EQ(ids(call("GET", "/api/search?q=*", {}, hdr)), std::set<std::string>{"beta:1"});
  EXPECT_EQ(call("GET", "/api/search?q=*", {}, hdr, "192.0.2.7").r.status, 401u);  // forged
  EXPECT_EQ(call("GET", "/api/search?q=*", {}, {{"X-Remote-User", ""}}).r.status, 401u);
  EXPECT_EQ(call("GET", "/api/search?q=*", {}, {{"X-Remote-User", "stranger"}}).r.status, 403u);
  // A user's addresses from the front door's LDAP header.
  std::map<std::string, std::string> user{{"X-Remote-User", "hdr-user"},
                                          {"X-Remote-Mail", "SMTP:dave@acme.example"}};
  EXPECT_EQ(ids(call("GET", "/api/search?q=*", {}, user)), std::set<std::string>{"acme:2"});
  // The cookie is Secure when the front door says it spoke TLS.
  cookie_.clear();
  Reply f = call("GET", "/login", {}, {{"X-Forwarded-Proto", "https"}});
  EXPECT_NE(f.header("Set-Cookie").find("; Secure"), std::string::npos);
}

TEST_F(WebApp, EveryAccessIsAuditedBeforeTheAnswer) {
  login("aud", "aud-pass");
  call("GET", "/api/search?tenant=acme&q=revenue");
  call("GET", "/messages/acme:1");
  call("GET", "/api/deliveries/acme:2/original");
  auto searches = audit_of("web-search");
  ASSERT_EQ(searches.size(), 1u);
  EXPECT_EQ(searches[0].reason, "revenue");
  EXPECT_EQ(searches[0].detail, "results=1 offset=0");
  EXPECT_EQ(searches[0].user, "web:aud (local, auditor) from 127.0.0.1");
  auto views = audit_of("web-view");
  ASSERT_EQ(views.size(), 1u);
  EXPECT_EQ(views[0].delivery, "acme:1");
  auto downloads = audit_of("web-download");
  ASSERT_EQ(downloads.size(), 1u);
  EXPECT_EQ(downloads[0].detail, "original");
  EXPECT_TRUE(acme_->verify_audit().ok());
  EXPECT_GE(app_->access_log().commits(), 3u);
}

TEST_F(WebApp, OperatorTriagesTheNoTenantQueueWithAReason) {
  auto queue = archive::Registry::instance().open(root_.path(), archive::TenantId::no_tenant());
  put(*queue, test::make_message("x@unknown.example", "y@acme.example", "Stray 1", "<s1@x>"),
      "x@unknown.example", {"y@acme.example"});
  put(*queue, test::make_message("x@unknown.example", "z@acme.example", "Stray 2", "<s2@x>"),
      "x@unknown.example", {"z@acme.example"});
  std::map<std::string, std::string> ops{{"X-Remote-User", "ops"}};
  std::string csrf = csrf_of(call("GET", "/search", {}, ops).r.body);
  Reply list = call("GET", "/api/no-tenant", {}, ops);
  EXPECT_EQ(ids(list), (std::set<std::string>{"_no-tenant:1", "_no-tenant:2"}));
  EXPECT_TRUE(
      std::regex_search(list.r.body, std::regex("\"tenants\": \\[\\s*\"acme\",\\s*\"beta\"")))
      << list.r.body;
  EXPECT_EQ(list.r.body.find("Stray"), std::string::npos);  // no content for operators
  Reply page = call("GET", "/no-tenant", {}, ops);
  EXPECT_NE(page.r.body.find("action=\"/no-tenant/assign\""), std::string::npos);
  // An auditor may not triage; a reason is required; the tenant must exist; CSRF checked.
  login("aud", "aud-pass");
  std::string aud_csrf = csrf_of(call("GET", "/search").r.body);
  EXPECT_EQ(call("GET", "/no-tenant").r.status, 404u);
  EXPECT_EQ(call("POST", "/no-tenant/delete",
                 {{"id", "_no-tenant:1"}, {"reason", "spam"}, {"csrf", aud_csrf}})
                .r.status,
            404u);
  cookie_.clear();
  auto post = [&](const std::string& path, std::map<std::string, std::string> form) {
    form["csrf"] = csrf;
    return call("POST", path, form, ops);
  };
  EXPECT_EQ(
      call("POST", "/no-tenant/delete", {{"id", "_no-tenant:1"}, {"reason", "x"}}, ops).r.status,
      403u);
  EXPECT_EQ(post("/no-tenant/delete", {{"id", "_no-tenant:1"}, {"reason", "  "}}).r.status, 400u);
  EXPECT_EQ(
      post("/no-tenant/assign", {{"id", "_no-tenant:1"}, {"tenant", "acmee"}, {"reason", "r"}})
          .r.status,
      400u);
  EXPECT_EQ(post("/no-tenant/delete", {{"id", "acme:1"}, {"reason", "r"}}).r.status, 400u);
  EXPECT_EQ(post("/no-tenant/delete", {{"id", "_no-tenant:9"}, {"reason", "r"}}).r.status, 404u);
  Reply assigned = post("/no-tenant/assign",
                        {{"id", "_no-tenant:1"}, {"tenant", "acme"}, {"reason", "acme's relay"}});
  EXPECT_EQ(assigned.r.status, 303u);
  EXPECT_NE(assigned.header("Location").find("to=acme%3A4"), std::string::npos)
      << assigned.header("Location");
  EXPECT_EQ(acme_->get(4)->assigned_from, "_no-tenant:1");
  Reply deleted = post("/api/no-tenant/delete", {{"id", "_no-tenant:2"}, {"reason", "spam"}});
  EXPECT_EQ(deleted.r.status, 200u);
  EXPECT_NE(deleted.r.body.find("\"action\": \"delete\""), std::string::npos) << deleted.r.body;
  EXPECT_EQ(queue->count(), 0u);
  auto entries = queue->audit();
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].action, "assign");
  EXPECT_EQ(entries[0].moved_to, "acme:4");
  EXPECT_EQ(entries[0].reason, "acme's relay");
  EXPECT_EQ(entries[0].user, "web:ops (header, operator) from 127.0.0.1");
  EXPECT_EQ(entries[1].action, "delete");
  EXPECT_TRUE(queue->verify_audit().ok());
  // Sources and the queue length on the status page.
  Reply status = call("GET", "/api/status", {}, ops);
  EXPECT_NE(status.r.body.find("\"no_tenant_queue\": 0"), std::string::npos) << status.r.body;
}

TEST_F(WebApp, AuditorPlacesAndReleasesLegalHolds) {
  login("aud", "aud-pass");
  std::string csrf = csrf_of(call("GET", "/search").r.body);
  Reply page = call("GET", "/retention");
  EXPECT_EQ(page.r.status, 200u);
  EXPECT_NE(page.r.body.find("action=\"/retention/hold\""), std::string::npos);
  EXPECT_EQ(call("GET", "/api/retention?tenant=beta").r.status, 404u);  // not his tenant
  auto post = [&](const std::string& path, std::map<std::string, std::string> form) {
    form["csrf"] = csrf;
    return call("POST", path, form);
  };
  EXPECT_EQ(post("/retention/hold", {{"tenant", "acme"},
                                     {"name", "case-1"},
                                     {"kind", "address"},
                                     {"scope", "alice@acme.example"},
                                     {"reason", ""}})
                .r.status,
            400u);
  Reply placed = post("/api/retention/hold", {{"tenant", "acme"},
                                              {"name", "case-1"},
                                              {"kind", "address"},
                                              {"scope", "alice@acme.example"},
                                              {"reason", "litigation 42"}});
  EXPECT_EQ(placed.r.status, 200u) << placed.r.body;
  EXPECT_NE(placed.r.body.find("\"held\": 2"), std::string::npos) << placed.r.body;  // acme:1, 2
  EXPECT_EQ(post("/retention/hold",
                 {{"tenant", "acme"}, {"name", "case-1"}, {"kind", "all"}, {"reason", "again"}})
                .r.status,
            400u);  // the name is taken
  Reply listed = call("GET", "/api/retention?tenant=acme");
  EXPECT_NE(listed.r.body.find("\"active_holds\": 1"), std::string::npos) << listed.r.body;
  bool audited = false;
  for (const auto& e : acme_->audit()) {
    if (e.user == "web:aud (local, auditor) from 127.0.0.1" && e.reason == "litigation 42")
      audited = true;
  }
  EXPECT_TRUE(audited);
  // An operator sees holds but does not place or release them.
  std::map<std::string, std::string> ops{{"X-Remote-User", "ops"}};
  std::string saved = cookie_;
  cookie_.clear();
  EXPECT_EQ(call("GET", "/api/retention?tenant=acme", {}, ops).r.status, 200u);
  std::string ops_csrf = csrf_of(call("GET", "/search", {}, ops).r.body);
  EXPECT_EQ(call("POST", "/retention/release",
                 {{"tenant", "acme"}, {"name", "case-1"}, {"reason", "x"}, {"csrf", ops_csrf}}, ops)
                .r.status,
            404u);
  cookie_ = saved;
  Reply released =
      post("/retention/release", {{"tenant", "acme"}, {"name", "case-1"}, {"reason", "settled"}});
  EXPECT_EQ(released.r.status, 303u);
  EXPECT_NE(call("GET", "/api/retention?tenant=acme").r.body.find("\"active_holds\": 0"),
            std::string::npos);
}

TEST_F(WebApp, MessagePageEscapesAndItsHtmlRunsNothing) {
  login("aud", "aud-pass");
  Reply page = call("GET", "/messages/acme:1");
  EXPECT_EQ(page.r.status, 200u);
  EXPECT_NE(page.r.body.find("Quarterly &lt;b&gt;numbers&lt;/b&gt;"), std::string::npos);
  EXPECT_NE(page.r.body.find("<iframe id=\"html\" sandbox"), std::string::npos);
  EXPECT_NE(page.header("Content-Security-Policy").find("default-src 'none'"), std::string::npos);
  EXPECT_EQ(page.header("X-Frame-Options"), "DENY");
  EXPECT_EQ(page.header("X-Content-Type-Options"), "nosniff");
  Reply body = call("GET", "/messages/acme:1/html");
  EXPECT_EQ(body.r.status, 200u);
  EXPECT_NE(body.r.body.find("Revenue"), std::string::npos);
  for (const char* bad : {"<script", "onclick", "tracker.example", "<img"})
    EXPECT_EQ(body.r.body.find(bad), std::string::npos) << bad;
  EXPECT_NE(body.header("Content-Security-Policy").find("sandbox"), std::string::npos);
}

TEST_F(WebApp, ExportWritesEveryReadableDeliveryWithItsHash) {
  login("alice", "alice-pass");
  std::string csrf = csrf_of(call("GET", "/search?q=*").r.body);
  EXPECT_EQ(call("POST", "/export", {{"q", "*"}, {"format", "zip"}}).r.status, 403u);
  Reply z = call("POST", "/export", {{"q", "*"}, {"format", "zip"}, {"csrf", csrf}});
  ASSERT_EQ(z.r.status, 200u);
  ASSERT_TRUE(z.r.file);
  EXPECT_EQ(z.header("X-Postjournal-Deliveries"), "2");
  std::string zip = util::read_all(z.r.file->get(), "export");
  EXPECT_EQ(zip.size(), z.r.size);
  for (std::uint64_t seq : {1u, 2u}) {
    std::string line =
        util::to_hex(acme_->get(seq)->content_sha256) + "  acme-" + std::to_string(seq) + ".eml";
    EXPECT_NE(zip.find(line), std::string::npos) << line;
  }
  EXPECT_EQ(zip.find("acme-3.eml"), std::string::npos);
  EXPECT_EQ(audit_of("web-export").size(), 1u);
}

}  // namespace
}  // namespace postjournal
