#include "extract/pool.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <system_error>

namespace postjournal::extract {

namespace {

bool executable(const std::string& p) {
  return !p.empty() && ::access(p.c_str(), X_OK) == 0;
}

std::string self_dir() {
  std::error_code ec;
  auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::string() : exe.parent_path().string();
}

void set_limit(int resource, rlim_t value) {
  rlimit r{value, value};
  ::setrlimit(resource, &r);
}

}  // namespace

std::string find_worker() {
  if (const char* env = std::getenv("POSTJOURNAL_EXTRACT"); env && *env) return env;
  std::string dir = self_dir();
  for (const std::string& c :
       {dir + "/postjournal-extract", dir + "/../extractor/postjournal-extract",
        std::string("/usr/lib/postjournal/postjournal-extract")}) {
    if (executable(c)) return std::filesystem::weakly_canonical(c).string();
  }
  return "/usr/lib/postjournal/postjournal-extract";
}

std::vector<std::string> worker_argv(const PoolOptions& o) {
  std::vector<std::string> argv;
  if (o.sandbox == Sandbox::kBubblewrap) {
    argv = {o.bwrap_path,
            "--unshare-all",
            "--die-with-parent",
            "--new-session",
            "--cap-drop",
            "ALL",
            "--ro-bind",
            "/usr",
            "/usr",
            "--symlink",
            "usr/lib",
            "/lib",
            "--symlink",
            "usr/lib64",
            "/lib64",
            "--symlink",
            "usr/bin",
            "/bin",
            "--symlink",
            "usr/sbin",
            "/sbin",
            "--ro-bind-try",
            "/etc/ld.so.cache",
            "/etc/ld.so.cache",
            "--ro-bind-try",
            "/etc/fonts",
            "/etc/fonts",
            "--proc",
            "/proc",
            "--dev",
            "/dev",
            "--size",
            std::to_string(256u << 20),
            "--tmpfs",
            "/tmp",
            "--chdir",
            "/tmp",
            "--setenv",
            "HOME",
            "/tmp",
            "--setenv",
            "LANG",
            "C.UTF-8",
            "--ro-bind",
            o.worker_path,
            "/run/postjournal-extract",
            "--",
            "/run/postjournal-extract"};
  } else {
    argv = {o.worker_path};
  }
  argv.push_back("--worker");
  return argv;
}

struct Pool::Worker {
  pid_t pid = -1;
  int fd = -1;
  ~Worker() {
    if (fd >= 0) ::close(fd);
    if (pid > 0) {
      ::kill(-pid, SIGKILL);
      ::kill(pid, SIGKILL);
      int status = 0;
      while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
      }
    }
  }
  // Exit status after the worker went away (blocks until it has).
  int reap() {
    int status = 0;
    pid_t p = pid;
    pid = -1;
    if (fd >= 0) ::close(fd);
    fd = -1;
    while (::waitpid(p, &status, 0) < 0 && errno == EINTR) {
    }
    return status;
  }
};

Pool::Pool(PoolOptions o) : opts_(std::move(o)) {
  if (opts_.workers == 0) opts_.workers = 1;
}

Pool::~Pool() = default;

std::uint64_t Pool::starts() const {
  std::lock_guard lock(mu_);
  return starts_;
}

std::unique_ptr<Pool::Worker> Pool::take() {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [this] { return !idle_.empty() || busy_ < opts_.workers; });
  ++busy_;
  if (!idle_.empty()) {
    auto w = std::move(idle_.back());
    idle_.pop_back();
    return w;
  }
  ++starts_;
  lock.unlock();
  auto argv = worker_argv(opts_);
  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) return nullptr;
  std::vector<char*> cargv;
  for (auto& a : argv) cargv.push_back(a.data());
  cargv.push_back(nullptr);
  rlim_t memory = opts_.memory_bytes;
  pid_t pid = ::fork();
  if (pid < 0) {
    ::close(sv[0]);
    ::close(sv[1]);
    return nullptr;
  }
  if (pid == 0) {
    ::setpgid(0, 0);
    ::dup2(sv[1], 0);
    ::dup2(sv[1], 1);
    int null = ::open("/dev/null", O_WRONLY);
    if (null >= 0) ::dup2(null, 2);
#if defined(__SANITIZE_ADDRESS__)
    // An AddressSanitizer build reserves terabytes of address space for its shadow memory, so
    // RLIMIT_AS would stop the worker from starting: bound its allocator instead.
    std::string asan = "hard_rss_limit_mb=" + std::to_string(memory >> 20) +
                       ":allocator_may_return_null=1:detect_leaks=0";
    ::setenv("ASAN_OPTIONS", asan.c_str(), 1);
#else
    set_limit(RLIMIT_AS, memory);
#endif
    set_limit(RLIMIT_CORE, 0);
    set_limit(RLIMIT_FSIZE, 512u << 20);
    ::signal(SIGPIPE, SIG_DFL);
    ::execv(cargv[0], cargv.data());
    ::_exit(127);
  }
  ::close(sv[1]);
  auto w = std::make_unique<Worker>();
  w->pid = pid;
  w->fd = sv[0];
  // The worker says it is up (one byte) once inside its sandbox: no byte means the sandbox or
  // the program could not start, which is not the fault of any attachment.
  if (!read_ready(w->fd, std::chrono::steady_clock::now() + std::chrono::seconds(30))) {
    w->reap();
    return nullptr;
  }
  return w;
}

void Pool::give_back(std::unique_ptr<Worker> w) {
  std::lock_guard lock(mu_);
  --busy_;
  if (w) idle_.push_back(std::move(w));
  cv_.notify_one();
}

Response Pool::extract(std::string_view mime_type, std::string_view filename,
                       std::string_view data) {
  Request req;
  req.mime_type = mime_type;
  req.filename = filename;
  req.data = data;
  req.max_text = opts_.max_text;
  req.cpu_seconds = opts_.cpu_seconds;
  req.zip_depth = opts_.zip_depth;
  auto w = take();
  Response resp;
  if (!w) {
    give_back(nullptr);
    resp.status = Status::kFailed;
    resp.reason = "sandbox-unavailable";
    return resp;
  }
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(opts_.timeout_seconds);
  bool sent = true;
  try {
    write_request(w->fd, req);
  } catch (const std::system_error&) {
    sent = false;
  }
  if (sent && read_response(w->fd, resp, opts_.max_text + 4096, deadline)) {
    // A worker that reported a resource limit exits after answering: do not reuse it.
    if (resp.status == Status::kFailed &&
        (resp.reason == "cpu-limit" || resp.reason == "memory-limit")) {
      w.reset();
    }
    give_back(std::move(w));
    return resp;
  }
  resp = Response{};
  resp.status = Status::kFailed;
  bool timed_out = std::chrono::steady_clock::now() >= deadline;
  if (timed_out) {
    ::kill(-w->pid, SIGKILL);
    ::kill(w->pid, SIGKILL);
  }
  w->reap();
  resp.reason = timed_out ? "timeout" : "crashed";
  give_back(nullptr);
  return resp;
}

}  // namespace postjournal::extract
