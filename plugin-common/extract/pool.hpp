// Text extraction from attachments by sandboxed worker processes (postjournal-extract), kept
// alive across attachments so that a process start does not dominate. Each worker runs under
// bubblewrap (Sandbox::kBubblewrap): new user, PID, network (none), IPC, UTS and mount
// namespaces, the host file system read-only (/usr and the worker binary only), a private tmpfs
// on /tmp, no capabilities; and under rlimits in every mode: address space (memory_bytes), CPU
// seconds per request (cpu_seconds), file size, no core files. Sandbox::kNone keeps the rlimits
// only, for hosts without unprivileged user namespaces; document why when choosing it.
//
// extract() never throws for anything the input does: a worker that exceeds its wall-clock
// timeout is killed (reason "timeout"), one that dies answers "crashed" (or "cpu-limit",
// "memory-limit" when it could say so itself); the next request starts a fresh worker. A worker
// that cannot be started gives "sandbox-unavailable". Thread-safe: up to `workers` requests run
// in parallel, further callers wait.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "extract/protocol.hpp"

namespace postjournal::extract {

enum class Sandbox { kBubblewrap, kNone };

struct PoolOptions {
  std::string worker_path;  // the postjournal-extract program (find_worker())
  Sandbox sandbox = Sandbox::kBubblewrap;
  std::string bwrap_path = "/usr/bin/bwrap";
  unsigned workers = 2;
  unsigned timeout_seconds = 60;  // wall clock per attachment
  unsigned cpu_seconds = 30;      // CPU per attachment
  std::uint64_t memory_bytes = 2ull << 30;
  std::uint64_t max_text = 16ull << 20;  // per attachment; longer text is cut and flagged
  unsigned zip_depth = 2;
};

// The worker program: $POSTJOURNAL_EXTRACT when set, else postjournal-extract beside the
// running program, in ../extractor/ of it (a build tree), or /usr/lib/postjournal/.
std::string find_worker();

// The argv that starts one worker (exposed for tests and `postjournal doctor`).
std::vector<std::string> worker_argv(const PoolOptions& o);

class Pool {
 public:
  explicit Pool(PoolOptions o);
  ~Pool();
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;

  Response extract(std::string_view mime_type, std::string_view filename, std::string_view data);

  std::uint64_t starts() const;  // worker processes started so far
  const PoolOptions& options() const { return opts_; }

 private:
  struct Worker;
  std::unique_ptr<Worker> take();
  void give_back(std::unique_ptr<Worker> w);

  PoolOptions opts_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<Worker>> idle_;
  unsigned busy_ = 0;
  std::uint64_t starts_ = 0;
};

}  // namespace postjournal::extract
