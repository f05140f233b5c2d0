// Phrase queries without a position table (text_terms.hpp): the index narrows a phrase to the
// deliveries that contain all of its words, then PhraseChecker reads each of them from the
// archive and keeps those whose text has the words consecutively (after the same splitting,
// folding and stemming as the index), so a phrase's result is exact. Its cost grows with the
// number of deliveries that contain all the words (README, Search: performance). The verified
// set becomes a leaf of the Xapian query, so phrases combine with AND, OR, NOT like any term.
// Internal to the index module. Thread-safety: one checker per thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "archive/tenant_archive.hpp"
#include "index/message_text.hpp"
#include "index/text_terms.hpp"

namespace postjournal::index {

struct PhraseScope {
  bool subject = true;
  bool body = true;
  bool attachments = true;
};

class PhraseChecker {
 public:
  PhraseChecker(const archive::TenantArchive& a, const std::string& stem_language,
                TextLimits limits = {});
  // Whether delivery `seq` has `words` (stemmed, in order, at least two) consecutively in one
  // of the scoped texts. False for a delivery that no longer exists.
  bool contains(std::uint64_t seq, const std::vector<std::string>& words, PhraseScope scope);

 private:
  struct Texts {
    std::vector<std::string> subject, body;
    std::vector<std::vector<std::string>> attachments;
  };
  const Texts* texts(std::uint64_t seq);

  const archive::TenantArchive& archive_;
  TextTerms terms_;
  TextLimits limits_;
  std::uint64_t cached_seq_ = 0;
  std::unique_ptr<Texts> cached_;
};

// A query leaf over a fixed, ascending list of document ids.
Xapian::Query docid_list_query(std::vector<Xapian::docid> ids);

}  // namespace postjournal::index
