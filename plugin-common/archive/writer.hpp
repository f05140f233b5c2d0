// The group-commit writer of one tenant archive: one thread per environment. Callers submit a
// delivery and its bytes and wait on the returned future; the thread takes everything pending (up
// to max_batch deliveries / max_batch_bytes, optionally waiting max_wait for more), writes it in
// one transaction, commits with LMDB's full sync and only then completes the futures. Nobody is
// told "stored" before the commit is on disk.
//
// Storage v2 (storage.hpp): submit() compresses and encrypts the blobs it can in the caller's
// thread, outside the write lock; a large blob is encoded part by part in the writer thread
// between its transactions.
//
// Errors are results, never exceptions: a full map (after growing up to the configured cap) or a
// full disk gives Outcome::kArchiveFull, other I/O or LMDB errors, a missing key and the
// maintenance lock (maintenance.hpp) kArchiveFailed; the environment stays intact (a panicked
// environment is reopened) and later batches are tried afresh.
// Thread-safe: submit() from any thread. The destructor drains pending work, then joins.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <future>
#include <mutex>
#include <string>
#include <thread>

#include "archive/content_layout.hpp"
#include "archive/delivery.hpp"
#include "archive/lmdb_env.hpp"
#include "archive/message_bytes.hpp"
#include "archive/storage.hpp"
#include "archive/store_write.hpp"
#include "util/outcome.hpp"

namespace postjournal::archive {

struct StoreResult {
  util::Outcome outcome = util::Outcome::kArchiveFailed;  // kStored, kArchiveFull, kArchiveFailed
  std::uint64_t seq = 0;
  bool content_existed = false;
  bool retransmission = false;  // already archived as delivery `seq`; nothing was added
  std::string detail;           // why it failed (for the log); empty when stored
  bool ok() const { return outcome == util::Outcome::kStored; }
};

struct SubmitOptions {
  // A retransmission of a delivery already in the archive (same bytes, source, MAIL FROM and RCPT
  // TO, received within kRetransmissionWindow) is not stored again: the existing delivery is
  // returned (store_write.hpp). The milter asks for it: a sender that did not see our 250 (a
  // dropped connection, a Postfix failure after the commit) sends the same message again.
  bool merge_retransmission = false;
};

inline constexpr std::uint64_t kLargeBlob = 16ull << 20;

struct WriterOptions {
  std::size_t max_batch = 256;
  std::uint64_t max_batch_bytes = 256ull << 20;
  std::chrono::microseconds max_wait{0};
};

struct WriterStats {
  std::uint64_t commits = 0;
  std::uint64_t deliveries = 0;
};

class Writer {
 public:
  Writer(Environment& env, const Storage& storage, WriterOptions opts);
  ~Writer();
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;

  std::future<StoreResult> submit(Delivery d, MessageBytes bytes, SubmitOptions opts = {});
  WriterStats stats() const;

 private:
  struct Pending {
    Delivery delivery;
    MessageBytes bytes;
    SubmitOptions opts;
    std::vector<Segment> segments;
    std::vector<EncodedBlob> encoded;
    std::promise<StoreResult> done;
    StoreResult result;
  };
  static std::uint64_t batch_bytes(const std::deque<Pending>& batch);
  void run();
  void commit_batch(std::deque<Pending>& batch);
  // Blobs of kLargeBlob bytes or more are written ahead in transactions of that size, so memory
  // stays bounded by kLargeBlob rather than by the message (LMDB keeps a transaction's dirty
  // pages in memory). An interrupted blob stays incomplete and is rewritten, under the same id
  // and key, on the next attempt; a finished blob nobody refers to counts 0 users and verifies.
  // 0, or the LMDB/errno code.
  int store_large_blobs(std::deque<Pending>& batch, StoreResult& failure);
  // One attempt: 0 when committed (each item's result set), else the LMDB/errno code with
  // `failure` filled in.
  int try_commit(std::deque<Pending>& batch, StoreResult& failure);

  Environment& env_;
  const Storage& storage_;
  PieceLayout layout_;
  WriterOptions opts_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Pending> queue_;
  bool stopping_ = false;
  WriterStats stats_;
  std::thread thread_;
};

}  // namespace postjournal::archive
