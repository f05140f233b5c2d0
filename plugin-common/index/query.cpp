#include "index/query.hpp"

#include <xapian.h>

#include <cctype>
#include <cmath>
#include <ctime>
#include <optional>

#include "index/fold.hpp"
#include "index/index.hpp"
#include "index/phrase.hpp"
#include "index/terms.hpp"
#include "index/text_terms.hpp"
#include "util/strings.hpp"
#include "util/time.hpp"

namespace postjournal::index {

namespace {

std::string lower(std::string_view s) {
  return util::to_lower_ascii(s);
}

Xapian::Query term(std::string_view prefix, std::string_view value) {
  return Xapian::Query(std::string(prefix) + std::string(value.substr(0, 240)));
}

// Words of a value, split like the term generator does for names.
std::vector<std::string> words_of(const std::string& value) {
  Xapian::Document doc;
  Xapian::TermGenerator tg;
  tg.set_document(doc);
  tg.index_text(value);
  std::vector<std::pair<Xapian::termpos, std::string>> positioned;
  for (auto t = doc.termlist_begin(); t != doc.termlist_end(); ++t) {
    for (auto p = t.positionlist_begin(); p != t.positionlist_end(); ++p)
      positioned.emplace_back(*p, *t);
  }
  std::sort(positioned.begin(), positioned.end());
  std::vector<std::string> out;
  for (auto& [pos, w] : positioned) out.push_back(w);
  return out;
}

class AddressField : public Xapian::FieldProcessor {
 public:
  AddressField(std::vector<std::pair<std::string, std::string>> prefixes)
      : prefixes_(std::move(prefixes)) {}
  Xapian::Query operator()(const std::string& raw) override {
    std::string v = lower(raw);
    std::vector<Xapian::Query> alternatives;
    for (const auto& [exact, words] : prefixes_) {
      if (v.find('@') != std::string::npos) {
        alternatives.push_back(term(exact, v));  // a@b or @b
        continue;
      }
      if (v.find('.') != std::string::npos) alternatives.push_back(term(exact, "@" + v));
      if (words.empty()) continue;
      auto ws = words_of(v);
      if (ws.empty()) continue;
      std::vector<Xapian::Query> all;
      for (const auto& w : ws) all.push_back(term(words, w));
      alternatives.emplace_back(Xapian::Query::OP_AND, all.begin(), all.end());
    }
    if (alternatives.empty()) return Xapian::Query::MatchNothing;
    return Xapian::Query(Xapian::Query::OP_OR, alternatives.begin(), alternatives.end());
  }

 private:
  std::vector<std::pair<std::string, std::string>> prefixes_;
};

class ExactField : public Xapian::FieldProcessor {
 public:
  ExactField(std::string prefix, bool strip_brackets = false)
      : prefix_(std::move(prefix)), strip_(strip_brackets) {}
  Xapian::Query operator()(const std::string& raw) override {
    std::string v = lower(raw);
    if (strip_ && v.size() >= 2 && v.front() == '<' && v.back() == '>')
      v = v.substr(1, v.size() - 2);
    return term(prefix_, v);
  }

 private:
  std::string prefix_;
  bool strip_;
};

class WordsField : public Xapian::FieldProcessor {
 public:
  WordsField(std::string prefix, const Xapian::Database& db)
      : prefix_(std::move(prefix)), db_(db) {}
  Xapian::Query operator()(const std::string& raw) override {
    std::string v = lower(raw);
    bool wildcard = !v.empty() && v.back() == '*';
    if (wildcard) v.pop_back();
    auto ws = words_of(v);
    std::vector<Xapian::Query> all;
    for (std::size_t i = 0; i < ws.size(); ++i) {
      if (wildcard && i + 1 == ws.size()) {
        all.emplace_back(Xapian::Query::OP_WILDCARD, prefix_ + ws[i]);
      } else {
        all.push_back(term(prefix_, ws[i]));
      }
    }
    if (all.empty()) return Xapian::Query::MatchNothing;
    return Xapian::Query(Xapian::Query::OP_AND, all.begin(), all.end());
  }

 private:
  std::string prefix_;
  const Xapian::Database& db_;
};

class FlagField : public Xapian::FieldProcessor {
 public:
  explicit FlagField(bool has) : has_(has) {}
  Xapian::Query operator()(const std::string& raw) override {
    std::string v = lower(raw);
    if (has_) {
      if (v == "attachment" || v == "attachments") return term(terms::kFlag, "attachment");
      throw Xapian::QueryParserError("has: knows only has:attachment");
    }
    if (v == "truncated") return term(terms::kFlag, "truncated");
    if (v == "extract-failed" || v == "extract_failed") return term(terms::kFlag, "extract_failed");
    for (std::string_view p : {"extract-failed:", "extract_failed:"}) {
      if (v.starts_with(p)) return term(terms::kFlag, "extract_failed:" + v.substr(p.size()));
    }
    throw Xapian::QueryParserError("is: knows is:truncated and is:extract-failed[:REASON]");
  }

