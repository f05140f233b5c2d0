#include "util/zip_writer.hpp"

#include <array>
#include <stdexcept>

namespace postjournal::util {

namespace {

constexpr std::uint64_t kMax32 = 0xFFFFFFFFull;
constexpr std::uint16_t kDosDate = (0 << 9) | (1 << 5) | 1;  // 1980-01-01
constexpr std::uint16_t kUtf8Names = 0x0800;

const std::array<std::uint32_t, 256>& crc_table() {
  static const auto table = [] {
    std::array<std::uint32_t, 256> t{};
    for (std::uint32_t i = 0; i < 256; ++i) {
      std::uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      t[i] = c;
    }
    return t;
  }();
  return table;
}

void le16(std::string& out, std::uint64_t v) {
  out.push_back(static_cast<char>(v & 0xFF));
  out.push_back(static_cast<char>((v >> 8) & 0xFF));
}
void le32(std::string& out, std::uint64_t v) {
  le16(out, v & 0xFFFF);
  le16(out, (v >> 16) & 0xFFFF);
}

// The local header of an entry, or the fields shared with its central directory record.
std::string local_header(const std::string& name, std::uint32_t crc, std::uint64_t size) {
  std::string h;
  le32(h, 0x04034b50);
  le16(h, 10);  // version needed: stored
  le16(h, kUtf8Names);
  le16(h, 0);  // method: stored
  le16(h, 0);  // time 00:00
  le16(h, kDosDate);
  le32(h, crc);
  le32(h, size);
  le32(h, size);
  le16(h, name.size());
  le16(h, 0);
  h += name;
  return h;
}

}  // namespace

std::uint32_t crc32_update(std::uint32_t crc, std::string_view bytes) {
  const auto& t = crc_table();
  crc = ~crc;
  for (char ch : bytes) {
    auto b = static_cast<std::uint8_t>(ch);
    crc = t[(crc ^ b) & 0xFF] ^ (crc >> 8);
  }
  return ~crc;
}

ZipWriter::ZipWriter(std::string path, unsigned mode) : file_(std::move(path), mode) {}

void ZipWriter::put(std::string_view bytes) {
  file_.write(bytes);
  pos_ += bytes.size();
  if (pos_ >= kMax32) throw std::length_error(file_.path() + ": a zip over 4 GiB needs zip64");
}

void ZipWriter::begin(const std::string& name) {
  if (open_) end();
  if (name.empty() || name.size() > 0xFFFF) throw std::length_error("bad zip entry name");
  if (entries_.size() >= 0xFFFF) throw std::length_error("too many zip entries");
  entries_.push_back({name, pos_, 0, 0});
  put(local_header(name, 0, 0));
  open_ = true;
}

void ZipWriter::write(std::string_view bytes) {
  Entry& e = entries_.back();
  e.crc = crc32_update(e.crc, bytes);
  e.size += bytes.size();
  put(bytes);
}

void ZipWriter::end() {
  if (!open_) return;
  const Entry& e = entries_.back();
  file_.write_at(e.offset, local_header(e.name, e.crc, e.size));
  open_ = false;
}

void ZipWriter::commit() {
  end();
  std::uint64_t cd_start = pos_;
  for (const auto& e : entries_) {
    std::string h;
    le32(h, 0x02014b50);
    le16(h, (3 << 8) | 20);  // made by: Unix, 2.0
    le16(h, 10);
    le16(h, kUtf8Names);
    le16(h, 0);
    le16(h, 0);
    le16(h, kDosDate);
    le32(h, e.crc);
    le32(h, e.size);
    le32(h, e.size);
    le16(h, e.name.size());
    le16(h, 0);  // extra
    le16(h, 0);  // comment
    le16(h, 0);  // disk
    le16(h, 0);  // internal attributes
    le32(h, 0100644u << 16);
    le32(h, e.offset);
    h += e.name;
    put(h);
  }
  std::string end;
  le32(end, 0x06054b50);
  le16(end, 0);
  le16(end, 0);
  le16(end, entries_.size());
  le16(end, entries_.size());
  le32(end, pos_ - cd_start);
  le32(end, cd_start);
  le16(end, 0);
  put(end);
  file_.commit();
}

}  // namespace postjournal::util
