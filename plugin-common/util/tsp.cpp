#include "util/tsp.hpp"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/pkcs7.h>
#include <openssl/ts.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <climits>
#include <ctime>
#include <memory>
#include <stdexcept>

namespace postjournal::util::tsp {

namespace {

template <class T, void (*F)(T*)>
struct Deleter {
  void operator()(T* p) const { F(p); }
};
using Req = std::unique_ptr<TS_REQ, Deleter<TS_REQ, TS_REQ_free>>;
using Resp = std::unique_ptr<TS_RESP, Deleter<TS_RESP, TS_RESP_free>>;
using MsgImprint = std::unique_ptr<TS_MSG_IMPRINT, Deleter<TS_MSG_IMPRINT, TS_MSG_IMPRINT_free>>;
using Algor = std::unique_ptr<X509_ALGOR, Deleter<X509_ALGOR, X509_ALGOR_free>>;
using Integer = std::unique_ptr<ASN1_INTEGER, Deleter<ASN1_INTEGER, ASN1_INTEGER_free>>;
using Object = std::unique_ptr<ASN1_OBJECT, Deleter<ASN1_OBJECT, ASN1_OBJECT_free>>;
using VerifyCtx = std::unique_ptr<TS_VERIFY_CTX, Deleter<TS_VERIFY_CTX, TS_VERIFY_CTX_free>>;
using Store = std::unique_ptr<X509_STORE, Deleter<X509_STORE, X509_STORE_free>>;
using Bio = std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>>;
using Cert = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using Bignum = std::unique_ptr<BIGNUM, Deleter<BIGNUM, BN_free>>;

void check(int ok, const char* what) {
  if (ok != 1) throw std::runtime_error(std::string("OpenSSL: ") + what + " failed");
}

// The queued OpenSSL errors as one line (and the queue cleared).
std::string openssl_errors() {
  std::string out;
  while (unsigned long e = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    if (!out.empty()) out += "; ";
    out += buf;
  }
  return out;
}

Resp decode(std::string_view der) {
  if (der.size() > static_cast<std::size_t>(LONG_MAX)) return nullptr;
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  return Resp(d2i_TS_RESP(nullptr, &p, static_cast<long>(der.size())));
}

std::string bio_text(BIO* b) {
  char* data = nullptr;
  long n = BIO_get_mem_data(b, &data);
  return n > 0 ? std::string(data, static_cast<std::size_t>(n)) : std::string();
}

std::string status_text(TS_STATUS_INFO* si) {
  Bio b(BIO_new(BIO_s_mem()));
  if (!b || TS_STATUS_INFO_print_bio(b.get(), si) != 1) return "unreadable status";
  std::string s = bio_text(b.get());
  for (char& c : s) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return s;
}

}  // namespace

std::string make_request(const Digest& imprint, std::uint64_t nonce, std::string_view policy_oid) {
  Req req(TS_REQ_new());
  MsgImprint mi(TS_MSG_IMPRINT_new());
  Algor algo(X509_ALGOR_new());
  Integer n(ASN1_INTEGER_new());
  if (!req || !mi || !algo || !n) throw std::runtime_error("OpenSSL: out of memory");
  check(TS_REQ_set_version(req.get(), 1), "TS_REQ_set_version");
  check(X509_ALGOR_set0(algo.get(), OBJ_nid2obj(NID_sha256), V_ASN1_NULL, nullptr),
        "X509_ALGOR_set0");
  check(TS_MSG_IMPRINT_set_algo(mi.get(), algo.get()), "TS_MSG_IMPRINT_set_algo");
  check(TS_MSG_IMPRINT_set_msg(mi.get(), const_cast<unsigned char*>(imprint.data()),
                               static_cast<int>(imprint.size())),
        "TS_MSG_IMPRINT_set_msg");
  check(TS_REQ_set_msg_imprint(req.get(), mi.get()), "TS_REQ_set_msg_imprint");
  check(ASN1_INTEGER_set_uint64(n.get(), nonce), "ASN1_INTEGER_set_uint64");
  check(TS_REQ_set_nonce(req.get(), n.get()), "TS_REQ_set_nonce");
  check(TS_REQ_set_cert_req(req.get(), 1), "TS_REQ_set_cert_req");
  if (!policy_oid.empty()) {
    Object oid(OBJ_txt2obj(std::string(policy_oid).c_str(), 1));
    if (!oid) {
      ERR_clear_error();
      throw std::invalid_argument("not a policy OID: " + std::string(policy_oid));
    }
    check(TS_REQ_set_policy_id(req.get(), oid.get()), "TS_REQ_set_policy_id");
  }
  unsigned char* out = nullptr;
  int len = i2d_TS_REQ(req.get(), &out);
  if (len <= 0) throw std::runtime_error("OpenSSL: i2d_TS_REQ failed");
  std::string der(reinterpret_cast<char*>(out), static_cast<std::size_t>(len));
  OPENSSL_free(out);
  return der;
}

std::optional<TokenInfo> parse_response(std::string_view der, std::string& why) {
  Resp resp = decode(der);
  if (!resp) {
    why = "not an RFC 3161 TimeStampResp (" + openssl_errors() + ")";
    return std::nullopt;
  }
  TokenInfo t;
  TS_STATUS_INFO* si = TS_RESP_get_status_info(resp.get());
  long status = ASN1_INTEGER_get(TS_STATUS_INFO_get0_status(si));
  t.granted = status == TS_STATUS_GRANTED || status == TS_STATUS_GRANTED_WITH_MODS;
  t.status_text = t.granted ? "granted" : status_text(si);
  TS_TST_INFO* info = TS_RESP_get_tst_info(resp.get());
  if (info == nullptr) {
    if (t.granted) {
      why = "a granted response without a token";
      return std::nullopt;
    }
    return t;
  }
  const ASN1_GENERALIZEDTIME* gt = TS_TST_INFO_get_time(info);
  struct tm tm {};
  if (gt == nullptr || ASN1_TIME_to_tm(gt, &tm) != 1) {
    why = "the token's genTime does not decode";
    return std::nullopt;
  }
  t.gen_time = static_cast<TimeUs>(timegm(&tm)) * 1000000;
  t.gen_time_text = format_iso8601(t.gen_time);
  TS_MSG_IMPRINT* mi = TS_TST_INFO_get_msg_imprint(info);
  const ASN1_OBJECT* algo = nullptr;
  X509_ALGOR_get0(&algo, nullptr, nullptr, TS_MSG_IMPRINT_get_algo(mi));
  int nid = algo == nullptr ? NID_undef : OBJ_obj2nid(algo);
  t.hash_algorithm = nid == NID_undef ? "unknown" : OBJ_nid2sn(nid);
  ASN1_OCTET_STRING* msg = TS_MSG_IMPRINT_get_msg(mi);
  if (nid == NID_sha256 && ASN1_STRING_length(msg) == static_cast<int>(t.imprint.size())) {
    std::copy_n(ASN1_STRING_get0_data(msg), t.imprint.size(), t.imprint.begin());
  }
  if (const ASN1_INTEGER* n = TS_TST_INFO_get_nonce(info)) {
    std::uint64_t v = 0;
    if (ASN1_INTEGER_get_uint64(&v, n) == 1) t.nonce = v;
    ERR_clear_error();
  }
  if (const ASN1_INTEGER* s = TS_TST_INFO_get_serial(info)) {
    Bignum bn(ASN1_INTEGER_to_BN(s, nullptr));
    if (bn) {
      char* hex = BN_bn2hex(bn.get());
      if (hex) t.serial = hex;
      OPENSSL_free(hex);
    }
  }
  if (ASN1_OBJECT* p = TS_TST_INFO_get_policy_id(info)) {
    char buf[128];
    if (OBJ_obj2txt(buf, sizeof buf, p, 1) > 0) t.policy = buf;
  }
  if (GENERAL_NAME* name = TS_TST_INFO_get_tsa(info)) {
    Bio b(BIO_new(BIO_s_mem()));
    if (b && GENERAL_NAME_print(b.get(), name) == 1) t.tsa_name = bio_text(b.get());
  }
  return t;
}

std::string verify_response(std::string_view der, const Digest& imprint, std::uint64_t nonce,
                            const std::string& ca_file) {
  ERR_clear_error();
  std::string why;
  auto info = parse_response(der, why);
  if (!info) return why;
  if (!info->granted) return "the TSA refused: " + info->status_text;
  if (info->hash_algorithm != "SHA256") {
    return "the token hashes with " + info->hash_algorithm + ", not SHA-256";
  }
  if (info->imprint != imprint) return "the token's imprint is not the SHA-256 of what was stamped";
  if (!info->nonce || *info->nonce != nonce) return "the token's nonce is not the request's";

  Store store(X509_STORE_new());
  if (!store) throw std::runtime_error("OpenSSL: out of memory");
  if (X509_STORE_load_file(store.get(), ca_file.c_str()) != 1) {
    return "cannot load the TSA trust anchors from " + ca_file + " (" + openssl_errors() + ")";
  }
  // The chain is checked as of the token's own time, not today.
  X509_VERIFY_PARAM_set_time(X509_STORE_get0_param(store.get()),
                             static_cast<time_t>(info->gen_time / 1000000));
  VerifyCtx ctx(TS_VERIFY_CTX_new());
  if (!ctx) throw std::runtime_error("OpenSSL: out of memory");
  TS_VERIFY_CTX_set_flags(ctx.get(), TS_VFY_VERSION | TS_VFY_SIGNATURE | TS_VFY_IMPRINT);
  auto* copy = static_cast<unsigned char*>(OPENSSL_memdup(imprint.data(), imprint.size()));
  if (copy == nullptr) throw std::runtime_error("OpenSSL: out of memory");
  TS_VERIFY_CTX_set_imprint(ctx.get(), copy, static_cast<long>(imprint.size()));  // owns copy
  TS_VERIFY_CTX_set_store(ctx.get(), store.release());                            // owns store
  Resp resp = decode(der);
  if (!resp) return "not an RFC 3161 TimeStampResp";
  if (TS_RESP_verify_response(ctx.get(), resp.get()) != 1) {
    std::string e = openssl_errors();
    return "the token does not verify: " + (e.empty() ? std::string("unknown reason") : e);
  }
  return "";
}

std::string token_certificates_pem(std::string_view der) {
  Resp resp = decode(der);
  if (!resp) return "";
  PKCS7* p7 = TS_RESP_get_token(resp.get());
  if (p7 == nullptr || !PKCS7_type_is_signed(p7) || p7->d.sign == nullptr) return "";
  STACK_OF(X509)* certs = p7->d.sign->cert;
  Bio b(BIO_new(BIO_s_mem()));
  if (!b) throw std::runtime_error("OpenSSL: out of memory");
  for (int i = 0; certs != nullptr && i < sk_X509_num(certs); ++i) {
    PEM_write_bio_X509(b.get(), sk_X509_value(certs, i));
  }
  return bio_text(b.get());
}

std::string pem_fingerprint(std::string_view pem) {
  Bio b(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!b) return "";
  Cert c(PEM_read_bio_X509(b.get(), nullptr, nullptr, nullptr));
  ERR_clear_error();
  if (!c) return "";
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  if (X509_digest(c.get(), EVP_sha256(), md, &n) != 1) return "";
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned i = 0; i < n; ++i) {
    if (i > 0) out += ':';
    out += kHex[md[i] >> 4];
    out += kHex[md[i] & 15];
  }
  return out;
}

}  // namespace postjournal::util::tsp
