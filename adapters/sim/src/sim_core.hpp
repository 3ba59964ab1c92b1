#pragma once
// The trading simulator's logic without any I/O: accounts, orders, fills, REST routing and
// bodies, the trade_updates protocol, faults and counters. trading_sim.cpp (the one Beast TU)
// only moves bytes: it hands each HTTP request and WebSocket message to sim_core and writes what
// comes back. Everything here runs on the server thread except what is marked "any thread".
//
// sim_core is one class; its definition is split by job (README.md):
//   sim_core.cpp        construction, ids, credentials, counters, POST observation
//   sim_routing.cpp     handle(): the debug endpoints, auth, rate limit, injected faults, dispatch
//   sim_validation.cpp  read_order(): the checks of POST /v2/orders
//   sim_orders.cpp      post_order (buying power, acceptance), list, cancel, expiry
//   sim_fills.cpp       market data and fills (the engine's fill model, fill_model.hpp)
//   sim_ledger.cpp      accounts, markets, positions, marks, equity, buying power, reserved cash
//   sim_render.cpp      the REST bodies: order, position, account, clock, stats
//   sim_faults.cpp      POST /_sim/faults
//   sim_stream.cpp      the trade_updates protocol: auth, listen, event frames
// with helpers in sim_json.* (JSON in and out), sim_http.* (targets, queries, error bodies) and
// sim_money.hpp (saturating ledger arithmetic).

#include <array>
#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "sim_json.hpp"
#include "torghut/actors/fill_model.hpp"
#include "torghut/adapters/trading_sim.hpp"
#include "torghut/core/fixed_point.hpp"
#include "torghut/core/messages.hpp"

namespace torghut::adapters::sim {

enum counter : size_t {
  c_http_requests, c_orders_posted, c_orders_accepted, c_rejected_401, c_rejected_403,
  c_rejected_404, c_rejected_422, c_duplicate_coid, c_rate_limited, c_injected_5xx,
  c_dropped_responses, c_cancels, c_fills, c_partial_fills, c_ioc_fok_canceled,
  c_rejected_events, c_expired, c_stream_connections, c_stream_auth_ok, c_stream_auth_failed,
  c_events_sent, c_streams_killed, c_market_events, c_market_overflows, c_active_streams,
  c_count
};

struct counters {
  counters() {
    for (auto& x : c) x.store(0, std::memory_order_relaxed);
  }
  std::array<std::atomic<uint64_t>, c_count> c;
  void bump(counter k, uint64_t n = 1) noexcept { c[k].fetch_add(n, std::memory_order_relaxed); }
  void drop(counter k) noexcept { c[k].fetch_sub(1, std::memory_order_relaxed); }
  [[nodiscard]] uint64_t get(counter k) const noexcept { return c[k].load(std::memory_order_relaxed); }
  [[nodiscard]] trading_sim_stats snapshot() const noexcept;
};
/// The counter's name in GET /_sim/stats.
[[nodiscard]] std::string_view counter_name(counter k) noexcept;

/// Takes one from a fault switch's count: true when it was positive (any thread).
inline bool take_one(std::atomic<uint32_t>& n) noexcept {
  uint32_t v = n.load(std::memory_order_relaxed);
  while (v > 0 && !n.compare_exchange_weak(v, v - 1, std::memory_order_relaxed)) {
  }
  return v > 0;
}

/// A trade_updates frame for every listening connection of `key`.
struct outgoing_event {
  std::string key;
  std::string frame;
};

/// One REST request as the I/O layer read it.
struct http_in {
  std::string_view method;
  std::string_view target;  ///< path and query
  std::string_view body;
  std::optional<std::string_view> key_id;      ///< APCA-API-KEY-ID
  std::optional<std::string_view> secret_key;  ///< APCA-API-SECRET-KEY
  bool from_loopback = true;
};

/// What to answer. `drop`: process nothing more, close the connection without an answer.
struct http_out {
  unsigned status = 200;
  std::string body;  ///< empty with 204
  std::vector<std::pair<std::string, std::string>> headers;
  bool drop = false;
  bool kill_streams = false;  ///< /_sim/faults asked for kill_streams
};

/// Per-connection trade_updates state.
struct stream_state {
  bool authed = false;
  bool listening = false;
  bool close_after_reply = false;  ///< unauthorized: close once the reply is written
  std::string key;
};

class sim_core {
 public:
  sim_core(const trading_sim_options& o, counters& c);

