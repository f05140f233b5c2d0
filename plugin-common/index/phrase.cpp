#include "index/phrase.hpp"

#include <algorithm>
#include <exception>
#include <string_view>
#include <thread>
#include <unordered_map>

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

namespace {

bool is_prefix_char(char c) {
  return c >= 'A' && c <= 'Z';
}

// Subject terms are "S" + a word, body terms have no prefix and start with a digit, a lower-case
// letter or a non-ASCII byte (terms.hpp).
bool is_subject_term(const std::string& t) {
  return t.size() > 1 && t[0] == 'S' && !is_prefix_char(t[1]);
}
bool is_body_term(const std::string& t) {
  if (t.empty()) return false;
  auto c = static_cast<unsigned char>(t[0]);
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || c >= 0x80;
}

void put_varint(std::string& out, std::uint64_t v) {
  while (v >= 0x80) {
    out += static_cast<char>((v & 0x7f) | 0x80);
    v >>= 7;
  }
  out += static_cast<char>(v);
}

bool get_varint(std::string_view in, std::size_t& pos, std::uint64_t& v) {
  v = 0;
  for (int shift = 0; pos < in.size() && shift < 64; shift += 7) {
    auto b = static_cast<unsigned char>(in[pos++]);
    v |= static_cast<std::uint64_t>(b & 0x7f) << shift;
    if (!(b & 0x80)) return true;
  }
  return false;
}

std::vector<std::uint64_t> get_sequence(std::string_view data, std::size_t& pos) {
  std::uint64_t n = 0;
  std::vector<std::uint64_t> seq;
  if (!get_varint(data, pos, n) || n > data.size()) return seq;
  seq.reserve(static_cast<std::size_t>(n));
  for (std::uint64_t i = 0, v = 0; i < n && get_varint(data, pos, v); ++i) seq.push_back(v);
  return seq;
}

constexpr std::uint64_t kAbsent = ~0ull;

}  // namespace

std::string encode_sequences(const Xapian::Document& doc, const std::vector<std::string>& subject,
                             const std::vector<std::string>& body) {
  std::unordered_map<std::string, std::uint64_t> subject_rank, body_rank;
  for (auto t = doc.termlist_begin(); t != doc.termlist_end(); ++t) {
    const std::string& term = *t;
    if (is_subject_term(term)) {
      subject_rank.emplace(term.substr(1), subject_rank.size());
    } else if (is_body_term(term)) {
      body_rank.emplace(term, body_rank.size());
    }
  }
  std::string out = "s1";
  for (const auto* seq : {&subject, &body}) {
    const auto& rank = seq == &subject ? subject_rank : body_rank;
    std::string part;
    std::uint64_t n = 0;
    for (const auto& w : *seq) {
      auto it = rank.find(w);
      if (it == rank.end()) continue;  // a word too long to be a term
      put_varint(part, it->second);
      ++n;
    }
    put_varint(out, n);
    out += part;
  }
  return out;
}

PhraseChecker::PhraseChecker(const archive::TenantArchive* archive,
                             const std::string& stem_language, std::string index_dir,
                             TextLimits limits)
    : archive_(archive), terms_(stem_language), index_dir_(std::move(index_dir)), limits_(limits) {}

std::vector<Xapian::docid> PhraseChecker::verify(const Xapian::Database& db,
                                                 const std::vector<Xapian::docid>& candidates,
                                                 const std::vector<std::string>& words,
                                                 PhraseScope scope) {
  std::vector<char> ok(candidates.size(), 0);
  auto check = [&](const Xapian::Database& d, std::size_t from, std::size_t to) {
    for (std::size_t i = from; i < to; ++i) ok[i] = in_sequences(d, candidates[i], words, scope);
  };
  // The sequence check reads only the index: split it over two threads (two database handles:
  // a Xapian::Database is not to be shared between threads) when there is enough to do.
  if (candidates.size() >= 1000 && !index_dir_.empty()) {
    std::size_t half = candidates.size() / 2;
    std::exception_ptr failure;
    std::thread other([&] {
      try {
        Xapian::Database own(index_dir_);
        check(own, half, candidates.size());
      } catch (...) {
        failure = std::current_exception();
      }
    });
    check(db, 0, half);
    other.join();
    if (failure) std::rethrow_exception(failure);
  } else {
    check(db, 0, candidates.size());
  }
  std::vector<Xapian::docid> out;
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    if (ok[i] || (scope.attachments && in_attachments(candidates[i], words)))
      out.push_back(candidates[i]);
  }
  return out;
}

bool PhraseChecker::in_sequences(const Xapian::Database& db, Xapian::docid did,
                                 const std::vector<std::string>& words, PhraseScope scope) {
  if (scope.subject || scope.body) {
    // The ranks of the phrase's words among this document's subject and body terms.
    std::vector<std::uint64_t> subject_rank(words.size(), kAbsent),
        body_rank(words.size(), kAbsent);
    std::uint64_t ns = 0, nb = 0;
    // Terms come sorted: past the greatest phrase word among the body terms, no rank can change.
    const std::string& last = *std::max_element(words.begin(), words.end());
    for (auto t = db.termlist_begin(did); t != db.termlist_end(did); ++t) {
      const std::string& term = *t;
      if (term > last && !term.empty() && term[0] >= 'a') break;
      if (is_subject_term(term)) {
        std::string_view w = std::string_view(term).substr(1);
        for (std::size_t i = 0; i < words.size(); ++i)
          if (words[i] == w) subject_rank[i] = ns;
        ++ns;
      } else if (is_body_term(term)) {
        for (std::size_t i = 0; i < words.size(); ++i)
          if (words[i] == term) body_rank[i] = nb;
        ++nb;
      }
    }
    std::string data = db.get_document(did).get_data();
    std::size_t pos = 0;
    if (data.starts_with("s1")) {
      pos = 2;
      auto subject = get_sequence(data, pos);
      auto body = get_sequence(data, pos);
      auto run = [](const std::vector<std::uint64_t>& seq, const std::vector<std::uint64_t>& want) {
        if (std::find(want.begin(), want.end(), kAbsent) != want.end()) return false;
        return std::search(seq.begin(), seq.end(), want.begin(), want.end()) != seq.end();
      };
      if (scope.subject && run(subject, subject_rank)) return true;
      if (scope.body && run(body, body_rank)) return true;
    }
  }
  return false;
}

bool PhraseChecker::in_attachments(std::uint64_t seq, const std::vector<std::string>& words) {
  if (!archive_) return false;
  auto d = archive_->get(seq);
  if (!d) return false;
  MessageText mt = read_delivery(*archive_, *d, limits_);
  for (const auto& att : mt.attachments) {
    std::string text = att.text;
    if (att.needs_extraction) {
      if (auto v = archive_->cached_text(att.sha256)) {
        if (auto r = decode_cached(*v)) text += (text.empty() ? "" : "\n") + r->text;
      }
    }
    if (has_run(terms_.words(text), words)) return true;
  }
  return false;
}

Xapian::Query docid_list_query(std::vector<Xapian::docid> ids) {
  return Xapian::Query((new DocidList(std::move(ids)))->release());
}

}  // namespace postjournal::index
