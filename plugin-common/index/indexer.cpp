#include <malloc.h>
#include <xapian.h>

#include <algorithm>
#include <filesystem>
#include <future>
#include <map>
#include <mutex>
#include <thread>

#include "config/config.hpp"
#include "index/delivery_text.hpp"
#include "index/fold.hpp"
#include "index/index.hpp"
#include "index/phrase.hpp"
#include "index/terms.hpp"
#include "index/text_terms.hpp"
#include "util/file.hpp"
#include "util/log.hpp"
#include "util/strings.hpp"

namespace postjournal::index {

namespace {

constexpr std::size_t kMaxTerm = 240;  // Xapian refuses terms over 245 bytes

std::string folded_lower(std::string_view s) {
  return util::to_lower_ascii(fold_accents(s));
}

void add_exact(Xapian::Document& doc, std::string_view prefix, std::string_view value) {
  if (value.empty()) return;
  std::string t(prefix);
  t += value.substr(0, kMaxTerm - std::min(kMaxTerm, prefix.size()));
  doc.add_boolean_term(t);
}

std::string meta(const Xapian::Database& db, std::string_view key) {
  return db.get_metadata(std::string(key));
}

std::uint64_t meta_number(const Xapian::Database& db, std::string_view key) {
  unsigned long long v = 0;
  std::string s = meta(db, key);
  return !s.empty() && util::parse_u64(s, v) ? v : 0;
}

// Attachments being extracted in this batch, shared by the preparing threads: the same bytes in
// several messages of one batch go to an extractor once (the archive's cache is written after
// the batch).
class BatchCache {
 public:
  // Returns the result of `extract` for this attachment, running it only in the first caller.
  extract::Response get(const util::Digest& sha, const std::function<extract::Response()>& extract,
                        bool& ran) {
    std::shared_future<extract::Response> f;
    std::promise<extract::Response> mine;
    {
      std::lock_guard lock(mu_);
      auto it = map_.find(sha);
      if (it == map_.end()) {
        f = mine.get_future().share();
        map_.emplace(sha, f);
        ran = true;
      } else {
        f = it->second;
        ran = false;
      }
    }
    if (ran) mine.set_value(extract());
    return f.get();
  }

 private:
  std::mutex mu_;
  std::map<util::Digest, std::shared_future<extract::Response>> map_;
};

struct Prepared {
  std::uint64_t seq = 0;
  Xapian::Document doc;
  util::Digest content{};
  std::vector<std::pair<util::Digest, std::string>> cache;
  std::uint64_t extracted = 0;
  std::uint64_t cache_hits = 0;
};

class DocumentBuilder {
 public:
  DocumentBuilder(const IndexOptions& o, archive::TenantArchive& a, extract::Pool& pool,
                  BatchCache& batch)
      : opts_(o), archive_(a), pool_(pool), batch_(batch), text_(o.stem_language) {
    words_.set_flags(Xapian::TermGenerator::FLAG_CJK_NGRAM);
  }

