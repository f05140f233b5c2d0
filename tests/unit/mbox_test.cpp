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
