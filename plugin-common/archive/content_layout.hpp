// How stored bytes are laid out. A *blob* is a byte string stored once under its SHA-256, in
// chunks of keys::kChunkSize (its row and chunk encoding: storage.hpp). A *content* (the exact
// received bytes of a delivery, keyed by their SHA-256) is a list of segments, each a blob. A plain
// message is one segment (blob = content). A journal report is split around its embedded original:
// [prefix][original][suffix], so two reports of one original store the original's bytes once. Pure
// functions; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "archive/message_bytes.hpp"
#include "journal/envelope.hpp"
#include "util/sha256.hpp"

namespace postjournal::archive {

struct Segment {
  util::Digest sha{};
  std::uint64_t offset = 0;  // in the content
  std::uint64_t size = 0;
};

// The segments of `bytes` given where the envelope says the original is. Hashes each segment
// (the whole-content hash is reused for a single segment). Call it in the submitting thread.
std::vector<Segment> plan_segments(const MessageBytes& bytes, const journal::JournalEnvelope& env);

struct ContentHeader {
  std::uint64_t size = 0;
  std::vector<Segment> segments;  // offsets are implied by the order
};
std::string encode_content_header(const ContentHeader& h);
std::optional<ContentHeader> decode_content_header(std::string_view bytes);

}  // namespace postjournal::archive
