#include "torghut/persistence/activity_db.hpp"

#include <pqxx/pqxx>

#include <string_view>

#include "torghut/persistence/dsn.hpp"

namespace torghut::persistence {
namespace {

// $1 account label, $2 symbol ("" = all), $3 since (ns since the epoch), $4 limit.
constexpr const char* decisions_sql = R"(
SELECT coalesce(json_agg(row_to_json(x) ORDER BY x.created_at DESC, x.audit_seq DESC), '[]')::text FROM (
  SELECT id, engine_run_id, audit_seq, strategy_id, symbol, timeframe, status, rationale, decision_hash,
         created_at, executed_at, decision_json
  FROM trade_decisions
  WHERE alpaca_account_label = $1 AND ($2 = '' OR symbol = $2) AND created_at >= to_timestamp($3::bigint / 1e9)
  ORDER BY created_at DESC, audit_seq DESC LIMIT $4) x)";

constexpr const char* executions_sql = R"(
SELECT coalesce(json_agg(row_to_json(x) ORDER BY x.created_at DESC), '[]')::text FROM (
  SELECT id, trade_decision_id, engine_run_id, engine_order_id, client_order_id, alpaca_order_id, symbol, side,
         order_type, time_in_force, submitted_qty::text AS qty, filled_qty::text AS filled_qty,
         avg_fill_price::text AS filled_avg_price, status, created_at, last_update_at
  FROM executions
  WHERE alpaca_account_label = $1 AND ($2 = '' OR symbol = $2) AND created_at >= to_timestamp($3::bigint / 1e9)
  ORDER BY created_at DESC LIMIT $4) x)";

}  // namespace

struct activity_db::pg {
  explicit pg(const std::string& dsn) : conn(dsn) {
    pqxx::nontransaction t(conn);
    t.exec("SET statement_timeout = 2000");
  }
  pqxx::connection conn;
};

activity_db::activity_db(std::string dsn, std::string account_label)
    : dsn_(with_connect_timeout(dsn, 2)), account_(std::move(account_label)) {}

activity_db::~activity_db() = default;

std::string activity_db::with_connect_timeout(const std::string& dsn, int seconds) {
  const std::string v = std::to_string(seconds);
  if (dsn.find("connect_timeout") != std::string::npos) return dsn;
  const bool uri = dsn.starts_with("postgresql://") || dsn.starts_with("postgres://");
  if (!uri) return dsn.empty() ? "connect_timeout=" + v : dsn + " connect_timeout=" + v;
  return dsn + (dsn.find('?') == std::string::npos ? "?" : "&") + "connect_timeout=" + v;
}

std::optional<std::string> activity_db::run(const char* sql, const activity_query& q, std::string& error) {
  // After a failure, Postgres is asked again only 10 s later: the API answers from memory
  // meanwhile instead of waiting for a timeout on every request.
  const auto now = std::chrono::steady_clock::now();
  if (now < retry_after_) {
    error = last_error_;
    return std::nullopt;
  }
  // One retry: a connection the server closed since the last request is opened again.
  for (int attempt = 0; attempt < 2; ++attempt) {
    try {
      if (!pg_) pg_ = std::make_unique<pg>(dsn_);
      pqxx::nontransaction t(pg_->conn);
      const pqxx::result r =
          t.exec_params(sql, account_, q.symbol, q.since.ns, static_cast<long long>(q.limit));
      return r.at(0).at(0).as<std::string>();
    } catch (const std::exception& e) {
      pg_.reset();
      error = scrub(e.what(), dsn_);
    }
  }
  last_error_ = error;
  retry_after_ = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  return std::nullopt;
}

std::optional<std::string> activity_db::decisions(const activity_query& q, std::string& error) {
  return run(decisions_sql, q, error);
}

std::optional<std::string> activity_db::executions(const activity_query& q, std::string& error) {
  return run(executions_sql, q, error);
}

}  // namespace torghut::persistence