 private:
  bool has_;
};

// [start, end) of the period a date names, in seconds.
std::pair<double, double> period(const std::string& v) {
  auto bad = [&] { return Xapian::QueryParserError("cannot read the date \"" + v + "\""); };
  unsigned long long y = 0, m = 0, d = 0;
  auto digits = [](std::string_view s, unsigned long long& out) {
    return !s.empty() && util::parse_u64(s, out);
  };
  std::tm tm{};
  if (v.size() == 4 && digits(v, y)) {
    tm.tm_year = static_cast<int>(y) - 1900;
    tm.tm_mday = 1;
    std::tm end = tm;
    end.tm_year += 1;
    return {static_cast<double>(timegm(&tm)), static_cast<double>(timegm(&end))};
  }
  if (v.size() == 7 && v[4] == '-' && digits(v.substr(0, 4), y) && digits(v.substr(5), m) &&
      m >= 1 && m <= 12) {
    tm.tm_year = static_cast<int>(y) - 1900;
    tm.tm_mon = static_cast<int>(m) - 1;
    tm.tm_mday = 1;
    std::tm end = tm;
    end.tm_mon += 1;
    return {static_cast<double>(timegm(&tm)), static_cast<double>(timegm(&end))};
  }
  if (v.size() == 10 && v[4] == '-' && v[7] == '-' && digits(v.substr(0, 4), y) &&
      digits(v.substr(5, 2), m) && digits(v.substr(8), d) && m >= 1 && m <= 12 && d >= 1 &&
      d <= 31) {
    tm.tm_year = static_cast<int>(y) - 1900;
    tm.tm_mon = static_cast<int>(m) - 1;
    tm.tm_mday = static_cast<int>(d);
    std::tm end = tm;
    end.tm_mday += 1;
    return {static_cast<double>(timegm(&tm)), static_cast<double>(timegm(&end))};
  }
  std::string upper = v;
  for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (auto t = util::parse_time(upper)) {
    double s = static_cast<double>(*t / 1000000);
    return {s, s + 1};
  }
  throw bad();
}

class DateField : public Xapian::FieldProcessor {
 public:
  enum class Mode { kRange, kAfter, kBefore };
  DateField(unsigned slot, Mode mode) : slot_(slot), mode_(mode) {}
  Xapian::Query operator()(const std::string& raw) override {
    std::string v = lower(raw);
    if (mode_ == Mode::kAfter) return ge(period(v).first);
    if (mode_ == Mode::kBefore) return le(period(v).first - 1);
    auto dots = v.find("..");
    if (dots == std::string::npos) {
      auto [a, b] = period(v);
      return range(a, b - 1);
    }
    std::string lo = v.substr(0, dots), hi = v.substr(dots + 2);
    if (lo.empty() && hi.empty()) return Xapian::Query::MatchAll;
    if (lo.empty()) return le(period(hi).second - 1);
    if (hi.empty()) return ge(period(lo).first);
    return range(period(lo).first, period(hi).second - 1);
  }

