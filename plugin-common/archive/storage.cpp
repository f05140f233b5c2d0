#include "archive/storage.hpp"

#include <algorithm>

#include "archive/keys.hpp"
#include "compress/zstd.hpp"
#include "util/bytes.hpp"

namespace postjournal::archive {

namespace {

enum RowFlags : std::uint8_t {
  kComplete = 1,
  kCompressed = 2,
  kEncrypted = 4,
  kKeyDestroyed = 8,
};
enum TextFlags : std::uint8_t { kTextZstd = 1, kTextSealed = 2 };
constexpr char kFormat2 = 2;
constexpr std::size_t kWrapped = util::kGcmNonce + 32 + util::kGcmTag;
constexpr auto kChunk = static_cast<std::uint32_t>(keys::kChunkSize);
constexpr std::string_view kBlobKeyLabel = "postjournal data key";
constexpr std::string_view kTextKeyLabel = "postjournal text key";

std::string labelled(std::string_view label, const TenantId& t, const util::Digest& sha) {
  std::string a(label);
  a.push_back('\0');
  a += t.str();
  a.push_back('\0');
  a += util::as_bytes(sha);
  return a;
}

std::string chunk_nonce(std::uint32_t index) {
  std::string n;
  util::put_be32(n, index);
  n.resize(util::kGcmNonce, '\0');
  return n;
}

// mode byte + payload: zstd when it is smaller.
std::string pack(std::string_view plain, bool compress, int level) {
  std::string out;
  if (compress && plain.size() > 64) {
    std::string z = compress::zstd_compress(plain, level);
    if (z.size() < plain.size()) {
      out.reserve(z.size() + 1);
      out.push_back(1);
      out += z;
      return out;
    }
  }
  out.reserve(plain.size() + 1);
  out.push_back(0);
  out += plain;
  return out;
}

std::string unpack(std::string_view packed, std::size_t max_size, const std::string& where) {
  if (packed.empty()) throw StoredBytesError(where + ": empty");
  if (packed[0] == 0) return std::string(packed.substr(1));
  if (packed[0] != 1) throw StoredBytesError(where + ": unknown encoding");
  try {
    return compress::zstd_decompress(packed.substr(1), max_size);
  } catch (const compress::CompressError& e) {
    throw StoredBytesError(where + ": " + e.what());
  }
}

}  // namespace

std::string encode_blob_row(const BlobRow& r) {
  std::string out;
  out.push_back(kFormat2);
  std::uint8_t f = (r.complete ? kComplete : 0) | (r.compressed ? kCompressed : 0) |
                   (r.encrypted ? kEncrypted : 0) | (r.key_destroyed ? kKeyDestroyed : 0);
  out.push_back(static_cast<char>(f));
  util::put_varint(out, r.size);
  util::put_varint(out, r.chunk_size);
  util::put_varint(out, r.chunk_count);
  util::put_varint(out, r.id);
  util::put_varint(out, r.live);
  if (r.encrypted) {
    util::put_varint(out, r.kek_id);
    util::put_bytes(out, r.wrapped_key);
  }
  return out;
}

std::optional<BlobRow> decode_blob_row(std::string_view bytes) {
  BlobRow r;
  if (bytes.size() == 16 && bytes[0] != kFormat2) {  // format 1: be64 size, be32 x2
    r.version = 1;
    r.size = util::get_be64(bytes);
    r.chunk_size = util::get_be32(bytes.substr(8));
    r.chunk_count = util::get_be32(bytes.substr(12));
    if (r.chunk_size == 0) return std::nullopt;
    return r;
  }
  util::ByteReader in(bytes);
  std::uint8_t version = 0, f = 0;
  std::uint64_t chunk_size = 0, chunk_count = 0, kek = 0;
  if (!in.u8(version) || version != kFormat2 || !in.u8(f) || !in.varint(r.size) ||
      !in.varint(chunk_size) || !in.varint(chunk_count) || !in.varint(r.id) || !in.varint(r.live)) {
    return std::nullopt;
  }
  r.complete = f & kComplete;
  r.compressed = f & kCompressed;
  r.encrypted = f & kEncrypted;
  r.key_destroyed = f & kKeyDestroyed;
  if (r.encrypted && (!in.varint(kek) || !in.bytes(r.wrapped_key))) return std::nullopt;
  if (!in.done() || chunk_size == 0 || chunk_size > 0xffffffffu || chunk_count > 0xffffffffu ||
      kek > 0xffffffffu || (r.encrypted && !r.key_destroyed && r.wrapped_key.size() != kWrapped)) {
    return std::nullopt;
  }
  // chunk_count = ceil(size / chunk_size), both bounded above: no division by zero, no overflow.
  if (chunk_count != r.size / chunk_size + (r.size % chunk_size != 0 ? 1 : 0)) return std::nullopt;
  r.chunk_size = static_cast<std::uint32_t>(chunk_size);
  r.chunk_count = static_cast<std::uint32_t>(chunk_count);
  r.kek_id = static_cast<std::uint32_t>(kek);
  return r;
}

std::vector<std::size_t> piece_sizes(std::size_t n, std::size_t page_size, std::size_t inline_max) {
  constexpr std::size_t kPageHeader = 16;  // an overflow page's header
  // Measured with bench/archive --disk (corpus, generated): leaf values of at most 512 bytes
  // pack appended leaf pages best (0.680 against 0.689 with 2 KB values), and a remainder of
  // 7/8 page or more wastes less in its own overflow page than in leaf pages.
  constexpr std::size_t kLeafPiece = 512;
  const std::size_t overflow_from = page_size * 7 / 8;
  std::vector<std::size_t> out;
  std::size_t pages = (n + kPageHeader) / page_size;
  if (pages > 0) {
    std::size_t big = pages * page_size - kPageHeader;
    out.push_back(big);
    n -= big;
  }
  if (n == 0) {
    if (out.empty()) out.push_back(0);
    return out;
  }
  if (n >= overflow_from) {
    out.push_back(n);
    return out;
  }
  std::size_t piece = std::min(kLeafPiece, inline_max);
  std::size_t k = (n + piece - 1) / piece;
  for (std::size_t i = 0; i < k; ++i) out.push_back(n / k + (i < n % k ? 1 : 0));
  return out;
}

Kek KeyRing::current() {
  std::lock_guard lock(mu_);
  if (!file_) file_ = read_key_file(path_, tenant_);
  return file_->current();
}

Kek KeyRing::get(std::uint32_t id) {
  std::lock_guard lock(mu_);
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (!file_ || attempt == 1) file_ = read_key_file(path_, tenant_);
    if (const Kek* k = file_->find(id)) return *k;
  }
  throw KeyError("tenant " + tenant_.str() + ": key file " + path_ + " lacks kek " +
                 std::to_string(id) + ", which this archive's mail is encrypted with");
}

