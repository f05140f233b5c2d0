// Command-line parsing for the postjournal command: each subcommand declares its options; the
// parser accepts "--name value", "--name=value", single-letter aliases ("-o FILE") and "--" to end
// options. Unknown options, missing values and repeated single-valued options throw UsageError.
#pragma once

#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace postjournal::cli {

class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct OptionSpec {
  std::string name;  // long name without dashes
  char alias = 0;    // single-letter alias or 0
  bool takes_value = false;
  bool repeatable = false;
};

class Args {
 public:
  Args(const std::vector<OptionSpec>& specs, const std::vector<std::string>& argv);

  bool has(const std::string& name) const { return values_.count(name) != 0; }
  std::optional<std::string> value(const std::string& name) const;
  std::vector<std::string> values(const std::string& name) const;
  const std::vector<std::string>& positional() const { return positional_; }

 private:
  std::map<std::string, std::vector<std::string>> values_;
  std::vector<std::string> positional_;
};

}  // namespace postjournal::cli
