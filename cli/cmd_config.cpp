// postjournal check-config / show-config.
#include <iostream>

#include "commands.hpp"

namespace postjournal::cli {

int run_check_config(const Context& ctx, const Args&) {
  // The configuration was loaded (and validated) before the command ran.
  std::cout << ctx.config.source << ": OK (" << ctx.config.listeners.size() << " listeners, "
            << ctx.config.mailboxes.size() << " mailboxes)\n";
  return kExitOk;
}

int run_show_config(const Context& ctx, const Args& args) {
  std::cout << (args.has("sample") ? config::render_sample() : config::render(ctx.config));
  return kExitOk;
}

}  // namespace postjournal::cli
