// The CLI's names for the shared renderers (view/render.hpp).
#pragma once

#include "view/render.hpp"

namespace postjournal::cli {

using view::append_envelope_lines;
using view::append_line;
using view::list_json;
using view::list_text;
using view::Listed;
using view::pad;
using view::printable;
using view::recipient_text;
using view::recipients_json;
using view::show_json;
using view::show_text;
using view::sort_newest_first;
using view::summary_json;

}  // namespace postjournal::cli
