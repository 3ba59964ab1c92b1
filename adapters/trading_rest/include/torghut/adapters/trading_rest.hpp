#pragma once
/// The engine's order gateway: a client for Alpaca's trading REST API v2 (or the simulator),
/// built for latency (protocol doc section 3).
///
///   boost::asio::io_context io;                   // polled by the pinned hot thread (io.poll())
///   trading_rest_config cfg;                      // https://paper-api.alpaca.markets by default
///   cfg.key_id = ...; cfg.secret = ...;
///   trading_rest_client rest(io, cfg, sink);
///   if (!rest.start(err)) { ...err... }           // validates; no traffic on refusal
///   rest.submit(cmd, "AAPL");                     // POST written to the socket inline
///
/// Connections: a keep-alive pool of `connections` sockets, each dialled and warmed at start
/// (TCP, TLS with SNI, peer verification and host-name check, then one `GET /v2/clock`), with
/// one request in flight per connection (no pipelining: the pool size bounds concurrency). A
/// connection the server closes (or answers `Connection: close` on) is re-dialled in the
/// background; an idle one is kept warm with `GET /v2/clock` every keepalive_interval.
///
/// submit()/cancel() on the io_context's thread write the request now on an idle warm
/// connection, or queue it (FIFO) when none is idle, when the client-side budget (a sliding
/// minute of rate_limit_per_minute sends, all requests counted: warm-ups and keep-alives too) is
/// spent, or while a 429 pause lasts (until X-Ratelimit-Reset, every request). A warm-up is
/// sent even when the budget is spent (it is still counted); keep-alives wait for room. Responses are
/// read as JSON whatever their content type, parsed without per-response allocation (a
/// Beast basic_parser capturing only the status, X-Ratelimit-*, keep-alive and the body into a
/// reused buffer; a static read buffer; handler memory from a per-client arena).
///
/// Never a duplicate order: a POST whose response is lost (nothing complete within
/// request_timeout, or the connection dropped after it was written) or is a 5xx is not resent;
/// the client asks `GET /v2/orders:by_client_order_id` first (rest_policy.hpp has the whole
/// decision table). A give-up after a lost POST reports status 0: the order may still exist at
/// the broker, and the trade_updates stream or a reconciliation will say.
///
/// Threading: submit, cancel and every callback run on the io_context's thread (one thread at
/// a time). get() and stop() may be called from any thread (they post). stats(), ready(),
/// last_error() from any thread. Destroy the client only when its io_context is not running.
/// The secret is sent only in the APCA-API-SECRET-KEY header: never logged, never in an error.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "torghut/adapters/rest_policy.hpp"
#include "torghut/adapters/trading_codec.hpp"
#include "torghut/core/messages.hpp"

namespace boost::asio {
class io_context;
}

