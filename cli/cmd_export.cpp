// postjournal export: the stored bytes of one delivery (raw or the embedded original), a
// tenant's deliveries as an mboxrd file, or every delivery matching a query (cmd_index.cpp).
// Everything is streamed from the archive to the output.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <functional>
#include <iostream>
#include <memory>
#include <system_error>

#include "archive/mbox.hpp"
#include "commands.hpp"
#include "util/file.hpp"

namespace postjournal::cli {

namespace {

// Where output goes: standard output, or -o FILE written atomically.
class Output {
 public:
  explicit Output(const Args& args) {
    auto path = args.value("output");
    if (path && *path != "-") {
      try {
        file_ = std::make_unique<util::AtomicFile>(*path, 0640);
      } catch (const std::system_error& e) {
        throw CommandError(kExitSoftware, e.what());
      }
    }
  }
  void write(std::string_view bytes) {
    if (file_) {
      try {
        file_->write(bytes);
      } catch (const std::system_error& e) {
        throw CommandError(kExitSoftware, e.what());
      }
      return;
    }
    std::cout.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!std::cout) throw CommandError(kExitSoftware, "cannot write to standard output");
  }
  void commit() {
    if (file_) {
      try {
        file_->commit();
      } catch (const std::system_error& e) {
        throw CommandError(kExitSoftware, e.what());
      }
      return;
    }
    std::cout.flush();
    if (!std::cout) throw CommandError(kExitSoftware, "cannot write to standard output");
  }

 private:
  std::unique_ptr<util::AtomicFile> file_;
};

void stream_stored(const archive::TenantArchive& a, const archive::Delivery& d,
                   std::uint64_t offset, std::uint64_t length,
                   const std::function<void(std::string_view)>& sink) {
  if (!a.read(d.content_sha256, offset, length, sink)) {
    throw CommandError(kExitSoftware, "content " + util::to_hex(d.content_sha256) +
                                          " of this delivery is missing; run postjournal verify");
  }
}

int export_mbox(const Context& ctx, const Args& args) {
  auto tenant = ctx.selected_tenant(args);
  if (!tenant) throw UsageError("export --mbox needs --tenant T or --no-tenant");
  auto a = ctx.open_existing(*tenant);
  archive::TimeRange range{parse_time_option(args, "since"), parse_time_option(args, "until")};
  Output out(args);
  archive::MboxWriter w([&out](std::string_view p) { out.write(p); });
  std::optional<std::pair<util::TimeUs, std::uint64_t>> after;
  for (;;) {
    auto page = a->oldest_first(range, after, 256);
    if (page.empty()) break;
    for (const auto& d : page) {
      w.begin(d.envelope.sender.empty() ? d.transport.mail_from : d.envelope.sender,
              d.transport.received);
      stream_stored(*a, d, 0, d.size, [&w](std::string_view p) { w.write(p); });
      w.end();
    }
    after = std::make_pair(page.back().transport.received, page.back().seq);
  }
  out.commit();
  return kExitOk;
}

}  // namespace

int run_export(const Context& ctx, const Args& args) {
  if (args.has("query") || args.has("eml-dir")) {
    if (!args.positional().empty()) throw UsageError("export --query takes no delivery ID");
    if (!args.has("query")) throw UsageError("--eml-dir needs --query QUERY");
    return run_export_query(ctx, args);
  }
  if (args.has("mbox")) {
    if (!args.positional().empty()) throw UsageError("export --mbox takes no delivery ID");
    return export_mbox(ctx, args);
  }
  if (args.positional().size() != 1) throw UsageError("export needs exactly one delivery ID");
  if (args.has("raw") && args.has("original"))
    throw UsageError("--raw and --original exclude each other");
  archive::DeliveryId id = parse_id(args.positional()[0]);
  if (args.has("evidence")) {
    if (args.has("raw") || args.has("original"))
      throw UsageError("--evidence excludes --raw and --original");
    return export_evidence(ctx, args, id);
  }
  auto a = ctx.open_existing(id.tenant);
  auto d = a->get(id.seq);
  if (!d) throw CommandError(kExitProblem, "no delivery " + id.str() + removed_note(ctx, id));
  std::uint64_t offset = 0;
  std::uint64_t length = d->size;
  if (args.has("original")) {
    if (!d->envelope.has_original) {
      throw CommandError(kExitProblem, id.str() +
                                           " is a journal report without the original "
                                           "message; use --raw for the report itself");
    }
    offset = d->envelope.original_offset;
    length = d->envelope.original_size;
  }
  Output out(args);
  stream_stored(*a, *d, offset, length, [&out](std::string_view p) { out.write(p); });
  out.commit();
  return kExitOk;
}

}  // namespace postjournal::cli