  // --- REST ------------------------------------------------------------------------------------
  /// Handles one request completely. `events` gets the trade_updates frames it caused.
  void handle(const http_in& in, int64_t wall_ns, int64_t steady_ns, http_out& out,
              std::vector<outgoing_event>& events);

  // --- market data -----------------------------------------------------------------------------
  void on_market(const market_event& e, std::string_view symbol, int64_t wall_ns,
                 std::vector<outgoing_event>& events);

  // --- faults ----------------------------------------------------------------------------------
  void expire_open(int64_t wall_ns, std::vector<outgoing_event>& events);
  std::atomic<int64_t> latency_us{0};
  std::atomic<uint32_t> drop_next{0};
  std::atomic<double> error_rate{0.0};
  std::atomic<unsigned> error_status{500};
  std::atomic<uint32_t> force_429{0};
  std::atomic<uint32_t> reject_next{0};

  // --- trade_updates ---------------------------------------------------------------------------
  /// One client message; appends the reply frames (JSON text, sent as binary frames).
  void on_stream_message(std::string_view msg, stream_state& st, std::vector<std::string>& replies);

  // --- observation (any thread) ----------------------------------------------------------------
  [[nodiscard]] uint64_t posts_for(std::string_view coid) const;
  [[nodiscard]] std::map<std::string, uint64_t, std::less<>> posts_by_coid() const;
  void set_post_observer(std::function<void(std::string_view, std::string_view, int64_t)> f) {
    std::lock_guard<std::mutex> lk(observer_mutex_);
    observer_ = std::move(f);
  }

  [[nodiscard]] bool credentials_ok(std::string_view key, std::string_view secret) const noexcept;

 private:
  struct order {
    std::string id, coid, symbol, asset_id, key, status, order_class, position_intent;
    actors::fill_model::order_terms terms;  ///< side, type, time in force, limit and stop prices
    bool triggered = false;                 ///< stop orders: the stop has been reached
    bool extended_hours = false;
    std::optional<quantity> qty;
    std::optional<money> notional;
    quantity target;  ///< what to fill; notional orders: fixed at the first fill (0 until then)
    quantity filled;
    int128_t fill_value = 0;  ///< Σ price.raw × qty.raw of the fills
    bool opening = true;
    int64_t created = 0, updated = 0, submitted = 0, filled_at = 0, canceled_at = 0, expired_at = 0,
            failed_at = 0;
    [[nodiscard]] bool buy() const noexcept { return terms.order_side == side::buy; }
    [[nodiscard]] time_in_force tif() const noexcept { return terms.tif; }
    /// The limit price of limit and stop_limit orders, the stop price of stop and stop_limit ones.
    [[nodiscard]] std::optional<price> limit() const noexcept {
      return actors::fill_model::has_limit_price(terms.type) ? std::optional<price>(terms.limit_px) : std::nullopt;
    }
    [[nodiscard]] std::optional<price> stop() const noexcept {
      return actors::fill_model::has_stop_price(terms.type) ? std::optional<price>(terms.stop_px) : std::nullopt;
    }
    [[nodiscard]] bool open() const noexcept {
      return status == "accepted" || status == "new" || status == "partially_filled" ||
             status == "pending_new";
    }
    [[nodiscard]] quantity remaining() const noexcept { return quantity::from_raw(target.raw - filled.raw); }
  };
  struct position {
    quantity qty;  ///< signed: short < 0
    price avg;
  };
  struct account {
    std::string key, id, number;
    money cash;
    money last_equity;
    int64_t created = 0;
    std::map<std::string, position, std::less<>> positions;
    std::vector<std::unique_ptr<order>> orders;  ///< creation order
    std::unordered_map<std::string, order*> by_id, by_coid;
  };
  struct market {
    std::string asset_id;
    actors::fill_model::book_top top;  ///< the latest quote; displayed shares left until the next
    bool have_last = false;
    price last;
    bool have_first = false;
    price first_mark;  ///< the first mark seen (lastday_price)
  };
  struct rate_window {
    int64_t start_ns = 0;
    uint32_t used = 0;
  };

