#include "index/text_terms.hpp"

#include <algorithm>
#include <utility>

#include "index/fold.hpp"

namespace postjournal::index {

TextTerms::TextTerms(const std::string& stem_language) {
  if (!stem_language.empty() && stem_language != "none") {
    tg_.set_stemmer(Xapian::Stem(stem_language));
    tg_.set_stemming_strategy(Xapian::TermGenerator::STEM_ALL);
  }
  tg_.set_flags(Xapian::TermGenerator::FLAG_CJK_NGRAM);
}

std::vector<std::string> TextTerms::words(std::string_view text) {
  Xapian::Document scratch;
  tg_.set_document(scratch);
  tg_.set_termpos(0);
  tg_.index_text(fold_accents(text));
  std::vector<std::pair<Xapian::termpos, std::string>> at;
  for (auto t = scratch.termlist_begin(); t != scratch.termlist_end(); ++t) {
    for (auto p = t.positionlist_begin(); p != t.positionlist_end(); ++p) at.emplace_back(*p, *t);
  }
  std::sort(at.begin(), at.end());
  std::vector<std::string> out;
  out.reserve(at.size());
  for (auto& [pos, term] : at) out.push_back(std::move(term));
  return out;
}

std::vector<std::string> TextTerms::add_in_order(Xapian::Document& doc, std::string_view text,
                                                 std::string_view prefix) {
  std::vector<std::string> seq = words(text);
  std::string p(prefix);
  for (const auto& w : seq) {
    if (p.size() + w.size() <= 240) doc.add_term(p + w);
  }
  return seq;
}

void TextTerms::add(Xapian::Document& doc, std::string_view text, std::string_view prefix) {
  if (text.empty()) return;
  tg_.set_document(doc);
  tg_.index_text_without_positions(fold_accents(text), 1, std::string(prefix));
}

}  // namespace postjournal::index
