#include "m365.hpp"

#include <algorithm>
#include <mutex>
#include <thread>

#include "archive/lmdb_env.hpp"
#include "cloud/graph.hpp"
#include "cloud/oauth2.hpp"
#include "mail_store.hpp"
#include "puller.hpp"
#include "state/progress.hpp"
#include "util/log.hpp"
#include "util/spill_buffer.hpp"

namespace postjournal::fetch {

namespace {

constexpr std::size_t kDownloadsPerMailbox = 4;

std::string delta_key(const std::string& source, const std::string& user,
                      const std::string& folder) {
  return "graph-delta/" + source + "/" + user + "/" + folder;
}

std::string stored_link(const archive::TenantArchive& a, const std::string& key) {
  std::string out;
  a.in_read([&](const archive::Txn& txn, const archive::Databases& dbs) {
    if (auto v = txn.get(dbs.meta, key)) out = std::string(*v);
  });
  return out;
}

void store_link(archive::TenantArchive& a, const std::string& key, const std::string& link) {
  a.in_write([&](archive::Txn& txn, const archive::Databases& dbs) {
    if (link.empty()) {
      txn.del(dbs.meta, key);
    } else {
      txn.put(dbs.meta, key, link);
    }
  });
}

Failure failure_of(const cloud::GraphError& e) {
  if (e.status == 0) return Failure::kConnect;
  if (e.status == 401 || e.status == 403) return Failure::kAuth;
  return Failure::kProtocol;
}

cloud::GraphOptions graph_options(const config::Microsoft365& m, cloud::TokenCache& tokens,
                                  const std::atomic<bool>& stop) {
  cloud::GraphOptions o;
  o.graph_url = m.graph_url;
  o.ca_file = m.ca_file;
  o.tokens = &tokens;
  o.in_flight = 4;
  o.stop = &stop;
  return o;
}

std::function<cloud::Token()> graph_tokens(const config::Microsoft365& m) {
  return [&m] { return cloud::microsoft_token(m, m.graph_url + cloud::kGraphScope); };
}

// One mailbox's retrieval; counts go to `report` under `mu`. A fatal problem (the token, the
// archive) is thrown as FetchError; anything else of this mailbox becomes a gap.
class MailboxRun {
 public:
  // progress(state, archived, remaining, gaps, last_error) is called under no lock.
  using ProgressFn = std::function<void(const std::string&, std::uint64_t, std::uint64_t,
                                        std::uint64_t, const std::string&)>;
  MailboxRun(ingest::Service& service, const config::Config& c, const config::Microsoft365& m,
             cloud::TokenCache& tokens, const std::atomic<bool>& stop, const cloud::User& u,
             M365Report& report, std::mutex& mu, ProgressFn progress)
      : progress_(std::move(progress)),
        service_(service),
        c_(c),
        m_(m),
        stop_(stop),
        user_(u),
        report_(report),
        mu_(mu),
        graph_(graph_options(m, tokens, stop)),
        tenant_(ingest::Service::tenant_of(m.tenant)),
        archive_(service.archive(tenant_)) {}

  void run() {
    std::vector<cloud::Folder> folders;
    try {
      folders = graph_.folders(user_, m_.skip_folders);
    } catch (const cloud::GraphError& e) {
      if (e.status == -1) return;
      gap("mail folders: " + std::string(e.what()));
      progress_("failed", 0, 0, gaps_, last_error_);
      return;
    }
    add([&](M365Report& r) {
      ++r.mailboxes;
      r.folders += folders.size();
    });
    std::uint64_t items = 0;
    for (const auto& f : folders) items += f.items;
    progress_("running", archived_, items, gaps_, last_error_);
    for (const auto& f : folders) {
      if (stop_) return;
      folder(f);
      items -= std::min(items, f.items);
      progress_("running", archived_, items, gaps_, last_error_);
    }
    progress_(gaps_ > 0 ? "done, with gaps" : "done", archived_, 0, gaps_, last_error_);
    util::log(util::LogLevel::kInfo,
              "microsoft365=" + m_.name + " mailbox=" + user_.principal +
                  " folders=" + std::to_string(folders.size()) +
                  " listed=" + std::to_string(listed_) + " archived=" + std::to_string(archived_) +
                  " already=" + std::to_string(already_) + " gone=" + std::to_string(gone_));
  }

