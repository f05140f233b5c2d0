#include "access_log.hpp"

#include <algorithm>
#include <map>

#include "archive/removal.hpp"
#include "util/time.hpp"

namespace postjournal::web {

AccessLog::AccessLog() : thread_([this] { run(); }) {}

AccessLog::~AccessLog() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

std::uint64_t AccessLog::commits() const {
  std::lock_guard lock(mu_);
  return commits_;
}

std::uint64_t AccessLog::record(const std::shared_ptr<archive::TenantArchive>& archive,
                                archive::AuditEntry e) {
  std::vector<Item> one;
  one.push_back({archive, std::move(e)});
  return wait(queue(std::move(one)))[0];
}

std::vector<std::shared_ptr<AccessLog::Pending>> AccessLog::queue(std::vector<Item> items) {
  std::vector<std::shared_ptr<Pending>> out;
  util::TimeUs now = util::now_us();
  std::lock_guard lock(mu_);
  for (auto& i : items) {
    auto p = std::make_shared<Pending>();
    p->archive = std::move(i.archive);
    p->entry = std::move(i.entry);
    p->entry.time = now;
    queue_.push_back(p);
    out.push_back(std::move(p));
  }
  wake_.notify_one();
  return out;
}

std::vector<std::uint64_t> AccessLog::wait(const std::vector<std::shared_ptr<Pending>>& pending) {
  std::unique_lock lock(mu_);
  done_.wait(lock, [&] {
    return std::all_of(pending.begin(), pending.end(), [](const auto& p) { return p->done; });
  });
  std::vector<std::uint64_t> seqs;
  for (const auto& p : pending) {
    if (p->error) std::rethrow_exception(p->error);
    seqs.push_back(p->entry.seq);
  }
  return seqs;
}

void AccessLog::record(std::vector<Item> items) {
  if (!items.empty()) wait(queue(std::move(items)));
}

void AccessLog::run() {
  std::unique_lock lock(mu_);
  for (;;) {
    wake_.wait(lock, [&] { return stop_ || !queue_.empty(); });
    if (queue_.empty() && stop_) return;
    std::vector<std::shared_ptr<Pending>> work = std::move(queue_);
    queue_.clear();
    lock.unlock();
    // One write transaction per archive, entries in arrival order.
    std::map<archive::TenantArchive*, std::vector<Pending*>> by_archive;
    for (auto& p : work) by_archive[p->archive.get()].push_back(p.get());
    std::uint64_t commits = 0;
    for (auto& [a, items] : by_archive) {
      try {
        a->in_write([&](archive::Txn& txn, const archive::Databases& dbs) {
          for (Pending* p : items) archive::append_audit(txn, dbs, p->entry);
        });
        ++commits;
      } catch (...) {
        for (Pending* p : items) p->error = std::current_exception();
      }
    }
    lock.lock();
    commits_ += commits;
    for (auto& p : work) p->done = true;
    done_.notify_all();
  }
}

}  // namespace postjournal::web
