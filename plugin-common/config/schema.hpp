// The configuration schema: for each record kind (the top level, a listener, a mailbox) one table
// of fields with key, type, default, bounds or choices, documentation and how to set and print
// the value. Internal to config/; the loader, the validator and the renderers all read it.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "config/config.hpp"

namespace postjournal::config {

enum class KeyType {
  kString,
  kSize,
  kCount,
  kSeconds,
  kBool,
  kChoice,
  kCidrList,
  kList,  // non-empty strings: a YAML list, one scalar, or the mapping {group: ID} ("group:ID")
  kTenant,
  kAddress,
  kDomain
};

// A value as read from YAML, already checked against its KeyType.
struct Value {
  std::string text;
  std::uint64_t number = 0;
  bool flag = false;
  std::size_t choice = 0;  // index into the choices
  std::vector<util::Cidr> cidrs;
  std::vector<std::string> list;
};

template <class T>
struct FieldSpec {
  std::string key;  // "milter.socket", "auth.method", "unassigned"
  KeyType type;
  std::string default_text;  // empty: no default
  bool required = false;
  std::uint64_t min = 0;
  std::uint64_t max = 0;
  std::vector<std::string> choices;  // kChoice
  std::string doc;
  std::function<void(T&, const Value&)> set;
  std::function<std::string(const T&)> get;
};

const std::vector<FieldSpec<Config>>& top_fields();
const std::vector<FieldSpec<Listener>>& listener_fields();
const std::vector<FieldSpec<Mailbox>>& mailbox_fields();
const std::vector<FieldSpec<Microsoft365>>& microsoft365_fields();

// Parses a size ("512", "64K", "64M", "4G", "1T"); false on junk or overflow.
bool parse_size(const std::string& text, std::uint64_t& out);
// Checks `text` against the field's type and bounds; returns an error message or "".
template <class T>
std::string parse_value(const FieldSpec<T>& f, const std::string& text, Value& out);
std::string parse_scalar(KeyType type, const std::string& key, const std::string& text,
                         std::uint64_t min, std::uint64_t max,
                         const std::vector<std::string>& choices, Value& out);

template <class T>
std::string parse_value(const FieldSpec<T>& f, const std::string& text, Value& out) {
  return parse_scalar(f.type, f.key, text, f.min, f.max, f.choices, out);
}

}  // namespace postjournal::config