 private:
  void add(const std::function<void(M365Report&)>& fn) {
    std::lock_guard<std::mutex> lock(mu_);
    fn(report_);
  }

  void gap(const std::string& what) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      ++gaps_;
      last_error_ = what;
    }
    util::log(util::LogLevel::kWarning,
              "microsoft365=" + m_.name + " mailbox=" + user_.principal + " gap: " + what);
    add([&](M365Report& r) { r.gaps.push_back({user_.principal, what}); });
  }

  void folder(const cloud::Folder& f) {
    std::string key = delta_key(m_.name, user_.id, f.id);
    std::string start = graph_.delta_start(user_, f);
    std::string url = stored_link(*archive_, key);
    if (url.empty()) url = start;
    bool restarted = false;
    bool complete = true;  // every message of the round stored (or gone): the link may be kept
    while (!stop_) {
      cloud::DeltaPage p;
      try {
        p = graph_.delta(url);
      } catch (const cloud::GraphError& e) {
        if (e.status == -1) return;
        if (e.status == 410 && !restarted) {  // the stored state expired: a full round again
          util::log(util::LogLevel::kInfo, "microsoft365=" + m_.name +
                                               " mailbox=" + user_.principal + " folder=" + f.path +
                                               " delta state expired (410): full resync");
          store_link(*archive_, key, "");
          url = start;
          restarted = true;
          continue;
        }
        gap("folder " + f.path + ": " + e.what());
        return;
      }
      listed_ += p.added.size();
      add([&](M365Report& r) { r.listed += p.added.size(); });
      complete = download(f, p.added) && complete;
      if (!p.next_link.empty()) {
        url = p.next_link;
        continue;
      }
      // The round is over: its messages are durable; later rounds start here.
      if (complete && !stop_) store_link(*archive_, key, p.delta_link);
      return;
    }
  }

  // Stores every listed message not yet in the ledger, 4 at a time. False when one failed for
  // a reason that may pass (then the round's delta link is not kept: the next run retries).
  bool download(const cloud::Folder& f, const std::vector<std::string>& ids) {
    std::atomic<std::size_t> next{0};
    std::atomic<bool> complete{true};
    std::mutex fatal_mu;
    std::exception_ptr fatal;
    auto worker = [&] {
      for (std::size_t i; !stop_ && (i = next++) < ids.size();) {
        {
          std::lock_guard<std::mutex> lock(fatal_mu);
          if (fatal) return;
        }
        try {
          if (!one(f, ids[i])) complete = false;
        } catch (...) {
          std::lock_guard<std::mutex> lock(fatal_mu);
          if (!fatal) fatal = std::current_exception();
          return;
        }
      }
    };
    std::vector<std::thread> threads;
    std::size_t n = std::min(kDownloadsPerMailbox, ids.size());
    for (std::size_t t = 1; t < n; ++t) threads.emplace_back(worker);
    worker();
    for (auto& t : threads) t.join();
    if (fatal) std::rethrow_exception(fatal);
    return complete && !stop_;
  }

