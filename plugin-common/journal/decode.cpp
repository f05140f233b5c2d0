#include "journal/decode.hpp"

#include <iconv.h>

#include <cerrno>

#include "util/strings.hpp"

namespace postjournal::journal {

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

int base64_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

bool valid_utf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    auto b = static_cast<unsigned char>(s[i]);
    std::size_t n = b < 0x80             ? 1
                    : (b & 0xE0) == 0xC0 ? 2
                    : (b & 0xF0) == 0xE0 ? 3
                    : (b & 0xF8) == 0xF0 ? 4
                                         : 0;
    if (n == 0 || i + n > s.size() || (n == 2 && b < 0xC2)) return false;
    for (std::size_t k = 1; k < n; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    }
    i += n;
  }
  return true;
}

struct IconvHandle {
  iconv_t cd;
  explicit IconvHandle(const std::string& from) : cd(iconv_open("UTF-8", from.c_str())) {}
  ~IconvHandle() {
    if (ok()) iconv_close(cd);
  }
  IconvHandle(const IconvHandle&) = delete;
  IconvHandle& operator=(const IconvHandle&) = delete;
  bool ok() const { return cd != reinterpret_cast<iconv_t>(-1); }
};

std::string iconv_convert(std::string_view in, const std::string& charset, bool& lossy) {
  IconvHandle h(charset);
  if (!h.ok()) return {};
  std::string out;
  out.resize(in.size() * 4 + 16);
  char* src = const_cast<char*>(in.data());
  std::size_t src_left = in.size();
  char* dst = out.data();
  std::size_t dst_left = out.size();
  while (src_left > 0) {
    std::size_t rc = iconv(h.cd, &src, &src_left, &dst, &dst_left);
    if (rc != static_cast<std::size_t>(-1)) break;
    if (errno == E2BIG) {
      std::size_t used = static_cast<std::size_t>(dst - out.data());
      out.resize(out.size() * 2);
      dst = out.data() + used;
      dst_left = out.size() - used;
      continue;
    }
    // EILSEQ / EINVAL: replace one byte and go on.
    lossy = true;
    if (dst_left < 3) {
      std::size_t used = static_cast<std::size_t>(dst - out.data());
      out.resize(out.size() + 64);
      dst = out.data() + used;
      dst_left = out.size() - used;
    }
    *dst++ = '\xEF';
    *dst++ = '\xBF';
    *dst++ = '\xBD';
    dst_left -= 3;
    ++src;
    --src_left;
  }
  out.resize(static_cast<std::size_t>(dst - out.data()));
  return out;
}

}  // namespace

std::string decode_quoted_printable(std::string_view in, bool& lossy) {
  std::string out;
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c != '=') {
      out.push_back(c);
      continue;
    }
    if (i + 1 < in.size() && (in[i + 1] == '\n' || in[i + 1] == '\r')) {  // soft line break
      ++i;
      if (in[i] == '\r' && i + 1 < in.size() && in[i + 1] == '\n') ++i;
      continue;
    }
    std::size_t j = i + 1;  // "=" followed by trailing white space, then a line break
    while (j < in.size() && (in[j] == ' ' || in[j] == '\t')) ++j;
    if (j > i + 1 && (j == in.size() || in[j] == '\r' || in[j] == '\n')) {
      i = j - 1;
      if (j < in.size() && in[j] == '\r') ++i;
      if (i + 1 < in.size() && in[i + 1] == '\n') ++i;
      continue;
    }
    if (i + 2 < in.size() && hex_value(in[i + 1]) >= 0 && hex_value(in[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hex_value(in[i + 1]) * 16 + hex_value(in[i + 2])));
      i += 2;
      continue;
    }
    lossy = true;  // a stray '=' is kept as it is
    out.push_back(c);
  }
  return out;
}

