// libmilter glue: the xxfi_* callbacks and the smfiDesc that registers every one of them
// (including xxfi_data: without it Postfix and libmilter stall ~40 ms per message over TCP).
// Each callback converts its C arguments, calls the connection's Session through one exception
// barrier (no exception reaches libmilter; an unexpected one is 451 4.3.0) and maps the Reply.
#pragma once

#include <libmilter/mfapi.h>

namespace postjournal::milter {

smfiDesc& milter_description();

}  // namespace postjournal::milter
