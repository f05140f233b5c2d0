// mboxrd output (the variant that quotes every ">*From " line and so round-trips exactly):
// a "From <sender> <asctime>" separator, the message with CRLF turned into LF, every line
// matching ^>*From  prefixed with one more '>', a final newline and an empty line.
// The archive's byte-exact form is the raw export; mbox is for mail clients. Pure.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "util/time.hpp"

namespace postjournal::archive {

// `sender` empty or containing spaces becomes MAILER-DAEMON.
std::string to_mboxrd(std::string_view message, std::string_view sender, util::TimeUs received);

// The same encoding for messages that arrive in pieces (an export of any size): memory stays
// bounded by a small buffer whatever the message or line length. begin() writes the separator,
// write() any number of pieces, end() the final line break(s). Output goes to `sink` in chunks.
class MboxWriter {
 public:
  explicit MboxWriter(std::function<void(std::string_view)> sink) : sink_(std::move(sink)) {}
  void begin(std::string_view sender, util::TimeUs received);
  void write(std::string_view piece);
  void end();
  void flush();  // hands the buffered output to the sink

 private:
  void put(char c);
  void put_line_char(char c);
  std::function<void(std::string_view)> sink_;
  std::string out_;
  bool at_line_start_ = true;
  bool in_prefix_ = true;     // at a line start, reading >* and "From "
  std::uint64_t quotes_ = 0;  // '>' seen at this line start
  std::size_t matched_ = 0;   // characters of "From " matched after them
  bool cr_pending_ = false;
};

}  // namespace postjournal::archive
