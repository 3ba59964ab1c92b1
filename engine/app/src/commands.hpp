#pragma once
/// Subcommands of the `torghut` executable that live in their own files. Each `add_*` registers
/// its subcommand and options on `app` and returns the function main() calls when it was chosen
/// (the function returns the process exit code, exit_code.hpp).

#include <functional>

#include <CLI/CLI.hpp>

#include "torghut/app/exit_code.hpp"

namespace torghut::app {

struct command {
  CLI::App* sub = nullptr;
  std::function<exit_code()> run;
};

/// `torghut run`: the engine on a live feed (run_command.cpp).
command add_run_command(CLI::App& app);
/// `torghut sim`: the Alpaca simulator (sim_command.cpp).
command add_sim_command(CLI::App& app);
/// `torghut migrate up|status`: the Postgres migration runner (migrate_command.cpp).
command add_migrate_command(CLI::App& app);
/// `torghut check-strategy`: one strategy over a recording, checked (check_strategy.cpp).
command add_check_strategy_command(CLI::App& app);

}  // namespace torghut::app