 private:
  Xapian::Query ge(double a) const {
    return Xapian::Query(Xapian::Query::OP_VALUE_GE, slot_, Xapian::sortable_serialise(a));
  }
  Xapian::Query le(double b) const {
    return Xapian::Query(Xapian::Query::OP_VALUE_LE, slot_, Xapian::sortable_serialise(b));
  }
  Xapian::Query range(double a, double b) const {
    return Xapian::Query(Xapian::Query::OP_VALUE_RANGE, slot_, Xapian::sortable_serialise(a),
                         Xapian::sortable_serialise(b));
  }
  unsigned slot_;
  Mode mode_;
};

double size_value(std::string v) {
  double mult = 1;
  if (!v.empty()) {
    char u = v.back();
    if (u == 'k' || u == 'K') mult = 1024.0;
    if (u == 'm' || u == 'M') mult = 1024.0 * 1024;
    if (u == 'g' || u == 'G') mult = 1024.0 * 1024 * 1024;
    if (mult != 1 || u == 'b' || u == 'B') v.pop_back();
  }
  unsigned long long n = 0;
  if (!util::parse_u64(v, n)) throw Xapian::QueryParserError("cannot read the size \"" + v + "\"");
  return static_cast<double>(n) * mult;
}

class SizeField : public Xapian::FieldProcessor {
 public:
  Xapian::Query operator()(const std::string& raw) override {
    std::string v = raw;
    auto slot = terms::kSizeSlot;
    auto q = [slot](Xapian::Query::op op, double x) {
      return Xapian::Query(op, slot, Xapian::sortable_serialise(x));
    };
    if (v.starts_with(">=")) return q(Xapian::Query::OP_VALUE_GE, size_value(v.substr(2)));
    if (v.starts_with("<=")) return q(Xapian::Query::OP_VALUE_LE, size_value(v.substr(2)));
    if (v.starts_with(">")) return q(Xapian::Query::OP_VALUE_GE, size_value(v.substr(1)) + 1);
    if (v.starts_with("<")) return q(Xapian::Query::OP_VALUE_LE, size_value(v.substr(1)) - 1);
    if (auto dots = v.find(".."); dots != std::string::npos) {
      return Xapian::Query(Xapian::Query::OP_VALUE_RANGE, slot,
                           Xapian::sortable_serialise(size_value(v.substr(0, dots))),
                           Xapian::sortable_serialise(size_value(v.substr(dots + 2))));
    }
    double x = size_value(v);
    return Xapian::Query(Xapian::Query::OP_VALUE_RANGE, slot, Xapian::sortable_serialise(x),
                         Xapian::sortable_serialise(x));
  }
};

// A quoted phrase in subject and body (or only one of them, or attachment text). One word: that
// term. More: the deliveries that have all the words and have them in sequence (phrase.hpp).
class PhraseField : public Xapian::FieldProcessor {
 public:
  PhraseField(std::vector<std::string> prefixes, PhraseScope scope, const std::string& stem,
              const Xapian::Database& db, PhraseChecker* checker)
      : prefixes_(std::move(prefixes)), scope_(scope), text_(stem), db_(db), checker_(checker) {}
  Xapian::Query operator()(const std::string& raw) override {
    std::vector<std::string> words = text_.words(raw);
    if (words.empty()) return Xapian::Query::MatchNothing;
    std::vector<Xapian::Query> per_field;
    for (const auto& prefix : prefixes_) {
      std::vector<Xapian::Query> all;
      for (const auto& w : words) all.push_back(term(prefix, w));
      per_field.emplace_back(Xapian::Query::OP_AND, all.begin(), all.end());
    }
    Xapian::Query candidates(Xapian::Query::OP_OR, per_field.begin(), per_field.end());
    if (words.size() == 1) return candidates;
    if (scope_.attachments && !checker_->can_check_attachments())
      throw Xapian::QueryParserError("a phrase in attachment text needs the archive to be checked");
    Xapian::Enquire e(db_);
    e.set_query(candidates);
    e.set_weighting_scheme(Xapian::BoolWeight());
    e.set_docid_order(Xapian::Enquire::ASCENDING);
    std::vector<Xapian::docid> ids;
    Xapian::MSet m = e.get_mset(0, db_.get_doccount());
    ids.reserve(m.size());
    for (auto it = m.begin(); it != m.end(); ++it) ids.push_back(*it);
    std::vector<Xapian::docid> verified = checker_->verify(db_, ids, words, scope_);
    return docid_list_query(std::move(verified));
  }

