#include "puller.hpp"

#include <fcntl.h>
#include <sys/file.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "cloud/oauth2.hpp"
#include "ingest/ingest.hpp"
#include "state/source_state.hpp"
#include "util/file.hpp"
#include "util/log.hpp"

namespace postjournal::fetch {

namespace {

std::string lock_name(const std::string& mailbox) {
  std::string out;
  for (char ch : mailbox) {
    bool ok = std::isalnum(static_cast<unsigned char>(ch)) || ch == '-' || ch == '_' || ch == '.';
    out.push_back(ok ? ch : '_');
  }
  return out + ".lock";
}

}  // namespace

util::UniqueFd lock_source(const std::string& root, const std::string& mailbox) {
  std::string dir = root + "/_fetch";
  try {
    util::make_dirs(dir);
  } catch (const std::exception& e) {
    throw FetchError(Failure::kArchive, std::string("cannot create lock directory: ") + e.what());
  }
  std::string path = dir + "/" + lock_name(mailbox);
  util::UniqueFd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0640));
  if (fd.get() < 0)
    throw FetchError(Failure::kArchive, "cannot open " + path + ": " + std::strerror(errno));
  if (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
    throw FetchError(Failure::kBusy,
                     "mailbox '" + mailbox + "' is being pulled by another process (" + path + ")");
  }
  return fd;
}

namespace {

ingest::TransportFacts facts_for(const config::Mailbox& m, const ConnectionFacts& c,
                                 const RemoteMessage& rm) {
  ingest::TransportFacts f;
  f.source = m.name;
  f.sasl_login = m.username;
  f.tls_version = c.secured ? "TLS" : "";
  f.fetch_server = c.server;
  f.fetch_protocol = c.protocol;
  f.fetch_uid = rm.uid;
  f.tls_peer = c.tls_peer;
  f.trust_journal = m.type == config::SourceType::kJournaling;
  return f;
}

}  // namespace

std::string credential(const config::Config& c, const config::Mailbox& m) {
  if (!uses_oauth2(m)) return read_password(m);
  try {
    if (!m.oauth2_google_service_account_file.empty()) {
      return cloud::google_token(m.oauth2_google_service_account_file, m.oauth2_token_url,
                                 m.username, m.ca_file)
          .access_token;
    }
    for (const auto& x : c.microsoft365) {
      if (x.name == m.oauth2_microsoft365) {
        return cloud::microsoft_token(x, cloud::kExchangeImapScope).access_token;
      }
    }
  } catch (const cloud::AuthError& e) {
    throw FetchError(Failure::kAuth, std::string("OAuth2 token: ") + e.what());
  }
  throw FetchError(Failure::kConfig, "oauth2.microsoft365 '" + m.oauth2_microsoft365 +
                                         "' names no microsoft365 entry");
}

ConnectionFacts validate(const config::Config& c, const config::Mailbox& m,
                         std::vector<std::string>* folders_out) {
  MailStore store(m, credential(c, m));
  store.connect();
  auto names = store.folders();
  if (folders_out != nullptr) *folders_out = names;
  bool pop3 =
      m.protocol == config::MailProtocol::kPop3 || m.protocol == config::MailProtocol::kPop3s;
  if (!pop3 && std::find(names.begin(), names.end(), m.folder) == names.end()) {
    std::string list;
    for (const auto& n : names) list += (list.empty() ? "" : ", ") + n;
    throw FetchError(Failure::kFolder, "folder '" + m.folder + "' does not exist on " +
                                           store.facts().server + " (folders: " + list + ")");
  }
  store.open_folder();
  ConnectionFacts facts = store.facts();
  (void)store.close(false);
  return facts;
}

namespace {

PullReport pull_locked(ingest::Service& service, const config::Config& c, const config::Mailbox& m,
                       const std::atomic<bool>& stop);

}  // namespace

PullReport pull(ingest::Service& service, const config::Config& c, const config::Mailbox& m,
                const std::atomic<bool>& stop) {
  try {
    PullReport r = pull_locked(service, c, m, stop);
    if (r.archived == 0) {
      try {  // a pull that found nothing new still ends a failing episode
        service.state().update(m.name, [](state::SourceState& st) { st.failing = false; });
      } catch (const std::exception& e) {
        util::log(util::LogLevel::kWarning, "cannot record source state: " + std::string(e.what()));
      }
    }
    return r;
  } catch (const FetchError& e) {
    if (e.failure() != Failure::kBusy) {
      service.record_failure(m.name, std::string(failure_name(e.failure())) + ": " + e.what());
    }
    throw;
  }
}

namespace {

PullReport pull_locked(ingest::Service& service, const config::Config& c, const config::Mailbox& m,
                       const std::atomic<bool>& stop) {
  util::UniqueFd lock = lock_source(c.archive_root, m.name);
  std::shared_ptr<archive::TenantArchive> archive;
  try {
    archive = service.archive(ingest::Service::tenant_of(m.tenant));
  } catch (const std::exception& e) {
    throw FetchError(Failure::kArchive, std::string("cannot open the archive: ") + e.what());
  }
  MailStore store(m, credential(c, m));
  PullReport rep;
  store.connect();
  const ConnectionFacts& cf = store.facts();
  rep.server = cf.server;
  rep.protocol = cf.protocol;
  rep.tls_peer = cf.tls_peer;
  if (cf.secured && !m.validate_certificates) {
    util::log(util::LogLevel::kWarning, "mailbox=" + m.name + " server=" + cf.server +
                                            " certificate not verified "
                                            "(validate_certificates: false) peer=" +
                                            cf.tls_peer);
  }
  try {
    store.open_folder();
    auto messages = store.list();
    rep.listed = messages.size();
    for (const auto& rm : messages) {
      if (stop.load()) break;
      if (archive->fetched(m.name, cf.server, rm.uid)) {
        ++rep.already;
      } else {
        std::string raw = store.fetch(rm);
        std::uint64_t size = raw.size();
        // Failures are recorded by the pull (with their class), not per message.
        ingest::StoreOptions opts;
        opts.record_state = false;
        ingest::Report r = service.store(archive->tenant(), facts_for(m, cf, rm),
                                         archive::MessageBytes::from_string(std::move(raw)), opts);
        if (!r.ok()) {
          throw FetchError(Failure::kArchive, "message " + rm.uid + " not archived: " + r.detail);
        }
        ++rep.archived;
        rep.bytes += size;
        rep.last_id = r.id();
        service.record_stored(m.name, rep.last_id, size);
        util::log(util::LogLevel::kInfo,
                  "mailbox=" + m.name + ": stored " + r.log_fields() + " uid=\"" + rm.uid + "\"");
      }
      if (m.delete_after_indexing) {
        store.mark_deleted(rm);
        ++rep.deleted;
      }
    }
  } catch (...) {
    (void)store.close(m.delete_after_indexing);  // deletions flagged so far are all archived
    throw;
  }
  if (!store.close(m.delete_after_indexing) && rep.deleted > 0) {
    util::log(util::LogLevel::kWarning,
              "mailbox=" + m.name + " could not close the folder cleanly; " +
                  std::to_string(rep.deleted) + " archived messages stay until the next run");
    rep.deleted = 0;
  }
  return rep;
}

}  // namespace

}  // namespace postjournal::fetch
