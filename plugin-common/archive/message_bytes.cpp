#include "archive/message_bytes.hpp"

#include <sys/mman.h>

#include <cerrno>
#include <system_error>

#include "util/file.hpp"

namespace postjournal::archive {

struct MessageBytes::Storage {
  std::string owned;
  void* map = nullptr;
  std::size_t map_len = 0;
  ~Storage() {
    if (map != nullptr) ::munmap(map, map_len);
  }
};

MessageBytes MessageBytes::from_string(std::string bytes) {
  auto st = std::make_shared<Storage>();
  st->owned = std::move(bytes);
  MessageBytes m;
  m.view_ = st->owned;
  m.sha_ = util::sha256(m.view_);
  m.storage_ = std::move(st);
  return m;
}

MessageBytes MessageBytes::from_file(const std::string& path) {
  util::UniqueFd fd = util::open_read(path);
  auto size = static_cast<std::size_t>(util::file_size(fd.get(), path));
  auto st = std::make_shared<Storage>();
  if (size > 0) {
    void* p = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd.get(), 0);
    if (p == MAP_FAILED) throw std::system_error(errno, std::generic_category(), "mmap " + path);
    st->map = p;
    st->map_len = size;
    ::madvise(p, size, MADV_SEQUENTIAL);
  }
  MessageBytes m;
  m.view_ = std::string_view(static_cast<const char*>(st->map), size);
  m.sha_ = util::sha256(m.view_);
  m.storage_ = std::move(st);
  return m;
}

}  // namespace postjournal::archive
