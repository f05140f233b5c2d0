// Key layouts of the archive's databases (see Databases in lmdb_env.hpp). Big-endian integers
// so that LMDB's byte order is numeric order. Pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "util/sha256.hpp"
#include "util/time.hpp"

namespace postjournal::archive::keys {

inline constexpr std::string_view kHead = "head";             // meta: be64 seq + 32-byte link
inline constexpr std::string_view kAuditHead = "audit-head";  // meta: the audit log's head
inline constexpr std::size_t kChunkSize = 256 * 1024;

std::string seq(std::uint64_t s);
std::uint64_t seq_of_suffix(std::string_view key);  // last 8 bytes
std::string time(util::TimeUs t, std::uint64_t s);
std::string text_prefix(std::string_view text);  // text NUL
std::string text(std::string_view text, std::uint64_t s);
std::string chunk(const util::Digest& sha, std::uint32_t index);  // format 1
// Storage v2 (storage.hpp): blob id, chunk, piece; piece_prefix is the first 12 bytes.
std::string piece(std::uint64_t blob_id, std::uint32_t chunk, std::uint8_t piece);
std::string piece_prefix(std::uint64_t blob_id, std::uint32_t chunk);
inline constexpr std::size_t kPieceKeySize = 13;
inline constexpr std::string_view kNextBlobId = "next-blob-id";  // meta: be64
inline constexpr std::string_view kCurrentKek = "kek-current";   // meta: be32 KEK id
std::string content(const util::Digest& sha, std::uint64_t s);
// fetched: mailbox NUL server NUL the mailbox's own message id (Delivery::fetch_uid).
std::string fetched(std::string_view mailbox, std::string_view server, std::string_view uid);

}  // namespace postjournal::archive::keys
