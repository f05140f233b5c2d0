// The postjournal subcommands: one table of name, synopsis, manual text, options and entry
// point. The table drives dispatch, `--help` and the manual page, so they cannot disagree.
#pragma once

#include <string>
#include <vector>

#include "args.hpp"
#include "context.hpp"

namespace postjournal::cli {

struct Command {
  const char* name;
  const char* synopsis;  // after "postjournal "
  const char* description;
  std::vector<OptionSpec> options;
  int (*run)(const Context&, const Args&);
};

const std::vector<Command>& commands();
const Command* find_command(const std::string& name);
std::vector<OptionSpec> global_options();

std::string manual();                        // the whole man page
std::string command_help(const Command& c);  // one command's section

int run_import(const Context&, const Args&);
int run_user(const Context&, const Args&);
int run_tenants(const Context&, const Args&);
int run_list(const Context&, const Args&);
int run_search(const Context&, const Args&);
int run_show(const Context&, const Args&);
int run_export(const Context&, const Args&);
int run_verify(const Context&, const Args&);
int run_inspect(const Context&, const Args&);
int run_resolve(const Context&, const Args&);
int run_doctor(const Context&, const Args&);
int run_check_config(const Context&, const Args&);
int run_show_config(const Context&, const Args&);
int run_status(const Context&, const Args&);
int run_queue(const Context&, const Args&);
int run_assign(const Context&, const Args&);
int run_delete(const Context&, const Args&);
int run_audit(const Context&, const Args&);
int run_index(const Context&, const Args&);
int run_reindex(const Context&, const Args&);
int run_fulltext_search(const Context&, const Args&);
int run_export_query(const Context&, const Args&);
int run_key(const Context&, const Args&);
int run_migrate(const Context&, const Args&);
int run_timestamp(const Context&, const Args&);
int run_retention(const Context&, const Args&);
int run_hold(const Context&, const Args&);
int run_purge(const Context&, const Args&);
int run_erase(const Context&, const Args&);
int run_compact(const Context&, const Args&);
// export ID --evidence -o OUT (cmd_timestamp.cpp).
int export_evidence(const Context& ctx, const Args& args, const archive::DeliveryId& id);

// One indexer pass over tenant t (cmd_index.cpp): indexes what is new, drops removed
// deliveries, compacts when `compact` and something was dropped. False when another process
// holds the index's write lock.
bool index_tenant(const Context& ctx, const archive::TenantId& t, bool compact);

// " (removed: audit entry N, ACTION by USER at TIME)" when the delivery was removed (assign,
// delete, purge, erase), else "".
std::string removed_note(const Context& ctx, const archive::DeliveryId& id);

}  // namespace postjournal::cli
