#include "torghut/persistence/schema.hpp"

#include <signal.h>

#include <cerrno>
#include <map>

#include <pqxx/pqxx>

#include "torghut/persistence/dsn.hpp"

namespace torghut::persistence {
namespace {

struct applied {
  std::string name, checksum;
};

std::string run_migrate_hint() { return "; run `torghut migrate up` against this database (DB_DSN) first"; }

schema_check mismatch(int expected, int found, std::string why) {
  schema_check c;
  c.state = schema_state::mismatch;
  c.expected_version = expected;
  c.found_version = found;
  c.message = "database schema is at version " + std::to_string(found) + ", this build expects version " +
              std::to_string(expected) + ": " + why;
  return c;
}

/// True when `pid` names no process on this machine (EPERM: it exists, someone else's).
bool pid_gone(long long pid) { return pid > 0 && ::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH; }

}  // namespace

schema_check check_schema(const std::string& dsn, const std::vector<migration_file>& bundled) {
  if (bundled.empty()) throw migration_error("no bundled migrations to check the database schema against");
  const int expected = bundled.back().version;
  std::map<int, applied> rows;
  try {
    pqxx::connection c(dsn);
    pqxx::read_transaction tx(c);
    if (tx.exec1("SELECT to_regclass('torghut_schema_migrations') IS NOT NULL")[0].as<bool>())
      for (const auto& r : tx.exec("SELECT version, name, checksum FROM torghut_schema_migrations"))
        rows[r[0].as<int>()] = {r[1].as<std::string>(), r[2].as<std::string>()};
  } catch (const pqxx::broken_connection& e) {
    schema_check c;
    c.state = schema_state::unreachable;
    c.expected_version = expected;
    c.message = "cannot check the database schema (" + scrub(e.what(), dsn) + "): rows go to the spool";
    return c;
  } catch (const std::exception& e) {
    return mismatch(expected, 0, "cannot read torghut_schema_migrations (" + scrub(e.what(), dsn) + ")" +
                                     run_migrate_hint());
  }
  const int found = rows.empty() ? 0 : rows.rbegin()->first;
  if (rows.empty()) return mismatch(expected, 0, "no migration was ever applied" + run_migrate_hint());
  for (const auto& f : bundled) {
    const auto it = rows.find(f.version);
    if (it == rows.end())
      return mismatch(expected, found, "migration " + f.name + " is not applied" + run_migrate_hint());
    if (it->second.checksum != f.checksum)
      return mismatch(expected, found,
                      "migration " + f.name + " was applied from a different file (checksum " + it->second.checksum +
                          ", bundled " + f.checksum + "); the database belongs to another build");
  }
  if (found > expected)
    return mismatch(expected, found,
                    "the database has migration " + rows.rbegin()->second.name +
                        ", newer than this build; run the build that applied it");
  schema_check c;
  c.expected_version = expected;
  c.found_version = found;
  c.message = "database schema at version " + std::to_string(found);
  return c;
}

schema_check check_schema(const std::string& dsn) { return check_schema(dsn, bundled_migrations()); }

size_t close_stale_runs(const std::string& dsn, const std::string& host, std::chrono::seconds heartbeat_timeout) {
  pqxx::connection c(dsn);
  pqxx::work tx(c);
  // A dead process on this host: known at once. Anywhere else: only by its silence.
  std::string dead = "ARRAY[]::uuid[]";
  if (!host.empty()) {
    std::string ids;
    for (const auto& r : tx.exec("SELECT id::text, pid FROM engine_runs WHERE ended_at IS NULL AND pid IS NOT NULL "
                                 "AND host = " + tx.quote(host)))
      if (pid_gone(r[1].as<long long>())) ids += (ids.empty() ? "" : ",") + tx.quote(r[0].as<std::string>()) + "::uuid";
    if (!ids.empty()) dead = "ARRAY[" + ids + "]";
  }
  const auto res = tx.exec(
      "UPDATE engine_runs SET ended_at = heartbeat_at, status = 'abandoned' WHERE ended_at IS NULL AND (id = ANY(" +
      dead + ") OR heartbeat_at < now() - interval '" + std::to_string(heartbeat_timeout.count()) + " seconds')");
  tx.commit();
  return static_cast<size_t>(res.affected_rows());
}

}  // namespace torghut::persistence
