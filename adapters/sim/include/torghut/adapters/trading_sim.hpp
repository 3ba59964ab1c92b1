#pragma once
/// The Alpaca trading API as a server: the simulator's broker side (`torghut sim`), so that
/// independently written Alpaca clients (the official SDKs, the engine's own client) work against
/// it unchanged apart from the base URL. Like Alpaca (paper-api.alpaca.markets is not
/// stream.data.alpaca.markets) it is its own server on its own port: REST v2 and the trade_updates
/// WebSocket at `/stream`, on the same port (docs/alpaca-protocol.md sections 2 and 3).
///
/// REST: auth by the APCA-API-KEY-ID / APCA-API-SECRET-KEY headers (401 otherwise), keep-alive
/// HTTP/1.1, `X-Ratelimit-{Limit,Remaining,Reset}` on every answer and 429 past the per-key limit,
/// JSON bodies with decimals as strings and RFC 3339 times with nanoseconds. Orders (POST, GET
/// list/one/by client_order_id, DELETE one/all), positions, account, clock. Every key is its own
/// account (cash, positions, orders, client_order_id namespace).
///
/// Fill model, against the quotes given to on_market(): market orders fill at the touch (buy at
/// the ask, sell at the bid) up to the displayed size (size × shares_per_quote_lot), the rest on
/// later quotes; the displayed size is consumed until the symbol's next quote. Limit orders fill
/// when crossed (at the touch), stop orders trigger when the touch reaches the stop and then act as
/// market/limit orders. No quote yet: the order rests. ioc cancels what does not fill at once; fok
/// fills fully at once or is canceled. Cash, positions and average entry prices follow the fills;
/// equity marks positions at the mid (the last trade when there is no quote).
///
/// trade_updates at `/stream`: both auth forms, listen acknowledgement, events as JSON in binary
/// frames (new, partial_fill, fill, canceled, rejected, expired) to every authorized, listening
/// connection of the order's key.
///
/// Debug endpoints (no auth, never rate limited or faulted): `GET /_sim/stats` (every counter and
/// `posts_by_client_order_id`) and `POST /_sim/faults` (JSON with optional keys `latency_us,
/// drop_responses, error_rate, error_status, rate_limit, kill_streams, reject_next, expire`).
///
/// Threading: all I/O and all state live on the server's own thread. on_market() and the fault
/// switches may be called from any thread; on_market() only enqueues into a lock-free queue.
/// The secret is never logged, never echoed, never part of an error text.
///
/// Beast and OpenSSL are private: nothing of them appears here.

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "torghut/adapters/md_server.hpp"
#include "torghut/core/fixed_point.hpp"
#include "torghut/core/messages.hpp"