std::string decode_base64(std::string_view in, bool& lossy) {
  std::string out;
  out.reserve(in.size() * 3 / 4);
  std::uint32_t acc = 0;
  int bits = 0;
  bool padding = false;
  for (char c : in) {
    int v = base64_value(c);
    if (v < 0) {
      if (c == '=') {
        padding = true;
      } else if (c != '\r' && c != '\n' && c != ' ' && c != '\t') {
        lossy = true;
      }
      continue;
    }
    if (padding) lossy = true;  // data after padding
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  return out;
}

std::string decode_transfer(std::string_view in, std::string_view encoding, bool& lossy) {
  std::string enc = util::to_lower_ascii(util::trim(encoding));
  if (enc == "quoted-printable") return decode_quoted_printable(in, lossy);
  if (enc == "base64") return decode_base64(in, lossy);
  return std::string(in);
}

std::string to_utf8(std::string_view in, std::string_view charset_in, bool& lossy) {
  std::string charset = util::to_lower_ascii(util::trim(charset_in));
  bool ascii_only = true;
  for (char c : in) {
    if (static_cast<unsigned char>(c) >= 0x80) {
      ascii_only = false;
      break;
    }
  }
  // ISO-2022-* (Japanese, Korean, Chinese mail), UTF-7 and HZ are 7-bit: their escape sequences
  // are ASCII bytes, so they always go through iconv.
  bool seven_bit_charset = charset.starts_with("iso-2022-") || charset == "utf-7" ||
                           charset == "unicode-1-1-utf-7" || charset == "hz-gb-2312";
  if (ascii_only && !seven_bit_charset) return std::string(in);
  if (charset == "utf-8" || charset == "utf8" || charset.empty() || charset == "us-ascii") {
    if (valid_utf8(in)) return std::string(in);
    if (charset == "utf-8" || charset == "utf8") {
      return iconv_convert(in, "UTF-8", lossy);  // replaces the invalid bytes
    }
    lossy = true;  // undeclared 8-bit text: read it as windows-1252
    charset = "windows-1252";
  }
  if (charset == "iso-8859-1" || charset == "latin1")
    charset = "windows-1252";  // superset in practice
  bool before = lossy;
  std::string out = iconv_convert(in, charset, lossy);
  if (out.empty()) {
    lossy = true;  // unknown charset: keep ASCII, replace the rest
    out.clear();
    for (char c : in) {
      if (static_cast<unsigned char>(c) < 0x80)
        out.push_back(c);
      else
        out += "\xEF\xBF\xBD";
    }
    return out;
  }
  lossy = lossy || before;
  return out;
}

std::string decode_header_value(std::string_view v, bool& lossy) {
  std::string out;
  std::string pending_space;
  bool last_was_word = false;
  std::size_t i = 0;
  while (i < v.size()) {
    if (v.substr(i, 2) == "=?") {
      // =?charset?enc?text?=
      std::size_t q1 = v.find('?', i + 2);
      std::size_t q2 = q1 == std::string_view::npos ? q1 : v.find('?', q1 + 1);
      std::size_t end = q2 == std::string_view::npos ? q2 : v.find("?=", q2 + 1);
      if (end != std::string_view::npos && q2 == q1 + 2) {
        std::string charset(v.substr(i + 2, q1 - i - 2));
        if (auto star = charset.find('*'); star != std::string::npos)
          charset.resize(star);  // RFC 2231 language
        char enc = static_cast<char>(v[q1 + 1] | 0x20);
        std::string_view text = v.substr(q2 + 1, end - q2 - 1);
        std::string bytes;
        if (enc == 'b') {
          bytes = decode_base64(text, lossy);
        } else if (enc == 'q') {
          std::string t(text);
          for (char& c : t) {
            if (c == '_') c = ' ';
          }
          bytes = decode_quoted_printable(t, lossy);
        }
        if (enc == 'b' || enc == 'q') {
          if (!last_was_word) out += pending_space;
          pending_space.clear();
          out += to_utf8(bytes, charset, lossy);
          last_was_word = true;
          i = end + 2;
          continue;
        }
      }
    }
    char c = v[i];
    if (c == ' ' || c == '\t') {
      pending_space.push_back(c);
      ++i;
      continue;
    }
    out += pending_space;
    pending_space.clear();
    std::size_t j = i;
    while (j < v.size() && v[j] != ' ' && v[j] != '\t' && v.substr(j, 2) != "=?") ++j;
    if (j == i) j = i + 1;
    out += to_utf8(v.substr(i, j - i), "", lossy);
    last_was_word = false;
    i = j;
  }
  out += pending_space;
  return out;
}

}  // namespace postjournal::journal
