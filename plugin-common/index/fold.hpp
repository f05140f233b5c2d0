// Accent folding for the full-text index and its queries: Latin letters with diacritics become
// their base letters ("Müller" -> "Muller", "Ærø" -> "AEro", "ß" -> "ss"), so that a search is
// accent-insensitive; case is kept (Xapian folds case itself, and the query language's AND / OR /
// NOT are upper case). Covers Latin-1 Supplement, Latin Extended-A and the common Latin
// Extended-B letters; other text (Greek, Cyrillic, CJK) passes unchanged. Invalid UTF-8 passes
// unchanged. Thread-safe (pure).
#pragma once

#include <string>
#include <string_view>

namespace postjournal::index {

std::string fold_accents(std::string_view utf8);

}  // namespace postjournal::index
