// `torghut sim`: placeholder until the simulator lands.
#include <cstdio>

#include "commands.hpp"

namespace torghut::app {
command add_sim_command(CLI::App& app) {
  command c;
  c.sub = app.add_subcommand("sim", "the Alpaca simulator (market data; not built yet)");
  c.run = [] {
    std::fprintf(stderr, "torghut sim: not built yet\n");
    return 2;
  };
  return c;
}
}  // namespace torghut::app
