#include "archive/verify.hpp"

#include <algorithm>
#include <map>
#include <set>

#include "archive/chain.hpp"
#include "archive/content_layout.hpp"
#include "archive/delivery.hpp"
#include "archive/keys.hpp"
#include "archive/query.hpp"
#include "archive/record_codec.hpp"
#include "archive/removal.hpp"

namespace postjournal::archive {

namespace {

// Every blob re-hashes to its key; every content's segments exist and their concatenation
// re-hashes to the content's key.
void verify_contents(const Txn& txn, const Databases& dbs, const Storage& storage,
                     VerifyReport& report, const std::map<util::Digest, std::string>& first_user,
                     const std::map<util::Digest, std::uint64_t>& users) {
  auto digest_of = [](std::string_view key) {
    util::Digest d{};
    if (key.size() == d.size())
      std::copy(key.begin(), key.end(), reinterpret_cast<char*>(d.data()));
    return d;
  };
  auto name = [&first_user](const char* kind, const util::Digest& sha) {
    std::string where = std::string(kind) + " " + util::to_hex(sha);
    auto it = first_user.find(sha);
    return it == first_user.end() ? where : it->second + " (" + where + ")";
  };
  std::map<util::Digest, std::uint64_t> expected = blob_users(txn, dbs, users);
  {
    Cursor c(txn, dbs.blobs);
    for (bool ok = c.first(); ok; ok = c.next()) {
      util::Digest sha = digest_of(c.key());
      auto header = decode_blob_row(c.value());
      if (c.key().size() != sha.size() || !header) {
        report.problems.push_back({name("blob", sha), "blob key or header is corrupt"});
        continue;
      }
      if (!header->complete) continue;  // an interrupted write: no delivery refers to it
      if (header->version == 1) {
        ++report.blobs_v1;
      } else if (header->encrypted) {
        ++report.blobs_encrypted;
      } else {
        ++report.blobs_clear;
      }
      if (header->version == 2) {
        auto e = expected.find(sha);
        std::uint64_t want = e == expected.end() ? 0 : e->second;
        if (header->live != want) {
          report.problems.push_back({name("blob", sha), "counts " + std::to_string(header->live) +
                                                            " live deliveries, " +
                                                            std::to_string(want) + " use it"});
        }
      }
      if (header->key_destroyed) continue;  // erased: nothing left to check
      util::Sha256 h;
      std::uint64_t seen = 0;
      try {
        read_blob(txn, dbs, storage, sha, 0, header->size, [&](std::string_view p) {
          h.update(p);
          seen += p.size();
        });
      } catch (const std::exception& e) {
        report.problems.push_back({name("blob", sha), e.what()});
        continue;
      }
      report.content_bytes += seen;
      if (seen != header->size || h.finish() != sha) {
        report.problems.push_back({name("blob", sha), "stored bytes do not match their SHA-256"});
      }
    }
  }
  Cursor c(txn, dbs.contents);
  for (bool ok = c.first(); ok; ok = c.next()) {
    util::Digest sha = digest_of(c.key());
    ++report.contents;
    auto header = decode_content_header(c.value());
    if (c.key().size() != sha.size() || !header) {
      report.problems.push_back({name("content", sha), "content key or header is corrupt"});
      continue;
    }
    if (header->segments.size() == 1 && header->segments[0].sha == sha) {
      if (!txn.get(dbs.blobs, c.key())) {
        report.problems.push_back({name("content", sha), "its stored bytes are missing"});
      }
      continue;  // a single-segment content is its blob, checked above
    }
    util::Sha256 h;
    try {
      read_content(txn, dbs, storage, sha, 0, header->size,
                   [&](std::string_view p) { h.update(p); });
    } catch (const std::exception& e) {
      report.problems.push_back({name("content", sha), e.what()});
      continue;
    }
    if (h.finish() != sha) {
      report.problems.push_back(
          {name("content", sha), "stored content does not match its SHA-256"});
    }
  }
}

}  // namespace

std::map<util::Digest, std::uint64_t> blob_users(
    const Txn& txn, const Databases& dbs, const std::map<util::Digest, std::uint64_t>& users) {
  std::map<util::Digest, std::uint64_t> out;
  Cursor c(txn, dbs.contents);
  for (bool ok = c.first(); ok; ok = c.next()) {
    auto header = decode_content_header(c.value());
    util::Digest sha{};
    if (c.key().size() != sha.size() || !header) continue;
    std::copy(c.key().begin(), c.key().end(), reinterpret_cast<char*>(sha.data()));
    auto n = users.find(sha);
    if (n == users.end()) continue;
    std::set<util::Digest> blobs;
    for (const auto& s : header->segments) blobs.insert(s.sha);
    for (const auto& b : blobs) out[b] += n->second;
  }
  return out;
}

VerifyReport verify_archive(const Txn& txn, const Databases& dbs, const Storage& storage) {
  const TenantId& tenant = storage.tenant();
  VerifyReport report;
  std::map<util::Digest, std::string> first_user;  // content -> first delivery id using it
  std::map<util::Digest, std::uint64_t> users;     // content -> deliveries with these bytes
  std::optional<ChainHead> head;
  if (auto hv = txn.get(dbs.meta, keys::kHead)) head = decode_head(*hv);
  std::uint64_t last = head ? head->seq : 0;
  if (Cursor c(txn, dbs.deliveries); c.last()) {
    last = std::max(last, keys::seq_of_suffix(c.key()));
  }
  util::Digest prev_link{};
  for (std::uint64_t seq = 1; seq <= last; ++seq) {
    std::string key = keys::seq(seq);
    std::string id = DeliveryId{tenant, seq}.str();
    std::optional<util::Digest> digest;  // this position's chain digest, when known
    if (auto record = txn.get(dbs.deliveries, key)) {
      ++report.deliveries;
      Delivery d;
      std::string err = decode_delivery(*record, d);
      if (!err.empty()) {
        report.problems.push_back({id, err});
      } else {
        if (!txn.get(dbs.contents, util::as_bytes(d.content_sha256))) {
          report.problems.push_back(
              {id, "its content " + util::to_hex(d.content_sha256) + " is missing"});
        }
        first_user.emplace(d.content_sha256, id);
        users[d.content_sha256]++;
        first_user.emplace(d.original_sha256, id);
      }
      digest = delivery_digest(*record, d.content_sha256);
    } else if (auto tomb = load_tombstone(txn, dbs, seq)) {
      ++report.removed;
      digest = tomb->chain_digest;
    } else {
      report.problems.push_back({id, "delivery was removed"});
    }
    auto stored = txn.get(dbs.chain, key);
    if (!stored || stored->size() != 32) {
      report.problems.push_back({id, "chain link is missing"});
      if (digest) prev_link = chain_link(prev_link, *digest);
      continue;
    }
    if (digest && *stored != util::as_bytes(chain_link(prev_link, *digest))) {
      report.problems.push_back({id, "delivery record or chain link was changed"});
    }
    std::copy(stored->begin(), stored->end(), reinterpret_cast<char*>(prev_link.data()));
  }
  if (!head && last > 0) {
    report.problems.push_back({"chain head", "chain head is missing or corrupt"});
  } else if (head && head->seq < last) {
    report.problems.push_back({"chain head", "deliveries exist beyond the chain head"});
  } else if (head && head->seq > 0 && head->link != prev_link) {
    report.problems.push_back({"chain head", "chain head does not match the last link"});
  }
  verify_audit(txn, dbs, report);
  verify_contents(txn, dbs, storage, report, first_user, users);
  return report;
}

}  // namespace postjournal::archive
