// postjournal export: the stored bytes of one delivery (raw or the embedded original), or a
// tenant's deliveries as an mboxrd file.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iostream>
#include <system_error>

#include "archive/mbox.hpp"
#include "commands.hpp"
#include "util/file.hpp"

namespace postjournal::cli {

namespace {

std::string stored_bytes(const archive::TenantArchive& a, const archive::Delivery& d,
                         std::uint64_t offset, std::uint64_t length) {
  std::string out;
  out.reserve(static_cast<std::size_t>(length));
  if (!a.read(d.content_sha256, offset, length, [&out](std::string_view p) { out.append(p); })) {
    throw CommandError(kExitSoftware, "content " + util::to_hex(d.content_sha256) +
                                          " of this delivery is missing; run postjournal verify");
  }
  return out;
}

int export_mbox(const Context& ctx, const Args& args) {
  auto tenant = ctx.selected_tenant(args);
  if (!tenant) throw UsageError("export --mbox needs --tenant T or --no-tenant");
  auto a = ctx.open_existing(*tenant);
  archive::TimeRange range{parse_time_option(args, "since"), parse_time_option(args, "until")};
  auto deliveries = a->list(range, 0);
  std::string out;
  for (auto it = deliveries.rbegin(); it != deliveries.rend(); ++it) {  // oldest first
    std::string bytes = stored_bytes(*a, *it, 0, it->size);
    std::string sender =
        it->envelope.sender.empty() ? it->transport.mail_from : it->envelope.sender;
    out += archive::to_mboxrd(bytes, sender, it->transport.received);
  }
  write_output(args, out);
  return kExitOk;
}

}  // namespace

void write_output(const Args& args, std::string_view bytes) {
  auto path = args.value("output");
  if (!path || *path == "-") {
    std::cout.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    std::cout.flush();
    if (!std::cout) throw CommandError(kExitSoftware, "cannot write to standard output");
    return;
  }
  try {
    util::replace_file(*path, bytes, 0640);
  } catch (const std::system_error& e) {
    throw CommandError(kExitSoftware, e.what());
  }
}

int run_export(const Context& ctx, const Args& args) {
  if (args.has("mbox")) {
    if (!args.positional().empty()) throw UsageError("export --mbox takes no delivery ID");
    return export_mbox(ctx, args);
  }
  if (args.positional().size() != 1) throw UsageError("export needs exactly one delivery ID");
  if (args.has("raw") && args.has("original"))
    throw UsageError("--raw and --original exclude each other");
  archive::DeliveryId id = parse_id(args.positional()[0]);
  auto a = ctx.open_existing(id.tenant);
  auto d = a->get(id.seq);
  if (!d) throw CommandError(kExitProblem, "no delivery " + id.str());
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
  write_output(args, stored_bytes(*a, *d, offset, length));
  return kExitOk;
}

}  // namespace postjournal::cli
