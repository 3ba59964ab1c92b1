#include "torghut/persistence/migrations.hpp"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string_view>
#include <utility>

#include <pqxx/pqxx>
#include <xxhash.h>

#include "torghut/persistence/dsn.hpp"

#ifndef TORGHUT_MIGRATIONS_DIR
#define TORGHUT_MIGRATIONS_DIR "migrations"
#endif

namespace torghut::persistence {
namespace {

constexpr int64_t advisory_lock_key = 0x746f72676875'74;  // "torghut"

std::string checksum_of(const std::string& text) {
  const XXH128_hash_t h = XXH3_128bits(text.data(), text.size());
  static constexpr char hex[] = "0123456789abcdef";
  std::string out(32, '0');
  for (int i = 0; i < 16; ++i) {
    out[static_cast<size_t>(i)] = hex[(h.high64 >> (60 - 4 * i)) & 15u];
    out[static_cast<size_t>(16 + i)] = hex[(h.low64 >> (60 - 4 * i)) & 15u];
  }
  return out;
}

void ensure_version_table(pqxx::connection& c) {
  pqxx::work tx(c);
  tx.exec(
      "CREATE TABLE IF NOT EXISTS torghut_schema_migrations ("
      " version integer PRIMARY KEY,"
      " name text NOT NULL,"
      " checksum text NOT NULL,"
      " applied_at timestamptz NOT NULL DEFAULT now(),"
      " duration_ms double precision NOT NULL DEFAULT 0)");
  tx.commit();
}

struct applied_row {
  std::string name, checksum, applied_at;
};

std::map<int, applied_row> applied_versions(pqxx::connection& c) {
  pqxx::read_transaction tx(c);
  std::map<int, applied_row> out;
  for (const auto& r : tx.exec("SELECT version, name, checksum, applied_at::text FROM torghut_schema_migrations ORDER BY version"))
    out[r[0].as<int>()] = {r[1].as<std::string>(), r[2].as<std::string>(), r[3].as<std::string>()};
  return out;
}

/// Refuses to go on when an applied file changed or is gone, naming it.
void verify_applied(const std::map<int, applied_row>& applied, const std::vector<migration_file>& files) {
  for (const auto& [v, row] : applied) {
    const auto it = std::find_if(files.begin(), files.end(), [v = v](const migration_file& f) { return f.version == v; });
    if (it == files.end())
      throw migration_error("migration " + row.name + " (version " + std::to_string(v) +
                            ") is applied in the database but its file is missing");
    if (it->checksum != row.checksum)
      throw migration_error("migration " + it->name + " was changed after it was applied (checksum " +
                            it->checksum + ", applied " + row.checksum +
                            "); released migrations are never edited: add a new file instead");
  }
}

}  // namespace

namespace detail {
std::vector<std::pair<std::string_view, std::string_view>> bundled_migration_sources();  // generated
}  // namespace detail

namespace {

/// One file by name and text; throws for a badly named one.
migration_file make_migration(const std::string& name, std::string sql) {
  size_t digits = 0;
  while (digits < name.size() && name[digits] >= '0' && name[digits] <= '9') ++digits;
  if (digits == 0 || digits > 9 || digits >= name.size() || name[digits] != '_')
    throw migration_error("migration file '" + name + "' is not named NNNN_name.sql");
  migration_file f;
  f.version = std::stoi(name.substr(0, digits));
  f.name = name;
  f.sql = std::move(sql);
  f.checksum = checksum_of(f.sql);
  return f;
}

void sort_and_check(std::vector<migration_file>& out) {
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.version < b.version; });
  for (size_t i = 1; i < out.size(); ++i)
    if (out[i].version == out[i - 1].version)
      throw migration_error("migrations " + out[i - 1].name + " and " + out[i].name + " have the same version");
}

}  // namespace

std::vector<migration_file> load_migrations(const std::string& dir) {
  namespace fs = std::filesystem;
  if (!fs::is_directory(dir)) throw migration_error("migrations directory '" + dir + "' does not exist");
  std::vector<migration_file> out;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (!e.is_regular_file() || e.path().extension() != ".sql") continue;
    std::ifstream in(e.path(), std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    out.push_back(make_migration(e.path().filename().string(), ss.str()));
  }
  sort_and_check(out);
  return out;
}

std::vector<migration_file> bundled_migrations() {
  std::vector<migration_file> out;
  for (const auto& [name, sql] : detail::bundled_migration_sources())
    out.push_back(make_migration(std::string(name), std::string(sql)));
  sort_and_check(out);
  return out;
}

std::string default_migrations_dir() {
  if (const char* e = std::getenv("TORGHUT_MIGRATIONS_DIR"); e && *e) return e;
  if (std::filesystem::is_directory("migrations")) return "migrations";
  return TORGHUT_MIGRATIONS_DIR;
}

const char* to_string(migration_state s) noexcept {
  switch (s) {
    case migration_state::applied: return "applied";
    case migration_state::pending: return "pending";
    case migration_state::changed: return "CHANGED";
    case migration_state::missing_file: return "MISSING FILE";
  }
  return "?";
}

std::vector<migration_status> migration_statuses(const std::string& dsn, const std::vector<migration_file>& files) {
  pqxx::connection c(dsn);
  ensure_version_table(c);
  const auto applied = applied_versions(c);
  std::vector<migration_status> out;
  for (const auto& f : files) {
    migration_status s{f.version, f.name, migration_state::pending, {}};
    if (const auto it = applied.find(f.version); it != applied.end()) {
      s.state = it->second.checksum == f.checksum ? migration_state::applied : migration_state::changed;
      s.applied_at = it->second.applied_at;
    }
    out.push_back(std::move(s));
  }
  for (const auto& [v, row] : applied)
    if (std::none_of(files.begin(), files.end(), [v = v](const migration_file& f) { return f.version == v; }))
      out.push_back({v, row.name, migration_state::missing_file, row.applied_at});
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.version < b.version; });
  return out;
}

migrate_result migrate_up(const std::string& dsn, const std::vector<migration_file>& files) {
  pqxx::connection c(dsn);
  ensure_version_table(c);
  c.set_variable("client_min_messages", "warning");
  {
    pqxx::nontransaction nt(c);
    nt.exec("SELECT pg_advisory_lock(" + std::to_string(advisory_lock_key) + ")");
  }
  migrate_result res;
  try {
    const auto applied = applied_versions(c);  // read under the lock
    verify_applied(applied, files);
    for (const auto& f : files) {
      if (applied.count(f.version) != 0) continue;
      const auto t0 = std::chrono::steady_clock::now();
      try {
        pqxx::work tx(c);
        tx.exec(f.sql);
        const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
        tx.exec("INSERT INTO torghut_schema_migrations (version, name, checksum, duration_ms) VALUES (" +
                std::to_string(f.version) + ", " + tx.quote(f.name) + ", " + tx.quote(f.checksum) + ", " +
                std::to_string(ms) + ")");
        tx.commit();
      } catch (const pqxx::sql_error& e) {
        throw migration_error("migration " + f.name + " failed and was rolled back: " + scrub(e.what(), dsn));
      }
      res.applied.push_back(f.name);
    }
  } catch (...) {
    try {
      pqxx::nontransaction nt(c);
      nt.exec("SELECT pg_advisory_unlock_all()");
    } catch (...) {
    }
    throw;
  }
  pqxx::nontransaction nt(c);
  nt.exec("SELECT pg_advisory_unlock_all()");
  return res;
}

}  // namespace torghut::persistence