void KeyRing::reload() {
  std::lock_guard lock(mu_);
  file_ = read_key_file(path_, tenant_);
}

Storage::Storage(TenantId tenant, StorageOptions opts)
    : tenant_(tenant), opts_(opts), keys_(key_path(opts.key_dir, tenant), tenant) {}

std::string Storage::wrap(const util::Key256& data_key, const util::Digest& sha, const Kek& kek,
                          std::string_view label) const {
  std::string nonce(util::kGcmNonce, '\0');
  util::random_bytes(nonce.data(), nonce.size());
  std::string aad = labelled(label, tenant_, sha);
  util::put_be32(aad, kek.id);
  return nonce + util::gcm_seal(kek.key, nonce, aad, util::key_bytes(data_key));
}

BlobPlan Storage::plan(const util::Digest& sha, std::uint64_t size) const {
  BlobPlan p;
  p.sha = sha;
  p.row.size = size;
  p.row.chunk_size = kChunk;
  p.row.chunk_count = static_cast<std::uint32_t>((size + kChunk - 1) / kChunk);
  p.row.compressed = opts_.compress;
  if (opts_.encrypt) {
    Kek kek = keys_.current();
    p.data_key = util::random_key();
    p.row.encrypted = true;
    p.row.kek_id = kek.id;
    p.row.wrapped_key = wrap(p.data_key, sha, kek, kBlobKeyLabel);
  }
  return p;
}

std::string Storage::encode_chunk(const BlobPlan& p, std::uint32_t index,
                                  std::string_view plain) const {
  std::string packed = pack(plain, p.row.compressed, opts_.level);
  if (!p.row.encrypted) return packed;
  std::string aad = labelled("postjournal chunk", tenant_, p.sha);
  util::put_be32(aad, index);
  util::put_be32(aad, p.row.chunk_count);
  return util::gcm_seal(p.data_key, chunk_nonce(index), aad, packed);
}

std::string Storage::unwrap_error(const BlobRow& row, const util::Digest& sha) const {
  return "tenant " + tenant_.str() + ": the data key of blob " + util::to_hex(sha) +
         " does not open with kek " + std::to_string(row.kek_id) + " of " + keys_.path() +
         " (a wrong key file, or changed bytes)";
}

