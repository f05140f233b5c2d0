#include "util/spill_buffer.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <system_error>

namespace postjournal::util {

SpillBuffer::SpillBuffer(std::size_t memory_limit, std::string spool_dir, std::uint64_t max_size)
    : memory_limit_(memory_limit), spool_dir_(std::move(spool_dir)), max_size_(max_size) {}

SpillBuffer::~SpillBuffer() {
  clear();
}

void SpillBuffer::clear() {
  if (!path_.empty()) ::unlink(path_.c_str());
  path_.clear();
  fd_.reset();
  memory_.clear();
  memory_.shrink_to_fit();
  size_ = 0;
}

void SpillBuffer::spill() {
  std::string tmpl = spool_dir_ + "/message.XXXXXX";
  int fd = ::mkostemp(tmpl.data(), O_CLOEXEC);  // mode 0600
  if (fd < 0) throw std::system_error(errno, std::generic_category(), "mkostemp " + tmpl);
  fd_.reset(fd);
  path_ = tmpl;
  write_all(fd, memory_, path_);
  memory_.clear();
  memory_.shrink_to_fit();
}

bool SpillBuffer::append(std::string_view bytes) {
  if (bytes.size() > max_size_ - size_) return false;
  if (!fd_.valid() && memory_.size() + bytes.size() > memory_limit_) spill();
  if (fd_.valid()) {
    write_all(fd_.get(), bytes, path_);
  } else {
    memory_.append(bytes);
  }
  size_ += bytes.size();
  return true;
}

std::string SpillBuffer::take_memory() {
  return std::move(memory_);
}

}  // namespace postjournal::util