  bool one(const cloud::Folder& f, const std::string& id) {
    std::string uid = "graph " + user_.id + " " + id;
    if (archive_->fetched(m_.name, graph_.host(), uid)) {
      ++already_;
      add([](M365Report& r) { ++r.already; });
      return true;
    }
    util::SpillBuffer buf(static_cast<std::size_t>(c_.milter_memory_limit), c_.milter_spool_dir,
                          c_.milter_max_message_size);
    try {
      graph_.mime(
          user_, id, [&] { buf.clear(); },
          [&](std::string_view piece) { return buf.append(piece); });
    } catch (const cloud::GraphError& e) {
      if (e.status == -1) return false;
      if (e.status == 404) {
        ++gone_;
        add([](M365Report& r) { ++r.gone; });
        gap("folder " + f.path + ": message " + id + ": deleted since it was listed (404)");
        return true;
      }
      if (e.code == "sinkRefused") {
        gap("folder " + f.path + ": message " + id + ": larger than milter.max_message_size (" +
            std::to_string(c_.milter_max_message_size) + " bytes), not archived");
        return true;
      }
      gap("folder " + f.path + ": message " + id + ": " + e.what() + " (retried next run)");
      return false;
    }
    ingest::TransportFacts facts;
    facts.source = m_.name;
    facts.fetch_server = graph_.host();
    facts.fetch_protocol = "graph";
    facts.fetch_uid = uid;
    facts.fetch_mailbox = user_.principal;
    facts.fetch_folder = f.path;
    facts.fidelity = "provider-mime";
    facts.rcpt_to = {user_.mail.empty() ? user_.principal : user_.mail};
    facts.trust_journal = false;  // a mailbox item, not a journal report we were sent
    std::uint64_t size = buf.size();
    archive::MessageBytes bytes = buf.spilled()
                                      ? archive::MessageBytes::from_file(buf.file_path())
                                      : archive::MessageBytes::from_string(buf.take_memory());
    ingest::Report r = service_.store(tenant_, facts, std::move(bytes));
    if (!r.ok()) {
      throw FetchError(Failure::kArchive, "microsoft365 " + m_.name + " mailbox " +
                                              user_.principal + ": not archived: " + r.detail);
    }
    ++archived_;
    add([&](M365Report& rep) {
      ++rep.archived;
      rep.bytes += size;
    });
    return true;
  }

  ProgressFn progress_;
  ingest::Service& service_;
  const config::Config& c_;
  const config::Microsoft365& m_;
  const std::atomic<bool>& stop_;
  cloud::User user_;
  M365Report& report_;
  std::mutex& mu_;
  cloud::Graph graph_;
  archive::TenantId tenant_;
  std::shared_ptr<archive::TenantArchive> archive_;
  std::atomic<std::size_t> listed_{0}, archived_{0}, already_{0}, gone_{0};
  std::uint64_t gaps_ = 0;  // under mu_
  std::string last_error_;  // under mu_

 public:
  cloud::GraphStats stats() const { return graph_.stats(); }
};

}  // namespace