 private:
  std::vector<std::string> prefixes_;
  PhraseScope scope_;
  TextTerms text_;
  const Xapian::Database& db_;
  PhraseChecker* checker_;
};

// Quoted phrases of free text become phrase fields ("a b" -> _phrase:"a b", body:"a b" ->
// _phrasebody:"a b"); quoted values of other fields (from:"Bob Smith") stay as they are.
std::string rewrite_phrases(const std::string& q) {
  std::string out;
  std::size_t i = 0;
  while (i < q.size()) {
    if (q[i] != '"') {
      out += q[i++];
      continue;
    }
    std::size_t close = q.find('"', i + 1);
    std::size_t end = close == std::string::npos ? q.size() : close + 1;
    // The field name written right before the quote, if any.
    std::size_t colon = out.size();
    std::string field;
    if (colon > 0 && out[colon - 1] == ':') {
      std::size_t start = colon - 1;
      while (start > 0 && std::isalpha(static_cast<unsigned char>(out[start - 1]))) --start;
      field = out.substr(start, colon - 1 - start);
      if (field == "body" || field == "subject" || field == "att") {
        out.erase(start);
        out += "_phrase" + field + ":";
      }
    } else {
      out += "_phrase:";
    }
    out.append(q, i, end - i);
    i = end;
  }
  return out;
}

template <class F, class... A>
Xapian::FieldProcessor* make(A&&... a) {
  return (new F(std::forward<A>(a)...))->release();
}

}  // namespace

Xapian::Query parse_query(const Xapian::Database& db, const std::string& text,
                          const std::string& stem_language, PhraseChecker& phrases) {
  std::string q = fold_accents(util::trim(text));
  if (q.empty()) throw QueryError("empty query (use * for every delivery)");
  if (q == "*") return Xapian::Query::MatchAll;
  q = rewrite_phrases(q);
  Xapian::QueryParser qp;
  qp.set_database(db);
  if (!stem_language.empty() && stem_language != "none") {
    qp.set_stemmer(Xapian::Stem(stem_language));
    qp.set_stemming_strategy(Xapian::QueryParser::STEM_ALL);
  }
  qp.set_default_op(Xapian::Query::OP_AND);
  qp.add_prefix("", std::string(terms::kBody));
  qp.add_prefix("", std::string(terms::kSubject));
  qp.add_prefix("", std::string(terms::kAttachmentText));
  qp.add_prefix("body", std::string(terms::kBody));
  qp.add_prefix("subject", std::string(terms::kSubject));
  qp.add_prefix("att", std::string(terms::kAttachmentText));
  using P = std::vector<std::pair<std::string, std::string>>;
  auto s = [](std::string_view v) { return std::string(v); };
  qp.add_boolean_prefix("from", make<AddressField>(P{{s(terms::kFrom), s(terms::kFromWords)}}),
                        false);
  qp.add_boolean_prefix("to", make<AddressField>(P{{s(terms::kTo), s(terms::kToWords)}}), false);
  qp.add_boolean_prefix("cc", make<AddressField>(P{{s(terms::kCc), s(terms::kCcWords)}}), false);
  qp.add_boolean_prefix("bcc", make<AddressField>(P{{s(terms::kBcc), s(terms::kBccWords)}}), false);
  qp.add_boolean_prefix("rcpt", make<AddressField>(P{{s(terms::kRcpt), s(terms::kRcptWords)}}),
                        false);
  qp.add_boolean_prefix("envto", make<AddressField>(P{{s(terms::kEnvTo), ""}}), false);
  qp.add_boolean_prefix("envfrom", make<AddressField>(P{{s(terms::kEnvFrom), ""}}), false);
  qp.add_boolean_prefix("participant", make<AddressField>(P{{s(terms::kParticipant), ""}}), false);
  qp.add_boolean_prefix("id", make<ExactField>(s(terms::kMessageId), true), false);
  qp.add_boolean_prefix("source", make<ExactField>(s(terms::kSource)), false);
  qp.add_boolean_prefix("mimetype", make<ExactField>(s(terms::kMimeType)), false);
  qp.add_boolean_prefix("attname", make<WordsField>(s(terms::kAttachmentName), db), false);
  using V = std::vector<std::string>;
  auto phrase = [&](V prefixes, PhraseScope scope) {
    return make<PhraseField>(std::move(prefixes), scope, stem_language, db, &phrases);
  };
  qp.add_boolean_prefix("_phrase",
                        phrase({s(terms::kBody), s(terms::kSubject)}, {true, true, false}), false);
  qp.add_boolean_prefix("_phrasebody", phrase({s(terms::kBody)}, {false, true, false}), false);
  qp.add_boolean_prefix("_phrasesubject", phrase({s(terms::kSubject)}, {true, false, false}),
                        false);
  qp.add_boolean_prefix("_phraseatt", phrase({s(terms::kAttachmentText)}, {false, false, true}),
                        false);
  qp.add_boolean_prefix("has", make<FlagField>(true), false);
  qp.add_boolean_prefix("is", make<FlagField>(false), false);
  qp.add_boolean_prefix("size", make<SizeField>(), false);
  qp.add_boolean_prefix("date", make<DateField>(terms::kDateSlot, DateField::Mode::kRange), false);
  qp.add_boolean_prefix("received", make<DateField>(terms::kReceivedSlot, DateField::Mode::kRange),
                        false);
  qp.add_boolean_prefix("after", make<DateField>(terms::kDateSlot, DateField::Mode::kAfter), false);
  qp.add_boolean_prefix("before", make<DateField>(terms::kDateSlot, DateField::Mode::kBefore),
                        false);
  unsigned flags = Xapian::QueryParser::FLAG_BOOLEAN | Xapian::QueryParser::FLAG_PHRASE |
                   Xapian::QueryParser::FLAG_LOVEHATE | Xapian::QueryParser::FLAG_WILDCARD |
                   Xapian::QueryParser::FLAG_PURE_NOT | Xapian::QueryParser::FLAG_CJK_NGRAM;
  try {
    return qp.parse_query(q, flags);
  } catch (const Xapian::QueryParserError& e) {
    throw QueryError("cannot read the query: " + e.get_msg());
  }
}

std::string quote_value(const std::string& value) {
  std::string out = "\"";
  for (char c : value) out += c == '"' ? ' ' : c;
  return out + "\"";
}

}  // namespace postjournal::index
