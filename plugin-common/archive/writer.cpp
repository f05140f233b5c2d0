#include "archive/writer.hpp"

#include <lmdb.h>

#include <cerrno>
#include <cstring>

#include "archive/keys.hpp"
#include "archive/store_write.hpp"
#include "util/file.hpp"

namespace postjournal::archive {

namespace {

// LMDB reports a short write (the usual face of a full disk) as EIO, so an EIO with less free
// space than the batch needs counts as a full disk too.
StoreResult failure_from(const LmdbError& e, const std::string& dir, std::uint64_t batch_bytes) {
  StoreResult r;
  r.detail = e.what();
  bool full = e.code() == MDB_MAP_FULL || e.code() == ENOSPC || e.code() == EDQUOT;
  if (!full && e.code() == EIO) {
    try {
      full = util::free_bytes(dir) < batch_bytes + (1ull << 20);
    } catch (const std::exception&) {
    }
    if (full) r.detail += " (No space left on device)";
  }
  r.outcome = full ? util::Outcome::kArchiveFull : util::Outcome::kArchiveFailed;
  return r;
}

}  // namespace

Writer::Writer(Environment& env, const Storage& storage, WriterOptions opts)
    : env_(env),
      storage_(storage),
      layout_{env.page_size(), env.inline_max(keys::kPieceKeySize)},
      opts_(opts),
      thread_([this] { run(); }) {}

Writer::~Writer() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

std::future<StoreResult> Writer::submit(Delivery d, MessageBytes bytes, SubmitOptions opts) {
  std::vector<Segment> segments = plan_segments(bytes, d.envelope);  // hashing: caller's thread
  // Compression and encryption in the caller's thread too, for the blobs not stored yet (a
  // blob stored meanwhile only costs the work; one removed meanwhile is encoded by the writer).
  std::vector<EncodedBlob> encoded;
  try {
    auto r = env_.begin_read();
    for (const auto& s : segments) {
      if (s.size >= kLargeBlob) continue;
      auto row = blob_row(r.txn, env_.dbs(), s.sha);
      if (row && (row->version == 1 || row->usable())) continue;
      encoded.push_back(encode_blob(
          storage_,
          bytes.view().substr(static_cast<std::size_t>(s.offset), static_cast<std::size_t>(s.size)),
          s.sha));
    }
  } catch (const std::exception&) {
    encoded.clear();  // the writer encodes them and reports the error with the batch
  }
  Pending p{std::move(d), std::move(bytes), opts, std::move(segments), std::move(encoded), {}, {}};
  auto fut = p.done.get_future();
  {
    std::lock_guard lock(mu_);
    queue_.push_back(std::move(p));
  }
  cv_.notify_one();
  return fut;
}

WriterStats Writer::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

void Writer::run() {
  for (;;) {
    std::deque<Pending> batch;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping and drained
      if (opts_.max_wait.count() > 0 && queue_.size() < opts_.max_batch && !stopping_) {
        cv_.wait_for(lock, opts_.max_wait,
                     [this] { return stopping_ || queue_.size() >= opts_.max_batch; });
      }
      std::uint64_t bytes = 0;
      while (!queue_.empty() && batch.size() < opts_.max_batch &&
             (batch.empty() || bytes + queue_.front().bytes.size() <= opts_.max_batch_bytes)) {
        bytes += queue_.front().bytes.size();
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    commit_batch(batch);
  }
}

std::uint64_t Writer::batch_bytes(const std::deque<Pending>& batch) {
  std::uint64_t bytes = 0;
  for (const auto& p : batch) bytes += p.bytes.size();
  return bytes;
}

void Writer::commit_batch(std::deque<Pending>& batch) {
  std::uint64_t bytes = batch_bytes(batch);
  StoreResult failure;
  bool stored = false;
  try {
    env_.reserve(bytes);
    bool reopened = false;
    for (;;) {
      int code = store_large_blobs(batch, failure);
      if (code == 0) code = try_commit(batch, failure);
      if (code == 0) {
        stored = true;
        break;
      }
      if (code == MDB_MAP_FULL && env_.grow(bytes)) continue;
      if (code == MDB_PANIC && !reopened) {
        // A failed meta write leaves LMDB's environment unusable until it is reopened.
        env_.reopen();
        reopened = true;
        continue;
      }
      break;
    }
  } catch (const std::exception& e) {
    failure.outcome = util::Outcome::kArchiveFailed;
    failure.detail = e.what();
  }
  if (stored) {
    std::lock_guard lock(mu_);
    stats_.commits++;
    stats_.deliveries += batch.size();
  } else {
    for (auto& p : batch) p.result = failure;
  }
  for (auto& p : batch) p.done.set_value(std::move(p.result));
}

int Writer::store_large_blobs(std::deque<Pending>& batch, StoreResult& failure) {
  constexpr auto kPart = static_cast<std::uint32_t>(kLargeBlob / keys::kChunkSize);
  try {
    for (const auto& p : batch) {
      for (const auto& s : p.segments) {
        if (s.size < kLargeBlob) continue;
        std::string_view bytes = p.bytes.view().substr(static_cast<std::size_t>(s.offset),
                                                       static_cast<std::size_t>(s.size));
        BlobPlan plan = storage_.plan(s.sha, s.size);
        {
          auto w = env_.begin_write();
          auto row = blob_row(w.txn, env_.dbs(), s.sha);
          if (row && (row->version == 1 || row->usable())) continue;  // already complete
          begin_large_blob(w.txn, env_.dbs(), storage_, plan);
          w.txn.commit();
        }
        for (std::uint32_t first = 0; first < plan.row.chunk_count; first += kPart) {
          auto chunks = encode_chunks(storage_, plan, bytes, first, kPart);  // outside the lock
          auto w = env_.begin_write();
          put_large_part(w.txn, env_.dbs(), layout_, plan, first, chunks);
          w.txn.commit();
        }
      }
    }
    return 0;
  } catch (const LmdbError& e) {
    failure = failure_from(e, env_.dir(), batch_bytes(batch));
    return e.code();
  }
}

int Writer::try_commit(std::deque<Pending>& batch, StoreResult& failure) {
  try {
    auto w = env_.begin_write();
    for (auto& p : batch) {
      Delivery d = p.delivery;
      WriteOutcome o = write_delivery(w.txn, env_.dbs(), storage_, layout_, d, p.bytes, p.segments,
                                      p.encoded, p.opts.merge_retransmission);
      p.result.outcome = util::Outcome::kStored;
      p.result.seq = o.seq;
      p.result.content_existed = o.content_existed;
      p.result.retransmission = o.retransmission;
    }
    w.txn.commit();
    return 0;
  } catch (const LmdbError& e) {
    failure = failure_from(e, env_.dir(), batch_bytes(batch));
    return e.code();
  }
}

}  // namespace postjournal::archive
