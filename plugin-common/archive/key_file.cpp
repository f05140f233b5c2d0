#include "archive/key_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <sstream>
#include <system_error>

#include "util/bytes.hpp"
#include "util/file.hpp"

namespace postjournal::archive {

namespace {

constexpr std::string_view kCredentials = "${CREDENTIALS_DIRECTORY}";

bool parse_hex_key(const std::string& hex, util::Key256& out) {
  util::Digest d{};
  if (!util::digest_from_hex(hex, d)) return false;
  std::copy(d.begin(), d.end(), out.begin());
  return true;
}

}  // namespace

const Kek* KeyFile::find(std::uint32_t id) const {
  for (const auto& k : keks) {
    if (k.id == id) return &k;
  }
  return nullptr;
}

std::string key_path(const std::string& key_dir, const TenantId& tenant) {
  std::string dir = key_dir;
  if (dir.starts_with(kCredentials)) {
    const char* cred = std::getenv("CREDENTIALS_DIRECTORY");
    dir = std::string(cred ? cred : "") + dir.substr(kCredentials.size());
  }
  return dir + "/" + tenant.str() + ".key";
}

KeyFile read_key_file(const std::string& path, const TenantId& tenant) {
  std::string text;
  try {
    text = util::read_file(path);
  } catch (const std::system_error& e) {
    throw KeyError("tenant " + tenant.str() + ": key file " + path + ": " +
                   std::strerror(e.code().value()));
  }
  KeyFile f;
  std::istringstream in(text);
  std::string line;
  int n = 0;
  auto fail = [&](const std::string& what) {
    return KeyError("tenant " + tenant.str() + ": key file " + path + ":" + std::to_string(n) +
                    ": " + what);
  };
  while (std::getline(in, line)) {
    ++n;
    if (line.empty() || line[0] == '#') continue;
    std::istringstream words(line);
    std::string word, a, b, extra;
    words >> word >> a >> b >> extra;
    if (word == "tenant" && b.empty()) {
      f.tenant = a;
    } else if (word == "kek" && extra.empty()) {
      Kek k;
      char* end = nullptr;
      unsigned long id = std::strtoul(a.c_str(), &end, 10);
      if (a.empty() || *end != '\0' || id == 0 || id > 0xffffffffUL || !parse_hex_key(b, k.key)) {
        throw fail("expected: kek ID HEX-KEY (64 hex digits)");
      }
      k.id = static_cast<std::uint32_t>(id);
      if (f.find(k.id)) throw fail("kek " + a + " appears twice");
      f.keks.push_back(k);
    } else {
      throw fail("expected a 'tenant NAME' or 'kek ID HEX-KEY' line");
    }
  }
  if (f.tenant != tenant.str()) {
    throw KeyError("tenant " + tenant.str() + ": key file " + path + " is the key of tenant '" +
                   f.tenant + "'");
  }
  if (f.keks.empty()) throw KeyError("tenant " + tenant.str() + ": key file " + path + ": no kek");
  std::sort(f.keks.begin(), f.keks.end(), [](const Kek& x, const Kek& y) { return x.id > y.id; });
  return f;
}

std::string render_key_file(const KeyFile& f) {
  std::string out =
      "# postjournal key-encryption key of tenant " + f.tenant +
      ". Without it the tenant's stored mail\n# cannot be read: keep a copy elsewhere "
      "(postjournal key backup --tenant " +
      f.tenant + " -o FILE).\ntenant " + f.tenant + "\n";
  for (const auto& k : f.keks) {
    out += "kek " + std::to_string(k.id) + " " + util::to_hex(util::key_bytes(k.key)) + "\n";
  }
  return out;
}

void write_key_file(const std::string& path, const KeyFile& f, long uid, long gid) {
  try {
    util::AtomicFile file(path, 0600);
    file.write(render_key_file(f));
    if (uid >= 0 || gid >= 0) {
      std::string tmp = path + ".tmp." + std::to_string(::getpid());
      if (::chown(tmp.c_str(), static_cast<uid_t>(uid), static_cast<gid_t>(gid)) != 0) {
        throw std::system_error(errno, std::generic_category(), "chown " + tmp);
      }
    }
    file.commit();
    auto slash = path.rfind('/');
    util::fsync_dir(slash == std::string::npos ? "." : path.substr(0, slash));
  } catch (const std::system_error& e) {
    throw KeyError("tenant " + f.tenant + ": cannot write key file " + path + ": " + e.what());
  }
}

std::string kek_check(const Kek& k, const TenantId& tenant) {
  std::string data = "postjournal kek check";
  data.push_back('\0');
  data += tenant.str();
  auto mac = util::hmac_sha256(util::key_bytes(k.key), data);
  return std::string(util::as_bytes(mac).substr(0, 16));
}

}  // namespace postjournal::archive
