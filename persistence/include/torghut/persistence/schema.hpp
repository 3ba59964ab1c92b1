#pragma once
/// Start-up checks against the database a run is about to write to: is its schema the one this
/// build's migrations make (a run refuses to trade into a database that was never migrated), and
/// which earlier runs died without closing their `engine_runs` row.

#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "torghut/persistence/migrations.hpp"

namespace torghut::persistence {

enum class schema_state : uint8_t {
  ok,           ///< every bundled migration is applied, unchanged, and nothing newer
  unreachable,  ///< no connection: not a schema problem (the spool keeps every row until it returns)
  mismatch,     ///< reachable, but not at the expected version (never migrated, behind, changed, newer)
};

struct schema_check {
  schema_state state = schema_state::ok;
  int expected_version = 0;  ///< the newest bundled migration
  int found_version = 0;     ///< the newest applied one (0: none, or no version table)
  std::string message;       ///< why, for a person (never contains the DSN's password)
};

/// Compares the migrations applied in `torghut_schema_migrations` with `bundled` (version and
/// checksum). Read-only: never creates or changes anything. Throws only for an empty `bundled`.
[[nodiscard]] schema_check check_schema(const std::string& dsn, const std::vector<migration_file>& bundled);
/// The same against the migrations compiled into this build (bundled_migrations()).
[[nodiscard]] schema_check check_schema(const std::string& dsn);

/// A reachable database whose schema is not the expected one. `torghut run` and `torghut replay`
/// map it to exit code 7 (schema_exit_code).
class schema_error : public std::runtime_error {
 public:
  explicit schema_error(schema_check c) : std::runtime_error(c.message), check_(std::move(c)) {}
  [[nodiscard]] const schema_check& check() const noexcept { return check_; }

 private:
  schema_check check_;
};
inline constexpr int schema_exit_code = 7;

/// Marks every run that is still open (`ended_at` NULL) but whose process is gone as ended with
/// status 'abandoned', `ended_at` = its last heartbeat: a run on `host` whose pid is not alive on
/// this machine, or any run whose last heartbeat is older than `heartbeat_timeout`. Returns how
/// many it closed. Throws what libpqxx throws (the caller decides whether that matters).
size_t close_stale_runs(const std::string& dsn, const std::string& host, std::chrono::seconds heartbeat_timeout);

}  // namespace torghut::persistence
