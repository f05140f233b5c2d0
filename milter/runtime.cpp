#include "runtime.hpp"

#include <cstdlib>

namespace postjournal::milter {

namespace {
ingest::Service* g_service = nullptr;
}

std::mutex CurrentRuntime::mu_;
std::shared_ptr<const Runtime> CurrentRuntime::current_;

Runtime::Runtime(std::shared_ptr<const config::Config> c, std::shared_ptr<tenant::SpfChecker> s)
    : config(c), spf(s), resolver(std::move(c), std::move(s)) {}

std::shared_ptr<const Runtime> CurrentRuntime::get() {
  std::lock_guard lock(mu_);
  return current_;
}

void CurrentRuntime::set(std::shared_ptr<const Runtime> r) {
  std::lock_guard lock(mu_);
  current_ = std::move(r);
}

ingest::Service& process_service() {
  if (g_service == nullptr) std::abort();  // a bug: no Service before smfi_main
  return *g_service;
}

void set_process_service(ingest::Service* service) {
  g_service = service;
}

}  // namespace postjournal::milter
