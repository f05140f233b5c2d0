// libFuzzer target: the milter's Session (message reconstruction, tenant resolution, extraction
// and the durable store) driven by an arbitrary sequence of milter events. The input is split at
// '\n' into events: "M<from>" MAIL FROM, "R<rcpt>" RCPT TO, "H<name>:<value>" a header (value
// '\r' stands for a folded line break), "E" end of headers, "B<bytes>" a body chunk, "." end of
// message, "A" abort, "C<ip>" a new connection. Invariants: no crash, no exception escapes, and a
// message answered ACCEPT/DISCARD is in the archive with exactly the bytes the session was given.
// The archive lives under /dev/shm (tmpfs), so its fsyncs are cheap; it grows with the run
// (identical messages are stored once), so very long runs need RAM.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>

#include "reconstruct.hpp"
#include "session.hpp"

using namespace postjournal;

namespace {

std::shared_ptr<const milter::Runtime> make_runtime() {
  static const std::string root = [] {
    std::string tmpl = "/dev/shm/pj-session-fuzz.XXXXXX";
    if (::mkdtemp(tmpl.data()) == nullptr) std::abort();
    return tmpl;
  }();
  auto cfg = std::make_shared<const config::Config>(config::load_string(
      "milter: {memory_limit: 64K, max_message_size: 1M, spool_dir: " + root +
          "}\narchive: {root: " + root +
          "/archive}\n"
          "listeners:\n"
          "  - name: acme\n    tenant: acme\n    auth: {method: ip, ips: [192.0.2.0/24]}\n",
      "fuzz.yaml"));
  return std::make_shared<const milter::Runtime>(cfg, tenant::SpfChecker::zone({}));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static auto rt = make_runtime();
  static ingest::Service service(rt->config);
  milter::Session s(rt, service);
  s.connect("192.0.2.7");
  std::string expected;  // the bytes of the current message as sent
  std::string_view in(reinterpret_cast<const char*>(data), size);
  std::size_t events = 0;
  while (!in.empty() && ++events < 64) {
    std::size_t nl = in.find('\n');
    std::string_view ev = in.substr(0, nl);
    in = nl == std::string_view::npos ? std::string_view{} : in.substr(nl + 1);
    if (ev.empty()) continue;
    std::string arg(ev.substr(1));
    switch (ev[0]) {
      case 'M':
        expected.clear();
        s.mail_from("<" + arg + ">", "");
        break;
      case 'R':
        s.rcpt("<" + arg + ">");
        break;
      case 'H': {
        std::size_t colon = arg.find(':');
        if (colon == std::string::npos || colon == 0) break;
        std::string name = arg.substr(0, colon), value = arg.substr(colon + 1);
        for (char& c : value) c = c == '\r' ? '\n' : c;
        expected += milter::header_line(name, value);
        s.header(name, value);
        break;
      }
      case 'E':
        expected += "\r\n";
        s.end_of_headers();
        break;
      case 'B':
        expected += arg;
        s.body(arg);
        break;
      case '.': {
        util::Outcome r = s.end_of_message({"FUZZ", "", ""}, [] {});
        if (util::is_stored(r)) {
          const auto& report = s.last_report();
          if (!report || !report->ok()) std::abort();
          auto a = service.archive(report->tenant);
          auto d = a->get(report->seq);
          if (!d) std::abort();
          std::string stored;
          a->read(d->content_sha256, 0, d->size, [&](std::string_view p) { stored += p; });
          if (stored != expected) std::abort();
        }
        expected.clear();
        break;
      }
      case 'A':
        s.abort();
        expected.clear();
        break;
      case 'C':
        s.connect(arg);
        break;
      default:
        break;
    }
  }
  return 0;
}
