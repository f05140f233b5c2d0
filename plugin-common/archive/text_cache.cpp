#include "archive/text_cache.hpp"

#include <algorithm>

namespace postjournal::archive {

namespace {

std::string ref_key(char kind, const util::Digest& a, const util::Digest& b) {
  std::string k(1, kind);
  k += util::as_bytes(a);
  k += util::as_bytes(b);
  return k;
}

}  // namespace

std::optional<std::string> cached_text(const Txn& txn, const Databases& dbs,
                                       const util::Digest& attachment) {
  auto v = txn.get(dbs.texts, util::as_bytes(attachment));
  if (!v) return std::nullopt;
  return std::string(*v);
}

void put_cached_texts(Txn& txn, const Databases& dbs, const util::Digest& content,
                      const std::vector<std::pair<util::Digest, std::string>>& texts) {
  for (const auto& [att, value] : texts) {
    if (!txn.get(dbs.texts, util::as_bytes(att))) txn.put(dbs.texts, util::as_bytes(att), value);
    txn.put(dbs.text_refs, ref_key('c', content, att), "");
    txn.put(dbs.text_refs, ref_key('a', att, content), "");
  }
}

void drop_cached_texts(Txn& txn, const Databases& dbs, const util::Digest& content) {
  std::string prefix = "c" + std::string(util::as_bytes(content));
  std::vector<util::Digest> attachments;
  {
    Cursor c(txn, dbs.text_refs);
    for (bool ok = c.seek(prefix); ok && c.key().starts_with(prefix); ok = c.next()) {
      util::Digest att{};
      auto rest = c.key().substr(prefix.size());
      if (rest.size() != att.size()) continue;
      std::copy(rest.begin(), rest.end(), reinterpret_cast<char*>(att.data()));
      attachments.push_back(att);
    }
  }
  for (const auto& att : attachments) {
    txn.del(dbs.text_refs, ref_key('c', content, att));
    txn.del(dbs.text_refs, ref_key('a', att, content));
    std::string aprefix = "a" + std::string(util::as_bytes(att));
    Cursor c(txn, dbs.text_refs);
    bool referenced = c.seek(aprefix) && c.key().starts_with(aprefix);
    if (!referenced) txn.del(dbs.texts, util::as_bytes(att));
  }
}

}  // namespace postjournal::archive
