// Key layouts of the archive's databases (see Databases in lmdb_env.hpp). Big-endian integers
// so that LMDB's byte order is numeric order. Pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "util/sha256.hpp"
#include "util/time.hpp"

namespace postjournal::archive::keys {

inline constexpr std::string_view kHead = "head";  // meta: be64 seq + 32-byte link
inline constexpr std::size_t kChunkSize = 256 * 1024;

std::string seq(std::uint64_t s);
std::uint64_t seq_of_suffix(std::string_view key);  // last 8 bytes
std::string time(util::TimeUs t, std::uint64_t s);
std::string text_prefix(std::string_view text);  // text NUL
std::string text(std::string_view text, std::uint64_t s);
std::string chunk(const util::Digest& sha, std::uint32_t index);
std::string content(const util::Digest& sha, std::uint64_t s);
// fetched: mailbox NUL server NUL the mailbox's own message id (Delivery::fetch_uid).
std::string fetched(std::string_view mailbox, std::string_view server, std::string_view uid);

}  // namespace postjournal::archive::keys
