#include "archive/mbox.hpp"

namespace postjournal::archive {

namespace {

constexpr std::string_view kFrom = "From ";
constexpr std::size_t kFlushAt = 64 * 1024;

}  // namespace

std::string to_mboxrd(std::string_view message, std::string_view sender, util::TimeUs received) {
  std::string out;
  out.reserve(message.size() + message.size() / 64 + 128);
  MboxWriter w([&out](std::string_view p) { out.append(p); });
  w.begin(sender, received);
  w.write(message);
  w.end();
  return out;
}

void MboxWriter::begin(std::string_view sender, util::TimeUs received) {
  bool usable = !sender.empty() && sender.find_first_of(" \t\r\n") == std::string_view::npos;
  out_ += "From ";
  out_.append(usable ? sender : std::string_view("MAILER-DAEMON"));
  out_ += " " + util::format_asctime(received) + "\n";
  at_line_start_ = in_prefix_ = true;
  quotes_ = matched_ = 0;
  cr_pending_ = false;
}

void MboxWriter::put(char c) {
  out_.push_back(c);
  if (out_.size() >= kFlushAt) flush();
}

void MboxWriter::flush() {
  if (out_.empty()) return;
  sink_(out_);
  out_.clear();
}

// One character of the message after CRLF -> LF.
void MboxWriter::put_line_char(char c) {
  if (in_prefix_) {
    if (c == '>' && matched_ == 0) {
      ++quotes_;
      at_line_start_ = false;
      return;
    }
    if (matched_ < kFrom.size() && c == kFrom[matched_]) {
      at_line_start_ = false;
      if (++matched_ < kFrom.size()) return;
      put('>');  // ^>*From : one more quote
    }
    for (std::uint64_t i = 0; i < quotes_; ++i) put('>');
    for (std::size_t i = 0; i < matched_; ++i) put(kFrom[i]);
    bool complete = matched_ == kFrom.size();
    in_prefix_ = false;
    quotes_ = matched_ = 0;
    if (complete) return;
  }
  put(c);
  at_line_start_ = c == '\n';
  in_prefix_ = at_line_start_;
}

void MboxWriter::write(std::string_view piece) {
  for (char c : piece) {
    if (cr_pending_) {
      cr_pending_ = false;
      if (c != '\n') put_line_char('\r');
    }
    if (c == '\r') {
      cr_pending_ = true;
      continue;
    }
    put_line_char(c);
  }
}

void MboxWriter::end() {
  if (cr_pending_) {
    cr_pending_ = false;
    put_line_char('\r');
  }
  if (in_prefix_ && (quotes_ > 0 || matched_ > 0)) {
    for (std::uint64_t i = 0; i < quotes_; ++i) put('>');
    for (std::size_t i = 0; i < matched_; ++i) put(kFrom[i]);
    in_prefix_ = false;
    at_line_start_ = false;
  }
  if (!at_line_start_) put('\n');
  put('\n');
  flush();
  at_line_start_ = in_prefix_ = true;
  quotes_ = matched_ = 0;
}

}  // namespace postjournal::archive
