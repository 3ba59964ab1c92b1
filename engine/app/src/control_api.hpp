#pragma once
/// The operator's HTTP API (issue 13): routes, the bearer-token check, request bodies and JSON
/// errors, with no socket in it (adapters/control_http serves it; tests call `handle` directly).
///
///   GET  /healthz                 liveness: 200 while the process serves requests
///   GET  /trading/health          readiness: 200 when ready to trade, else 503 (the same JSON)
///   GET  /trading/status          state, kill switch, feed, broker, counters, run id, uptime
///   GET  /metrics                 Prometheus text exposition
///   GET  /                        the live page (engine/app/web/index.html)
///   GET  /trading/positions       the hot path's positions and P&L (published each ms)
///   GET  /trading/orders          ?status=open|closed|all&symbol=&since=&limit= (this run's orders)
///   GET  /trading/decisions       ?symbol=&since=&limit= (Postgres when configured, else memory)
///   GET  /trading/executions      ?symbol=&since=&limit= (likewise)
///   POST /trading/kill-switch     {"engaged": true|false}
///   POST /trading/state           {"state": "ACTIVE"|"REDUCING"|"HALTED"}
///   POST /trading/cancel-all      every strategy's open orders canceled
///   POST /trading/limits/reload   risk limits read again from the config file
///
/// Every POST needs `Authorization: Bearer <TORGHUT_CONTROL_TOKEN>`: without it, or with another
/// token, or when the engine has no token, it is 401 and nothing happens. The token is compared
/// in constant time and never appears in a response or a log. Each accepted control is logged
/// (without the token) and reaches the hot loop as a control command, which writes it to the
/// audit trail (engine_run_events, kind "control").

#include <cstdint>
#include <string>

#include "torghut/adapters/control_http.hpp"
#include "torghut/core/messages.hpp"
#include "torghut/core/metrics_text.hpp"
#include "torghut/persistence/activity_book.hpp"

namespace torghut::app {

/// What the API reads and does; the live runtime implements it (tests fake it).
class control_backend {
 public:
  virtual ~control_backend() = default;
  /// The body of GET /trading/status (a JSON object).
  [[nodiscard]] virtual std::string status_json() = 0;
  /// Readiness and the body of GET /trading/health.
  [[nodiscard]] virtual bool ready(std::string& health_json) = 0;
  virtual void metrics(metrics_text& out) = 0;
  /// The body of GET /trading/positions (a JSON object).
  [[nodiscard]] virtual std::string positions_json() = 0;
  /// The bodies of the list endpoints (JSON objects: the array under the kind's name, and
  /// "source": "postgres" or "memory").
  enum class listing : uint8_t { decisions, executions, open_orders, closed_orders, all_orders };
  [[nodiscard]] virtual std::string list_json(listing what, const persistence::activity_query& q) = 0;
  /// The controls: "" when the command was sent, else why not (a 409 or 503 for the caller).
  virtual std::string kill_switch(bool engaged) = 0;
  virtual std::string set_trading_state(trading_state s) = 0;
  virtual std::string cancel_all_orders() = 0;
  virtual std::string reload_limits() = 0;
};

class control_api {
 public:
  /// `token`: TORGHUT_CONTROL_TOKEN ("" = every control is refused with 401).
  control_api(control_backend& backend, std::string token) : backend_(backend), token_(std::move(token)) {}

  [[nodiscard]] adapters::http_reply_out handle(const adapters::http_request_in& r);
  [[nodiscard]] uint64_t unauthorized() const noexcept { return unauthorized_; }

 private:
  [[nodiscard]] bool authorized(const std::string& header) const noexcept;

  control_backend& backend_;
  std::string token_;
  metrics_text metrics_;  ///< reused per scrape (the server thread is the only caller)
  uint64_t unauthorized_ = 0;
};

}  // namespace torghut::app
