// Streaming JSON writer producing compact or indented UTF-8 JSON.
// Strings that are not valid UTF-8 are written with each invalid byte replaced by U+FFFD, so the
// output is always valid JSON. Not thread-safe; one writer per document. Misuse (a value where a
// key is expected) is a programming error and throws std::logic_error.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace postjournal::util {

class JsonWriter {
 public:
  explicit JsonWriter(bool pretty = true) : pretty_(pretty) {}

  JsonWriter& begin_object();
  JsonWriter& end_object();
  JsonWriter& begin_array();
  JsonWriter& end_array();
  JsonWriter& key(std::string_view k);
  JsonWriter& value(std::string_view s);
  JsonWriter& value(const char* s) { return value(std::string_view(s)); }
  JsonWriter& value(std::int64_t n);
  JsonWriter& value(std::uint64_t n);
  JsonWriter& value(bool b);
  JsonWriter& null();
  // value(s) or null() when s is empty.
  JsonWriter& string_or_null(std::string_view s);

  // The document so far plus a final newline once it is complete.
  std::string str() const;

 private:
  void before_value();
  void newline();

  struct Level {
    bool is_object;
    bool has_items;
  };
  bool pretty_;
  bool after_key_ = false;
  std::vector<Level> stack_;
  std::string out_;
};

// Appends s as a quoted, escaped JSON string.
void append_json_string(std::string& out, std::string_view s);

}  // namespace postjournal::util