namespace torghut::adapters {

struct trading_sim_options {
  std::string bind_address = "127.0.0.1";
  uint16_t port = 0;  ///< 0: an ephemeral port (see trading_sim::port())
  /// Accepted key pairs; each key is its own account.
  std::vector<md_credentials> credentials{{std::string(md_default_key), std::string(md_default_secret)}};
  /// Both set: https:// and wss:// with this PEM certificate chain and private key.
  std::string tls_cert_file;
  std::string tls_key_file;
  money starting_cash = money::from_raw(100'000 * money::scale);
  /// buying_power = multiplier × equity − gross position value − the estimated notional reserved
  /// by open opening orders (never negative). With 1.0 that is the cash of a long-only account.
  double buying_power_multiplier = 1.0;
  uint32_t rate_limit_per_minute = 200;  ///< per key; 0 = off
  /// The rate-limit window (Alpaca: a minute). Shorter only in tests.
  std::chrono::milliseconds rate_limit_window{60'000};
  int64_t shares_per_quote_lot = 100;    ///< Alpaca stock quote sizes are round lots
  bool busy_poll = false;                ///< the server thread spins on io.poll() (wire-to-wire bench)
  int cpu = -1;                          ///< pin the server thread (-1: no pinning)
  uint64_t seed = 0;                     ///< ids (UUID v4) from a seeded generator; 0 = random_device
  /// Capacity of the on_market queue (events); a full queue drops and counts (market_overflows).
  size_t market_queue_capacity = size_t{1} << 16;
  /// An order whose notional cannot be estimated (no limit price, no quote, no trade) is refused
  /// with 403 when true; when false it is accepted without a buying-power check.
  bool refuse_unpriced_orders = false;
};

/// Counters (a snapshot; each is monotonic except active_streams).
struct trading_sim_stats {
  uint64_t http_requests = 0;     ///< every REST request read (debug endpoints included)
  uint64_t orders_posted = 0;     ///< POST /v2/orders read (any outcome)
  uint64_t orders_accepted = 0;   ///< 200 to POST /v2/orders
  uint64_t rejected_401 = 0;
  uint64_t rejected_403 = 0;
  uint64_t rejected_404 = 0;      ///< 404 answers (unknown path, order, position)
  uint64_t rejected_422 = 0;      ///< every 422 (validation, duplicate, not cancelable)
  uint64_t duplicate_coid = 0;
  uint64_t rate_limited = 0;      ///< 429 (real or forced)
  uint64_t injected_5xx = 0;
  uint64_t dropped_responses = 0;
  uint64_t cancels = 0;           ///< orders canceled by a DELETE
  uint64_t fills = 0;             ///< `fill` events (an order completely filled)
  uint64_t partial_fills = 0;     ///< `partial_fill` events
  uint64_t ioc_fok_canceled = 0;  ///< ioc/fok remainders canceled
  uint64_t rejected_events = 0;   ///< `rejected` events (reject_next_orders)
  uint64_t expired = 0;           ///< `expired` events
  uint64_t stream_connections = 0;  ///< WebSocket upgrades on /stream
  uint64_t stream_auth_ok = 0;
  uint64_t stream_auth_failed = 0;
  uint64_t events_sent = 0;       ///< trade_updates frames written to connections
  uint64_t streams_killed = 0;    ///< connections dropped by kill_streams()
  uint64_t market_events = 0;     ///< taken off the on_market queue
  uint64_t market_overflows = 0;  ///< on_market() found the queue full
  uint64_t active_streams = 0;    ///< open /stream connections now
};

class trading_sim {
 public:
  explicit trading_sim(trading_sim_options o = {});
  ~trading_sim();  ///< stop()s
  trading_sim(const trading_sim&) = delete;
  trading_sim& operator=(const trading_sim&) = delete;

  /// Binds, listens and starts the server thread. False with `error` set on failure.
  [[nodiscard]] bool start(std::string& error);
  /// Closes every connection and joins the server thread. Idempotent.
  void stop();

  [[nodiscard]] uint16_t port() const noexcept;
  [[nodiscard]] bool tls() const noexcept;
  /// "http://127.0.0.1:PORT" (https when TLS).
  [[nodiscard]] std::string base_url() const;
  /// "ws://127.0.0.1:PORT/stream" (wss when TLS).
  [[nodiscard]] std::string stream_url() const;

  /// Market data for the fill model (quotes; trades set the last price). Any thread, never
  /// blocks: a lock-free queue drained by the server thread (a full queue drops and counts).
  void on_market(const market_event& e, std::string_view symbol) noexcept;

  // --- fault switches (any thread) -------------------------------------------------------------
  /// Every REST response is delayed by `d` (0: none).
  void set_added_latency(std::chrono::microseconds d);
  /// The next `n` REST requests are processed (an order IS placed) but never answered: the
  /// connection is closed without a response.
  void drop_responses(uint32_t n);
  /// A fraction `p` of REST requests is answered `status` (5xx) and NOT processed.
  void set_server_error_rate(double p, unsigned status = 500);
  /// The next `n` REST requests get 429 (with the X-Ratelimit-* headers).
  void force_rate_limit(uint32_t n);
  /// Drops every trade_updates connection without a close frame.
  void kill_streams();
  /// The next `n` accepted orders get a `rejected` stream event right after `new` (no fills).
  void reject_next_orders(uint32_t n);
  /// Every open day order expires (`expired` event).
  void expire_open_orders();

  [[nodiscard]] trading_sim_stats stats() const;
  /// POST /v2/orders requests seen with this client_order_id (any outcome).
  [[nodiscard]] uint64_t posts_for(std::string_view client_order_id) const;
  [[nodiscard]] std::map<std::string, uint64_t, std::less<>> posts_by_coid() const;
  /// Called on the server thread the moment a POST /v2/orders request has been read
  /// (steady_clock ns). Set it before traffic starts or while the server is idle.
  void set_post_observer(std::function<void(std::string_view coid, std::string_view symbol, int64_t steady_ns)> f);
  /// Barrier: drains the market queue and runs `f` on the server thread, waiting for both. Never
  /// call it from the server thread.
  void sync(std::function<void()> f = {});

  struct impl;  ///< implementation detail

 private:
  std::unique_ptr<impl> impl_;
};

}  // namespace torghut::adapters
