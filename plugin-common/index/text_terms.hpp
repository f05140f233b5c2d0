// Free-text terms, shared by the document builder, the query parser and the phrase check so that
// all three split and stem words the same way: one stemmed term per word (Xapian's term
// generator, STEM_ALL, CJK characters as n-grams). No position table is stored (measured: it
// would be 0.55x the mail bytes on the bench corpus, the rest of the index 0.28x): for subject
// and body the document data holds the word sequence as ranks into the document's own sorted
// term list (phrase.hpp), about a byte per word. Internal to the index module.
// Thread-safety: one TextTerms per thread.
#pragma once

#include <xapian.h>

#include <string>
#include <string_view>
#include <vector>

namespace postjournal::index {

class TextTerms {
 public:
  explicit TextTerms(const std::string& stem_language);

  // Adds the words of `text` under `prefix` (within-document frequencies, no positions).
  void add(Xapian::Document& doc, std::string_view text, std::string_view prefix);
  // The same, returning the stemmed words in order (for the phrase sequence).
  std::vector<std::string> add_in_order(Xapian::Document& doc, std::string_view text,
                                        std::string_view prefix);
  // The stemmed words of `text` in order.
  std::vector<std::string> words(std::string_view text);

 private:
  Xapian::TermGenerator tg_;
};

}  // namespace postjournal::index
