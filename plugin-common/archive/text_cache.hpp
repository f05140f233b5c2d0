// The indexer's cache of text extracted from attachments, kept in the tenant's archive so that
// the same attachment (the same PDF journaled to 40 recipients, or forwarded again) is extracted
// once, and so that it leaves with the mail it came from. Values are opaque to the archive (the
// index module encodes them). Every cached text is referenced by the contents it was found in;
// drop_cached_texts() runs when a content is removed and deletes the texts no other content
// references. Runs in the caller's transaction. Errors: LmdbError.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "archive/lmdb_env.hpp"
#include "util/sha256.hpp"

namespace postjournal::archive {

std::optional<std::string> cached_text(const Txn& txn, const Databases& dbs,
                                       const util::Digest& attachment);

// Stores each (attachment hash, value) and records that `content` references it (an existing
// value is kept: the same bytes give the same text).
void put_cached_texts(Txn& txn, const Databases& dbs, const util::Digest& content,
                      const std::vector<std::pair<util::Digest, std::string>>& texts);

// Forgets content's references; deletes each text that no other content references.
void drop_cached_texts(Txn& txn, const Databases& dbs, const util::Digest& content);

}  // namespace postjournal::archive
