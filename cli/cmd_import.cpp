// postjournal import: store files as deliveries through the ingest Service, up to kInFlight at a
// time so that the writer group-commits them.
#include <deque>
#include <iostream>
#include <optional>

#include "commands.hpp"
#include "ingest/ingest.hpp"
#include "util/file.hpp"
#include "util/json_writer.hpp"

namespace postjournal::cli {

namespace {

constexpr std::size_t kInFlight = 64;  // files submitted before waiting: lets group commit work

archive::MessageBytes read_input(const std::string& file) {
  if (file == "-") {
    try {
      return archive::MessageBytes::from_string(util::read_all(0, "standard input"));
    } catch (const std::system_error& e) {
      throw CommandError(kExitNoInput, e.what());
    }
  }
  try {
    return archive::MessageBytes::from_file(file);
  } catch (const std::system_error& e) {
    throw CommandError(kExitNoInput, e.what());
  }
}

}  // namespace

int run_import(const Context& ctx, const Args& args) {
  const auto& files = args.positional();
  if (files.empty()) throw UsageError("import needs at least one FILE (or - for standard input)");
  auto tenant = ctx.selected_tenant(args).value_or(archive::TenantId::no_tenant());
  ingest::TransportFacts facts;
  facts.source = args.value("source").value_or("import");
  facts.mail_from = args.value("mail-from").value_or("");
  facts.rcpt_to = args.values("rcpt");
  facts.received = parse_time_option(args, "received").value_or(0);
  bool json = args.has("json");

  ingest::Service& service = ctx.service();
  ctx.open_for_write(tenant);  // an archive that cannot be opened is one error, not one per file
  ingest::StoreOptions opts;
  opts.record_state = false;  // an import is not a mail source that status watches
  struct InFlight {
    std::string file;
    ingest::Service::Ticket ticket;
  };
  std::deque<InFlight> pending;
  util::JsonWriter w;
  w.begin_array();
  int status = kExitOk;
  auto finish_one = [&] {
    InFlight f = std::move(pending.front());
    pending.pop_front();
    ingest::Report r = service.wait(f.ticket, opts);
    if (!r.ok()) {
      std::cerr << "postjournal: " << f.file << ": not stored: " << r.detail << "\n";
      status = r.outcome == util::Outcome::kArchiveFull ? kExitTempFail : kExitSoftware;
      return;
    }
    std::string id = r.id();
    if (json) {
      w.begin_object().key("file").value(f.file).key("id").value(id);
      w.key("duplicate_content").value(r.content_existed).end_object();
    } else {
      std::cout << f.file << ": stored " << id
                << (r.content_existed ? " (content already archived: delivery added)" : "") << "\n";
    }
  };
  for (const auto& file : files) {
    std::optional<archive::MessageBytes> input;
    try {
      input = read_input(file);
    } catch (const CommandError& e) {
      std::cerr << "postjournal: " << e.what() << "\n";
      status = e.code();
      continue;
    }
    pending.push_back({file, service.submit(tenant, facts, std::move(*input), opts)});
    if (pending.size() >= kInFlight) finish_one();
  }
  while (!pending.empty()) finish_one();
  w.end_array();
  if (json) std::cout << w.str();
  return status;
}

}  // namespace postjournal::cli
