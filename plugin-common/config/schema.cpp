#include "config/schema.hpp"

#include <cctype>
#include <string_view>

#include "archive/tenant_id.hpp"
#include "util/strings.hpp"

namespace postjournal::config {

namespace {

constexpr std::uint64_t kMiB = 1ull << 20;

template <class T>
FieldSpec<T> text(std::string key, std::string T::*m, std::string def, std::string doc,
                  KeyType type = KeyType::kString, bool required = false) {
  return {std::move(key),
          type,
          std::move(def),
          required,
          0,
          0,
          {},
          std::move(doc),
          [m](T& t, const Value& v) { t.*m = v.text; },
          [m](const T& t) { return t.*m; }};
}

template <class T>
FieldSpec<T> number(std::string key, KeyType type, std::uint64_t T::*m, std::string def,
                    std::uint64_t min, std::uint64_t max, std::string doc) {
  return {std::move(key),
          type,
          std::move(def),
          false,
          min,
          max,
          {},
          std::move(doc),
          [m](T& t, const Value& v) { t.*m = v.number; },
          [m](const T& t) { return std::to_string(t.*m); }};
}

template <class T>
FieldSpec<T> flag(std::string key, bool T::*m, bool def, std::string doc) {
  return {std::move(key),
          KeyType::kBool,
          def ? "true" : "false",
          false,
          0,
          0,
          {},
          std::move(doc),
          [m](T& t, const Value& v) { t.*m = v.flag; },
          [m](const T& t) { return std::string(t.*m ? "true" : "false"); }};
}

// E's enumerators are in the order of `choices`.
template <class T, class E>
FieldSpec<T> choice(std::string key, E T::*m, std::vector<std::string> choices, std::string def,
                    std::string doc, bool required = false) {
  auto names = choices;
  return {std::move(key),
          KeyType::kChoice,
          std::move(def),
          required,
          0,
          0,
          std::move(choices),
          std::move(doc),
          [m](T& t, const Value& v) { t.*m = static_cast<E>(v.choice); },
          [m, names](const T& t) { return names.at(static_cast<std::size_t>(t.*m)); }};
}

template <class T>
FieldSpec<T> cidrs(std::string key, std::vector<util::Cidr> T::*m, std::string doc) {
  return {std::move(key),
          KeyType::kCidrList,
          "",
          false,
          0,
          0,
          {},
          std::move(doc),
          [m](T& t, const Value& v) { t.*m = v.cidrs; },
          [m](const T& t) {
            std::string out = "[";
            for (const auto& c : t.*m) out += (out.size() > 1 ? ", " : "") + c.str();
            return out + "]";
          }};
}

template <class T>
FieldSpec<T> strings(std::string key, std::vector<std::string> T::*m, std::string def,
                     std::string doc, bool required = false) {
  return {std::move(key),
          KeyType::kList,
          std::move(def),
          required,
          0,
          0,
          {},
          std::move(doc),
          [m](T& t, const Value& v) { t.*m = v.list; },
          [m](const T& t) {
            const auto& v = t.*m;
            if (v.size() == 1 && v[0].rfind("group:", 0) == 0)
              return "{group: " + v[0].substr(6) + "}";
            std::string out = "[";
            for (const auto& s : v) out += (out.size() > 1 ? ", " : "") + ("\"" + s + "\"");
            return out + "]";
          }};
}

}  // namespace

const std::vector<FieldSpec<Config>>& top_fields() {
  using C = Config;
  static const std::vector<FieldSpec<C>> kFields = {
      text<C>("milter.socket", &C::milter_socket, "unix:/var/spool/postfix/postjournal/milter.sock",
              "Where postjournal-milter listens: unix:/path or inet:port@127.0.0.1. The default "
              "is inside Postfix's chroot (Debian runs smtpd chrooted in /var/spool/postfix), "
              "where smtpd_milters names it unix:/postjournal/milter.sock "
              "(scripts/postfix-setup.sh writes the right one)."),
      text<C>("milter.user", &C::milter_user, "postjournal",
              "User the milter runs as after opening its socket (it must own archive.root)."),
      number<C>("milter.max_message_size", KeyType::kSize, &C::milter_max_message_size, "200M",
                kMiB, 1ull << 40,
                "Largest message accepted; larger ones are refused with 552 before any byte is "
                "stored. Keep it above Postfix's message_size_limit."),
      number<C>("milter.memory_limit", KeyType::kSize, &C::milter_memory_limit, "4M", 64 * 1024,
                1ull << 30,
                "Message bytes kept in memory per transaction; beyond, they spill to "
                "milter.spool_dir."),
      text<C>("milter.spool_dir", &C::milter_spool_dir, "/var/spool/postjournal",
              "Directory for messages larger than milter.memory_limit while they are received."),
      number<C>("milter.commit_timeout", KeyType::kSeconds, &C::milter_commit_timeout, "120", 1,
                3600,
                "Seconds to wait for the durable commit before answering 451 (try again later)."),
      choice<C>("milter.no_reply", &C::milter_no_reply, {"auto", "yes", "no"}, "auto",
                "Negotiate the milter protocol's no-reply flags for the steps that always "
                "continue (connect, HELO, DATA, headers, end of headers, body), so Postfix does "
                "not wait for those answers. auto: what measured faster for the socket kind (yes "
                "for unix and TCP: README, Performance); no: every step answered."),
      text<C>("archive.root", &C::archive_root, "/var/lib/postjournal",
              "Directory holding one LMDB archive per tenant (<root>/<tenant>/) and the No Tenant "
              "queue (<root>/_no-tenant/)."),
      number<C>("archive.initial_map_size", KeyType::kSize, &C::archive_initial_map_size, "64M",
                kMiB, 1ull << 50,
                "Initial LMDB map size of a new archive; the map grows "
                "automatically."),
      number<C>("archive.max_map_size", KeyType::kSize, &C::archive_max_map_size, "1T", kMiB,
                1ull << 50,
                "Largest map an archive may grow to. When reached, new mail is answered 452 4.3.1 "
                "(try later) and the archive stays intact."),
      number<C>("archive.batch_max", KeyType::kCount, &C::archive_batch_max, "256", 1, 100000,
                "Most deliveries committed together in one durable group commit."),
      number<C>("archive.batch_bytes", KeyType::kSize, &C::archive_batch_bytes, "256M", kMiB,
                1ull << 40,
                "Most message bytes in one group commit (a larger single message is committed "
                "alone)."),
      number<C>("archive.batch_wait_ms", KeyType::kCount, &C::archive_batch_wait_ms, "0", 0, 1000,
                "Milliseconds the writer waits for more deliveries before committing a partial "
                "batch; 0 commits at once (batches still form while a commit is on its way to "
                "disk)."),
      choice<C>("archive.compression", &C::archive_compression, {"zstd", "none"}, "zstd",
                "How stored message bytes are compressed, chunk by chunk (a chunk that does not "
                "shrink is stored as it is). The SHA-256 recorded at receipt is always that of "
                "the bytes received, and exports give them back byte for byte."),
      number<C>("archive.compression_level", KeyType::kCount, &C::archive_compression_level, "3", 1,
                19,
                "zstd level: 1 is fastest, 19 smallest (README, Performance, has the figures "
                "for 3)."),
      choice<C>("archive.encryption", &C::archive_encryption, {"none", "aes-256-gcm"}, "none",
                "Encryption at rest of stored message bytes and of the indexer's text cache: "
                "aes-256-gcm under a data key per stored blob, wrapped by the tenant's key in "
                "archive.key_dir (create it first: postjournal key init --tenant T). Delivery "
                "records (addresses, subjects, Message-IDs) and the indexes stay readable: "
                "use volume encryption (LUKS) for those. An encrypted archive is never written "
                "in clear text: with none, the milter refuses to start on one."),
      text<C>("archive.key_dir", &C::archive_key_dir, "/etc/postjournal/keys",
              "Directory of the tenants' key files (<tenant>.key, _no-tenant.key for the No "
              "Tenant queue; mode 0600, owned by milter.user); keep it off the archive's disk "
              "and its backups. A value starting with ${CREDENTIALS_DIRECTORY} reads the keys "
              "systemd decrypted for the service (LoadCredentialEncrypted=, README)."),
      choice<C>("unassigned", &C::unassigned, {"queue", "reject"}, "queue",
                "Mail that matches no listener: queue keeps it in the No Tenant queue for "
                "triage; reject refuses it with 550 5.7.1 at RCPT. The Microsoft 365 connector "
                "validation mail is always queued."),
      text<C>("alerts.email", &C::alerts_email, "",
              "Address that receives inactivity alerts and recoveries; empty: log only.",
              KeyType::kAddress),
      number<C>("alerts.check_interval", KeyType::kSeconds, &C::alerts_check_interval, "300", 1,
                86400,
                "Seconds between the milter's checks of every listener and mailbox: a source "
                "that becomes INACTIVE or FAILING is logged (and mailed) once per episode, and "
                "again when it recovers."),
      text<C>("alerts.sendmail", &C::alerts_sendmail, "/usr/sbin/sendmail",
              "sendmail command for alert mail, split on blanks, run without a shell; "
              "postjournal appends -i and alerts.email."),
      text<C>("metrics.file", &C::metrics_file, "",
              "Prometheus text file the milter rewrites atomically every metrics.interval "
              "(node_exporter textfile collector, e.g. "
              "/var/lib/prometheus/node-exporter/postjournal.prom); empty: no metrics."),
      number<C>("metrics.interval", KeyType::kSeconds, &C::metrics_interval, "60", 1, 3600,
                "Seconds between rewrites of metrics.file."),
      flag<C>("index.enabled", &C::index_enabled, true,
              "Run the full-text indexer as a thread of postjournal-milter. It follows each "
              "tenant's archive from a durable watermark, never in the path of a 250. Set false "
              "where `postjournal index --follow` runs instead (one writer per index)."),
      number<C>(
          "index.batch_bytes", KeyType::kSize, &C::index_batch_bytes, "4M", kMiB, 1ull << 34,
          "Message bytes indexed per Xapian commit (the watermark moves with each commit). "
          "Small batches index faster (measured: 4M 1.4x the rate of 32M, with less memory)."),
      number<C>("index.threads", KeyType::kCount, &C::index_threads, "2", 1, 64,
                "Threads (and extractor workers) that prepare documents in parallel."),
      number<C>("index.max_part_text", KeyType::kSize, &C::index_max_part_text, "16M", kMiB,
                1ull << 32,
                "Most text indexed of one body part or attachment; the rest is cut and the "
                "message gets the searchable flag is:truncated."),
      number<C>("index.max_message_text", KeyType::kSize, &C::index_max_message_text, "64M", kMiB,
                1ull << 34,
                "Most text indexed of one message, all parts together (beyond: is:truncated)."),
      text<C>("index.stem_language", &C::index_stem_language, "english",
              "Snowball stemmer for body, subject and attachment text (none: no stemming). "
              "Names and addresses are never stemmed."),
      choice<C>("index.extract_sandbox", &C::index_sandbox, {"bubblewrap", "none"}, "bubblewrap",
                "How attachment extractors are confined: bubblewrap (no network, read-only "
                "/usr, private /tmp, own namespaces) plus rlimits; none: rlimits only, for hosts "
                "without unprivileged user namespaces."),
      number<C>("index.extract_timeout", KeyType::kSeconds, &C::index_extract_timeout, "60", 1,
                3600,
                "Wall-clock seconds for one attachment; a slower extractor is killed and the "
                "part marked extract_failed:timeout (the message is indexed anyway)."),
      number<C>("index.extract_cpu", KeyType::kSeconds, &C::index_extract_cpu, "30", 1, 3600,
                "CPU seconds for one attachment (extract_failed:cpu-limit beyond)."),
      number<C>("index.extract_memory", KeyType::kSize, &C::index_extract_memory, "2G", 64 * kMiB,
                1ull << 40, "Address-space limit of an extractor worker."),
      number<C>("index.zip_depth", KeyType::kCount, &C::index_zip_depth, "2", 0, 8,
                "Nested zip archives opened inside an attachment."),
      text<C>("timestamp.url", &C::timestamp_url, "",
              "RFC 3161 timestamp authority (HTTP or HTTPS URL). When set, the milter has each "
              "tenant's chain heads (deliveries and audit log) stamped every timestamp.interval "
              "or every timestamp.max_deliveries new deliveries, whichever comes first, and "
              "`postjournal timestamp` stamps on demand; empty: no stamps (README, Timestamps)."),
      number<C>("timestamp.interval", KeyType::kSeconds, &C::timestamp_interval, "600", 1, 86400,
                "Most seconds between a new delivery or audit entry and the stamp covering it."),
      number<C>("timestamp.max_deliveries", KeyType::kCount, &C::timestamp_max_deliveries, "10000",
                1, 100000000,
                "New deliveries of one tenant that trigger a stamp before the interval is over "
                "(also the usual length of an evidence bundle's chain path)."),
      text<C>("timestamp.ca_file", &C::timestamp_ca_file, "",
              "PEM file of the trust anchors (root CAs) of the TSA: each token is checked "
              "against them when taken and by `postjournal verify`, as of the token's own time. "
              "Required with timestamp.url."),
      text<C>("timestamp.policy", &C::timestamp_policy, "",
              "TSA policy OID to ask for (dotted); empty: the TSA's default."),
      text<C>("timestamp.tls_ca_file", &C::timestamp_tls_ca_file, "",
              "PEM file of the CAs that an HTTPS TSA's server certificate must chain to; empty: "
              "the system's trust store."),
      text<C>("timestamp.client_cert", &C::timestamp_client_cert, "",
              "PEM client certificate for TSAs that require one (commercial TSAs); empty: none."),
      text<C>("timestamp.client_key", &C::timestamp_client_key, "",
              "PEM private key of timestamp.client_cert; empty: in the certificate file."),
      text<C>("timestamp.username", &C::timestamp_username, "",
              "HTTP basic-authentication user for the TSA; empty: none."),
      text<C>("timestamp.password_file", &C::timestamp_password_file, "",
              "File holding the basic-authentication password (first line)."),
      number<C>("timestamp.timeout", KeyType::kSeconds, &C::timestamp_timeout, "30", 1, 600,
                "Deadline of one request to the TSA."),
      number<C>("timestamp.alert_after", KeyType::kSeconds, &C::timestamp_alert_after, "21600", 60,
                2592000,
                "A tenant whose oldest unstamped delivery or audit entry is older than this is "
                "FAILING in `postjournal status` (source timestamp:TENANT), alerted once per "
                "episode like a source, and shown by the metrics."),
      text<C>("web.listen", &C::web_listen, "127.0.0.1:8080",
              "Where postjournal-web listens: ADDRESS:PORT (loopback; TLS comes from the web "
              "server in front) or unix:/path (mode 0660)."),
      text<C>("web.trusted_header", &C::web_trusted_header, "",
              "Request header carrying the user that the web server in front authenticated "
              "(X-Remote-User); empty: local accounts only. Trusted only from web.trusted_from "
              "or on a Unix socket; an empty value is no user."),
      cidrs<C>("web.trusted_from", &C::web_trusted_from,
               "Client addresses whose web.trusted_header is believed; empty: 127.0.0.1 and ::1."),
      text<C>("web.addresses_header", &C::web_addresses_header, "",
              "Request header with the user's mail addresses (the front door's LDAP mail / "
              "proxyAddresses, separated by commas, blanks or semicolons; smtp: prefixes "
              "dropped), added to those of web.roles; trusted like web.trusted_header."),
      choice<C>("web.secure_cookies", &C::web_secure_cookies, {"auto", "yes"}, "auto",
                "auto: the session cookie is Secure when the request came over TLS (the front "
                "door sends X-Forwarded-Proto: https from a trusted address); yes: always."),
      number<C>("web.session_ttl", KeyType::kSeconds, &C::web_session_ttl, "28800", 60, 604800,
                "Longest life of a session, however active."),
      number<C>("web.session_idle", KeyType::kSeconds, &C::web_session_idle, "1800", 60, 86400,
                "A session unused this long has ended."),
      text<C>("web.users_file", &C::web_users_file, "",
              "Local accounts (`postjournal user`); empty: <archive.root>/web-users."),
      number<C>("web.threads", KeyType::kCount, &C::web_threads, "8", 1, 256,
                "Worker threads answering requests."),
      number<C>("web.max_request", KeyType::kSize, &C::web_max_request, "64K", 1024, 16 * kMiB,
                "Largest request (headers and form body); larger ones get 413."),
      number<C>("web.login_failures", KeyType::kCount, &C::web_login_failures, "5", 1, 1000,
                "Failed logins per account and per client address within 15 minutes before "
                "logins from there are refused for the rest of the window (429)."),
      number<C>("web.export_limit", KeyType::kCount, &C::web_export_limit, "10000", 1, 10000000,
                "Most deliveries in one export from the web UI."),
  };
  return kFields;
}

const std::vector<FieldSpec<Listener>>& listener_fields() {
  using L = Listener;
  static const std::vector<FieldSpec<L>> kFields = {
      text<L>("name", &L::name, "", "Unique name of this mail source (shown in logs and status).",
              KeyType::kString, true),
      text<L>("tenant", &L::tenant, "",
              "Tenant whose archive receives the mail: [a-z0-9][a-z0-9-]{0,62}.", KeyType::kTenant,
              true),
      flag<L>("active", &L::active, true, "An inactive listener matches nothing."),
      choice<L>("type", &L::type, {"journaling", "forward"}, "journaling",
                "journaling: journal reports (their recipient lists are trusted); forward: plain "
                "copies."),
      text<L>("hosted_by", &L::hosted_by, "other",
              "microsoft | google | zimbra | amazon | other (informational)."),
      choice<L>("auth.method", &L::method, {"ip", "ip+domain", "smtp", "spf"}, "",
                "How a transaction is recognised: ip (client address in auth.ips), ip+domain "
                "(and the recipient domain is auth.domain), smtp (the SASL login Postfix verified "
                "is auth.username), spf (MAIL FROM domain is auth.domain and SPF passes).",
                true),
      cidrs<L>("auth.ips", &L::ips, "Client networks (CIDR list) for ip and ip+domain."),
      text<L>("auth.domain", &L::domain, "",
              "Recipient domain (ip+domain) or envelope-sender domain (spf).", KeyType::kDomain),
      text<L>("auth.username", &L::username, "", "SASL login for smtp."),
      number<L>("allowed_inactivity_hours", KeyType::kCount, &L::allowed_inactivity_hours, "48", 0,
                8760, "Alert when no mail arrived for this many hours; 0 disables the alert."),
      text<L>("recipient", &L::recipient, "",
              "Hardening: RCPT TO must be exactly this (secret) journal address.",
              KeyType::kAddress),
      text<L>("microsoft_tenant", &L::microsoft_tenant, "",
              "Hardening: X-OriginatorOrg or X-MS-Exchange-CrossTenant-Id must equal this when "
              "present (tenant domain or GUID)."),
      choice<L>("after_archive", &L::after_archive, {"discard", "accept"}, "discard",
                "discard: Postfix drops the message once archived (dedicated archiver); accept: "
                "Postfix delivers it further (the relay also delivers the mail)."),
  };
  return kFields;
}

const std::vector<FieldSpec<Mailbox>>& mailbox_fields() {
  using M = Mailbox;
  static const std::vector<FieldSpec<M>> kFields = {
      text<M>("name", &M::name, "", "Unique name of this mailbox source.", KeyType::kString, true),
      text<M>("tenant", &M::tenant, "", "Tenant whose archive receives the mail.", KeyType::kTenant,
              true),
      flag<M>("active", &M::active, true, "An inactive mailbox is not polled."),
      choice<M>("protocol", &M::protocol, {"imap", "imaps", "pop3", "pop3s"}, "", "Protocol.",
                true),
      choice<M>("starttls", &M::starttls, {"no", "yes", "required"}, "no",
                "STARTTLS for imap/pop3: yes uses it when offered, required refuses to go on "
                "without it."),
      text<M>("host", &M::host, "", "Server host name (checked against its certificate).",
              KeyType::kString, true),
      number<M>("port", KeyType::kCount, &M::port, "0", 0, 65535,
                "Port; 0: the protocol's default."),
      text<M>("username", &M::username, "", "Login.", KeyType::kString, true),
      text<M>("password", &M::password, "", "Password (or use password_file)."),
      text<M>("password_file", &M::password_file, "", "File holding the password."),
      text<M>("folder", &M::folder, "INBOX", "IMAP folder to pull."),
      choice<M>("type", &M::type, {"journaling", "forward"}, "journaling",
                "journaling: journal reports; forward: plain copies."),
      flag<M>("delete_after_indexing", &M::delete_after_indexing, true,
              "Delete each message from the mailbox once it is durably archived."),
      flag<M>("validate_certificates", &M::validate_certificates, true,
              "Verify the server certificate against the system CA store (and ca_file) and the "
              "host name."),
      text<M>("ca_file", &M::ca_file, "", "Extra trusted CA or server certificate (PEM)."),
      number<M>("poll_interval", KeyType::kSeconds, &M::poll_interval, "300", 10, 86400,
                "Seconds between polls."),
      number<M>("allowed_inactivity_hours", KeyType::kCount, &M::allowed_inactivity_hours, "48", 0,
                8760, "Alert when nothing was fetched for this many hours; 0 disables."),
      text<M>("oauth2.microsoft365", &M::oauth2_microsoft365, "",
              "SASL XOAUTH2 with the token of this microsoft365 entry's application (Exchange "
              "Online, application permission IMAP.AccessAsApp or POP.AccessAsApp) instead of a "
              "password."),
      text<M>("oauth2.google_service_account_file", &M::oauth2_google_service_account_file, "",
              "SASL XOAUTH2 with a token of this Google service account key file (JSON; "
              "domain-wide delegation, scope https://mail.google.com/, for the mailbox named by "
              "username) instead of a password."),
      text<M>("oauth2.token_url", &M::oauth2_token_url, "",
              "The service account's token endpoint; empty: the key file's token_uri."),
  };
  return kFields;
}

const std::vector<FieldSpec<Microsoft365>>& microsoft365_fields() {
  using M = Microsoft365;
  static const std::vector<FieldSpec<M>> kFields = {
      text<M>("name", &M::name, "", "Unique name of this source (the deliveries' source).",
              KeyType::kString, true),
      text<M>("tenant", &M::tenant, "", "Tenant whose archive receives the mail.", KeyType::kTenant,
              true),
      flag<M>("active", &M::active, true, "An inactive source is not retrieved."),
      text<M>("directory_id", &M::directory_id, "",
              "The Entra ID (Azure AD) tenant: its id (a GUID) or a domain of it.",
              KeyType::kString, true),
      text<M>("client_id", &M::client_id, "",
              "The application (client) id of the app registration.", KeyType::kString, true),
      text<M>("client_secret_file", &M::client_secret_file, "",
              "File holding the application's client secret (first line); or use a certificate."),
      text<M>("certificate_file", &M::certificate_file, "",
              "PEM certificate uploaded to the app registration (with private_key_file): a signed "
              "JWT client assertion instead of a secret."),
      text<M>("private_key_file", &M::private_key_file, "", "PEM private key of certificate_file."),
      strings<M>("users", &M::users, "all",
                 "Whose mailboxes: all (every user with a mailbox), a list of user principal "
                 "names, or {group: GROUP-ID} (the group's members, nested groups included)."),
      strings<M>("skip_folders", &M::skip_folders, "Deleted Items|Junk Email|Drafts",
                 "Folders not retrieved (display names, at any depth, their subfolders too)."),
      number<M>("poll_interval", KeyType::kSeconds, &M::poll_interval, "3600", 60, 604800,
                "Seconds between retrievals (each fetches what is new since the last: delta "
                "queries)."),
      number<M>("parallel_mailboxes", KeyType::kCount, &M::parallel_mailboxes, "4", 1, 64,
                "Mailboxes retrieved at once (each with at most 4 requests in flight)."),
      text<M>(
          "login_url", &M::login_url, "https://login.microsoftonline.com",
          "The Microsoft identity platform (GCC High and DoD: https://login.microsoftonline.us; "
          "China: https://login.chinacloudapi.cn)."),
      text<M>("graph_url", &M::graph_url, "https://graph.microsoft.com",
              "Microsoft Graph (GCC High: https://graph.microsoft.us; DoD: "
              "https://dod-graph.microsoft.us; China: https://microsoftgraph.chinacloudapi.cn)."),
      text<M>("ca_file", &M::ca_file, "", "Extra trusted CA (PEM) for login_url and graph_url."),
      number<M>("allowed_inactivity_hours", KeyType::kCount, &M::allowed_inactivity_hours, "0", 0,
                8760,
                "Alert when nothing was retrieved for this many hours; 0 (the default) disables: "
                "a mailbox import finishes."),
  };
  return kFields;
}

bool parse_size(const std::string& text, std::uint64_t& out) {
  std::string t(util::trim(text));
  if (t.empty()) return false;
  std::uint64_t mult = 1;
  constexpr std::string_view kSuffixes = "KMGT";
  auto suffix =
      kSuffixes.find(static_cast<char>(std::toupper(static_cast<unsigned char>(t.back()))));
  if (suffix != std::string_view::npos) mult = 1ull << (10 * (suffix + 1));
  if (mult != 1) t.pop_back();
  unsigned long long n = 0;
  if (!util::parse_u64(t, n) || n > UINT64_MAX / mult) return false;
  out = n * mult;
  return true;
}

std::string parse_scalar(KeyType type, const std::string& key, const std::string& text,
                         std::uint64_t min, std::uint64_t max,
                         const std::vector<std::string>& choices, Value& out) {
  out.text = text;
  switch (type) {
    case KeyType::kString:
      return {};
    case KeyType::kTenant:
      return archive::is_valid_tenant_id(text)
                 ? std::string()
                 : key + ": '" + util::printable(text) +
                       "' is not a valid tenant id ([a-z0-9][a-z0-9-]{0,62})";
    case KeyType::kAddress:
      out.text = util::to_lower_ascii(text);
      return text.empty() || text.find('@') != std::string::npos
                 ? std::string()
                 : key + ": '" + text + "' is not a mail address";
    case KeyType::kDomain:
      out.text = util::to_lower_ascii(text);
      return text.find_first_of("@ /") == std::string::npos
                 ? std::string()
                 : key + ": '" + text + "' is not a domain";
    case KeyType::kBool:
      if (text == "true" || text == "yes") {
        out.flag = true;
      } else if (text == "false" || text == "no") {
        out.flag = false;
      } else {
        return key + ": '" + text + "' is not true or false";
      }
      return {};
    case KeyType::kChoice:
      for (std::size_t i = 0; i < choices.size(); ++i) {
        if (choices[i] == text) {
          out.choice = i;
          return {};
        }
      }
      {
        std::string all;
        for (const auto& c : choices) all += (all.empty() ? "" : ", ") + c;
        return key + ": '" + text + "' is not one of " + all;
      }
    case KeyType::kCidrList:
    case KeyType::kList:
      return key + " must be a list";
    case KeyType::kSize:
    case KeyType::kCount:
    case KeyType::kSeconds: {
      unsigned long long n = 0;
      bool ok = type == KeyType::kSize ? parse_size(text, out.number) : util::parse_u64(text, n);
      if (type != KeyType::kSize) out.number = n;
      if (!ok) {
        return key + ": '" + text + "' is not a " +
               (type == KeyType::kSize ? "size (like 64M)" : "number");
      }
      if (out.number < min || out.number > max) {
        return key + " = " + text + " is out of bounds [" + std::to_string(min) + ", " +
               std::to_string(max) + "]";
      }
      return {};
    }
  }
  return key + ": unknown type";
}

}  // namespace postjournal::config
