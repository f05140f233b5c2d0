#include "commands.hpp"

namespace postjournal::cli {

namespace {

OptionSpec flag(const char* n, char alias = 0) {
  return {n, alias, false, false};
}
OptionSpec value(const char* n, char alias = 0) {
  return {n, alias, true, false};
}
OptionSpec values(const char* n) {
  return {n, 0, true, true};
}

}  // namespace

std::vector<OptionSpec> global_options() {
  return {value("config", 'c'), value("archive-root"), flag("help", 'h')};
}

const std::vector<Command>& commands() {
  static const std::vector<Command> kCommands = {
      {"tenants",
       "tenants [--json]",
       "List the tenants that have an archive under the archive root (the No Tenant queue is "
       "_no-tenant), with their number of deliveries and the time of the newest one.",
       {flag("json")},
       run_tenants},
      {"import",
       "import [--tenant T] [--source NAME] [--mail-from A] [--rcpt R]... [--received TIME] "
       "[--json] FILE...",
       "Store each FILE (- for standard input) byte for byte as one delivery of tenant T, or of "
       "the No Tenant queue when --tenant is not given. The journal envelope is extracted as for "
       "mail received by SMTP; --mail-from and --rcpt supply an SMTP envelope, --source names the "
       "source (default \"import\"), --received sets the receipt time (for migrations). The same "
       "bytes imported again add a delivery, not a copy. Prints the id of each delivery.",
       {value("tenant"), flag("no-tenant"), value("source"), value("mail-from"), values("rcpt"),
        value("received"), flag("json")},
       run_import},
      {"list",
       "list [--tenant T | --no-tenant] [--since TIME] [--until TIME] [--limit N] [--json]",
       "List deliveries, newest first, of one tenant or of all. --since is inclusive, --until "
       "exclusive; --limit keeps the N newest.",
       {value("tenant"), flag("no-tenant"), value("since"), value("until"), value("limit"),
        flag("json")},
       run_list},
      {"search",
       "search [QUERY] [--tenant T | --no-tenant] [--address A] [--message-id M] [--sha256 H] "
       "[--since TIME] [--until TIME] [--count] [--limit N] [--offset N] [--sort date|relevance] "
       "[--explain] [--json]",
       "With a QUERY: full-text search in the tenants' indexes (the query language is in the "
       "README, Search: words and \"phrases\" of subject, body and attachments, from: to: cc: "
       "bcc: rcpt: envto: subject: body: att: attname: mimetype: has:attachment size: date: "
       "received: after: before: id: source: is:truncated is:extract-failed, AND OR NOT - and "
       "parentheses). Results are complete and counted: --count prints the exact number of "
       "matching deliveries (with --json as {\"total\": N}), --limit and --offset page through "
       "them, --sort date (newest Date first, the default) or relevance, --explain prints the "
       "parsed query on standard error. A tenant whose index "
       "does not cover its newest deliveries yet is named on standard error; one that has no "
       "index at all too, and search then exits 75 after printing what it found. Without a QUERY: "
       "find deliveries by participant address (the sender and every recipient, BCC and "
       "expanded distribution-list members included; case-insensitive), by the original's "
       "Message-ID (angle brackets optional), by content SHA-256 or by time, from the archive's "
       "own indexes. Criteria combine with AND (--sha256 only without a QUERY). Without "
       "--tenant every archive is searched.",
       {value("tenant"), flag("no-tenant"), value("address"), value("message-id"), value("sha256"),
        value("since"), value("until"), value("limit"), value("offset"), value("sort"),
        flag("count"), flag("explain"), flag("json")},
       run_search},
      {"show",
       "show ID [--json]",
       "Show everything recorded about one delivery: receipt time, source, transport evidence, "
       "journal envelope, anomalies and the other deliveries of the same bytes or of the same "
       "original message (several journal reports of one message).",
       {flag("json")},
       run_show},
      {"export",
       "export ID [--raw | --original] [-o FILE]\n       postjournal export ID --evidence -o "
       "BUNDLE.zip|DIR\n       postjournal export --tenant T | "
       "--no-tenant --mbox [--since TIME] [--until TIME] [-o FILE]\n       postjournal export "
       "--query QUERY --tenant T | --no-tenant (--mbox -o FILE | --eml-dir DIR) [--allow-lag]",
       "Write the exact stored bytes of a delivery (--raw, the default), or only the original "
       "message embedded in a journal report (--original; the whole message for plain copies). "
       "Their SHA-256 equals the one shown by `show`. With --evidence, write the delivery's "
       "evidence bundle (a zip when the name ends in .zip, else a new directory): the stored "
       "bytes, the delivery record as the hash chain hashes it (and as JSON), the chain digests "
       "from it to the head of the first valid RFC 3161 stamp covering it, the statement the TSA "
       "signed, its token and certificates, SHA256SUMS and VERIFY.txt with the sha256sum and "
       "openssl ts -verify commands that check it without postjournal "
       "(scripts/verify-evidence.sh runs them); exit 75 while no valid stamp covers the delivery "
       "yet. With --mbox, write a tenant's deliveries, "
       "oldest first, as an mboxrd file (line ends converted to LF, From_ lines quoted). With "
       "--query, write every delivery matching QUERY (search's query language; no cap), in "
       "delivery order: --mbox -o FILE as one mboxrd file plus FILE.manifest.tsv, or --eml-dir "
       "DIR as DIR/ID.eml plus DIR/MANIFEST.tsv; a manifest line is ID, SHA-256 of the stored "
       "bytes and their size, separated by tabs. An export by query refuses to start (exit 75) "
       "while the index does not cover every delivery, unless --allow-lag. Everything is "
       "streamed: memory stays bounded whatever the size of the messages or of the result. -o "
       "writes FILE atomically instead of standard output.",
       {flag("raw"), flag("original"), flag("evidence"), value("output", 'o'), flag("mbox"),
        value("tenant"), flag("no-tenant"), value("since"), value("until"), value("query"),
        value("eml-dir"), flag("allow-lag")},
       run_export},
      {"inspect",
       "inspect FILE [--envelope-from A] [--envelope-rcpt R]... [--json]",
       "Run the journal extractor on FILE (- for standard input) without storing it: the "
       "detected format (exchange, exchange-gcc, exchange-legacy, amazon-workmail, zimbra, "
       "google, plain), whether it was wrapped in an NDR, the real sender, every recipient with "
       "its kind (to, cc, bcc, recipient, envelope, header) and the list it was expanded from or "
       "the address it was forwarded from, the original's Message-ID, SHA-256 and size, and "
       "anomalies. --envelope-from and --envelope-rcpt give the SMTP envelope of a plain copy.",
       {value("envelope-from"), values("envelope-rcpt"), flag("json")},
       run_inspect},
      {"resolve",
       "resolve [-c FILE] --ip A [--helo H] --from F --rcpt R [--rcpt R]... [--sasl U] "
       "[--header 'Name: value']... [--json]",
       "Answer \"which tenant, and why\" for a hypothetical SMTP transaction from client A with "
       "MAIL FROM F (<> for the null sender) to the recipients R, optionally SASL-authenticated "
       "as U and with the given headers (for microsoft_tenant hardening). Prints the decision "
       "(accept, unassigned, reject, tempfail; split for a recipient of another tenant), the "
       "listener and tenant, the SPF result when one was needed (using the system resolver) and "
       "for each recipient why each listener matched or not.",
       {value("ip"), value("helo"), value("from"), values("rcpt"), value("sasl"), values("header"),
        flag("json")},
       run_resolve},
      {"doctor",
       "doctor [-c POSTFIX_CONFIG_DIR] [--milter SOCKET]",
       "Read the Postfix configuration (default: Postfix's own; -c names another directory, as "
       "postconf -c does) and report every setting that would lose, cut or alter journal mail: "
       "smtpd_milters (containing SOCKET when given), milter_default_action, milter_protocol, "
       "the milter macros, message_size_limit, header_size_limit, line_length_limit and "
       "smtpd_forbid_bare_newline and in_flow_delay, each with the postconf command that fixes it. "
       "Exits 1 when "
       "anything needs fixing.",
       {value("postfix-dir"), value("milter")},
       run_doctor},
      {"status",
       "status [--json] [--now TIME]",
       "One row per listener and mailbox: tenant, type, last archived message and its age, "
       "messages in the last 24 hours and the state: OK; NEVER (nothing archived yet); INACTIVE "
       "(nothing for longer than allowed_inactivity_hours); FAILING (its latest attempt failed "
       "within 24 hours: a milter tempfail or a failed mailbox pull, with the reason); DISABLED "
       "(active: false). Also the size of the No Tenant queue. --now evaluates at another time. "
       "Exits 2 when any source is FAILING or INACTIVE, 1 when any is NEVER or the No Tenant "
       "queue is not empty, 0 otherwise (the monitoring-plugin convention).",
       {flag("json"), value("now")},
       run_status},
      {"queue",
       "queue [--tenant T | --no-tenant] [--limit N] [--json]",
       "The No Tenant queue (the default) or a tenant's latest deliveries, newest first: id, "
       "receipt time, source, sender, recipients and, for No Tenant, why the delivery could not "
       "be assigned (the resolver's reason, recorded when it arrived). --limit keeps the N newest "
       "(default 100, 0 for all).",
       {value("tenant"), flag("no-tenant"), value("limit"), flag("json")},
       run_queue},
      {"assign",
       "assign ID --tenant T --reason TEXT [--json]",
       "Move a No Tenant delivery into tenant T's archive: the same bytes and evidence are stored "
       "there as a new delivery (its record says which delivery it was assigned from), then the No "
       "Tenant delivery is removed, leaving a tombstone in its hash chain and an entry in the "
       "audit "
       "log (who, when, what, content SHA-256, reason). T must be named by a listener or mailbox "
       "or "
       "already have an archive. Safe to repeat after an interruption: an earlier copy is reused.",
       {value("tenant"), value("reason"), flag("json")},
       run_assign},
      {"delete",
       "delete ID --reason TEXT [--json]",
       "Remove a No Tenant delivery (spam, a misdirected report): its record, its index entries "
       "and "
       "its bytes unless another delivery has the same bytes. A tombstone keeps the hash chain "
       "verifiable and the audit log records who, when, the content SHA-256 and the reason. "
       "Deliveries of a tenant can never be deleted.",
       {value("reason"), flag("json")},
       run_delete},
      {"audit",
       "audit [--tenant T | --no-tenant] [--json]",
       "Show an archive's audit log, oldest first, and verify its hash chain: the No Tenant "
       "queue's (assign, delete; the default) or tenant T's (purge, purge-run, retention-apply, "
       "hold-create, hold-release, erase-request, erase, erase-approve, with their details). "
       "Exits 1 when the chain does not verify.",
       {value("tenant"), flag("no-tenant"), flag("json")},
       run_audit},
      {"verify",
       "verify [--tenant T | --no-tenant] [--json]",
       "Check the archive's integrity: every stored message re-hashes to its SHA-256, every "
       "delivery record is intact and linked into the tenant's hash chain, and no delivery was "
       "removed. Every RFC 3161 stamp is checked too (its token's signature and certificate chain "
       "against timestamp.ca_file as of the token's own time, its imprint against the stamped "
       "chain and audit heads, which must still be in the archive, its nonce, and the order of "
       "stamps in time), and verify says which deliveries a valid stamp covers and which not "
       "yet. Each problem names the delivery or stamp it concerns.",
       {value("tenant"), flag("no-tenant"), flag("json")},
       run_verify},
      {"index",
       "index [--tenant T | --no-tenant] [--follow]",
       "Bring the full-text index of one tenant (or of every archive) up to date: index every "
       "delivery beyond the index's watermark, in commits of index.batch_bytes, and drop "
       "removed deliveries. With --follow keep doing so until SIGTERM or SIGINT, for hosts where "
       "postjournal-milter's indexer is off (index.enabled: false). Only one process writes an "
       "index at a time: a tenant whose index another process is writing is named on standard "
       "error and skipped (exit 75 without --follow). Interrupted at any moment, nothing is "
       "lost: the next run resumes at the watermark. Run as root, it leaves the index owned by "
       "the owner of the tenant's archive (the milter's user).",
       {value("tenant"), flag("no-tenant"), flag("follow")},
       run_index},
      {"reindex",
       "reindex --tenant T | --no-tenant",
       "Rebuild a tenant's full-text index from its archive alone, into a new index that "
       "replaces the old one when complete (searches use the old one meanwhile). Waits for no "
       "one: exits 75 when another process is writing the index (stop it, or wait for its pass "
       "to end).",
       {value("tenant"), flag("no-tenant")},
       run_reindex},
      {"key",
       "key init|rotate|backup|status [--tenant T | --no-tenant] [-o FILE] [--json]",
       "Manage the key-encryption keys (KEKs) of encrypted archives (archive.encryption: "
       "aes-256-gcm), one file per tenant in archive.key_dir (<tenant>.key, _no-tenant.key). "
       "init creates a tenant's first key (mode 0600, given to milter.user when run as root) and "
       "refuses to overwrite one, or to make one for an archive that is already encrypted (its "
       "key must come from a backup). rotate makes a new KEK and re-wraps every data key of the "
       "archive in place, no data rewritten; the key file holds both KEKs until it is done, and "
       "an interrupted rotation is completed by running it again. backup -o FILE copies the key "
       "file (mode 0600): keep it away from the archive and its backups. status shows, per "
       "tenant, the key file, whether it matches the archive, and how many blobs are encrypted, "
       "in clear, or in format 1; it exits 1 when a key that is needed is missing or wrong. "
       "rotate holds the tenant's maintenance lock: that tenant's mail gets 451 meanwhile.",
       {value("tenant"), flag("no-tenant"), value("output", 'o'), flag("json")},
       run_key},
      {"migrate",
       "migrate --tenant T | --no-tenant",
       "Rewrite a tenant's archive into storage format 2 as the configuration says: compressed "
       "(archive.compression), encrypted when archive.encryption is aes-256-gcm (its key must "
       "exist), in a page-aware layout; format-1 archives (written before storage v2) stay "
       "readable without it. Records, hash chain, audit log and indexes' sequence numbers are "
       "kept byte for byte. The copy is built beside the archive (<tenant>/migrate.new), "
       "verified, and then replaces data.mdb atomically; killed at any point, running it again "
       "resumes the copy (or starts it afresh when the archive changed meanwhile). Holds the "
       "tenant's maintenance lock throughout (that tenant's mail gets 451, the sender retries) "
       "and refuses to start while a program that does not honour the lock (mdb_copy, an older "
       "postjournal) has the archive open. Needs free space for a second copy.",
       {value("tenant"), flag("no-tenant")},
       run_migrate},
      {"timestamp",
       "timestamp [--tenant T | --no-tenant] [--list] [--json]",
       "Take an RFC 3161 timestamp of each tenant's chain heads now (of one tenant with --tenant): "
       "the head of its delivery hash chain and of its audit log are sent to timestamp.url as "
       "the SHA-256 of a short anchor statement; the token is checked (signature, certificate "
       "chain to timestamp.ca_file as of the token's time, imprint, nonce) and stored in the "
       "archive, covering every delivery and audit entry up to those heads. The milter does this "
       "on schedule (timestamp.interval, timestamp.max_deliveries); this command is for hosts "
       "without it, before an export of evidence, and to stamp again with another TSA before the "
       "old one's certificate expires. Waits while another process stamps the same tenant. A "
       "tenant with nothing archived is skipped. Exits 75 with the TSA's error when a stamp "
       "could not be taken (the failure is shown by status), 78 when timestamp.url or "
       "timestamp.ca_file is not set. With --list, take no stamp but list the stored ones: "
       "number, TSA time, the deliveries and audit entries each covers, the token's serial "
       "number, and whether it verifies against timestamp.ca_file (exit 1 when one does not).",
       {value("tenant"), flag("no-tenant"), flag("list"), flag("json")},
       run_timestamp},
      {"retention",
       "retention explain ID [--now TIME] [--json]\n       postjournal retention apply --tenant T "
       "[--dry-run [--now TIME]] [--json]",
       "explain shows the retention fixed for a delivery (policy, rule, keep and minimum with "
       "their dates, when it was fixed and which audit entry last changed it), what the current "
       "configuration would give it and why each rule matched or not, the legal holds on it, and "
       "its state at --now: kept until, held, under minimum retention, or expired and removed by "
       "the next purge. apply evaluates the current retention policy for every stored delivery "
       "of tenant T and lengthens the fixed retention where the policy now keeps longer; a "
       "shorter result never shortens it (those are counted). Each batch of changes is one audit "
       "entry; --dry-run counts without writing.",
       {flag("dry-run"), value("now"), value("tenant"), flag("json")},
       run_retention},
      {"hold",
       "hold create NAME --tenant T (--query Q | --address A | --all) --reason TEXT [--json]\n"
       "       postjournal hold list|show NAME|release NAME --tenant T [--reason TEXT] [--json]",
       "Legal holds. create pins every delivery of tenant T in the hold's scope now and every "
       "future one as the indexer reaches it: a search query (the language of search; stored as "
       "the proof of scope; needs the tenant's index), a participant address (sender or any "
       "recipient, BCC and expanded members included), or all mail. Held mail is never purged, "
       "erased or deleted, whatever its retention; purge checks each hold's scope again. list "
       "and show print holds (active and released) with the number of deliveries they hold. "
       "release ends a hold (--reason required); the hold stays on record. Creating and "
       "releasing are audit entries.",
       {value("tenant"), value("query"), value("address"), flag("all"), value("reason"),
        flag("json")},
       run_hold},
      {"user",
       "user add NAME --role operator|auditor|user [--tenant T]... [--domain D]... "
       "[--address A]... --password-file F\n"
       "       postjournal user list [--json] | remove NAME | password NAME --password-file F\n"
       "       postjournal user totp NAME [--off]",
       "Local accounts of postjournal-web (in web.users_file, default <archive.root>/web-users, "
       "mode 0600; passwords hashed with scrypt). An operator sees status, audit logs and the No "
       "Tenant queue (and the mail of tenants given with --tenant); an auditor the mail of his "
       "--tenant (or '*'), optionally only deliveries with a participant in a --domain; a user "
       "the deliveries where one of his --address is a participant (BCC included). The password "
       "is the first line of F ('-': standard input), at least 8 characters. Identities the web "
       "server in front authenticates get their role from web.roles instead. user totp gives "
       "the account a new TOTP secret (RFC 6238: SHA-1, 6 digits, 30 s; printed with its "
       "otpauth:// URI for an authenticator app): from then on its login needs the current "
       "one-time code too, each code good once; --off removes it.",
       {value("role"), values("tenant"), values("domain"), values("address"),
        value("password-file"), flag("json"), flag("off")},
       run_user},
      {"purge",
       "purge [--tenant T] [--dry-run [--now TIME]] [--json]",
       "Remove the deliveries of tenant T (of every tenant without --tenant) whose retention "
       "has expired, unless a legal hold or a minimum retention keeps them or the index has not "
       "evaluated them yet; each kept one is listed with the reason. Each removal deletes the "
       "record, its indexes and the bytes unless a retained delivery shares them, leaves a "
       "tombstone in the hash chain (verify still passes) and an audit entry with the policy, "
       "rule and dates; batches of retention.purge_batch are one transaction each. "
       "postjournal-milter purges every retention.purge_interval. --dry-run lists what would go "
       "(at --now).",
       {value("tenant"), flag("dry-run"), value("now"), flag("json")},
       run_purge},
      {"erase",
       "erase request --tenant T (--address A | --query Q | ID...) --reason TEXT [--json]\n"
       "       postjournal erase approve REQUEST --tenant T\n       postjournal erase list "
       "--tenant T [--json]",
       "Erasure requests (GDPR Art. 17) with four-eyes approval. request lists the deliveries "
       "that would be erased and those a legal hold or a minimum retention keeps (with the "
       "reason) and records the request. approve, run by another person (a different real "
       "user id: sudo does not count, SUDO_USER is recorded but not trusted), removes them with "
       "tombstones and audit entries, drops their index entries and compacts the index, then "
       "rotates the tenant's key (encrypted archives: the destroyed data keys can never be "
       "unwrapped from freed pages) or compacts the archive (unencrypted: the bytes leave the "
       "file). Bytes shared with a retained delivery are kept, and approve says so. Exits 75 "
       "when the index stayed locked by another process.",
       {value("tenant"), value("address"), value("query"), value("reason"), flag("json")},
       run_erase},
      {"compact",
       "compact --tenant T | --no-tenant",
       "Rewrite a tenant's archive without its free pages (after purges and erasures LMDB reuses "
       "the space but keeps the file size, and freed pages keep old contents until reused): an "
       "online copy verified and swapped in like migrate, under the maintenance lock (that "
       "tenant's mail gets 451 meanwhile). Needs free space for a second copy.",
       {value("tenant"), flag("no-tenant")},
       run_compact},
      {"check-config",
       "check-config [-c FILE]",
       "Load and validate the configuration file: unknown keys, bad values, bad networks, bad "
       "tenant ids, listeners missing what their method needs and listeners with identical "
       "authentication settings. Prints the first error as FILE:LINE: message and exits 1, or "
       "exits 0.",
       {},
       run_check_config},
      {"show-config",
       "show-config [--sample]",
       "Print the effective configuration with defaults filled in, or with --sample the "
       "documented sample file generated from the schema.",
       {flag("sample")},
       run_show_config},
  };
  return kCommands;
}

const Command* find_command(const std::string& name) {
  for (const auto& c : commands()) {
    if (name == c.name) return &c;
  }
  return nullptr;
}

std::string command_help(const Command& c) {
  return "usage: postjournal " + std::string(c.synopsis) + "\n\n" + c.description +
         "\n\nGlobal options: -c FILE, --archive-root DIR (see postjournal --help).\n";
}

std::string manual() {
  std::string m =
      "NAME\n"
      "       postjournal - operate the postjournal email journaling archive\n\n"
      "SYNOPSIS\n";
  for (const auto& c : commands()) m += "       postjournal " + std::string(c.synopsis) + "\n";
  m += "\nDESCRIPTION\n"
       "       postjournal reads and maintains the per-tenant archives written by\n"
       "       postjournal-milter and postjournal-fetch. Each tenant has one LMDB archive in\n"
       "       ARCHIVE_ROOT/TENANT/; mail that matched no tenant is in ARCHIVE_ROOT/_no-tenant/.\n"
       "       A delivery id is TENANT:NUMBER (for example acme:42 or _no-tenant:7).\n"
       "       TIME is YYYY-MM-DD, YYYY-MM-DDTHH:MM:SSZ (UTC) or @UNIXSECONDS.\n\n"
       "COMMANDS\n";
  for (const auto& c : commands()) {
    m += "       " + std::string(c.name) + "\n              " + c.description + "\n\n";
  }
  m +=
      "GLOBAL OPTIONS\n"
      "       -c, --config FILE   configuration file (default /etc/postjournal/postjournal.yaml;\n"
      "                           when the default file does not exist, built-in defaults apply)\n"
      "       --archive-root DIR  use DIR instead of archive.root from the configuration\n"
      "       --json              where accepted: print one JSON document\n"
      "       -h, --help          this manual, or one command's help after its name\n\n"
      "EXIT STATUS\n"
      "       0 success; 1 not found, verify found problems, check-config found an error or\n"
      "       doctor found an unsafe setting; 64 usage error; 65 bad data; 66 input file missing;\n"
      "       70 internal error; 75 archive full (retry after freeing space); 78 configuration\n"
      "       error (other commands).\n\n"
      "FILES\n"
      "       /etc/postjournal/postjournal.yaml   configuration\n"
      "       /var/lib/postjournal/               default archive root\n\n"
      "EXAMPLES\n"
      "       postjournal import --tenant acme report.eml\n"
      "       postjournal search --tenant acme --address bcc.person@acme.example\n"
      "       postjournal search --tenant acme 'from:bob@acme.example contract date:2026-03'\n"
      "       postjournal export --query 'bcc:carol@acme.example' --tenant acme --mbox -o "
      "hold.mbox\n"
      "       postjournal export acme:42 --original -o original.eml\n"
      "       postjournal verify\n";
  return m;
}

}  // namespace postjournal::cli
