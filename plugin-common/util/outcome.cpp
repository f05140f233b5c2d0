#include "util/outcome.hpp"

namespace postjournal::util {

std::string_view to_string(Outcome o) {
  switch (o) {
    case Outcome::kContinue:
      return "continue";
    case Outcome::kStored:
      return "stored";
    case Outcome::kStoredDiscard:
      return "stored-discard";
    case Outcome::kArchiveFull:
      return "archive-full";
    case Outcome::kArchiveFailed:
      return "archive-failed";
    case Outcome::kCommitTimeout:
      return "commit-timeout";
    case Outcome::kResolverTempfail:
      return "resolver-tempfail";
    case Outcome::kInternal:
      return "internal";
    case Outcome::kSplit:
      return "split";
    case Outcome::kTooBig:
      return "too-big";
    case Outcome::kRejected:
      return "rejected";
  }
  return "internal";
}

}  // namespace postjournal::util
