// The JSON form of retention data, shared by `postjournal hold ... --json` and postjournal-web's
// /api/retention: a hold {"name", "kind", "scope", "reason", "created", "created_by", "active",
// "released", "released_by", "release_reason", "held"}.
#pragma once

#include "retention/engine.hpp"
#include "util/json_writer.hpp"

namespace postjournal::retention {

void hold_json(util::JsonWriter& w, const HoldReport& h);

}  // namespace postjournal::retention
