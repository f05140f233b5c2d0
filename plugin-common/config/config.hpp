// The postjournal configuration: one YAML file (default /etc/postjournal/postjournal.yaml),
// loaded into an immutable Config snapshot. One schema (schema.cpp: key, type, default, bounds,
// doc for the top-level sections, for a listener and for a mailbox) drives loading, validation
// and conf/postjournal.yaml.sample. Unknown keys, bad values and inconsistent listeners are
// errors reported as "file:line: message" through ConfigError. Only config/ includes yaml-cpp.
// Thread-safe: loading has no shared state; a Config is immutable once loaded.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "util/cidr.hpp"

namespace postjournal::config {

inline constexpr const char* kDefaultConfigPath = "/etc/postjournal/postjournal.yaml";

enum class AuthMethod { kIp, kIpDomain, kSmtp, kSpf };
enum class SourceType { kJournaling, kForward };
enum class AfterArchive { kDiscard, kAccept };
enum class Unassigned { kQueue, kReject };
enum class NoReply { kAuto, kYes, kNo };
enum class MailProtocol { kImap, kImaps, kPop3, kPop3s };
enum class StartTls { kNo, kYes, kRequired };
enum class IndexSandbox { kBubblewrap, kNone };
enum class Compression { kZstd, kNone };
enum class Encryption { kNone, kAes256Gcm };

std::string_view to_string(AuthMethod m);
std::string_view to_string(SourceType t);

// A retention period: "10y", "6m", "30d", or "forever" (README, Retention and legal hold).
struct Period {
  bool forever = false;
  std::uint32_t count = 0;
  char unit = 'd';  // 'd', 'm' or 'y'
  std::string text() const;
  // A rough length in days (y = 365, m = 30), only to compare periods in validation.
  std::uint64_t approx_days() const;
  bool operator==(const Period&) const = default;
};
// "10y", "6m", "30d" (count 0..10000), "forever"; nullopt otherwise.
std::optional<Period> parse_period(const std::string& text);

// What a retention rule matches; every key given must match (AND). Globs are shell-style and
// case-insensitive; a sender/recipient pattern without '@' matches the address's domain.
struct RetentionMatch {
  std::string source;     // transport source: listener, mailbox or microsoft365 name, "import"
  std::string sender;     // the journal envelope's sender (else MAIL FROM)
  std::string recipient;  // any recipient, BCC and expanded members included
  std::string query;      // a search query (needs the tenant's index)
};

struct RetentionRule {
  std::string name;
  RetentionMatch match;
  std::optional<Period> keep, minimum;  // unset: the policy's
  int line = 0;
};

struct RetentionPolicy {
  std::string tenant;                   // empty for retention.default
  std::optional<Period> keep, minimum;  // keep unset: forever; minimum unset: none
  std::vector<RetentionRule> rules;
  int line = 0;
};

struct RetentionConfig {
  std::optional<RetentionPolicy> default_policy;  // absent: tenants without a policy keep forever
  std::vector<RetentionPolicy> policies;
  std::uint64_t purge_interval = 3600;  // seconds between the milter's purge runs
  std::uint64_t purge_batch = 256;      // deliveries removed per transaction
  // The policy of `tenant`: its own, else the default, else nullptr (always for _no-tenant).
  const RetentionPolicy* policy_for(const std::string& tenant) const;
};

// A "Mail Source" reached by SMTP: how its transactions are recognised and what they are.
struct Listener {
  std::string name;
  std::string tenant;
  bool active = true;
  SourceType type = SourceType::kJournaling;
  std::string hosted_by;  // microsoft | google | zimbra | amazon | other
  AuthMethod method = AuthMethod::kIp;
  std::vector<util::Cidr> ips;
  std::string domain;    // lower case
  std::string username;  // SASL login
  std::uint64_t allowed_inactivity_hours = 0;
  std::string recipient;         // hardening: RCPT TO must equal this (lower case)
  std::string microsoft_tenant;  // hardening: X-OriginatorOrg / X-MS-Exchange-CrossTenant-Id
  AfterArchive after_archive = AfterArchive::kDiscard;
  int line = 0;  // where it is defined, for messages
};

// A journal mailbox pulled by postjournal-fetch.
struct Mailbox {
  std::string name;
  std::string tenant;
  bool active = true;
  MailProtocol protocol = MailProtocol::kImaps;
  StartTls starttls = StartTls::kNo;
  std::string host;
  std::uint64_t port = 0;  // 0: the protocol's default port
  std::string username;
  std::string password;
  std::string password_file;
  std::string folder;
  SourceType type = SourceType::kJournaling;
  bool delete_after_indexing = true;
  bool validate_certificates = true;
  std::string ca_file;
  std::uint64_t poll_interval = 0;  // seconds
  std::uint64_t allowed_inactivity_hours = 0;
  // SASL XOAUTH2 instead of a password (then password and password_file stay empty): the token
  // of the microsoft365 entry named here (Exchange Online IMAP.AccessAsApp / POP.AccessAsApp),
  // or of a Google service account with domain-wide delegation (JWT bearer, sub = username).
  std::string oauth2_microsoft365;
  std::string oauth2_google_service_account_file;
  std::string oauth2_token_url;
  int line = 0;
};

// A Microsoft 365 organisation whose mailboxes postjournal-fetch retrieves through Microsoft
// Graph (README, Importing existing Microsoft 365 mailboxes): an Entra ID application with the
// application permissions Mail.Read and User.Read.All, authenticated by a client secret or a
// certificate.
struct Microsoft365 {
  std::string name;
  std::string tenant;  // the postjournal tenant whose archive receives the mail
  bool active = true;
  std::string directory_id;  // the Entra (Azure AD) tenant id or domain
  std::string client_id;
  std::string client_secret_file;
  std::string certificate_file;  // PEM certificate registered with the application
  std::string private_key_file;  // its PEM private key
  // ["all"], addresses (user principal names), or ["group:ID"] (the members of a group).
  std::vector<std::string> users;
  std::vector<std::string> skip_folders;  // display names at any depth
  std::uint64_t poll_interval = 0;        // seconds
  std::uint64_t parallel_mailboxes = 0;
  std::string login_url;  // the identity platform (sovereign clouds differ)
  std::string graph_url;  // Microsoft Graph's root
  std::string ca_file;    // extra trusted CA (PEM) for both
  std::uint64_t allowed_inactivity_hours = 0;
  int line = 0;
};

// postjournal-web (README, Web): who may read what. Roles of identities that the web server in
// front authenticated (web.roles) and of local accounts (`postjournal user`, access/accounts.hpp).
enum class Role : std::uint8_t { kOperator, kAuditor, kUser };
std::string_view to_string(Role r);
// False when text is not operator, auditor or user.
bool parse_role(std::string_view text, Role& out);

struct WebRole {
  std::string user;  // the authenticated name, as the identity header carries it
  Role role = Role::kUser;
  std::vector<std::string> tenants;    // auditor/operator: readable tenants ("*": every tenant)
  std::vector<std::string> domains;    // auditor: only deliveries with a participant there
  std::vector<std::string> addresses;  // user: his addresses
  int line = 0;
};

enum class SecureCookies { kAuto, kYes };

struct Config {
  std::string source;  // file the values came from, or "(defaults)"
  std::string milter_socket;
  std::string milter_user;
  std::uint64_t milter_max_message_size = 0;
  std::uint64_t milter_memory_limit = 0;
  std::string milter_spool_dir;
  std::uint64_t milter_commit_timeout = 0;  // seconds
  NoReply milter_no_reply = NoReply::kAuto;
  std::string archive_root;
  std::uint64_t archive_initial_map_size = 0;
  std::uint64_t archive_max_map_size = 0;
  std::uint64_t archive_batch_max = 0;
  std::uint64_t archive_batch_bytes = 0;
  std::uint64_t archive_batch_wait_ms = 0;
  Compression archive_compression = Compression::kZstd;
  std::uint64_t archive_compression_level = 0;
  Encryption archive_encryption = Encryption::kNone;
  std::string archive_key_dir;
  Unassigned unassigned = Unassigned::kQueue;
  std::string alerts_email;
  std::uint64_t alerts_check_interval = 0;  // seconds
  std::string alerts_sendmail;
  std::string metrics_file;
  std::uint64_t metrics_interval = 0;  // seconds
  bool index_enabled = true;
  std::uint64_t index_batch_bytes = 0;
  std::uint64_t index_threads = 0;
  std::uint64_t index_max_part_text = 0;
  std::uint64_t index_max_message_text = 0;
  std::string index_stem_language;
  IndexSandbox index_sandbox = IndexSandbox::kBubblewrap;
  std::uint64_t index_extract_timeout = 0;  // seconds
  std::uint64_t index_extract_cpu = 0;      // seconds
  std::uint64_t index_extract_memory = 0;
  std::uint64_t index_zip_depth = 0;
  // RFC 3161 anchoring of every tenant's chains (stamp/); off while timestamp_url is empty.
  std::string timestamp_url;
  std::uint64_t timestamp_interval = 0;  // seconds
  std::uint64_t timestamp_max_deliveries = 0;
  std::string timestamp_ca_file;
  std::string timestamp_policy;
  std::string timestamp_tls_ca_file;
  std::string timestamp_client_cert;
  std::string timestamp_client_key;
  std::string timestamp_username;
  std::string timestamp_password_file;
  std::uint64_t timestamp_timeout = 0;      // seconds
  std::uint64_t timestamp_alert_after = 0;  // seconds
  // postjournal-web (web/).
  std::string web_listen;
  std::string web_trusted_header;  // empty: no front-door identity
  std::vector<util::Cidr> web_trusted_from;
  std::string web_addresses_header;
  SecureCookies web_secure_cookies = SecureCookies::kAuto;
  std::uint64_t web_session_ttl = 0;   // seconds
  std::uint64_t web_session_idle = 0;  // seconds
  std::string web_users_file;          // empty: <archive.root>/web-users
  std::uint64_t web_threads = 0;
  std::uint64_t web_max_request = 0;
  std::uint64_t web_login_failures = 0;
  std::uint64_t web_export_limit = 0;
  std::vector<WebRole> web_roles;
  std::vector<Listener> listeners;
  std::vector<Mailbox> mailboxes;
  std::vector<Microsoft365> microsoft365;
  RetentionConfig retention;
};

class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Every key at its default; no listeners, no mailboxes.
Config defaults();
// Throws ConfigError ("file:line: message") on unreadable files, YAML syntax errors, unknown keys,
// values out of bounds and inconsistent listeners or mailboxes.
Config load_file(const std::string& path);
Config load_string(const std::string& yaml, const std::string& name_for_errors);

// The sample configuration file generated from the schema (every key, its default and doc).
std::string render_sample();
// The effective configuration as YAML.
std::string render(const Config& c);

}  // namespace postjournal::config
