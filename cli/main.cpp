// postjournal: the operator command. Parses global options, loads the configuration, runs one
// subcommand and maps every failure to one line on stderr and a sysexits code.
#include <sys/stat.h>

#include <iostream>

#include "archive/lmdb_env.hpp"
#include "archive/maintenance.hpp"
#include "archive/storage.hpp"
#include "commands.hpp"

using namespace postjournal;
using namespace postjournal::cli;

namespace {

Context make_context(const Args& args) {
  Context ctx;
  auto path = args.value("config");
  struct stat st {};
  if (path) {
    ctx.config = config::load_file(*path);
  } else if (::stat(config::kDefaultConfigPath, &st) == 0) {
    ctx.config = config::load_file(config::kDefaultConfigPath);
  } else {
    ctx.config = config::defaults();
  }
  ctx.root = args.value("archive-root").value_or(ctx.config.archive_root);
  return ctx;
}

int run(int argc, char** argv) {
  std::vector<std::string> rest(argv + 1, argv + argc);
  if (rest.empty()) {
    std::cerr << "usage: postjournal COMMAND [OPTIONS] (postjournal --help for the manual)\n";
    return kExitUsage;
  }
  if (rest[0] == "--help" || rest[0] == "-h" || rest[0] == "help") {
    const Command* c = rest.size() > 1 ? find_command(rest[1]) : nullptr;
    std::cout << (c ? command_help(*c) : manual());
    return kExitOk;
  }
  if (rest[0] == "--version") {
    std::cout << "postjournal " << POSTJOURNAL_VERSION << "\n";
    return kExitOk;
  }
  // Global options may come before the command name.
  std::vector<std::string> leading;
  while (!rest.empty() && !rest[0].empty() && rest[0][0] == '-') {
    leading.push_back(rest[0]);
    rest.erase(rest.begin());
    if ((leading.back() == "-c" || leading.back() == "--config" ||
         leading.back() == "--archive-root") &&
        !rest.empty()) {
      leading.push_back(rest[0]);
      rest.erase(rest.begin());
    }
  }
  if (rest.empty()) throw UsageError("no command given");
  const Command* cmd = find_command(rest[0]);
  if (cmd == nullptr) throw UsageError("unknown command '" + rest[0] + "'");
  std::vector<OptionSpec> specs = cmd->options;
  for (auto& g : global_options()) specs.push_back(g);
  leading.insert(leading.end(), rest.begin() + 1, rest.end());
  Args args(specs, leading);
  if (args.has("help")) {
    std::cout << command_help(*cmd);
    return kExitOk;
  }
  if (std::string_view(cmd->name) == "check-config") {
    try {
      make_context(args);
    } catch (const config::ConfigError& e) {
      std::cerr << "postjournal: " << e.what() << "\n";
      return kExitProblem;  // check-config answers 0 (valid) or 1 (not valid)
    }
  }
  if (std::string_view(cmd->name) == "doctor") return cmd->run(Context{}, args);  // -c: Postfix's
  Context ctx = make_context(args);
  return cmd->run(ctx, args);
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const UsageError& e) {
    std::cerr << "postjournal: " << e.what() << " (see postjournal --help)\n";
    return kExitUsage;
  } catch (const config::ConfigError& e) {
    std::cerr << "postjournal: " << e.what() << "\n";
    return kExitConfig;
  } catch (const CommandError& e) {
    std::cerr << "postjournal: " << e.what() << "\n";
    return e.code();
  } catch (const archive::ArchiveBusy& e) {
    std::cerr << "postjournal: " << e.what() << "\n";
    return kExitTempFail;
  } catch (const archive::KeyError& e) {
    std::cerr << "postjournal: " << e.what() << "\n";
    return kExitConfig;
  } catch (const archive::StoredBytesError& e) {
    std::cerr << "postjournal: " << e.what() << "\n";
    return kExitDataErr;
  } catch (const std::exception& e) {
    std::cerr << "postjournal: " << e.what() << "\n";
    return kExitSoftware;
  }
}
