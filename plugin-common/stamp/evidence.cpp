#include "stamp/evidence.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <memory>
#include <system_error>
#include <vector>

#include "stamp/check.hpp"
#include "util/file.hpp"
#include "util/tsp.hpp"
#include "util/zip_writer.hpp"

namespace postjournal::stamp {

namespace {

// Where the bundle's files go: a zip or a directory. Each file is begun, written, ended.
class Out {
 public:
  virtual ~Out() = default;
  virtual void begin(const std::string& name) = 0;
  virtual void write(std::string_view bytes) = 0;
  virtual void end() = 0;
  virtual void commit() = 0;
};

class ZipOut : public Out {
 public:
  explicit ZipOut(const std::string& path) : zip_(path, 0640) {}
  void begin(const std::string& name) override { zip_.begin(name); }
  void write(std::string_view bytes) override { zip_.write(bytes); }
  void end() override { zip_.end(); }
  void commit() override { zip_.commit(); }

 private:
  util::ZipWriter zip_;
};

// Files go to OUT.tmp.PID/, renamed to OUT when all are written.
class DirOut : public Out {
 public:
  explicit DirOut(std::string path)
      : path_(std::move(path)), tmp_(path_ + ".tmp." + std::to_string(::getpid())) {
    struct stat st {};
    if (::lstat(path_.c_str(), &st) == 0) {
      throw std::system_error(EEXIST, std::generic_category(), path_ + " already exists");
    }
    if (::mkdir(tmp_.c_str(), 0750) != 0) {
      throw std::system_error(errno, std::generic_category(), "cannot create " + tmp_);
    }
  }
  ~DirOut() override {
    if (committed_) return;
    file_.reset();
    for (const auto& n : names_) ::unlink((tmp_ + "/" + n).c_str());
    ::rmdir(tmp_.c_str());
  }
  void begin(const std::string& name) override {
    names_.push_back(name);
    file_ = std::make_unique<util::AtomicFile>(tmp_ + "/" + name, 0640);
  }
  void write(std::string_view bytes) override { file_->write(bytes); }
  void end() override {
    file_->commit();
    file_.reset();
  }
  void commit() override {
    util::fsync_dir(tmp_);
    if (::rename(tmp_.c_str(), path_.c_str()) != 0) {
      throw std::system_error(errno, std::generic_category(), "cannot rename " + tmp_);
    }
    std::string parent = path_.find('/') == std::string::npos
                             ? "."
                             : path_.substr(0, std::max<std::size_t>(path_.rfind('/'), 1));
    util::fsync_dir(parent);
    committed_ = true;
  }

 private:
  std::string path_, tmp_;
  std::vector<std::string> names_;
  std::unique_ptr<util::AtomicFile> file_;
  bool committed_ = false;
};

// Writes files to an Out and keeps SHA256SUMS of them.
class Bundle {
 public:
  explicit Bundle(Out& out) : out_(out) {}
  void begin(const std::string& name) {
    name_ = name;
    sha_ = std::make_unique<util::Sha256>();
    out_.begin(name);
  }
  void write(std::string_view bytes) {
    sha_->update(bytes);
    out_.write(bytes);
  }
  util::Digest end() {
    out_.end();
    util::Digest d = sha_->finish();
    sums_ += util::to_hex(d) + "  " + name_ + "\n";
    return d;
  }
  void add(const std::string& name, std::string_view bytes) {
    begin(name);
    write(bytes);
    end();
  }
  const std::string& sums() const { return sums_; }

