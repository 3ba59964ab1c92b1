#pragma once
/// The strategies a config can name: the built-ins (strategies/) and the shared libraries its
/// `[[strategies]]` tables load with `library = "path.so"`. Checks every configured strategy
/// against its declaration before anything starts.

#include <string>
#include <vector>

#include "torghut/core/config.hpp"
#include "torghut/sdk/strategy.hpp"

namespace torghut::app {

struct strategy_catalog {
  std::vector<const sdk::descriptor*> all;  ///< built-ins first, then each loaded library
};

/// Builds the catalog for `cfg` (loading its libraries) and checks every enabled strategy: its
/// kind exists and its parameters match the declaration. Every problem is appended to `errs`
/// with its key ("strategies[1].rsi_buy_below: must be in (0, 100] (got 120)").
[[nodiscard]] strategy_catalog load_strategy_catalog(const engine_config& cfg,
                                                     std::vector<std::string>& errs);

}  // namespace torghut::app
