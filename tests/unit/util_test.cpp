#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include "test_support.hpp"
#include "util/bytes.hpp"
#include "util/file.hpp"
#include "util/json_writer.hpp"
#include "util/markup.hpp"
#include "util/privileges.hpp"
#include "util/sha256.hpp"
#include "util/time.hpp"

using namespace postjournal::util;

TEST(Sha256, KnownVectors) {
  EXPECT_EQ(to_hex(sha256("")), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(to_hex(sha256("abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  Sha256 h;
  h.update("a");
  h.update("bc");
  EXPECT_EQ(h.finish(), sha256("abc"));
}

TEST(Sha256, HexRoundTripAndRejects) {
  Digest d = sha256("x");
  Digest back{};
  ASSERT_TRUE(digest_from_hex(to_hex(d), back));
  EXPECT_EQ(back, d);
  EXPECT_FALSE(digest_from_hex("abc", back));
  EXPECT_FALSE(digest_from_hex(std::string(64, 'g'), back));
}

TEST(Time, ParseAndFormat) {
  struct Case {
    const char* in;
    const char* iso;  // nullptr: must be rejected
  } cases[] = {
      {"2026-11-29", "2026-11-29T00:00:00Z"},
      {"2026-11-29T06:47:22Z", "2026-11-29T06:47:22Z"},
      {"2026-11-29 06:47", "2026-11-29T06:47:00Z"},
      {"@0", "1970-01-01T00:00:00Z"},
      {"@1700000000", "2023-11-14T22:13:20Z"},
      {"2026-13-01", nullptr},
      {"2026-11-29T25:00Z", nullptr},
      {"yesterday", nullptr},
      {"2026-11-29T06:47:22+01:00", nullptr},
      {"", nullptr},
  };
  for (const auto& c : cases) {
    auto t = parse_time(c.in);
    if (c.iso == nullptr) {
      EXPECT_FALSE(t.has_value()) << c.in;
    } else {
      ASSERT_TRUE(t.has_value()) << c.in;
      EXPECT_EQ(format_iso8601(*t), c.iso) << c.in;
    }
  }
  EXPECT_EQ(format_asctime(0), "Thu Jan  1 00:00:00 1970");
}

TEST(Json, EscapesAndReplacesInvalidUtf8) {
  JsonWriter w(false);
  w.begin_object().key("a").value(std::string_view("q\"\\\n\x01\xC3\xA9\xFF", 8)).key("n").null();
  w.key("l").begin_array().value(std::uint64_t{3}).value(true).end_array().end_object();
  EXPECT_EQ(w.str(),
            "{\"a\":\"q\\\"\\\\\\n\\u0001\xC3\xA9\xEF\xBF\xBD\",\"n\":null,\"l\":[3,true]}\n");
}

TEST(Json, MisuseThrows) {
  JsonWriter w;
  w.begin_object();
  EXPECT_THROW(w.value("x"), std::logic_error);
  EXPECT_THROW(w.str(), std::logic_error);
}

TEST(Bytes, VarintRoundTripAndTruncation) {
  std::string s;
  for (std::uint64_t v : {0ull, 127ull, 128ull, 300ull, ~0ull}) put_varint(s, v);
  put_bytes(s, "hello");
  ByteReader r(s);
  for (std::uint64_t v : {0ull, 127ull, 128ull, 300ull, ~0ull}) {
    std::uint64_t got = 1;
    ASSERT_TRUE(r.varint(got));
    EXPECT_EQ(got, v);
  }
  std::string str;
  ASSERT_TRUE(r.bytes(str));
  EXPECT_EQ(str, "hello");
  EXPECT_TRUE(r.done());
  ByteReader bad(
      std::string_view("\x05"
                       "abc",
                       4));
  EXPECT_FALSE(bad.bytes(str));
  const std::string ff(11, '\xFF');
  ByteReader endless(ff);
  std::uint64_t v = 0;
  EXPECT_FALSE(endless.varint(v));
}

// The milter's start-up check that milter.user can write archive.root and milter.spool_dir (as
// root it checks in a child that became that user; otherwise as the current user).
TEST(Privileges, WriteProblemNamesTheDirectory) {
  postjournal::test::TempDir dir;
  std::string user = ::getuid() == 0 ? "nobody" : "";
  std::string open_dir = dir.path() + "/open", closed = dir.path() + "/closed";
  ASSERT_EQ(::mkdir(open_dir.c_str(), 0777), 0);
  ASSERT_EQ(::chmod(open_dir.c_str(), 0777), 0);
  ASSERT_EQ(::mkdir(closed.c_str(), 0555), 0);
  ASSERT_EQ(::chmod(dir.path().c_str(), 0755), 0);
  EXPECT_EQ(postjournal::util::write_problem(open_dir, user), "");
  EXPECT_EQ(postjournal::util::write_problem(open_dir + "/a/b", user), "");  // can be created
  std::string p = postjournal::util::write_problem(closed, user);
  EXPECT_NE(p.find(closed + " is not writable"), std::string::npos) << p;
  p = postjournal::util::write_problem(closed + "/archive", user);
  EXPECT_NE(p.find("cannot be created: " + closed + " is not writable"), std::string::npos) << p;
  if (!user.empty()) {  // as root: checked as that user, in a child
    EXPECT_NE(p.find(" by nobody"), std::string::npos) << p;
    EXPECT_NE(postjournal::util::write_problem(open_dir, "no-such-user-pj").find("does not exist"),
              std::string::npos);
  }
}

TEST(Markup, HtmlTextEntitiesBlocksAndSkippedElements) {
  bool cut = false;
  EXPECT_EQ(markup_text("<p>Quar<b>terly</b> &amp; caf&eacute;</p><script>x=1</script>"
                        "<!-- c --><div>next&#x21;</div><STYLE>p{}</STYLE>end",
                        Markup::kHtml, 1000, cut),
            "Quarterly & caf\xC3\xA9\nnext!\nend");
  EXPECT_FALSE(cut);
  EXPECT_EQ(markup_text("<w:p><w:r><w:t>Zeit</w:t></w:r><w:r><w:t>geist</w:t></w:r></w:p>x",
                        Markup::kXml, 1000, cut),
            "Zeitgeist\nx");
  EXPECT_EQ(markup_text("abcdef", Markup::kXml, 3, cut), "abc");
  EXPECT_TRUE(cut);
  cut = false;
  EXPECT_EQ(markup_text("<unterminated", Markup::kHtml, 100, cut), "");
}

TEST(Time, Rfc5322Dates) {
  EXPECT_EQ(parse_rfc5322_date("Tue, 3 Mar 2026 10:42:10 +0100 (CET)"),
            parse_time("2026-03-03T09:42:10Z"));
  EXPECT_EQ(parse_rfc5322_date("3 Mar 2026 10:42 GMT"), parse_time("2026-03-03T10:42:00Z"));
  EXPECT_EQ(parse_rfc5322_date("Mon, 1 Dec 25 12:00:00 EST"), parse_time("2025-12-01T17:00:00Z"));
  EXPECT_FALSE(parse_rfc5322_date("yesterday"));
  EXPECT_FALSE(parse_rfc5322_date("Tue, 33 Mar 2026 10:42:10 +0100"));
}

TEST(AtomicFile, AppearsOnlyWhenCommitted) {
  postjournal::test::TempDir dir;
  std::string path = dir.path() + "/out";
  {
    AtomicFile f(path, 0640);
    f.write("part one, ");
    f.write("part two");
    EXPECT_FALSE(std::filesystem::exists(path));
    f.commit();
  }
  EXPECT_EQ(read_file(path), "part one, part two");
  {
    AtomicFile f(path, 0640);
    f.write("abandoned");
  }
  EXPECT_EQ(read_file(path), "part one, part two");
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir.path()), {}), 1);
}
