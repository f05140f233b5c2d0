// postjournal-extract: the text extractor that postjournal's indexer runs in a sandbox. See
// usage() for the manual. With --worker it serves the protocol of extract/protocol.hpp on its
// standard input and output until end of file, one attachment at a time.
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstring>
#include <exception>
#include <iostream>
#include <new>
#include <string>

#include "extract/protocol.hpp"
#include "formats.hpp"
#include "util/file.hpp"

namespace {

using namespace postjournal;

constexpr std::uint64_t kMaxRequest = 1ull << 30;

const char* usage() {
  return "NAME\n"
         "       postjournal-extract - text of one attachment, for postjournal's indexer\n\n"
         "SYNOPSIS\n"
         "       postjournal-extract [--type MIME-TYPE] FILE\n"
         "       postjournal-extract --worker\n\n"
         "DESCRIPTION\n"
         "       Prints the text of FILE as UTF-8: PDF (poppler), DOCX/XLSX/PPTX and ODT/ODS/ODP\n"
         "       (their XML), zip archives (each member, two levels deep), DOC (antiword,\n"
         "       catdoc), XLS (xls2csv), PPT (catppt), RTF (unrtf) and TNEF winmail.dat (tnef).\n"
         "       The type comes from --type, else from the file name's extension.\n\n"
         "       --worker is how postjournal-milter and `postjournal index` run it: inside\n"
         "       bubblewrap (no network, read-only /usr, private /tmp) with memory and CPU\n"
         "       limits, answering requests on standard input and output. Run by hand (FILE) it\n"
         "       is not sandboxed: use it on files you trust, to see what the index gets.\n\n"
         "EXIT STATUS\n"
         "       0 text printed (possibly empty); 1 the file could not be read (the reason is\n"
         "       printed); 2 no extractor for this type; 64 usage error.\n";
}

std::string g_cpu_frame;
std::string g_memory_frame;

void on_cpu_limit(int) {
  // Async-signal-safe: a prebuilt frame, then leave (the pool does not reuse this worker).
  ssize_t ignored = ::write(1, g_cpu_frame.data(), g_cpu_frame.size());
  (void)ignored;
  ::_exit(0);
}

void limit_cpu(std::uint64_t seconds) {
  rusage ru{};
  ::getrusage(RUSAGE_SELF, &ru);
  rlimit r{};
  ::getrlimit(RLIMIT_CPU, &r);
  auto used = static_cast<std::uint64_t>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec);
  r.rlim_cur = static_cast<rlim_t>(used + 1 + seconds);
  if (r.rlim_max != RLIM_INFINITY && r.rlim_cur > r.rlim_max) r.rlim_cur = r.rlim_max;
  ::setrlimit(RLIMIT_CPU, &r);
}

extract::Response handle(const extract::Request& req) {
  extract::Response resp;
  extractor::TextSink sink;
  sink.max = req.max_text;
  extractor::Limits limits{req.cpu_seconds, req.zip_depth};
  try {
    if (!extractor::extract_any(req.mime_type, req.filename, req.data, limits, sink)) {
      resp.status = extract::Status::kUnsupported;
    }
  } catch (const extractor::FormatError& e) {
    resp.status = extract::Status::kFailed;
    resp.reason = e.what();
  }
  resp.truncated = sink.truncated;
  resp.text = std::move(sink.text);
  return resp;
}

// An allocation failure inside a library's noexcept code ends in std::terminate: still answer
// "memory-limit" rather than dying without a word.
void on_terminate() {
  bool memory = false;
  if (auto e = std::current_exception()) {
    try {
      std::rethrow_exception(e);
    } catch (const std::bad_alloc&) {
      memory = true;
    } catch (...) {
    }
  }
  if (memory) {
    ssize_t ignored = ::write(1, g_memory_frame.data(), g_memory_frame.size());
    (void)ignored;
    ::_exit(0);
  }
  ::abort();
}

int serve() {
  extract::Response failure;
  failure.status = extract::Status::kFailed;
  failure.reason = "cpu-limit";
  g_cpu_frame = extract::encode_response(failure);
  failure.reason = "memory-limit";
  g_memory_frame = extract::encode_response(failure);
  std::set_terminate(on_terminate);
  ::signal(SIGXCPU, on_cpu_limit);
  ::signal(SIGPIPE, SIG_IGN);
  try {
    extract::write_ready(1);
  } catch (const std::exception&) {
    return 0;
  }
  for (;;) {
    extract::Request req;
    if (!extract::read_request(0, req, kMaxRequest)) return 0;
    limit_cpu(req.cpu_seconds);
    extract::Response resp;
    try {
      resp = handle(req);
    } catch (const std::bad_alloc&) {
      resp = {};
      resp.status = extract::Status::kFailed;
      resp.reason = "memory-limit";
      extract::write_response(1, resp);
      return 0;
    }
    try {
      extract::write_response(1, resp);
    } catch (const std::exception&) {
      return 0;
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::string type;
  std::string file;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--worker") return serve();
    if (a == "-h" || a == "--help") {
      std::cout << usage();
      return 0;
    }
    if (a == "--type" && i + 1 < argc) {
      type = argv[++i];
    } else if (file.empty() && !a.starts_with("--")) {
      file = a;
    } else {
      std::cerr << "postjournal-extract: unexpected argument " << a << "\n" << usage();
      return 64;
    }
  }
  if (file.empty()) {
    std::cerr << usage();
    return 64;
  }
  extract::Request req;
  req.mime_type = type;
  req.filename = file;
  req.max_text = 1ull << 30;
  req.cpu_seconds = 60;
  req.zip_depth = 2;
  try {
    req.data = util::read_file(file);
  } catch (const std::exception& e) {
    std::cerr << "postjournal-extract: " << e.what() << "\n";
    return 1;
  }
  auto resp = handle(req);
  std::cout << resp.text;
  if (resp.status == extract::Status::kFailed) {
    std::cerr << "postjournal-extract: " << file << ": " << resp.reason << "\n";
    return 1;
  }
  if (resp.status == extract::Status::kUnsupported) {
    std::cerr << "postjournal-extract: " << file << ": no extractor for this type\n";
    return 2;
  }
  return 0;
}
