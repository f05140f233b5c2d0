#include "replies.hpp"

namespace postjournal::milter {

namespace {

using util::Outcome;

Reply tempfail(const char* rcode, const char* xcode, const char* text) {
  return {Action::kTempfail, rcode, xcode, text};
}

}  // namespace

const Reply& reply_for(Outcome o) {
  static const Reply kContinue{Action::kContinue};
  static const Reply kAccept{Action::kAccept};
  static const Reply kDiscard{Action::kDiscard};
  static const Reply kFull = tempfail("452", "4.3.1", "archive is full, try again later");
  static const Reply kFailed = tempfail("451", "4.3.0", "archive unavailable, try again later");
  static const Reply kTimeout =
      tempfail("451", "4.3.0", "archive commit timed out, try again later");
  static const Reply kResolver =
      tempfail("451", "4.7.1", "cannot verify the sending domain now, try again later");
  static const Reply kInternal = tempfail("451", "4.3.0", "archive error, try again later");
  static const Reply kSplit =
      tempfail("452", "4.5.3", "this recipient belongs to another archive; send it separately");
  static const Reply kTooBig{Action::kReject, "552", "5.3.4",
                             "message is larger than the archive accepts"};
  static const Reply kRejected{Action::kReject, "550", "5.7.1",
                               "no archive accepts mail from this source"};
  switch (o) {
    case Outcome::kContinue:
      return kContinue;
    case Outcome::kStored:
      return kAccept;
    case Outcome::kStoredDiscard:
      return kDiscard;
    case Outcome::kArchiveFull:
      return kFull;
    case Outcome::kArchiveFailed:
      return kFailed;
    case Outcome::kCommitTimeout:
      return kTimeout;
    case Outcome::kResolverTempfail:
      return kResolver;
    case Outcome::kInternal:
      return kInternal;
    case Outcome::kSplit:
      return kSplit;
    case Outcome::kTooBig:
      return kTooBig;
    case Outcome::kRejected:
      return kRejected;
  }
  return kInternal;
}

}  // namespace postjournal::milter
