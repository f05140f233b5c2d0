// The pipe protocol between the indexer and its sandboxed text-extraction worker
// (postjournal-extract): one request, one response, in order, over the worker's standard input
// and output. Every field is a little-endian u64 length followed by that many bytes; integers
// are sent as decimal text. Untrusted direction: responses are read with a size bound, so a
// compromised worker can make extraction fail but not exhaust the indexer's memory.
// Errors: read_* return false at end of file or on a malformed or oversized frame; write_*
// throw std::system_error (a closed peer is EPIPE, never SIGPIPE: the fd must be a socket).
// Thread-safe (no shared state).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace postjournal::extract {

struct Request {
  std::string mime_type;  // lower case, "application/pdf"
  std::string filename;   // as decoded from the message, may be empty
  std::string data;       // the attachment's decoded bytes
  std::uint64_t max_text = 0;
  std::uint64_t cpu_seconds = 0;
  std::uint32_t zip_depth = 0;  // how many nested archive levels may still be opened
};

enum class Status : std::uint8_t { kOk = 0, kFailed = 1, kUnsupported = 2 };

struct Response {
  Status status = Status::kOk;
  bool truncated = false;  // the text was cut at max_text
  std::string reason;      // kFailed: "timeout", "cpu-limit", "memory-limit", "bad-file", ...
  std::string text;        // UTF-8
};

bool read_request(int fd, Request& out, std::uint64_t max_bytes);
void write_request(int fd, const Request& r);
// Gives up (false) when the whole response has not arrived by `deadline`.
bool read_response(int fd, Response& out, std::uint64_t max_bytes,
                   std::chrono::steady_clock::time_point deadline);
void write_response(int fd, const Response& r);

// The worker's first byte on its output, once it runs: "ready".
void write_ready(int fd);
bool read_ready(int fd, std::chrono::steady_clock::time_point deadline);

// The text of one failure frame, for writers that cannot allocate (a signal handler).
std::string encode_response(const Response& r);

}  // namespace postjournal::extract