util::Key256 Storage::data_key(const BlobRow& row, const util::Digest& sha,
                               std::string_view label) const {
  if (row.key_destroyed) {
    throw StoredBytesError("blob " + util::to_hex(sha) + ": its key was destroyed (erased mail)");
  }
  Kek kek = keys_.get(row.kek_id);
  std::string aad = labelled(label, tenant_, sha);
  util::put_be32(aad, row.kek_id);
  std::string_view w = row.wrapped_key;
  auto key = util::gcm_open(kek.key, w.substr(0, util::kGcmNonce), aad, w.substr(util::kGcmNonce));
  if (!key || key->size() != 32) throw KeyError(unwrap_error(row, sha));
  util::Key256 out{};
  std::copy(key->begin(), key->end(), out.begin());
  return out;
}

std::string Storage::decode_chunk(const BlobRow& row, const util::Digest& sha, std::uint32_t index,
                                  std::string_view stored) const {
  std::string where = "blob " + util::to_hex(sha) + " chunk " + std::to_string(index);
  std::size_t max = row.chunk_size;
  if (!row.encrypted) return unpack(stored, max, where);
  util::Key256 key = data_key(row, sha, kBlobKeyLabel);
  std::string aad = labelled("postjournal chunk", tenant_, sha);
  util::put_be32(aad, index);
  util::put_be32(aad, row.chunk_count);
  auto packed = util::gcm_open(key, chunk_nonce(index), aad, stored);
  if (!packed) {
    throw StoredBytesError(where + " of tenant " + tenant_.str() +
                           ": does not authenticate (its stored bytes were changed, or belong to "
                           "another tenant, blob or position)");
  }
  return unpack(*packed, max, where);
}

std::string Storage::seal_text(const util::Digest& attachment, std::string_view text) const {
  std::string packed = pack(text, opts_.compress, opts_.level);
  std::string out;
  out.push_back(kFormat2);
  std::uint8_t flags = opts_.encrypt ? kTextSealed : 0;
  out.push_back(static_cast<char>(flags));
  if (!opts_.encrypt) return out + packed;
  Kek kek = keys_.current();
  util::Key256 dk = util::random_key();
  util::put_varint(out, kek.id);
  out += wrap(dk, attachment, kek, kTextKeyLabel);
  std::string aad = labelled("postjournal text", tenant_, attachment);
  return out + util::gcm_seal(dk, chunk_nonce(0), aad, packed);
}

std::string Storage::open_text(const util::Digest& attachment, std::string_view stored) const {
  if (stored.empty() || stored[0] != kFormat2) return std::string(stored);  // format 1
  std::string where = "cached text of attachment " + util::to_hex(attachment);
  util::ByteReader in(stored.substr(1));
  std::uint8_t flags = 0;
  if (!in.u8(flags)) throw StoredBytesError(where + ": truncated");
  std::string_view rest = stored.substr(2);
  if (!(flags & kTextSealed)) return unpack(rest, 1ull << 34, where);
  std::uint64_t kek = 0;
  std::string_view w;
  if (!in.varint(kek) || !in.raw(kWrapped, w)) throw StoredBytesError(where + ": truncated");
  BlobRow row;
  row.encrypted = true;
  row.kek_id = static_cast<std::uint32_t>(kek);
  row.wrapped_key = std::string(w);
  util::Key256 dk = data_key(row, attachment, kTextKeyLabel);
  std::string_view sealed = stored.substr(stored.size() - in.remaining());
  std::string aad = labelled("postjournal text", tenant_, attachment);
  auto packed = util::gcm_open(dk, chunk_nonce(0), aad, sealed);
  if (!packed) throw StoredBytesError(where + ": does not authenticate");
  return unpack(*packed, 1ull << 34, where);
}

std::optional<std::string> Storage::rewrap_text(const util::Digest& attachment,
                                                std::string_view stored, const Kek& kek) const {
  if (stored.size() < 2 || stored[0] != kFormat2 || !(stored[1] & kTextSealed)) return std::nullopt;
  util::ByteReader in(stored.substr(2));
  std::uint64_t old = 0;
  std::string_view w;
  if (!in.varint(old) || !in.raw(kWrapped, w)) throw StoredBytesError("cached text: truncated");
  if (old == kek.id) return std::nullopt;
  BlobRow row;
  row.encrypted = true;
  row.kek_id = static_cast<std::uint32_t>(old);
  row.wrapped_key = std::string(w);
  util::Key256 dk = data_key(row, attachment, kTextKeyLabel);
  std::string out(stored.substr(0, 2));
  util::put_varint(out, kek.id);
  out += wrap(dk, attachment, kek, kTextKeyLabel);
  out += stored.substr(stored.size() - in.remaining());
  return out;
}

}  // namespace postjournal::archive
