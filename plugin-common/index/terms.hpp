// The index's term prefixes and value slots: the contract between the document builder
// (indexer.cpp) and the query language (query.cpp). Changing one is a format change: bump
// kIndexVersion, which makes the indexer rebuild old indexes. Terms after a prefix are lower
// case and accent-folded; addresses are indexed whole ("XFbob@acme.example") and by domain
// ("XF@acme.example"); words of names and addresses under the field's word prefix.
#pragma once

#include <string_view>

namespace postjournal::index::terms {

inline constexpr std::string_view kIndexVersion = "5";

// Free text: stemmed words (text_terms.hpp), no positions; the document data holds the subject's
// and body's word sequences (phrase.hpp).
inline constexpr std::string_view kBody = "";
inline constexpr std::string_view kSubject = "S";
// Attachment text sorts after every body word ('~' is above 'z' and is no word character), so a
// phrase check walking a document's sorted terms stops before it (phrase.cpp).
inline constexpr std::string_view kAttachmentText = "~A";
// Words without positions, never stemmed.
inline constexpr std::string_view kAttachmentName = "XN";
// Addresses (whole and @domain) and the words of names and addresses.
inline constexpr std::string_view kFrom = "XF", kFromWords = "XG";
inline constexpr std::string_view kTo = "XT", kToWords = "XU";
inline constexpr std::string_view kCc = "XC", kCcWords = "XD";
inline constexpr std::string_view kBcc = "XB", kBccWords = "XW";
inline constexpr std::string_view kRcpt = "XR", kRcptWords = "XS";
inline constexpr std::string_view kEnvTo = "XE";
inline constexpr std::string_view kEnvFrom = "XJ";
// The delivery's evidence participants (archive::participants: journal sender, on-behalf-of,
// every envelope recipient with BCC and expanded members, MAIL FROM), never header fields: the
// web UI's access filter for a `user` or a domain-limited auditor.
inline constexpr std::string_view kParticipant = "XP";
// Exact terms.
inline constexpr std::string_view kMessageId = "Q";  // without angle brackets
inline constexpr std::string_view kSource = "XO";
inline constexpr std::string_view kMimeType = "XY";  // "application/pdf" and "pdf"
inline constexpr std::string_view kFlag = "XK";      // attachment, truncated, extract_failed[:why]

// Value slots (Xapian::sortable_serialise of the number).
inline constexpr unsigned kDateSlot = 0;      // Date header, seconds (receipt time when absent)
inline constexpr unsigned kReceivedSlot = 1;  // receipt time, seconds
inline constexpr unsigned kSizeSlot = 2;      // stored bytes

// Metadata keys, committed with the documents.
inline constexpr std::string_view kWatermarkKey = "postjournal.watermark";
inline constexpr std::string_view kVersionKey = "postjournal.version";
inline constexpr std::string_view kRebuildKey = "postjournal.rebuild_target";
inline constexpr std::string_view kRemovedKey = "postjournal.removed_seen";
inline constexpr std::string_view kCompactedKey = "postjournal.compacted_docs";
inline constexpr std::string_view kStemKey = "postjournal.stem_language";

}  // namespace postjournal::index::terms
