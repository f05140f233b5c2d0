// The query language of `postjournal search` and the web UI, parsed into Xapian queries:
//
//   word  word*                      subject, body and attachment text (accent- and case-
//                                    insensitive, stemmed)
//   "a phrase"                       its words in sequence in the subject or the body;
//                                    att:"a phrase" in attachment text
//   body: subject: att:              only that text
//   from: to: cc: bcc:               journal sender / recipients of that kind and the header
//                                    From / To / Cc; rcpt: any recipient; envto: SMTP RCPT TO;
//                                    envfrom: SMTP MAIL FROM; participant: the evidence only
//                                    (journal sender and recipients, BCC and expanded members,
//                                    MAIL FROM; no header field). A value with @ is a whole
//                                    address,
//                                    @domain or a bare domain matches the domain, anything else
//                                    the words of names and addresses (never stemmed)
//   attname: mimetype: has:attachment  attachment file names, MIME types (pdf or
//                                    application/pdf)
//   id:MESSAGE-ID  source:NAME       exact
//   date: received: after: before:   date:2026-01-01..2026-03-31, date:2026-03 (the whole
//                                    month), date:2026, open ranges date:2026-01-01.. ; after:D
//                                    is on or after D, before:D strictly before; date: is the
//                                    message's Date header, received: the receipt time (UTC)
//   size:>10M size:<=100k size:1M..5M  stored bytes (k, M, G are powers of 1024)
//   is:truncated is:extract-failed is:extract-failed:REASON
//   AND OR NOT -term ( )             AND is implied between terms
//
// Field values (after "field:") run to the next blank or closing parenthesis, or are "quoted";
// several fields combine with AND like words do.
//
// parse_query throws QueryError with a message for the user. Thread-safety: a parser per thread.
#pragma once

#include <memory>
#include <string>

namespace Xapian {
class Database;
class Query;
}  // namespace Xapian

namespace postjournal::index {

class PhraseChecker;

// A value quoted for a field of the language (participant:"a@b"): quotes inside become blanks.
// For code that composes queries (search options, the web UI's filters).
std::string quote_value(const std::string& value);

// `phrases` checks phrases of two or more words (phrase.hpp).
Xapian::Query parse_query(const Xapian::Database& db, const std::string& text,
                          const std::string& stem_language, PhraseChecker& phrases);

}  // namespace postjournal::index
