#include "state/status.hpp"

namespace postjournal::state {

namespace {

constexpr util::TimeUs kHourUs = 3600LL * 1000000;

Health health_of(bool active, std::uint64_t hours, const SourceState& s, util::TimeUs now) {
  if (!active) return Health::kDisabled;
  if (s.failing && now - s.last_failure < 24 * kHourUs) return Health::kFailing;
  if (s.last_message == 0) return Health::kNever;
  if (hours > 0 && now - s.last_message > static_cast<util::TimeUs>(hours) * kHourUs) {
    return Health::kInactive;
  }
  return Health::kOk;
}

std::string type_name(const config::Listener& l) {
  return std::string(config::to_string(l.type));
}
std::string type_name(const config::Mailbox& m) {
  return std::string(config::to_string(m.type));
}
std::string type_name(const config::Microsoft365&) {
  return "import";  // mailbox items (provider MIME), not journal reports
}

template <typename Source>
SourceStatus row(const Source& src, const char* kind,
                 const std::map<std::string, SourceState>& states, util::TimeUs now) {
  SourceStatus r;
  r.name = src.name;
  r.kind = kind;
  r.tenant = src.tenant;
  r.active = src.active;
  r.type = type_name(src);
  r.allowed_inactivity_hours = src.allowed_inactivity_hours;
  if (auto it = states.find(src.name); it != states.end()) r.state = it->second;
  r.last_24h = r.state.last_24h(now);
  r.health = health_of(src.active, src.allowed_inactivity_hours, r.state, now);
  return r;
}

}  // namespace

const char* to_string(Health h) {
  switch (h) {
    case Health::kOk:
      return "OK";
    case Health::kNever:
      return "NEVER";
    case Health::kInactive:
      return "INACTIVE";
    case Health::kFailing:
      return "FAILING";
    case Health::kDisabled:
      return "DISABLED";
  }
  return "?";
}

std::vector<SourceStatus> evaluate(const config::Config& c,
                                   const std::map<std::string, SourceState>& states,
                                   util::TimeUs now) {
  std::vector<SourceStatus> out;
  for (const auto& l : c.listeners) out.push_back(row(l, "listener", states, now));
  for (const auto& m : c.mailboxes) out.push_back(row(m, "mailbox", states, now));
  for (const auto& m : c.microsoft365) out.push_back(row(m, "microsoft365", states, now));
  return out;
}

int status_exit_code(const std::vector<SourceStatus>& rows, std::uint64_t no_tenant_queue) {
  int code = no_tenant_queue > 0 ? 1 : 0;
  for (const auto& r : rows) {
    if (r.health == Health::kFailing || r.health == Health::kInactive) return 2;
    if (r.health == Health::kNever) code = 1;
  }
  return code;
}

}  // namespace postjournal::state
