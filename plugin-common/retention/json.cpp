#include "retention/json.hpp"

#include "util/time.hpp"

namespace postjournal::retention {

void hold_json(util::JsonWriter& w, const HoldReport& h) {
  w.begin_object().key("name").value(h.hold.name).key("kind").value(h.hold.kind);
  w.key("scope").value(h.hold.scope).key("reason").value(h.hold.reason);
  w.key("created").value(util::format_iso8601(h.hold.created));
  w.key("created_by").value(h.hold.created_by).key("active").value(h.hold.active());
  w.key("released").string_or_null(h.hold.released ? util::format_iso8601(h.hold.released) : "");
  w.key("released_by").string_or_null(h.hold.released_by);
  w.key("release_reason").string_or_null(h.hold.release_reason);
  w.key("held").value(h.pinned).end_object();
}

}  // namespace postjournal::retention
