#include <xapian.h>

#include <filesystem>

#include "index/index.hpp"
#include "index/phrase.hpp"
#include "index/query.hpp"
#include "index/terms.hpp"
#include "util/strings.hpp"

namespace postjournal::index {

namespace {

constexpr Xapian::doccount kPage = 10000;

class After : public Xapian::MatchDecider {
 public:
  explicit After(Xapian::docid last) : last_(last) {}
  bool operator()(const Xapian::Document& doc) const override { return doc.get_docid() > last_; }

 private:
  Xapian::docid last_;
};

}  // namespace

struct Searcher::Impl {
  std::string dir;
  Xapian::Database db;
  std::string stem;
  std::unique_ptr<PhraseChecker> phrases;

  Xapian::Query parse(const std::string& q) const { return parse_query(db, q, stem, *phrases); }
};

Searcher::Searcher(const std::string& dir, const archive::TenantArchive* archive) {
  if (!std::filesystem::exists(dir + "/iamglass")) throw IndexMissing("no index in " + dir);
  try {
    Xapian::Database db(dir);
    if (db.get_metadata(std::string(terms::kVersionKey)) != terms::kIndexVersion)
      throw IndexMissing("the index in " + dir + " has another format and is being rebuilt");
    std::string stem = db.get_metadata(std::string(terms::kStemKey));
    stem = stem.empty() ? "english" : stem;
    impl_ = std::make_unique<Impl>(
        Impl{dir, std::move(db), stem, std::make_unique<PhraseChecker>(archive, stem, dir)});
  } catch (const Xapian::Error& e) {
    throw std::runtime_error("cannot open the index " + dir + ": " + e.get_description());
  }
}

Searcher::~Searcher() = default;

std::uint64_t Searcher::watermark() const {
  unsigned long long v = 0;
  std::string s = impl_->db.get_metadata(std::string(terms::kWatermarkKey));
  return !s.empty() && util::parse_u64(s, v) ? v : 0;
}

std::string Searcher::explain(const std::string& query) {
  return impl_->parse(query).get_description();
}

std::uint64_t Searcher::count(const std::string& query) {
  try {
    Xapian::Enquire e(impl_->db);
    e.set_query(impl_->parse(query));
    e.set_weighting_scheme(Xapian::BoolWeight());
    auto all = impl_->db.get_doccount();
    Xapian::MSet m = e.get_mset(0, 0, all);
    return m.get_matches_estimated();
  } catch (const Xapian::Error& e) {
    throw std::runtime_error("index " + impl_->dir + ": " + e.get_description());
  }
}

Hits Searcher::search(const std::string& query, std::uint64_t offset, std::uint64_t limit,
                      Sort sort) {
  try {
    Xapian::Enquire e(impl_->db);
    e.set_query(impl_->parse(query));
    if (sort == Sort::kDate) {
      e.set_weighting_scheme(Xapian::BoolWeight());
      e.set_sort_by_value(terms::kDateSlot, true);
    }
    auto all = impl_->db.get_doccount();
    Xapian::doccount want = limit == 0 ? all : static_cast<Xapian::doccount>(limit);
    Xapian::MSet m = e.get_mset(static_cast<Xapian::doccount>(offset), want, all);
    Hits h;
    h.total = m.get_matches_estimated();
    for (auto it = m.begin(); it != m.end(); ++it) {
      h.seqs.push_back(*it);
      h.keys.push_back(sort == Sort::kDate ? Xapian::sortable_unserialise(
                                                 it.get_document().get_value(terms::kDateSlot))
                                           : it.get_weight());
    }
    return h;
  } catch (const Xapian::Error& e) {
    throw std::runtime_error("index " + impl_->dir + ": " + e.get_description());
  }
}

void Searcher::for_each(const std::string& query, const std::function<void(std::uint64_t)>& fn) {
  Xapian::Query q = impl_->parse(query);
  Xapian::docid last = 0;
  for (;;) {
    std::vector<Xapian::docid> page;
    try {
      Xapian::Enquire e(impl_->db);
      e.set_query(q);
      e.set_weighting_scheme(Xapian::BoolWeight());
      e.set_docid_order(Xapian::Enquire::ASCENDING);
      After after(last);
      Xapian::MSet m = e.get_mset(0, kPage, nullptr, last == 0 ? nullptr : &after);
      for (auto it = m.begin(); it != m.end(); ++it) page.push_back(*it);
    } catch (const Xapian::DatabaseModifiedError&) {
      impl_->db.reopen();  // a writer committed twice meanwhile: continue after `last`
      continue;
    } catch (const Xapian::Error& e) {
      throw std::runtime_error("index " + impl_->dir + ": " + e.get_description());
    }
    if (page.empty()) return;
    for (auto id : page) fn(id);
    last = page.back();
    if (page.size() < kPage) return;
  }
}

}  // namespace postjournal::index
