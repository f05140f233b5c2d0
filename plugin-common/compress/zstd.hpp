// zstd compression of stored mail (the only code that includes <zstd.h>). One frame per call,
// with its content size recorded. Thread-safe (a compression context per thread).
// Errors: a library failure while compressing throws std::runtime_error; corrupt input, or an
// output larger than max_size, throws CompressError.
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>

namespace postjournal::compress {

class CompressError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Levels 1..19 (zstd's; 3 is its default).
std::string zstd_compress(std::string_view in, int level);
std::string zstd_decompress(std::string_view frame, std::size_t max_size);

}  // namespace postjournal::compress
