// The stored form of a delivery record. Layout: "PJDR", a big-endian u16 format version, then
// the fields of that version in a fixed order (varints and length-prefixed strings). The record
// does not contain `seq` (it is the key). Decoding never trusts the bytes: a truncated or corrupt
// record or a version newer than kRecordVersion gives an error message, never a crash.
// Thread-safe (pure).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "archive/delivery.hpp"

namespace postjournal::archive {

// Version 2 added the fetch fields (fetch_server, fetch_protocol, fetch_uid, tls_peer) at the end;
// version 1 records decode with them empty. Version 3 added assigned_from, version 4 the
// provider fields (fetch_mailbox, fetch_folder, fidelity).
inline constexpr std::uint16_t kRecordVersion = 4;

std::string encode_delivery(const Delivery& d);

// Fills `out` (except seq) and returns an empty string, or returns what is wrong.
std::string decode_delivery(std::string_view bytes, Delivery& out);

}  // namespace postjournal::archive
