#include "tenant/spf.hpp"

#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <netdb.h>
#include <netinet/in.h>

#include <atomic>
#include <map>

extern "C" {
#include <spf2/spf.h>
#include <spf2/spf_dns_zone.h>
}

namespace postjournal::tenant {

namespace {

struct ServerDeleter {
  void operator()(SPF_server_t* s) const { SPF_server_free(s); }
};
struct DnsDeleter {
  void operator()(SPF_dns_server_t* d) const { SPF_dns_free(d); }
};
struct RequestDeleter {
  void operator()(SPF_request_t* r) const { SPF_request_free(r); }
};
struct ResponseDeleter {
  void operator()(SPF_response_t* r) const { SPF_response_free(r); }
};

// One thread's libspf2 objects for one checker. The server does not own the DNS layer, so the
// server is declared last and destroyed first.
struct ThreadServer {
  std::unique_ptr<SPF_dns_server_t, DnsDeleter> dns;
  std::unique_ptr<SPF_server_t, ServerDeleter> server;
};

std::atomic<std::uint64_t> next_checker_id{1};

class LibSpfChecker final : public SpfChecker {
 public:
  explicit LibSpfChecker(std::vector<ZoneRecord> records, bool use_zone)
      : id_(next_checker_id++), records_(std::move(records)), use_zone_(use_zone) {}

  SpfResult check(const std::string& client_ip, const std::string& mail_from,
                  const std::string& helo) const override {
    SPF_server_t* server = thread_server();
    if (server == nullptr) return SpfResult::kTempError;
    std::unique_ptr<SPF_request_t, RequestDeleter> req(SPF_request_new(server));
    if (!req) return SpfResult::kTempError;
    bool v6 = client_ip.find(':') != std::string::npos;
    SPF_errcode_t err = v6 ? SPF_request_set_ipv6_str(req.get(), client_ip.c_str())
                           : SPF_request_set_ipv4_str(req.get(), client_ip.c_str());
    if (err != SPF_E_SUCCESS) return SpfResult::kPermError;
    if (!helo.empty()) SPF_request_set_helo_dom(req.get(), helo.c_str());
    if (!mail_from.empty() && SPF_request_set_env_from(req.get(), mail_from.c_str()) != 0) {
      return SpfResult::kPermError;
    }
    SPF_response_t* raw = nullptr;
    err = SPF_request_query_mailfrom(req.get(), &raw);
    std::unique_ptr<SPF_response_t, ResponseDeleter> resp(raw);
    if (!resp) return err == SPF_E_DNS_ERROR ? SpfResult::kTempError : SpfResult::kPermError;
    switch (SPF_response_result(resp.get())) {
      case SPF_RESULT_PASS:
        return SpfResult::kPass;
      case SPF_RESULT_FAIL:
        return SpfResult::kFail;
      case SPF_RESULT_SOFTFAIL:
        return SpfResult::kSoftfail;
      case SPF_RESULT_NEUTRAL:
        return SpfResult::kNeutral;
      case SPF_RESULT_NONE:
        return SpfResult::kNone;
      case SPF_RESULT_TEMPERROR:
        return SpfResult::kTempError;
      case SPF_RESULT_PERMERROR:
        return SpfResult::kPermError;
      case SPF_RESULT_INVALID:
      default:
        return err == SPF_E_DNS_ERROR ? SpfResult::kTempError : SpfResult::kPermError;
    }
  }

 private:
  SPF_server_t* thread_server() const {
    thread_local std::map<std::uint64_t, ThreadServer> servers;
    auto it = servers.find(id_);
    if (it != servers.end()) return it->second.server.get();
    ThreadServer ts;
    if (use_zone_) {
      ts.dns.reset(SPF_dns_zone_new(nullptr, "postjournal", 0));
      if (!ts.dns) return nullptr;
      for (const auto& r : records_) {
        ns_type type = r.type == ZoneRecord::Type::kA      ? ns_t_a
                       : r.type == ZoneRecord::Type::kAaaa ? ns_t_aaaa
                                                           : ns_t_txt;
        if (r.type == ZoneRecord::Type::kServfail) {
          SPF_dns_zone_add_str(ts.dns.get(), r.name.c_str(), ns_t_txt, TRY_AGAIN, nullptr);
          SPF_dns_zone_add_str(ts.dns.get(), r.name.c_str(), ns_t_a, TRY_AGAIN, nullptr);
        } else {
          SPF_dns_zone_add_str(ts.dns.get(), r.name.c_str(), type, NETDB_SUCCESS, r.value.c_str());
        }
      }
      ts.server.reset(SPF_server_new_dns(ts.dns.get(), 0));
    } else {
      ts.server.reset(SPF_server_new(SPF_DNS_RESOLV, 0));
    }
    if (!ts.server) return nullptr;
    return servers.emplace(id_, std::move(ts)).first->second.server.get();
  }

  std::uint64_t id_;
  std::vector<ZoneRecord> records_;
  bool use_zone_;
};

}  // namespace

std::string_view to_string(SpfResult r) {
  static constexpr std::string_view kNames[] = {"none",     "neutral",   "pass",     "fail",
                                                "softfail", "temperror", "permerror"};
  return kNames[static_cast<int>(r)];
}

std::shared_ptr<SpfChecker> SpfChecker::resolver() {
  return std::make_shared<LibSpfChecker>(std::vector<ZoneRecord>{}, false);
}

std::shared_ptr<SpfChecker> SpfChecker::zone(std::vector<ZoneRecord> records) {
  return std::make_shared<LibSpfChecker>(std::move(records), true);
}

}  // namespace postjournal::tenant
