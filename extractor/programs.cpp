// Formats read by external Debian programs, run from inside the worker's sandbox.
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <string>
#include <vector>

#include "formats.hpp"
#include "util/markup.hpp"

namespace postjournal::extractor {

namespace {

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/pjx.XXXXXX";
    if (!::mkdtemp(tmpl)) throw FormatError("no-temp-space");
    path_ = tmpl;
  }
  ~TempDir() { remove_tree(path_); }
  const std::string& path() const { return path_; }

  static void remove_tree(const std::string& p) {
    if (DIR* d = ::opendir(p.c_str())) {
      while (dirent* e = ::readdir(d)) {
        std::string n = e->d_name;
        if (n == "." || n == "..") continue;
        std::string full = p + "/" + n;
        struct stat st {};
        if (::lstat(full.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
          remove_tree(full);
        } else {
          ::unlink(full.c_str());
        }
      }
      ::closedir(d);
    }
    ::rmdir(p.c_str());
  }

 private:
  std::string path_;
};

void write_file(const std::string& path, std::string_view data) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) throw FormatError("no-temp-space");
  while (!data.empty()) {
    ssize_t w = ::write(fd, data.data(), data.size());
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) {
      ::close(fd);
      throw FormatError("no-temp-space");
    }
    data.remove_prefix(static_cast<std::size_t>(w));
  }
  ::close(fd);
}

// Runs argv; returns its standard output (at most max bytes, `cut` set when there was more).
// Throws FormatError("timeout") or ("program-failed").
std::string run(const std::vector<std::string>& argv, const Limits& limits, std::uint64_t max,
                bool& cut) {
  int p[2];
  if (::pipe2(p, O_CLOEXEC) != 0) throw FormatError("program-failed");
  std::vector<char*> cargv;
  std::vector<std::string> copy = argv;
  for (auto& a : copy) cargv.push_back(a.data());
  cargv.push_back(nullptr);
  pid_t pid = ::fork();
  if (pid < 0) throw FormatError("program-failed");
  if (pid == 0) {
    ::dup2(p[1], 1);
    int null = ::open("/dev/null", O_RDWR);
    if (null >= 0) {
      ::dup2(null, 0);
      ::dup2(null, 2);
    }
    rlimit cpu{static_cast<rlim_t>(limits.cpu_seconds), static_cast<rlim_t>(limits.cpu_seconds)};
    ::setrlimit(RLIMIT_CPU, &cpu);
    ::execvp(cargv[0], cargv.data());
    ::_exit(127);
  }
  ::close(p[1]);
  std::string out;
  auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(2 * limits.cpu_seconds + 1);
  bool timed_out = false;
  char buf[65536];
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      timed_out = true;
      break;
    }
    pollfd pfd{p[0], POLLIN, 0};
    int pr = ::poll(&pfd, 1, static_cast<int>(left.count()));
    if (pr < 0 && errno == EINTR) continue;
    if (pr <= 0) {
      timed_out = pr == 0;
      break;
    }
    ssize_t n = ::read(p[0], buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    out.append(buf, static_cast<std::size_t>(n));
    if (out.size() > max) {
      out.resize(static_cast<std::size_t>(max));
      cut = true;
      break;
    }
  }
  ::close(p[0]);
  if (timed_out || cut) ::kill(pid, SIGKILL);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (timed_out) throw FormatError("timeout");
  if (cut) return out;
  if (WIFSIGNALED(status) && WTERMSIG(status) == SIGXCPU) throw FormatError("cpu-limit");
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) throw FormatError("program-failed");
  return out;
}

void add_output(const std::vector<std::string>& argv, const Limits& limits, TextSink& sink) {
  bool cut = false;
  std::string out = run(argv, limits, sink.left(), cut);
  sink.add(out);
  if (cut) sink.truncated = true;
}

void add_rtf(const std::string& file, const Limits& limits, TextSink& sink) {
  bool cut = false;
  std::string out = run({"unrtf", "--text", "--nopict", file}, limits, sink.left() + 4096, cut);
  // unrtf --text starts with "###" comment lines naming itself and the document.
  std::size_t pos = 0;
  while (pos < out.size() && out.compare(pos, 3, "###") == 0) {
    std::size_t nl = out.find('\n', pos);
    pos = nl == std::string::npos ? out.size() : nl + 1;
  }
  std::string_view rest(out);
  sink.add(rest.substr(pos));
  if (cut) sink.truncated = true;
}

void add_tnef(const std::string& file, const Limits& limits, TextSink& sink) {
  TempDir out;
  bool cut = false;
  run({"tnef", "--number-backups", "--save-body", "--body-pref=all", "--maxsize=536870912", "-C",
       out.path(), "-f", file},
      limits, 1 << 20, cut);
  DIR* d = ::opendir(out.path().c_str());
  if (!d) throw FormatError("program-failed");
  std::vector<std::string> names;
  while (dirent* e = ::readdir(d)) {
    std::string n = e->d_name;
    if (n != "." && n != "..") names.push_back(n);
  }
  ::closedir(d);
  std::sort(names.begin(), names.end());
  for (const auto& n : names) {
    std::string path = out.path() + "/" + n;
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) continue;
    std::string bytes;
    char buf[65536];
    ssize_t r;
    while ((r = ::read(fd, buf, sizeof buf)) > 0) bytes.append(buf, static_cast<std::size_t>(r));
    ::close(fd);
    sink.add(n);
    sink.separate();
    try {
      if (n.ends_with(".html") || n.ends_with(".htm")) {
        bool html_cut = false;  // the saved HTML body
        sink.add(util::markup_text(bytes, util::Markup::kHtml, sink.left(), html_cut));
        if (html_cut) sink.truncated = true;
      } else {
        extract_any("", n, bytes, limits, sink);
      }
    } catch (const FormatError&) {
      // a member that cannot be read does not hide the others
    }
    sink.separate();
  }
}

}  // namespace

void extract_with_program(std::string_view kind, std::string_view data, const Limits& limits,
                          TextSink& sink) {
  TempDir dir;
  std::string file = dir.path() + "/input";
  write_file(file, data);
  if (kind == "doc") {
    try {
      add_output({"antiword", "-w", "0", file}, limits, sink);
    } catch (const FormatError& e) {
      if (std::string_view(e.what()) != "program-failed") throw;
      add_output({"catdoc", "-w", file}, limits, sink);
    }
  } else if (kind == "xls") {
    add_output({"xls2csv", file}, limits, sink);
  } else if (kind == "ppt") {
    add_output({"catppt", file}, limits, sink);
  } else if (kind == "rtf") {
    add_rtf(file, limits, sink);
  } else if (kind == "tnef") {
    add_tnef(file, limits, sink);
  }
}

}  // namespace postjournal::extractor
