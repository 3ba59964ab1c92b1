#pragma once
// The trading simulator's logic without any I/O: accounts, orders, the fill model, REST routing
// and bodies, the trade_updates protocol, faults and counters. trading_sim.cpp (the one Beast TU)
// only moves bytes: it hands each HTTP request and WebSocket message to sim_core and writes what
// comes back. Everything here runs on the server thread except what is marked "any thread".

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

/// A flat JSON object: each top-level key with its scalar value (strings unescaped, numbers and
/// literals as their raw text). Nested values are kept as kind `other`.
struct json_field {
  enum class kind : uint8_t { string, number, boolean, null, other } k = kind::null;
  std::string name;
  std::string text;  ///< the string, the number's text, "true"/"false"
};
struct json_object {
  std::vector<json_field> fields;
  [[nodiscard]] const json_field* find(std::string_view name) const noexcept {
    for (const auto& f : fields)
      if (f.name == name) return &f;
    return nullptr;
  }
};
/// False when `text` is not a JSON object.
bool parse_flat_object(std::string_view text, json_object& out);
/// A nested object `data` inside a message (for the legacy auth and listen): its fields, and
/// the string elements of its array fields as "name[]" entries.
bool parse_stream_message(std::string_view text, json_object& top, json_object& data);

/// Appends `s` JSON-escaped, without quotes.
void append_escaped(std::string& out, std::string_view s);

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
  enum class otype : uint8_t { market, limit, stop, stop_limit };
  enum class otif : uint8_t { day, gtc, opg, cls, ioc, fok };

  struct order {
    std::string id, coid, symbol, asset_id, key, status, order_class, position_intent;
    bool buy = true;
    otype type = otype::market;
    otif tif = otif::day;
    bool extended_hours = false;
    std::optional<quantity> qty;
    std::optional<money> notional;
    quantity target;  ///< what to fill; notional orders: fixed at the first fill (0 until then)
    quantity filled;
    int128_t fill_value = 0;  ///< Σ price.raw × qty.raw of the fills
    std::optional<price> limit, stop;
    bool triggered = false;
    bool opening = true;
    int64_t created = 0, updated = 0, submitted = 0, filled_at = 0, canceled_at = 0, expired_at = 0,
            failed_at = 0;
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
    bool have_quote = false;
    price bid, ask;
    quantity bid_avail, ask_avail;  ///< displayed shares left until the next quote
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
  account& account_for(std::string_view key);
  market& market_for(std::string_view symbol);
  [[nodiscard]] std::optional<price> mark(std::string_view symbol, const position* p) const;
  [[nodiscard]] money equity(const account& a) const;
  [[nodiscard]] money buying_power(const account& a) const;
  [[nodiscard]] std::optional<price> estimate_price(const order& o) const;
  [[nodiscard]] money reserved(const account& a) const;

  // REST endpoints
  void post_order(account& a, const http_in& in, const json_object* body, int64_t now, http_out& out,
                  std::vector<outgoing_event>& events);
  void list_orders(account& a, std::string_view query, http_out& out);
  void cancel_order(account& a, order& o, int64_t now, std::vector<outgoing_event>& events);
  void write_account(const account& a, int64_t now, std::string& out) const;
  void write_position(const std::string& symbol, const position& p, std::string& out) const;
  void write_clock(int64_t now, std::string& out) const;
  void write_stats(std::string& out) const;
  void apply_faults(const json_object& body, int64_t now, http_out& out, std::vector<outgoing_event>& events);

  // fill model
  void try_fill(order& o, int64_t now, std::vector<outgoing_event>& events);
  void apply_fill(order& o, price px, quantity q, int64_t now, std::vector<outgoing_event>& events);
  void finish_open(order& o);  ///< removes a no-longer-open order from the per-symbol book
  void emit(const order& o, std::string_view event, int64_t now, std::vector<outgoing_event>& events,
            const price* px = nullptr, const quantity* q = nullptr, const quantity* pos_qty = nullptr);
  void write_order(const order& o, std::string& out) const;

  // rate limit
  void rate_headers(std::string_view key, int64_t wall_ns, bool count, bool& limited, http_out& out);

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
