#pragma once
/// The `torghut` process's exit codes, in one place: what a supervisor (systemd, Kubernetes, a
/// script) can branch on. The values are a public contract (README, deploy/): never renumber.

#include <string>
#include <string_view>

#include "torghut/persistence/schema.hpp"

namespace torghut::app {

enum class exit_code : int {
  ok = 0,
  failure = 1,          ///< a command failed (migrate, sim); the message says why
  config = 2,           ///< bad config or arguments, or live trading refused
  audit_dropped = 3,    ///< the run ended but audit rows were dropped
  feed_failed = 4,      ///< market data stopped for good (402, 409, refused upgrade, TLS)
  lease_held = 5,       ///< another process holds (or took) the one connection's lease
  broker_failed = 6,    ///< the broker link failed (start-up reconciliation, trade_updates unauthorized)
  schema_mismatch = 7,  ///< the database is reachable but not at this build's schema
  lease_db_fault = 8,   ///< the lease's database refused or is unreachable: nothing was dialled
};
inline constexpr int exit_code_count = 9;
static_assert(static_cast<int>(exit_code::lease_db_fault) + 1 == exit_code_count,
              "exit_code_count must follow the last exit code");
static_assert(static_cast<int>(exit_code::schema_mismatch) == persistence::schema_exit_code,
              "persistence's schema exit code is the process's");

[[nodiscard]] constexpr int to_int(exit_code c) noexcept { return static_cast<int>(c); }

[[nodiscard]] constexpr std::string_view to_string(exit_code c) noexcept {
  switch (c) {
    case exit_code::ok: return "ok";
    case exit_code::failure: return "failure";
    case exit_code::config: return "config";
    case exit_code::audit_dropped: return "audit_dropped";
    case exit_code::feed_failed: return "feed_failed";
    case exit_code::lease_held: return "lease_held";
    case exit_code::broker_failed: return "broker_failed";
    case exit_code::schema_mismatch: return "schema_mismatch";
    case exit_code::lease_db_fault: return "lease_db_fault";
  }
  return "?";
}

/// Why a run stopped with a non-zero exit code.
struct run_failure {
  exit_code code = exit_code::failure;
  std::string message;
};

}  // namespace torghut::app
