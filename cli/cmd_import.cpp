// postjournal import: store files as deliveries through the ingest path.
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

  auto archive = ctx.open_for_write(tenant);
  struct InFlight {
    std::string file;
    std::future<archive::StoreResult> result;
  };
  std::deque<InFlight> pending;
  util::JsonWriter w;
  w.begin_array();
  int status = kExitOk;
  auto finish_one = [&] {
    InFlight f = std::move(pending.front());
    pending.pop_front();
    archive::StoreResult r = f.result.get();
    if (!r.ok()) {
      std::cerr << "postjournal: " << f.file << ": not stored: " << r.error << "\n";
      status = r.status == archive::StoreStatus::kFull ? kExitTempFail : kExitSoftware;
      return;
    }
    std::string id = archive::DeliveryId{tenant, r.seq}.str();
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
    archive::MessageBytes bytes = std::move(*input);
    archive::Delivery d = ingest::make_delivery(facts, bytes);
    pending.push_back({file, archive->submit(std::move(d), std::move(bytes))});
    if (pending.size() >= kInFlight) finish_one();
  }
  while (!pending.empty()) finish_one();
  w.end_array();
  if (json) std::cout << w.str();
  return status;
}

}  // namespace postjournal::cli
