#pragma once
/// What a run records about itself in the `engine_runs` ledger and the `strategies` table: the
/// effective configuration as JSON (secrets excluded), the configured strategies as rows, the
/// build version and the host.

#include <string>
#include <string_view>
#include <vector>

#include "torghut/core/config.hpp"
#include "torghut/persistence/copy_batch.hpp"

namespace torghut::persistence {

/// The effective configuration as one JSON object. Never contains a credential: the API key id
/// and secret and the DSN are not part of engine_config, and the user-info part of every URL
/// (`user:password@`) is cut.
[[nodiscard]] std::string config_json(const engine_config& cfg);

/// The configured strategies as rows of the `strategies` table.
[[nodiscard]] std::vector<persistence::strategy_row> strategy_rows(const engine_config& cfg);

/// `git describe` of the source tree at configure time, or the project version outside a git
/// checkout (e.g. "torghut 0.1.0-42-gabc1234").
[[nodiscard]] std::string_view build_version() noexcept;

/// gethostname(), "" when it fails.
[[nodiscard]] std::string host_name();

}  // namespace torghut::persistence
