// libmilter glue: the xxfi_* callbacks and the smfiDesc that registers every one of them
// (including xxfi_data: without it Postfix and libmilter stall ~40 ms per message over TCP).
// Each callback converts its C arguments and calls the connection's Session inside one exception
// barrier (no exception reaches libmilter; an unexpected one is 451 4.3.0), then maps the
// Outcome through reply_for() (replies.hpp).
//
// The fast path: for the steps that always continue (connect, HELO, DATA, unknown commands,
// each header, end of headers, each body chunk) the milter negotiates the protocol's no-reply
// flags (no_reply.hpp) when the MTA offers them, so Postfix sends those packets without waiting
// for an answer; the Session then answers a failure in them at end of message. Whether to ask
// for them is set per process by set_no_reply() (main.cpp decides by socket kind; README,
// Performance). Threads: libmilter's; the per-connection state lives in its private pointer.
#pragma once

#include <libmilter/mfapi.h>

#include <chrono>

namespace postjournal::milter {

smfiDesc& milter_description();

// Ask for the no-reply flags in negotiation (default: yes). Thread-safe; applies to connections
// negotiated afterwards.
void set_no_reply(bool enabled);

// After smfi_main has returned: waits until every connection has closed (libmilter does not wait
// for its connection threads), at most `limit`. False when some are still open.
bool wait_for_connections(std::chrono::seconds limit);

}  // namespace postjournal::milter