 private:
  Out& out_;
  std::string name_;
  std::unique_ptr<util::Sha256> sha_;
  std::string sums_;
};

bool ends_with(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string chain_text(const std::string& id, std::uint64_t seq, const archive::StampRecord& st,
                       const archive::ChainProof& p) {
  std::string t = "# Chain path of delivery " + id + " to the head stamped by stamp " +
                  std::to_string(st.seq) +
                  ".\n# digest(n) = SHA-256(record(n) || SHA-256(message(n))); link(n) = "
                  "SHA-256(link(n-1) || digest(n));\n# binary concatenation, written here in "
                  "hex. Other deliveries appear only as their digests.\n";
  t += "previous " + std::to_string(seq - 1) + " " + util::to_hex(p.previous) + "\n";
  for (std::size_t i = 0; i < p.digests.size(); ++i) {
    t += std::string(i == 0 ? "delivery " : "digest ") + std::to_string(seq + i) + " " +
         util::to_hex(p.digests[i]) + "\n";
  }
  t += "head " + std::to_string(st.deliveries.seq) + " " + util::to_hex(p.head) + "\n";
  return t;
}

std::string verify_text(const std::string& id, const archive::Delivery& d,
                        const archive::StampRecord& st, const util::tsp::TokenInfo& info,
                        const std::string& ca_fingerprint) {
  std::string epoch = std::to_string(st.gen_time / 1000000);
  std::string t;
  t += "Evidence of delivery " + id + " (postjournal)\n\n";
  t += "message.eml  SHA-256 " + util::to_hex(d.content_sha256) + ", " + std::to_string(d.size) +
       " bytes, received " + util::format_iso8601(d.transport.received) + "\n";
  t += "stamp " + std::to_string(st.seq) + "      TSA time " + info.gen_time_text + ", TSA " +
       (info.tsa_name.empty() ? st.tsa_url : info.tsa_name) + ", serial " + info.serial +
       ", policy " + info.policy + "\n";
  t += "trust anchor tsa-ca.pem, SHA-256 fingerprint " + ca_fingerprint + "\n";
  t += "  Compare it with the fingerprint your TSA publishes, or use your own copy of its root\n"
       "  certificate instead of tsa-ca.pem below.\n\n";
  t += "What this shows: the TSA signed anchor.txt at its time; anchor.txt names the link of the\n"
       "tenant's hash chain at delivery " +
       std::to_string(st.deliveries.seq) +
       "; chain.txt leads from this delivery's record and message\n"
       "to that link. So these exact bytes and this record were in the archive no later than the\n"
       "TSA time. It does not show who sent the message or that the record's facts are true.\n\n";
  t += "Check it with coreutils and openssl, in this directory:\n\n";
  t += "1. Every file is the one written:\n     sha256sum --strict -c SHA256SUMS\n\n";
  t += "2. The record and the message give the delivery's digest (the \"delivery\" line of\n"
       "   chain.txt):\n     { cat record.bin; openssl dgst -sha256 -binary message.eml; } | "
       "sha256sum\n\n";
  t += "3. Chaining from the \"previous\" link through every following digest line gives the\n"
       "   \"head\" line, which equals the \"deliveries:\" line of anchor.txt:\n"
       "     link=PREVIOUS; for each digest D:\n"
       "     link=$(printf '%s%s' \"$link\" D | xxd -r -p | sha256sum | cut -c1-64)\n\n";
  t += "4. The TSA signed anchor.txt (certificates checked as of the stamp's own time):\n"
       "     openssl ts -verify -data anchor.txt -in timestamp.tsr -CAfile tsa-ca.pem \\\n"
       "       -untrusted tsa-certs.pem -attime " +
       epoch + "\n\n";
  t += "scripts/verify-evidence.sh (postjournal's source) runs all four: verify-evidence.sh DIR\n"
       "or verify-evidence.sh BUNDLE.zip [--ca YOUR-TSA-ROOT.pem].\n";
  return t;
}

}  // namespace

BundleSummary write_bundle(const archive::TenantArchive& a, std::uint64_t seq,
                           const std::string& ca_file, const std::string& record_json,
                           const std::string& out) {
  std::string id = archive::DeliveryId{a.tenant(), seq}.str();
  auto d = a.get(seq);
  if (!d) throw EvidenceError("delivery " + id + " does not exist or was removed");
  Coverage cov = check_stamps(a, ca_file);
  const StampCheck* use = nullptr;
  for (const auto& c : cov.stamps) {
    if (c.problem.empty() && c.record.deliveries.seq >= seq && c.info) {
      use = &c;
      break;
    }
  }
  if (use == nullptr) {
    throw EvidenceError("delivery " + id + " is not covered by a valid timestamp yet (valid " +
                        "stamps cover deliveries 1.." + std::to_string(cov.covered) +
                        "); run postjournal timestamp --tenant " + a.tenant().str());
  }
  const archive::StampRecord& st = use->record;
  auto proof = a.chain_proof(seq, st.deliveries.seq);
  if (!proof || proof->head != st.deliveries.link) {
    throw EvidenceError("the chain from " + id + " to stamp " + std::to_string(st.seq) +
                        " cannot be read; run postjournal verify");
  }
  std::string ca = util::read_file(ca_file);

  std::unique_ptr<Out> o;
  if (ends_with(out, ".zip")) {
    o = std::make_unique<ZipOut>(out);
  } else {
    o = std::make_unique<DirOut>(out);
  }
  Bundle b(*o);
  BundleSummary sum;
  b.begin("message.eml");
  bool found = a.read(d->content_sha256, 0, d->size, [&](std::string_view part) { b.write(part); });
  if (!found)
    throw EvidenceError("the stored bytes of " + id + " are missing; run postjournal verify");
  sum.sha256 = b.end();
  if (sum.sha256 != d->content_sha256) {
    throw EvidenceError("the stored bytes of " + id + " do not hash to the recorded SHA-256");
  }
  b.add("record.bin", proof->record);
  b.add("record.json", record_json);
  b.add("chain.txt", chain_text(id, seq, st, *proof));
  b.add("anchor.txt", archive::anchor_statement(a.tenant(), st.deliveries, st.audit));
  b.add("timestamp.tsr", st.token);
  b.add("tsa-certs.pem", util::tsp::token_certificates_pem(st.token));
  b.add("tsa-ca.pem", ca);
  b.add("VERIFY.txt", verify_text(id, *d, st, *use->info, util::tsp::pem_fingerprint(ca)));
  o->begin("SHA256SUMS");
  o->write(b.sums());
  o->end();
  o->commit();
  sum.stamp = st.seq;
  sum.head = st.deliveries.seq;
  sum.tsa_time = st.gen_time;
  sum.chain_steps = proof->digests.size();
  return sum;
}

}  // namespace postjournal::stamp