  Prepared build(const archive::Delivery& d) {
    Prepared p;
    p.seq = d.seq;
    p.content = d.content_sha256;
    MessageText mt = read_delivery(archive_, d, opts_.text);
    Xapian::Document& doc = p.doc;
    words_.set_document(doc);

    // Participants.
    auto address = [&](std::string_view prefix, std::string_view words, std::string_view a) {
      std::string v = folded_lower(util::trim(a));
      if (v.empty()) return;
      add_exact(doc, prefix, v);
      if (auto at = v.rfind('@'); at != std::string::npos) add_exact(doc, prefix, v.substr(at));
      if (!words.empty()) words_.index_text_without_positions(v, 1, std::string(words));
    };
    auto rcpt = [&](std::string_view a) { address(terms::kRcpt, terms::kRcptWords, a); };
    address(terms::kFrom, terms::kFromWords, d.envelope.sender);
    address(terms::kFrom, terms::kFromWords, d.envelope.on_behalf_of);
    for (const auto& a : mt.from_addresses) address(terms::kFrom, "", a);
    words_.index_text_without_positions(fold_accents(mt.from), 1, std::string(terms::kFromWords));
    for (const auto& r : d.envelope.recipients) {
      switch (r.kind) {
        case journal::RecipientKind::kTo:
        case journal::RecipientKind::kRecipient:
          address(terms::kTo, terms::kToWords, r.address);
          break;
        case journal::RecipientKind::kCc:
          address(terms::kCc, terms::kCcWords, r.address);
          break;
        case journal::RecipientKind::kBcc:
          address(terms::kBcc, terms::kBccWords, r.address);
          break;
        case journal::RecipientKind::kEnvelope:
        case journal::RecipientKind::kHeader:
          break;
      }
      rcpt(r.address);
      if (!r.expanded_from.empty()) rcpt(r.expanded_from);
      if (!r.forwarded_from.empty()) rcpt(r.forwarded_from);
    }
    for (const auto& a : mt.to_addresses) {
      address(terms::kTo, "", a);
      rcpt(a);
    }
    for (const auto& a : mt.cc_addresses) {
      address(terms::kCc, "", a);
      rcpt(a);
    }
    words_.index_text_without_positions(fold_accents(mt.to), 1, std::string(terms::kToWords));
    words_.index_text_without_positions(fold_accents(mt.cc), 1, std::string(terms::kCcWords));
    for (const auto& a : d.transport.rcpt_to) {
      address(terms::kEnvTo, "", a);
      rcpt(a);
    }
    address(terms::kEnvFrom, "", d.transport.mail_from);
    for (const auto& a : archive::participants(d)) address(terms::kParticipant, "", a);

    // Identity, source, times, size.
    std::string id = mt.message_id;
    if (id.empty() && d.envelope.message_id.size() > 2)
      id = d.envelope.message_id.substr(1, d.envelope.message_id.size() - 2);
    add_exact(doc, terms::kMessageId, util::to_lower_ascii(id));
    add_exact(doc, terms::kSource, folded_lower(d.transport.source));
    double received = static_cast<double>(d.transport.received / 1000000);
    double date = mt.date ? static_cast<double>(*mt.date / 1000000) : received;
    doc.add_value(terms::kDateSlot, Xapian::sortable_serialise(date));
    doc.add_value(terms::kReceivedSlot, Xapian::sortable_serialise(received));
    doc.add_value(terms::kSizeSlot, Xapian::sortable_serialise(static_cast<double>(d.size)));

    // Text.
    std::string subject = mt.subject.empty() ? d.envelope.subject : mt.subject;
    std::vector<std::string> subject_words = text_.add_in_order(doc, subject, terms::kSubject);
    std::vector<std::string> body_words = text_.add_in_order(doc, mt.body, terms::kBody);
    bool truncated = mt.truncated;
    bool failed = false;
    if (!mt.attachments.empty()) add_exact(doc, terms::kFlag, "attachment");
    for (auto& a : mt.attachments) {
      add_exact(doc, terms::kMimeType, a.mime_type);
      if (auto slash = a.mime_type.find('/'); slash != std::string::npos)
        add_exact(doc, terms::kMimeType, a.mime_type.substr(slash + 1));
      words_.index_text_without_positions(fold_accents(a.filename), 1,
                                          std::string(terms::kAttachmentName));
      std::string text = std::move(a.text);
      if (a.needs_extraction) {
        extract::Response r = extract(a, p);
        if (r.status == extract::Status::kFailed) {
          failed = true;
          add_exact(doc, terms::kFlag, "extract_failed");
          add_exact(doc, terms::kFlag, "extract_failed:" + r.reason);
        }
        truncated = truncated || r.truncated;
        if (!text.empty()) text += '\n';
        text += r.text;
      }
      truncated = truncated || a.truncated;
      text_.add(doc, text, terms::kAttachmentText);
    }
    (void)failed;
    if (truncated) add_exact(doc, terms::kFlag, "truncated");
    doc.set_data(encode_sequences(doc, subject_words, body_words));
    return p;
  }

 private:
  extract::Response extract(const Attachment& a, Prepared& p) {
    if (auto cached = archive_.cached_text(a.sha256)) {
      if (auto r = decode_cached(*cached)) {
        ++p.cache_hits;
        return *r;
      }
    }
    bool ran = false;
    extract::Response r = batch_.get(
        a.sha256, [&] { return pool_.extract(a.mime_type, a.filename, a.data); }, ran);
    if (!ran) {
      ++p.cache_hits;
      return r;
    }
    ++p.extracted;
    if (cacheable(r)) p.cache.emplace_back(a.sha256, encode_cached(r));
    return r;
  }

