// postjournal inspect: run the journal extractor on a file and print the envelope.
#include <iostream>

#include "commands.hpp"
#include "journal/extract.hpp"
#include "render.hpp"
#include "util/file.hpp"
#include "util/json_writer.hpp"

namespace postjournal::cli {

namespace {

std::string envelope_json(const journal::JournalEnvelope& e, std::string_view original) {
  util::JsonWriter w;
  w.begin_object();
  w.key("format").value(e.format);
  w.key("wrapped_in_ndr").value(e.wrapped_in_ndr);
  w.key("sender").string_or_null(e.sender);
  w.key("on_behalf_of").string_or_null(e.on_behalf_of);
  w.key("subject").value(e.subject);
  w.key("message_id").string_or_null(e.message_id);
  w.key("recipients");
  recipients_json(w, e.recipients);
  if (e.has_original) {
    w.key("original_sha256").value(util::to_hex(util::sha256(original)));
    w.key("original_size").value(std::uint64_t{original.size()});
  } else {
    w.key("original_sha256").null();
    w.key("original_size").null();
  }
  w.key("decrypted_copy").value(e.decrypted_copy);
  w.key("anomalies").begin_array();
  for (const auto& a : e.anomalies) w.value(a);
  w.end_array();
  w.end_object();
  return w.str();
}

std::string envelope_text(const journal::JournalEnvelope& e, std::string_view original) {
  std::string out;
  auto line = [&out](const char* label, std::string_view v) { append_line(out, label, v); };
  append_envelope_lines(out, e);
  line("original:", e.has_original ? std::to_string(original.size()) + " bytes, sha256 " +
                                         util::to_hex(util::sha256(original))
                                   : std::string("none"));
  for (const auto& a : e.anomalies) line("anomaly:", a);
  return out;
}

}  // namespace

int run_inspect(const Context&, const Args& args) {
  if (args.positional().size() != 1) throw UsageError("inspect needs exactly one FILE (or -)");
  const std::string& file = args.positional()[0];
  std::string bytes;
  try {
    bytes = file == "-" ? util::read_all(0, "standard input") : util::read_file(file);
  } catch (const std::system_error& e) {
    throw CommandError(kExitNoInput, e.what());
  }
  journal::SmtpEnvelope smtp{args.value("envelope-from").value_or(""),
                             args.values("envelope-rcpt")};
  journal::JournalEnvelope e = journal::extract_envelope(bytes, smtp);
  std::string_view original =
      e.has_original ? std::string_view(bytes).substr(e.original_offset, e.original_size)
                     : std::string_view{};
  std::cout << (args.has("json") ? envelope_json(e, original) : envelope_text(e, original));
  return kExitOk;
}

}  // namespace postjournal::cli