namespace torghut::adapters {

struct trading_rest_config {
  /// http:// only to a loopback host (start() refuses anything else).
  std::string base_url = "https://paper-api.alpaca.markets";
  std::string key_id, secret;  ///< the secret is never logged
  /// https: the system trust store plus this file (PEM), SNI, host-name check.
  std::string ca_file;
  bool verify_peer = true;
  uint32_t connections = 2;  ///< keep-alive pool; every connection dialled AND warmed at start
  std::chrono::milliseconds connect_timeout{5000};  ///< TCP + TLS + the warm-up request
  std::chrono::milliseconds request_timeout{2000};  ///< no full response this long: LOST
  std::chrono::milliseconds keepalive_interval{15000};  ///< idle this long: GET /v2/clock
  uint32_t rate_limit_per_minute = 200;  ///< client-side budget (sliding 60 s, all requests); 0: none
  uint32_t max_retries = 3;  ///< per request: 5xx, lost responses, 429, resends
  std::chrono::milliseconds retry_base{50}, retry_max{2000};  ///< backoff with full jitter
  uint32_t queue_capacity = 1024;  ///< requests waiting for a connection, the budget or a pause
  uint64_t rng_seed = 0;           ///< jitter; 0: from the OS
  std::string name = "trading-rest";  ///< log prefix
  size_t max_response_bytes = 16u << 20;  ///< a larger body fails the response (counted as lost)
  /// An order must not leave later than this after it was decided (order_command::created_at,
  /// wall clock): a submit still waiting (no connection, the budget, a 429 pause, a retry's
  /// backoff, a resend after 404) past it is never written; the sink gets on_submit_stale.
  /// Checked before every write and on the 100 ms tick. 0: no bound. Market and stop orders.
  std::chrono::milliseconds max_order_age{0};
  std::chrono::milliseconds max_limit_order_age{0};  ///< the same for limit and stop-limit orders
};

/// Called on the io_context's thread (the hot thread). Calls may submit/cancel re-entrantly.
class trading_rest_sink {
 public:
  virtual ~trading_rest_sink() = default;
  /// The broker holds the order: 200 to the POST, or a lost/5xx POST found by client_order_id.
  virtual void on_submit_accepted(const order_command& cmd, const order_view& order) noexcept = 0;
  /// Refused for good. http_status 403/422/other 4xx with the broker's error body, or 0 when the
  /// client gave up (retries exhausted, queue full, stopped) with `err.message` saying why.
  virtual void on_submit_rejected(const order_command& cmd, unsigned http_status,
                                  const api_error_view& err) noexcept = 0;
  /// DELETE answered: 204 (accepted; the stream then reports `canceled`), 422 not cancelable,
  /// 404 unknown, 0 gave up.
  virtual void on_cancel_result(const order_command& cmd, unsigned http_status,
                                const api_error_view& err) noexcept = 0;
  /// The submit waited past max_order_age (max_limit_order_age) and was dropped unsent: the
  /// broker never saw it (a POST that was written and lost is asked about by client_order_id,
  /// never declared stale while it may exist). Default: on_submit_rejected with status 0.
  virtual void on_submit_stale(const order_command& cmd, std::chrono::milliseconds age) noexcept {
    api_error_view err;
    (void)err.message.assign("stale: not sent within its maximum age");
    (void)age;
    on_submit_rejected(cmd, 0, err);
  }
};

/// Counters (each single-writer on the io thread, readable from any thread).
struct trading_rest_stats {
  uint64_t requests = 0;   ///< requests written (every kind, warm-ups and keep-alives included)
  uint64_t responses = 0;  ///< complete responses read
  uint64_t responses_2xx = 0, responses_4xx = 0, responses_5xx = 0;
  uint64_t status_403 = 0, status_422 = 0, status_429 = 0;
  uint64_t submits = 0, cancels = 0, gets = 0;  ///< accepted by submit()/cancel()/get()
  uint64_t accepted = 0, rejected = 0, cancel_results = 0;  ///< sink calls
  uint64_t gave_up = 0;         ///< final status 0 (any kind)
  uint64_t stale_orders = 0;    ///< submits dropped unsent past their maximum age
  uint64_t retries = 0;         ///< retry-like steps that used a retry (incl. resends)
  uint64_t lost_responses = 0;  ///< timeouts and connections lost with a request in flight
  uint64_t coid_queries = 0;    ///< by-client_order_id queries sent
  uint64_t resends_after_404 = 0;
  uint64_t budget_waits = 0;      ///< requests that had to wait for the client-side budget
  uint64_t rate_limit_waits = 0;  ///< requests held back by a 429 pause
  uint64_t queue_full = 0;        ///< submit/cancel refused (queue full)
  uint64_t connects = 0;          ///< dials that became warm
  uint64_t reconnects = 0;        ///< dials after the first one of a pool slot
  uint64_t connect_failures = 0, tls_failures = 0;
  uint64_t keepalives = 0;        ///< keep-alive GET /v2/clock sent
  uint64_t server_closes = 0;     ///< connections the server closed (EOF or Connection: close)
  uint64_t in_flight = 0;         ///< requests on the wire now
  uint64_t queued = 0;            ///< requests waiting now
  uint64_t warm_connections = 0;  ///< now
  int64_t last_reset_wait_ms = 0;  ///< the last 429 pause
};

class trading_rest_client {
 public:
  trading_rest_client(boost::asio::io_context& io, trading_rest_config cfg, trading_rest_sink& sink);
  ~trading_rest_client();
  trading_rest_client(const trading_rest_client&) = delete;
  trading_rest_client& operator=(const trading_rest_client&) = delete;

  /// Validates (URL, loopback rule, credentials present and without CR/LF/NUL, sane numbers, the
  /// CA file) and starts dialling every connection. On error nothing is sent and `error` says
  /// why (never with the secret).
  bool start(std::string& error);
  /// Closes every connection; waiting and in-flight requests end with status 0 ("stopped").
  /// From the io thread it acts at once, from another thread it posts.
  void stop();
  /// At least one warm connection (connected, handshaken, one request answered).
  [[nodiscard]] bool ready() const noexcept;

  /// Hot path, allocation-free after warm-up (io thread). Writes POST /v2/orders on an idle warm
  /// connection now, or queues it. False (nothing queued, no callback): not started/stopped,
  /// queue full, not a submit, an invalid order, or a symbol over 15 characters.
  bool submit(const order_command& cmd, std::string_view symbol) noexcept;
  /// DELETE /v2/orders/{broker_order_id}, allocation-free like submit. False: as submit, or an
  /// id with characters other than letters, digits, '-', '_', '.' (or over 64).
  bool cancel(const order_command& cmd, std::string_view broker_order_id) noexcept;
  /// Off the hot path (may allocate; any thread): GET `target` (e.g. "/v2/account") with the
  /// same retry/budget/429 rules; cb(http_status, body) on the io thread, 0 when it gave up
  /// (the body then holds the reason). A target with CR/LF/space gets cb(0, ...) at once.
  void get(std::string target, std::function<void(unsigned, std::string_view)> cb);

  [[nodiscard]] trading_rest_stats stats() const;
  /// The last connection problem (dial, TLS, protocol), for status lines; "" when none.
  [[nodiscard]] std::string last_error() const;

  struct impl;

 private:
  std::shared_ptr<impl> impl_;
};

}  // namespace torghut::adapters