  const IndexOptions& opts_;
  archive::TenantArchive& archive_;
  extract::Pool& pool_;
  BatchCache& batch_;
  TextTerms text_;
  Xapian::TermGenerator words_;
};

// A crash between the two renames of a swap (compaction, rebuild) leaves no <dir> but a complete
// <dir>.compact or <dir>.new: put it in place.
void recover_swap(const std::string& dir) {
  namespace fs = std::filesystem;
  if (fs::exists(dir)) return;
  for (const char* suffix : {".compact", ".new"}) {
    if (fs::exists(dir + suffix + "/iamglass")) {
      fs::rename(dir + suffix, dir);
      break;
    }
  }
  fs::remove_all(dir + ".old");
}

std::string parent_of(const std::string& dir) {
  auto slash = dir.find_last_of('/');
  return slash == std::string::npos ? "." : (slash == 0 ? "/" : dir.substr(0, slash));
}

// A commit whose new files survive a power cut: Xapian syncs the files it writes, not the
// directory entries of the ones it creates (tests/crash/run.sh found the index gone).
void commit_durably(Xapian::WritableDatabase& db, const std::string& dir) {
  db.commit();
  util::fsync_dir(dir);
}

// Puts `fresh` in the place of `dir` (two renames; see recover_swap), durably.
void swap_in(const std::string& dir, const std::string& fresh) {
  namespace fs = std::filesystem;
  std::string old = dir + ".old";
  fs::remove_all(old);
  util::fsync_dir(fresh);
  fs::rename(dir, old);
  fs::rename(fresh, dir);
  util::fsync_dir(parent_of(dir));
  fs::remove_all(old);
}

Xapian::WritableDatabase open_writable(const std::string& dir) {
  recover_swap(dir);
  util::make_dirs(dir);  // fsyncs the parents it changes
  try {
    return Xapian::WritableDatabase(dir, Xapian::DB_CREATE_OR_OPEN);
  } catch (const Xapian::DatabaseLockError&) {
    throw IndexLocked("the index " + dir +
                      " is being written by another process (postjournal-milter's indexer or "
                      "`postjournal index`/`reindex`); only one writer at a time");
  } catch (const Xapian::Error& e) {
    throw std::runtime_error("cannot open the index " + dir + ": " + e.get_description());
  }
}

}  // namespace

IndexOptions index_options(const config::Config& c) {
  IndexOptions o;
  o.enabled = c.index_enabled;
  o.text.max_part_text = c.index_max_part_text;
  o.text.max_message_text = c.index_max_message_text;
  o.batch_bytes = c.index_batch_bytes;
  o.threads = static_cast<unsigned>(c.index_threads);
  o.stem_language = c.index_stem_language;
  o.extract.worker_path = extract::find_worker();
  o.extract.sandbox = c.index_sandbox == config::IndexSandbox::kNone
                          ? extract::Sandbox::kNone
                          : extract::Sandbox::kBubblewrap;
  o.extract.workers = o.threads;
  o.extract.timeout_seconds = static_cast<unsigned>(c.index_extract_timeout);
  o.extract.cpu_seconds = static_cast<unsigned>(c.index_extract_cpu);
  o.extract.memory_bytes = c.index_extract_memory;
  o.extract.max_text = c.index_max_part_text;
  o.extract.zip_depth = static_cast<unsigned>(c.index_zip_depth);
  return o;
}

std::string index_dir(const std::string& archive_root, const archive::TenantId& tenant) {
  return archive_root + "/" + tenant.str() + "/index";
}

IndexState read_state(const std::string& dir) {
  IndexState s;
  if (!std::filesystem::exists(dir + "/iamglass")) return s;
  try {
    Xapian::Database db(dir);
    // An index of another format is as good as none: the indexer rebuilds it.
    if (meta(db, terms::kVersionKey) != terms::kIndexVersion) return s;
    s.exists = true;
    s.watermark = meta_number(db, terms::kWatermarkKey);
    s.documents = db.get_doccount();
    s.extract_failed = db.get_termfreq(std::string(terms::kFlag) + "extract_failed");
    s.truncated = db.get_termfreq(std::string(terms::kFlag) + "truncated");
    s.rebuild_target = meta_number(db, terms::kRebuildKey);
    s.removed_seen = meta_number(db, terms::kRemovedKey);
  } catch (const Xapian::Error&) {
    s.exists = false;
  }
  return s;
}

struct Indexer::Impl {
  archive::TenantArchive& archive;
  std::string dir;
  IndexOptions opts;
  extract::Pool& pool;
  Xapian::WritableDatabase db;

