// `torghut migrate`: placeholder until the migration runner lands.
#include <cstdio>

#include "commands.hpp"

namespace torghut::app {
command add_migrate_command(CLI::App& app) {
  command c;
  c.sub = app.add_subcommand("migrate", "apply the Postgres migrations (not built yet)");
  c.run = [] {
    std::fprintf(stderr, "torghut migrate: not built yet\n");
    return 2;
  };
  return c;
}
}  // namespace torghut::app
