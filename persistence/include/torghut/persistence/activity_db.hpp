#pragma once
/// GET /trading/decisions and /trading/executions from Postgres (when the run has a database):
/// this account's `trade_decisions` and `executions` rows, newest first, as one JSON array built
/// by the server (json_agg). Runs on the control API's thread, never the hot one; one connection,
/// opened on first use and again after a failure, with a 2 s connect timeout and a 2 s statement
/// timeout, so a dead database answers quickly (the caller falls back to the in-memory book).

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "torghut/persistence/activity_book.hpp"

namespace torghut::persistence {

class activity_db {
 public:
  /// `dsn`: the run's DB_DSN (its password never reaches an error text: scrubbed).
  activity_db(std::string dsn, std::string account_label);
  ~activity_db();
  activity_db(const activity_db&) = delete;
  activity_db& operator=(const activity_db&) = delete;

  /// The JSON array, or nullopt with `error` (scrubbed) when Postgres cannot answer.
  [[nodiscard]] std::optional<std::string> decisions(const activity_query& q, std::string& error);
  [[nodiscard]] std::optional<std::string> executions(const activity_query& q, std::string& error);

  /// `dsn` with a connect timeout of `seconds` added (key/value and URI forms).
  [[nodiscard]] static std::string with_connect_timeout(const std::string& dsn, int seconds);

 private:
  struct pg;
  std::optional<std::string> run(const char* sql, const activity_query& q, std::string& error);
  std::string dsn_, account_;
  std::unique_ptr<pg> pg_;
  std::string last_error_;
  std::chrono::steady_clock::time_point retry_after_{};
};

}  // namespace torghut::persistence
