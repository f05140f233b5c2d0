// bench/parse: journal envelope extraction throughput (MB/s) of postjournal's streaming
// extractor against GMime 3 (parse and walk every part, decoding the text parts) and a full
// vmime parse (parse and walk), over the same inputs in the same run: the shared corpus's journal
// samples (when ../shared exists) and generated large reports (many recipients, a big base64
// original). Prints MB/s per parser and the ratio ours/GMime (target >= 1.0).
// Usage: parse_bench [--rounds N] [--corpus DIR]
#include <gmime/gmime.h>

#include <vmime/platforms/posix/posixHandler.hpp>
#include <vmime/vmime.hpp>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "journal/extract.hpp"
#include "util/file.hpp"

using Clock = std::chrono::steady_clock;

namespace {

std::string generated_report(int recipients, std::size_t original_kb, int seed) {
  std::string body = "Sender: sender" + std::to_string(seed) +
                     "@contoso.example\r\nSubject: Generated report\r\nMessage-Id: <gen-" +
                     std::to_string(seed) + "@contoso.example>\r\n";
  for (int i = 0; i < recipients; ++i) {
    body += "Recipient: user" + std::to_string(i) + "@contoso.example" +
            (i % 7 == 0 ? ", Expanded: list@contoso.example" : "") + "\r\n";
  }
  std::string original =
      "From: a@contoso.example\r\nTo: b@contoso.example\r\nSubject: big\r\nMessage-ID: <gen-" +
      std::to_string(seed) +
      "@contoso.example>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; "
      "boundary=\"inner\"\r\n\r\n--inner\r\nContent-Type: text/plain\r\n\r\nSee attachment.\r\n"
      "--inner\r\nContent-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n";
  std::uint32_t x = 2463534242u + static_cast<std::uint32_t>(seed);
  static const char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  for (std::size_t n = 0; n < original_kb * 1024 / 78; ++n) {
    for (int k = 0; k < 76; ++k) {
      x ^= x << 13;
      x ^= x >> 17;
      x ^= x << 5;
      original.push_back(kB64[x % 64]);
    }
    original += "\r\n";
  }
  original += "--inner--\r\n";
  return "X-MS-Journal-Report:\r\nContent-Type: multipart/mixed; boundary=\"_b_\"\r\nSubject: "
         "big\r\n"
         "\r\n--_b_\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n" +
         body + "\r\n--_b_\r\nContent-Type: message/rfc822\r\n\r\n" + original + "\r\n--_b_--\r\n";
}

void gmime_walk(GMimeObject*, GMimeObject* part, gpointer count) {
  ++*static_cast<std::size_t*>(count);
  if (GMIME_IS_MESSAGE_PART(part)) {
    GMimeMessage* inner = g_mime_message_part_get_message(GMIME_MESSAGE_PART(part));
    if (inner) g_mime_message_foreach(inner, gmime_walk, count);
  } else if (GMIME_IS_TEXT_PART(part)) {
    char* text = g_mime_text_part_get_text(GMIME_TEXT_PART(part));
    g_free(text);
  }
}

std::size_t parse_gmime(const std::string& m) {
  GMimeStream* stream = g_mime_stream_mem_new_with_buffer(m.data(), m.size());
  GMimeParser* parser = g_mime_parser_new_with_stream(stream);
  GMimeMessage* msg = g_mime_parser_construct_message(parser, nullptr);
  std::size_t count = 0;
  if (msg) {
    g_mime_message_foreach(msg, gmime_walk, &count);
    g_object_unref(msg);
  }
  g_object_unref(parser);
  g_object_unref(stream);
  return count;
}

std::size_t vmime_walk(const vmime::shared_ptr<const vmime::body>& b) {
  std::size_t n = 1;
  for (std::size_t i = 0; i < b->getPartCount(); ++i) n += vmime_walk(b->getPartAt(i)->getBody());
  return n;
}

std::size_t parse_vmime(const std::string& m) {
  auto msg = vmime::make_shared<vmime::message>();
  msg->parse(m);
  return vmime_walk(msg->getBody());
}

std::size_t parse_ours(const std::string& m) {
  return postjournal::journal::extract_envelope(m, {}).recipients.size();
}

double measure(const std::vector<std::string>& inputs, int rounds,
               const std::function<std::size_t(const std::string&)>& f, std::size_t& sink) {
  std::size_t bytes = 0;
  auto start = Clock::now();
  for (int r = 0; r < rounds; ++r) {
    for (const auto& m : inputs) {
      sink += f(m);
      bytes += m.size();
    }
  }
  double s = std::chrono::duration<double>(Clock::now() - start).count();
  return static_cast<double>(bytes) / 1e6 / s;
}

}  // namespace

int main(int argc, char** argv) {
  int rounds = 5;
  std::string corpus = "../shared/corpus";
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i];
    if (k == "--rounds")
      rounds = std::stoi(argv[i + 1]);
    else if (k == "--corpus")
      corpus = argv[i + 1];
  }
  std::vector<std::string> inputs;
  std::size_t samples = 0;
  for (const char* dir : {"m365-journal", "exchange-onprem-journal"}) {
    std::filesystem::path p = std::filesystem::path(corpus) / dir;
    if (!std::filesystem::is_directory(p)) continue;
    for (const auto& e : std::filesystem::directory_iterator(p)) {
      inputs.push_back(postjournal::util::read_file(e.path().string()));
      ++samples;
    }
  }
  for (int i = 0; i < 8; ++i)
    inputs.push_back(generated_report(2000 + 1000 * i, 1024 * (1 + i % 4), i));
  std::size_t total = 0;
  for (const auto& m : inputs) total += m.size();

  g_mime_init();
  vmime::platform::setHandler<vmime::platforms::posix::posixHandler>();
  std::size_t sink = 0;
  // One warm-up round each, then the measured rounds, interleaved to share the machine's noise.
  measure(inputs, 1, parse_ours, sink);
  measure(inputs, 1, parse_gmime, sink);
  double ours = measure(inputs, rounds, parse_ours, sink);
  double gmime = measure(inputs, rounds, parse_gmime, sink);
  double vm = measure(inputs, std::max(1, rounds / 2), parse_vmime, sink);
  std::printf(
      "bench/parse: %zu inputs (%zu corpus journal samples + %zu generated reports), "
      "%.1f MB per round, %d rounds\n",
      inputs.size(), samples, inputs.size() - samples, static_cast<double>(total) / 1e6, rounds);
  std::printf("postjournal extractor : %8.1f MB/s\n", ours);
  std::printf("GMime 3 parse + walk  : %8.1f MB/s\n", gmime);
  std::printf("vmime parse + walk    : %8.1f MB/s\n", vm);
  std::printf("ratio ours/GMime: %.2f (target >= 1.0)   ratio ours/vmime: %.2f   (checksum %zu)\n",
              ours / gmime, ours / vm, sink);
  return 0;
}