  // Rewrites the index compactly (Xapian's compaction: full B-tree blocks) and swaps it in,
  // holding the write lock throughout; afterwards the index is reopened for writing.
  void compact() {
    namespace fs = std::filesystem;
    std::string tmp = dir + ".compact";
    fs::remove_all(tmp);
    db.set_metadata(std::string(terms::kCompactedKey), std::to_string(db.get_doccount()));
    commit_durably(db, dir);
    // Document ids are delivery seqs: never renumber them (Xapian closes gaps by default).
    Xapian::Database(dir).compact(tmp, Xapian::DBCOMPACT_NO_RENUMBER);
    swap_in(dir, tmp);
    db.close();
    db = open_writable(dir);
  }
};

Indexer::Indexer(archive::TenantArchive& archive, const std::string& dir, const IndexOptions& o,
                 extract::Pool& pool)
    : impl_(std::make_unique<Impl>(Impl{archive, dir, o, pool, open_writable(dir)})) {
  auto& db = impl_->db;
  std::string version = meta(db, terms::kVersionKey);
  if (!version.empty() && version != terms::kIndexVersion) {
    // An index of another format: start again from the archive.
    db.close();
    std::filesystem::remove_all(dir);
    impl_->db = open_writable(dir);
  }
  if (impl_->db.get_doccount() == 0 && meta_number(impl_->db, terms::kWatermarkKey) == 0) {
    std::uint64_t last = archive.last_seq();
    impl_->db.set_metadata(std::string(terms::kVersionKey), std::string(terms::kIndexVersion));
    impl_->db.set_metadata(std::string(terms::kStemKey), o.stem_language);
    if (last > 0) impl_->db.set_metadata(std::string(terms::kRebuildKey), std::to_string(last));
    commit_durably(impl_->db, dir);
  }
}

Indexer::~Indexer() = default;

Progress Indexer::run(const std::atomic<bool>& stop,
                      const std::function<void(const Progress&)>& on_commit) {
  auto& db = impl_->db;
  auto& archive = impl_->archive;
  Progress progress;
  try {
    progress.watermark = meta_number(db, terms::kWatermarkKey);
    auto removed = archive.removed();
    if (removed.size() != meta_number(db, terms::kRemovedKey)) {
      for (std::uint64_t seq : removed) {
        if (seq == 0 || seq > 0xffffffffu) continue;
        try {
          db.delete_document(static_cast<Xapian::docid>(seq));
          ++progress.removed;
        } catch (const Xapian::DocNotFoundError&) {
        }
      }
      db.set_metadata(std::string(terms::kRemovedKey), std::to_string(removed.size()));
      commit_durably(db, impl_->dir);
    }
    // Two stages overlap: while the writer adds batch N to Xapian and commits it, batch N+1 is
    // being prepared (read, decoded, extracted, turned into terms) by `threads` threads.
    unsigned threads = std::max(1u, impl_->opts.threads);
    std::uint64_t fetched_up_to = progress.watermark;
    auto fetch = [&] {
      auto b = archive.after(fetched_up_to, impl_->opts.batch_count, impl_->opts.batch_bytes);
      if (!b.empty()) fetched_up_to = b.back().seq;
      return b;
    };
    auto prepare = [&archive, this, threads](std::vector<archive::Delivery> batch) {
      std::vector<Prepared> prepared(batch.size());
      std::atomic<std::size_t> next{0};
      std::exception_ptr failure;
      std::mutex failure_mu;
      BatchCache batch_cache;
      auto work = [&] {
        DocumentBuilder builder(impl_->opts, archive, impl_->pool, batch_cache);
        for (std::size_t i = next++; i < batch.size(); i = next++) {
          try {
            prepared[i] = builder.build(batch[i]);
          } catch (...) {
            std::lock_guard lock(failure_mu);
            if (!failure) failure = std::current_exception();
          }
        }
      };
      std::vector<std::thread> pool;
      for (unsigned t = 1; t < std::min<std::size_t>(threads, batch.size()); ++t)
        pool.emplace_back(work);
      work();
      for (auto& t : pool) t.join();
      if (failure) std::rethrow_exception(failure);
      archive.drop_mapped_pages();  // what was read is in `prepared` now
      return prepared;
    };
    std::future<std::vector<Prepared>> next_batch;
    if (!stop.load()) {
      auto first = fetch();
      if (!first.empty()) next_batch = std::async(std::launch::async, prepare, std::move(first));
    }
    while (next_batch.valid()) {
      std::vector<Prepared> prepared = next_batch.get();
      if (stop.load()) break;  // what was prepared meanwhile is indexed by the next run
      {
        auto more = fetch();
        if (!more.empty()) next_batch = std::async(std::launch::async, prepare, std::move(more));
      }
      for (auto& p : prepared) {
        if (p.seq > 0xffffffffu) throw std::runtime_error("delivery seq beyond the index's range");
        db.replace_document(static_cast<Xapian::docid>(p.seq), p.doc);
        if (!p.cache.empty()) archive.cache_texts(p.content, p.cache);
        progress.extracted += p.extracted;
        progress.cache_hits += p.cache_hits;
      }
      progress.indexed += prepared.size();
      progress.watermark = prepared.back().seq;
      db.set_metadata(std::string(terms::kWatermarkKey), std::to_string(progress.watermark));
      std::uint64_t target = meta_number(db, terms::kRebuildKey);
      if (target != 0 && progress.watermark >= target)
        db.set_metadata(std::string(terms::kRebuildKey), "");
      commit_durably(db, impl_->dir);
      // The batch's memory is free now; hand it back so that a long catch-up keeps a flat
      // footprint (glibc keeps freed memory in per-thread arenas otherwise).
      ::malloc_trim(0);
      if (on_commit) on_commit(progress);
    }
    // Incremental commits leave B-tree blocks half full; compact whenever the index has doubled
    // since it was last compacted (amortised: each document is rewritten a bounded number of
    // times). Measured on the bench corpus: 0.59x the mail bytes before, 0.28x after.
    std::uint64_t docs = db.get_doccount();
    bool erased = impl_->opts.compact_after_removal && progress.removed > 0;
    if (!stop.load() && (erased || (progress.indexed > 0 && docs >= impl_->opts.compact_min_docs &&
                                    docs >= 2 * meta_number(db, terms::kCompactedKey)))) {
      impl_->compact();
      progress.compacted = true;
    }
  } catch (const Xapian::Error& e) {
    throw std::runtime_error("index " + impl_->dir + ": " + e.get_description());
  }
  return progress;
}

Progress rebuild(archive::TenantArchive& archive, const std::string& dir, const IndexOptions& o,
                 extract::Pool& pool, const std::atomic<bool>& stop,
                 const std::function<void(const Progress&)>& on_commit) {
  Xapian::WritableDatabase lock = open_writable(dir);  // held until the swap is done
  std::string fresh = dir + ".new";
  std::filesystem::remove_all(fresh);
  Progress p;
  {
    Indexer indexer(archive, fresh, o, pool);
    p = indexer.run(stop, on_commit);
  }
  if (stop.load()) {
    std::filesystem::remove_all(fresh);
    return p;
  }
  swap_in(dir, fresh);
  lock.close();
  return p;
}

std::vector<std::uint64_t> indexed_seqs(const std::string& dir) {
  std::vector<std::uint64_t> out;
  try {
    Xapian::Database db(dir);
    for (auto it = db.postlist_begin(""); it != db.postlist_end(""); ++it) out.push_back(*it);
  } catch (const Xapian::DatabaseOpeningError&) {
    throw IndexMissing("no index in " + dir);
  } catch (const Xapian::Error& e) {
    throw std::runtime_error("index " + dir + ": " + e.get_description());
  }
  return out;
}

Coverage check_coverage(const archive::TenantArchive& a, const std::string& dir) {
  Coverage c;
  IndexState st = read_state(dir);
  if (!st.exists) return c;
  c.exists = true;
  c.watermark = st.watermark;
  std::vector<std::uint64_t> indexed = indexed_seqs(dir);
  std::size_t i = 0;
  std::uint64_t after = 0;
  for (;;) {
    auto page = a.after(after, 10000, ~0ull);
    if (page.empty()) break;
    for (const auto& d : page) {
      while (i < indexed.size() && indexed[i] < d.seq) c.stale.push_back(indexed[i++]);
      bool found = i < indexed.size() && indexed[i] == d.seq;
      if (found) ++i;
      if (d.seq > c.watermark) continue;
      if (found) {
        ++c.covered;
      } else {
        c.missing.push_back(d.seq);
      }
    }
    after = page.back().seq;
  }
  while (i < indexed.size()) c.stale.push_back(indexed[i++]);
  return c;
}

}  // namespace postjournal::index
