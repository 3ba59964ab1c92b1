#pragma once
/// Loads an engine_config from TOML (see config/paper.toml for every key). Unknown keys, wrong
/// types and invalid values are all reported together, each with its key path, and then
/// `validate` runs over the result. Money is given as a decimal string ("10000.50") or integer.

#include <string>
#include <string_view>
#include <vector>

#include "torghut/core/config.hpp"

namespace torghut {

struct config_load_result {
  engine_config config;
  std::vector<std::string> errors;  ///< empty = loaded and valid
  [[nodiscard]] bool ok() const noexcept { return errors.empty(); }
};

/// Parses TOML text. `allow_empty_symbols` skips the allowed_symbols check (replays fill it from
/// the recording).
[[nodiscard]] config_load_result load_config_text(std::string_view toml_text,
                                                  bool allow_empty_symbols = false);
/// Reads and parses a TOML file.
[[nodiscard]] config_load_result load_config_file(const std::string& path,
                                                  bool allow_empty_symbols = false);

enum class trading_mode : uint8_t { paper, live };

struct trading_mode_result {
  trading_mode mode = trading_mode::paper;
  std::string error;  ///< non-empty: refuse to start, and say this
};

/// Paper unless BOTH TRADING_MODE=live and TRADING_LIVE_ENABLED=true. One without the other
/// (either way round), TRADING_MODE=paper with TRADING_LIVE_ENABLED=true, and any spelling but
/// exactly "paper"/"live" and "true"/"false" are errors: the run refuses to start. Pass the raw
/// environment values (nullptr or "" when unset).
[[nodiscard]] trading_mode_result resolve_trading_mode(const char* trading_mode_env,
                                                       const char* live_enabled_env);

/// Whether `trading` may run in `mode`: "" when it may, else why not. Orders to Alpaca's live
/// API (api.alpaca.markets) need live mode (both settings); live mode needs broker "alpaca" with
/// both URLs on the live host, so a live switch can never silently paper-trade or the reverse.
[[nodiscard]] std::string check_trading_target(const trading_config& trading, trading_mode mode);

}  // namespace torghut
