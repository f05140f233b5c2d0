#include <gtest/gtest.h>

#include "archive/mbox.hpp"

using postjournal::archive::to_mboxrd;

TEST(Mbox, QuotesFromLinesAndConvertsLineEnds) {
  std::string m = "Subject: x\r\n\r\nFrom me\r\n>From you\r\nFromage\r\nlast";
  EXPECT_EQ(to_mboxrd(m, "a@x.test", 0),
            "From a@x.test Thu Jan  1 00:00:00 1970\n"
            "Subject: x\n\n>From me\n>>From you\nFromage\nlast\n\n");
  EXPECT_EQ(to_mboxrd("x\r\n", "", 0), "From MAILER-DAEMON Thu Jan  1 00:00:00 1970\nx\n\n");
  EXPECT_EQ(to_mboxrd("x\n", "has space@x", 0).substr(0, 18), "From MAILER-DAEMON");
}

// The streaming writer gives the same bytes whatever the pieces: every split of tricky input
// (CR at a piece end, "From " and quote runs across pieces, no final newline).
TEST(Mbox, StreamingEqualsWholeForEverySplit) {
  for (std::string m :
       {std::string("a\r\n>>From x\r\nFrom y\rz\r\n\r\nFro"), std::string(">>>"),
        std::string("From "), std::string("\r"), std::string("x\r\r\nFrom\r\n>From\n")}) {
    std::string whole = to_mboxrd(m, "s@x", 0);
    for (std::size_t cut = 0; cut <= m.size(); ++cut) {
      for (std::size_t cut2 = cut; cut2 <= m.size(); ++cut2) {
        std::string out;
        postjournal::archive::MboxWriter w([&out](std::string_view p) { out.append(p); });
        w.begin("s@x", 0);
        w.write(std::string_view(m).substr(0, cut));
        w.write(std::string_view(m).substr(cut, cut2 - cut));
        w.write(std::string_view(m).substr(cut2));
        w.end();
        EXPECT_EQ(out, whole) << "message " << m << " cut at " << cut << "," << cut2;
      }
    }
  }
}
