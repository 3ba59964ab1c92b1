#pragma once
/// The migration runner: numbered SQL files (`NNNN_name.sql`) applied in order, each in its own
/// transaction, under a session advisory lock so two runners never interleave. Applied versions
/// are recorded with an XXH3-128 checksum of the file in `torghut_schema_migrations`; an applied
/// file that has changed (or disappeared) stops the runner with an error naming the file.

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace torghut::persistence {

struct migration_file {
  int version = 0;
  std::string name;      ///< file name, e.g. "0001_trading_core.sql"
  std::string checksum;  ///< 32 hex digits
  std::string sql;
};

/// The `*.sql` files of `dir`, sorted by version. Throws for a badly named file or a duplicate
/// version.
[[nodiscard]] std::vector<migration_file> load_migrations(const std::string& dir);

/// The migrations compiled into this build (migrations/*.sql when it was configured), sorted by
/// version: what `run` and `replay` check a database against (check_schema), with no files
/// needed at run time.
[[nodiscard]] std::vector<migration_file> bundled_migrations();

/// The default directory: $TORGHUT_MIGRATIONS_DIR, else ./migrations when it exists, else the
/// source tree's migrations/ (compiled in).
[[nodiscard]] std::string default_migrations_dir();

enum class migration_state : uint8_t { applied, pending, changed, missing_file };

struct migration_status {
  int version = 0;
  std::string name;
  migration_state state = migration_state::pending;
  std::string applied_at;  ///< RFC 3339-ish text from Postgres, empty when pending
};

class migration_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// The state of every file and every applied version. Never changes the database beyond creating
/// the version table if it does not exist.
[[nodiscard]] std::vector<migration_status> migration_statuses(const std::string& dsn,
                                                               const std::vector<migration_file>& files);

struct migrate_result {
  std::vector<std::string> applied;  ///< names applied by this run (empty: already up to date)
};

/// Applies every pending file in order. Throws migration_error (naming the file) when an applied
/// file has changed or is missing, or when a file fails (its transaction is rolled back).
migrate_result migrate_up(const std::string& dsn, const std::vector<migration_file>& files);

[[nodiscard]] const char* to_string(migration_state s) noexcept;

}  // namespace torghut::persistence
