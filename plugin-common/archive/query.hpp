// Read side of a tenant archive: loading deliveries, listing by time, searching the indexes and
// streaming stored content. All functions run inside a caller's read transaction, so a result is
// one consistent snapshot. Errors: LmdbError from LMDB; std::runtime_error naming the delivery id
// when a stored record cannot be decoded (for example a newer format version).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "archive/delivery.hpp"
#include "archive/lmdb_env.hpp"
#include "archive/storage.hpp"

namespace postjournal::archive {

struct TimeRange {
  std::optional<util::TimeUs> since;  // inclusive
  std::optional<util::TimeUs> until;  // exclusive
  bool contains(util::TimeUs t) const { return (!since || t >= *since) && (!until || t < *until); }
};

struct SearchQuery {
  std::string address;                         // any participant, case-insensitive
  std::string message_id;                      // with or without angle brackets, exact otherwise
  std::optional<util::Digest> content_sha256;  // of the stored bytes or of the original
  TimeRange range;
  std::size_t limit = 0;  // 0 = no limit
};

std::optional<Delivery> load_delivery(const Txn& txn, const Databases& dbs, const TenantId& tenant,
                                      std::uint64_t seq);

std::uint64_t count_deliveries(const Txn& txn, const Databases& dbs);

// Newest first.
std::vector<Delivery> list_deliveries(const Txn& txn, const Databases& dbs, const TenantId& tenant,
                                      const TimeRange& range, std::size_t limit);
std::vector<Delivery> search_deliveries(const Txn& txn, const Databases& dbs,
                                        const TenantId& tenant, const SearchQuery& q);

// Calls sink with the bytes [offset, offset+length) of one blob (either format), decoded with
// `storage` (storage.hpp); false when it is not stored (or not completely). Throws
// StoredBytesError when a chunk is missing, short or does not decode, KeyError when its key is
// missing or wrong.
bool read_blob(const Txn& txn, const Databases& dbs, const Storage& storage,
               const util::Digest& sha, std::uint64_t offset, std::uint64_t length,
               const std::function<void(std::string_view)>& sink);

// Calls sink with the stored bytes [offset, offset+length) of a content, in order. Returns false
// when the content is not stored. Throws as read_blob does, and when a segment is missing.
bool read_content(const Txn& txn, const Databases& dbs, const Storage& storage,
                  const util::Digest& sha, std::uint64_t offset, std::uint64_t length,
                  const std::function<void(std::string_view)>& sink);

}  // namespace postjournal::archive
