// libFuzzer target: the query language (index/query.hpp) on arbitrary text over an empty index.
// Invariants: no crash; a query either parses or is refused with QueryError.
#include <xapian.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "index/index.hpp"
#include "index/phrase.hpp"
#include "index/query.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace postjournal;
  static Xapian::WritableDatabase db(std::string(), Xapian::DB_BACKEND_INMEMORY);
  static index::PhraseChecker phrases(nullptr, "english");
  std::string q(reinterpret_cast<const char*>(data), size);
  try {
    Xapian::Enquire e(db);
    e.set_query(index::parse_query(db, q, "english", phrases));
    (void)e.get_mset(0, 10);
  } catch (const index::QueryError&) {
  }
  return 0;
}