namespace {

M365Report retrieve_locked(ingest::Service& service, const config::Config& c,
                           const config::Microsoft365& m, const std::atomic<bool>& stop) {
  cloud::TokenCache tokens(graph_tokens(m));
  cloud::Graph directory(graph_options(m, tokens, stop));
  M365Report report;
  std::vector<cloud::User> users;
  try {
    users = directory.users(m.users);
  } catch (const cloud::AuthError& e) {
    throw FetchError(Failure::kAuth, e.what());
  } catch (const cloud::GraphError& e) {
    throw FetchError(failure_of(e), std::string("listing users: ") + e.what());
  }
  std::mutex mu;
  std::mutex progress_mu;  // the table and its file
  state::Progress progress;
  for (const auto& u : users) progress.mailboxes.push_back({u.principal, "queued", 0, 0, 0, {}});
  auto publish = [&](std::size_t i, const std::string& st, std::uint64_t archived,
                     std::uint64_t remaining, std::uint64_t gaps, const std::string& err) {
    std::lock_guard<std::mutex> l(progress_mu);
    auto& row = progress.mailboxes[i];
    row.state = st;
    row.archived = archived;
    row.remaining = remaining;
    row.gaps = gaps;
    row.last_error = err;
    progress.written = util::now_us();
    try {
      state::write_progress(c.archive_root, m.name, progress);
    } catch (const std::exception& e) {
      util::log(util::LogLevel::kWarning,
                "cannot write the progress file: " + std::string(e.what()));
    }
  };
  if (!users.empty()) publish(0, "queued", 0, 0, 0, {});
  std::atomic<std::size_t> next{0};
  std::exception_ptr fatal;
  auto worker = [&] {
    for (std::size_t i; !stop && (i = next++) < users.size();) {
      {
        std::lock_guard<std::mutex> l(mu);
        if (fatal) return;
      }
      try {
        MailboxRun run(
            service, c, m, tokens, stop, users[i], report, mu,
            [&, i](const std::string& st, std::uint64_t a, std::uint64_t r, std::uint64_t g,
                   const std::string& e) { publish(i, st, a, r, g, e); });
        run.run();
        auto s = run.stats();
        std::lock_guard<std::mutex> l(mu);
        report.requests += s.requests;
        report.throttled += s.throttled;
        report.retried += s.retried;
        report.waited_ms += s.waited_ms;
      } catch (const cloud::AuthError& e) {
        publish(i, "failed", 0, 0, 0, e.what());
        std::lock_guard<std::mutex> l(mu);
        if (!fatal) fatal = std::make_exception_ptr(FetchError(Failure::kAuth, e.what()));
      } catch (const std::exception& e) {
        publish(i, "failed", 0, 0, 0, e.what());
        std::lock_guard<std::mutex> l(mu);
        if (!fatal) fatal = std::current_exception();
      }
    }
  };
  std::vector<std::thread> threads;
  std::size_t n = std::min<std::size_t>(m.parallel_mailboxes, users.size());
  for (std::size_t t = 1; t < n; ++t) threads.emplace_back(worker);
  worker();
  for (auto& t : threads) t.join();
  auto s = directory.stats();
  report.requests += s.requests;
  report.throttled += s.throttled;
  report.retried += s.retried;
  report.waited_ms += s.waited_ms;
  if (fatal) std::rethrow_exception(fatal);
  return report;
}

}  // namespace

M365Report retrieve(ingest::Service& service, const config::Config& c,
                    const config::Microsoft365& m, const std::atomic<bool>& stop) {
  util::UniqueFd lock = lock_source(c.archive_root, m.name);
  try {
    return retrieve_locked(service, c, m, stop);
  } catch (const FetchError& e) {
    service.record_failure(m.name, std::string(failure_name(e.failure())) + ": " + e.what());
    throw;
  }
}

bool validate_m365(const config::Microsoft365& m, std::ostream& out) {
  out << "microsoft365 " << m.name << ": application " << m.client_id << " in directory "
      << m.directory_id << "\n";
  try {
    cloud::Token t = cloud::microsoft_token(m, m.graph_url + cloud::kGraphScope);
    out << "  token:    ok from " << cloud::microsoft_token_url(m) << " ("
        << (m.client_secret_file.empty() ? "certificate" : "client secret") << ", valid "
        << (t.expires - util::now_us()) / 1000000 << " s)\n";
  } catch (const cloud::AuthError& e) {
    out << "  token:    FAILED: " << e.what() << "\n";
    return false;
  }
  std::atomic<bool> stop{false};
  cloud::TokenCache tokens(graph_tokens(m));
  cloud::Graph g(graph_options(m, tokens, stop));
  std::vector<cloud::User> users;
  try {
    users = g.users(m.users);
    out << "  users:    " << users.size() << " mailboxes";
    if (!users.empty())
      out << " (" << users.front().principal << (users.size() > 1 ? ", ..." : "") << ")";
    out << "\n";
  } catch (const std::exception& e) {
    out << "  users:    FAILED: " << e.what() << "\n";
    return false;
  }
  if (!users.empty()) {
    try {
      auto folders = g.folders(users.front(), m.skip_folders);
      out << "  folders:  " << folders.size() << " in " << users.front().principal << " (";
      for (std::size_t i = 0; i < folders.size() && i < 5; ++i)
        out << (i ? ", " : "") << folders[i].path;
      out << (folders.size() > 5 ? ", ...)" : ")") << "\n";
    } catch (const std::exception& e) {
      out << "  folders:  FAILED: " << e.what() << "\n";
      return false;
    }
  }
  out << "OK\n";
  return true;
}

}  // namespace postjournal::fetch
