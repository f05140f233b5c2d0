#include "index/phrase.hpp"

#include <algorithm>

#include "index/delivery_text.hpp"

namespace postjournal::index {

namespace {

bool has_run(const std::vector<std::string>& text, const std::vector<std::string>& words) {
  if (words.empty() || text.size() < words.size()) return false;
  return std::search(text.begin(), text.end(), words.begin(), words.end()) != text.end();
}

class DocidList : public Xapian::PostingSource {
 public:
  explicit DocidList(std::vector<Xapian::docid> ids) : ids_(std::move(ids)) {}
  Xapian::doccount get_termfreq_min() const override {
    return static_cast<Xapian::doccount>(ids_.size());
  }
  Xapian::doccount get_termfreq_est() const override {
    return static_cast<Xapian::doccount>(ids_.size());
  }
  Xapian::doccount get_termfreq_max() const override {
    return static_cast<Xapian::doccount>(ids_.size());
  }
  void init(const Xapian::Database&) override {
    pos_ = 0;
    started_ = false;
  }
  void next(double) override {
    if (started_) ++pos_;
    started_ = true;
  }
  void skip_to(Xapian::docid did, double) override {
    started_ = true;
    pos_ = static_cast<std::size_t>(
        std::lower_bound(ids_.begin() + static_cast<std::ptrdiff_t>(pos_), ids_.end(), did) -
        ids_.begin());
  }
  bool at_end() const override { return pos_ >= ids_.size(); }
  Xapian::docid get_docid() const override { return ids_[pos_]; }
  DocidList* clone() const override { return new DocidList(ids_); }

 private:
  std::vector<Xapian::docid> ids_;
  std::size_t pos_ = 0;
  bool started_ = false;
};

}  // namespace

PhraseChecker::PhraseChecker(const archive::TenantArchive& a, const std::string& stem_language,
                             TextLimits limits)
    : archive_(a), terms_(stem_language), limits_(limits) {}

const PhraseChecker::Texts* PhraseChecker::texts(std::uint64_t seq) {
  if (cached_ && cached_seq_ == seq) return cached_.get();
  auto d = archive_.get(seq);
  if (!d) return nullptr;
  MessageText mt = read_delivery(archive_, *d, limits_);
  auto t = std::make_unique<Texts>();
  t->subject = terms_.words(mt.subject.empty() ? d->envelope.subject : mt.subject);
  t->body = terms_.words(mt.body);
  for (const auto& att : mt.attachments) {
    std::string text = att.text;
    if (att.needs_extraction) {
      if (auto v = archive_.cached_text(att.sha256)) {
        if (auto r = decode_cached(*v)) text += (text.empty() ? "" : "\n") + r->text;
      }
    }
    t->attachments.push_back(terms_.words(text));
  }
  cached_seq_ = seq;
  cached_ = std::move(t);
  return cached_.get();
}

bool PhraseChecker::contains(std::uint64_t seq, const std::vector<std::string>& words,
                             PhraseScope scope) {
  const Texts* t = texts(seq);
  if (!t) return false;
  if (scope.subject && has_run(t->subject, words)) return true;
  if (scope.body && has_run(t->body, words)) return true;
  if (scope.attachments) {
    for (const auto& a : t->attachments) {
      if (has_run(a, words)) return true;
    }
  }
  return false;
}

Xapian::Query docid_list_query(std::vector<Xapian::docid> ids) {
  return Xapian::Query((new DocidList(std::move(ids)))->release());
}

}  // namespace postjournal::index