  std::string uuid();

  // accounts and ledger (sim_ledger.cpp)
  account& account_for(std::string_view key);
  market& market_for(std::string_view symbol);
  [[nodiscard]] std::optional<price> mark(std::string_view symbol, const position* p) const;
  [[nodiscard]] money equity(const account& a) const;
  [[nodiscard]] money buying_power(const account& a) const;
  [[nodiscard]] std::optional<price> estimate_price(const order& o) const;
  [[nodiscard]] money reserved(const account& a) const;
  /// Books a fill into the account's cash and position; returns the position after it.
  quantity book_fill(account& a, const std::string& symbol, bool buy, price px, quantity q);

  // REST (sim_routing.cpp, sim_validation.cpp, sim_orders.cpp)
  void rate_headers(std::string_view key, int64_t wall_ns, bool count, bool& limited, http_out& out);
  void note_post(const json_object* body, int64_t steady_ns);
  /// The order a POST /v2/orders body describes (every field checked), or the 422 message.
  [[nodiscard]] static std::optional<std::string> read_order(const json_object& body, order& o);
  void post_order(account& a, const json_object* body, int64_t now, http_out& out,
                  std::vector<outgoing_event>& events);
  void list_orders(account& a, std::string_view query, http_out& out);
  void cancel_all(account& a, int64_t now, http_out& out, std::vector<outgoing_event>& events);
  void cancel_order(order& o, int64_t now, std::vector<outgoing_event>& events);
  void apply_faults(const json_object& body, int64_t now, http_out& out, std::vector<outgoing_event>& events);

  // bodies (sim_render.cpp)
  void write_order(const order& o, std::string& out) const;
  void write_account(const account& a, std::string& out) const;
  void write_position(const std::string& symbol, const position& p, std::string& out) const;
  void write_clock(int64_t now, std::string& out) const;
  void write_stats(std::string& out) const;

  // fills (sim_fills.cpp)
  void try_fill(order& o, int64_t now, std::vector<outgoing_event>& events);
  void apply_fill(order& o, price px, quantity q, int64_t now, std::vector<outgoing_event>& events);
  void finish_open(order& o);  ///< removes a no-longer-open order from the per-symbol book

  // trade_updates (sim_stream.cpp)
  void emit(const order& o, std::string_view event, int64_t now, std::vector<outgoing_event>& events,
            const price* px = nullptr, const quantity* q = nullptr, const quantity* pos_qty = nullptr);

  trading_sim_options opt_;
  counters& ctr_;
  int64_t multiplier_micro_;  ///< buying_power_multiplier × 10^6
  std::mt19937_64 rng_;
  std::mt19937_64 fault_rng_;
  std::map<std::string, account, std::less<>> accounts_;
  std::map<std::string, market, std::less<>> markets_;
  std::map<std::string, std::vector<order*>, std::less<>> book_;  ///< open orders by symbol, arrival order
  std::map<std::string, rate_window, std::less<>> rate_;

  mutable std::mutex posts_mutex_;
  std::map<std::string, uint64_t, std::less<>> posts_;
  std::mutex observer_mutex_;
  std::function<void(std::string_view, std::string_view, int64_t)> observer_;
};

}  // namespace torghut::adapters::sim
