// Phrase queries without a position table (text_terms.hpp). The index narrows a phrase to the
// deliveries that contain all of its words; each of those is then checked:
//   - subject and body: against the word sequence in the document's data, where every word is
//     its rank in the document's sorted list of subject (or body) terms, as a varint — exact,
//     and about a microsecond per candidate word;
//   - attachment text (att:"..."): against the text read from the archive (the message and the
//     extraction cache) — exact, slower (a message read per candidate).
// The verified documents become a leaf of the Xapian query, so phrases combine with AND, OR and
// NOT like any term. Internal to the index module. Thread-safety: one checker per thread.
#pragma once

#include <xapian.h>

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
  bool attachments = false;
};

// The document data: the subject's and the body's word sequences as term ranks.
std::string encode_sequences(const Xapian::Document& doc, const std::vector<std::string>& subject,
                             const std::vector<std::string>& body);

class PhraseChecker {
 public:
  // `archive` may be null: then attachment phrases cannot be checked (QueryError). With the
  // index's directory, large candidate sets are checked by two threads.
  PhraseChecker(const archive::TenantArchive* archive, const std::string& stem_language,
                std::string index_dir = {}, TextLimits limits = {});
  bool can_check_attachments() const { return archive_ != nullptr; }
  // The candidates (ascending) that have `words` (stemmed, at least two) consecutively in a
  // scoped text.
  std::vector<Xapian::docid> verify(const Xapian::Database& db,
                                    const std::vector<Xapian::docid>& candidates,
                                    const std::vector<std::string>& words, PhraseScope scope);

 private:
  static bool in_sequences(const Xapian::Database& db, Xapian::docid did,
                           const std::vector<std::string>& words, PhraseScope scope);
  bool in_attachments(std::uint64_t seq, const std::vector<std::string>& words);

  const archive::TenantArchive* archive_;
  TextTerms terms_;
  std::string index_dir_;
  TextLimits limits_;
};

// A query leaf over a fixed, ascending list of document ids.
Xapian::Query docid_list_query(std::vector<Xapian::docid> ids);

}  // namespace postjournal::index
