#pragma once
// Real-Postgres support for the persistence tests: the DSN comes from DB_DSN, or the tests start
// the project's throwaway cluster themselves (scripts/pg.sh start). Each test gets its own
// database, created from the migrations and dropped afterwards, so tests can run in parallel.
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <stdexcept>
#include <string>

#include <pqxx/pqxx>

#include "torghut/persistence/migrations.hpp"

namespace torghut::test {

inline std::string run_capture(const std::string& cmd) {
  std::string out;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) return out;
  char buf[512];
  while (size_t n = std::fread(buf, 1, sizeof buf, p)) out.append(buf, n);
  const int rc = ::pclose(p);
  if (rc != 0) throw std::runtime_error("command failed (" + std::to_string(rc) + "): " + cmd + "\n" + out);
  return out;
}

/// "DB_DSN='...'" → the DSN.
inline std::string parse_env_line(const std::string& s) {
  const size_t a = s.find('\'');
  const size_t b = s.rfind('\'');
  if (a == std::string::npos || b <= a) throw std::runtime_error("unexpected pg.sh env output: " + s);
  return s.substr(a + 1, b - a - 1);
}

/// A cluster through scripts/pg.sh, in `dir` on `port` (empty/0 = the project's default one).
inline std::string pg_script(const std::string& args, const std::string& dir = {}, int port = 0) {
  std::string env;
  if (!dir.empty()) env += "TORGHUT_PG_DIR='" + dir + "' ";
  if (port != 0) env += "TORGHUT_PG_PORT=" + std::to_string(port) + " ";
  return run_capture(env + TORGHUT_SOURCE_DIR "/scripts/pg.sh " + args + " 2>&1");
}

/// The base DSN: DB_DSN, else the project's cluster (started if needed). Throws with a clear
/// message when no Postgres can be had: these tests never skip.
inline const std::string& base_dsn() {
  static const std::string dsn = [] {
    if (const char* e = std::getenv("DB_DSN"); e && *e) return std::string(e);
    try {
      pg_script("start");
      return parse_env_line(pg_script("env"));
    } catch (const std::exception& ex) {
      throw std::runtime_error(std::string("no Postgres for the persistence tests: set DB_DSN or make "
                                           "scripts/pg.sh start work: ") + ex.what());
    }
  }();
  return dsn;
}

/// `dsn` pointing at database `db` (URI or key/value form).
inline std::string with_database(const std::string& dsn, const std::string& db) {
  if (dsn.rfind("postgres", 0) == 0 && dsn.find("://") != std::string::npos) {
    const size_t start = dsn.find("://") + 3;
    const size_t slash = dsn.find('/', start);
    const size_t q = dsn.find('?', start);
    if (slash == std::string::npos || (q != std::string::npos && slash > q))
      return dsn.substr(0, q == std::string::npos ? dsn.size() : q) + "/" + db + (q == std::string::npos ? "" : dsn.substr(q));
    const size_t end = q == std::string::npos ? dsn.size() : q;
    return dsn.substr(0, slash + 1) + db + dsn.substr(end);
  }
  return dsn + " dbname=" + db;
}

/// A free TCP port number (bound to port 0 and released) for a private cluster.
int free_port();

/// A fresh database with the migrations applied; dropped at the end.
class temp_db {
 public:
  explicit temp_db(const std::string& base = base_dsn(), bool migrate = true) : base_(base) {
    static std::atomic<int> n{0};
    std::random_device rd;
    name_ = "t_" + std::to_string(::getpid()) + "_" + std::to_string(n++) + "_" + std::to_string(rd() % 100000);
    {
      pqxx::connection c(base_);
      pqxx::nontransaction nt(c);
      nt.exec("CREATE DATABASE " + name_);
    }
    dsn_ = with_database(base_, name_);
    if (migrate) persistence::migrate_up(dsn_, persistence::load_migrations(TORGHUT_SOURCE_DIR "/migrations"));
  }
  ~temp_db() {
    try {
      pqxx::connection c(base_);
      pqxx::nontransaction nt(c);
      nt.exec("DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
    } catch (...) {
    }
  }
  temp_db(const temp_db&) = delete;
  temp_db& operator=(const temp_db&) = delete;
  [[nodiscard]] const std::string& dsn() const { return dsn_; }
  /// First column of the first row of `sql`, as text ("" for NULL).
  [[nodiscard]] std::string scalar(const std::string& sql) const {
    pqxx::connection c(dsn_);
    pqxx::read_transaction tx(c);
    tx.exec("SET TIME ZONE 'UTC'");
    const auto r = tx.exec1(sql);
    return r[0].is_null() ? std::string() : r[0].as<std::string>();
  }
  [[nodiscard]] long long count(const std::string& sql) const { return std::stoll(scalar(sql)); }

 private:
  std::string base_, name_, dsn_;
};

/// A unique scratch folder under /tmp (removed by the caller with remove_all).
std::string scratch_dir(const std::string& tag);

}  // namespace torghut::test
