#pragma once
/// market_data actor: turns decoded Alpaca events into clean engine events. Drops duplicate
/// trades (trade id per symbol), flags stale and out-of-order data, tracks trading halts from
/// status messages, and builds 1-second microbars from trades. No sockets, no threads.
///
/// Per event, in this order (see on_event for the details):
///   1. feed silence: if recv_time is more than `gap_after_ns` after the previous event's
///      recv_time, a gap is emitted first, exactly as if on_gap(recv_time, silence) was called;
///   2. validation: a bad symbol id, a non-positive price (a quote side may be 0 with size 0: no
///      such side), or a negative size is counted `invalid`, audited and dropped (the decoders
///      deliver such events: they are market-data anomalies, not decode errors);
///   2b. plausible time: an event stamped more than `max_future_skew_ns` after its recv_time, or a
///      trade/quote stamped more than `max_past_age_ns` before it, is counted `implausible_time`,
///      audited and dropped; it never becomes the symbol's ordering reference (one trade stamped
///      2099 must not flag every later trade out of order). recv_time, not the wall clock, so a
///      replay judges exactly as the live run did;
///   3. duplicate trades (same trade id among the last `dedupe_window` of the symbol) are
///      counted, audited and dropped;
///   4. flags: out_of_order, stale, halted (status "H" halts the symbol, "T" resumes it);
///   5. a trade that starts a later second first closes the symbol's open microbar (the
///      microbar is forwarded BEFORE the trade), then the trade is forwarded and added to the
///      new second's bar.
/// Anomalies are audited at most once per second per symbol and kind (halt and resume
/// transitions and gaps always); every occurrence is counted in stats().

#include <array>
#include <cstdint>
#include <limits>
#include <vector>

#include "torghut/core/audit_sink.hpp"
#include "torghut/core/config.hpp"
#include "torghut/core/mailbox.hpp"
#include "torghut/core/messages.hpp"

namespace torghut::actors {

struct market_data_stats {
  uint64_t received = 0;       ///< events handed to on_event
  uint64_t forwarded = 0;      ///< events pushed to the output (microbars and gaps included)
  uint64_t duplicates = 0;     ///< trades dropped as duplicates
  uint64_t out_of_order = 0;   ///< events flagged out_of_order
  uint64_t stale = 0;          ///< events flagged stale
  uint64_t invalid = 0;        ///< events dropped for a non-positive price or negative size
  uint64_t implausible_time = 0;  ///< events dropped for a timestamp far from their receive time
  uint64_t microbars = 0;      ///< closed microbars emitted
  uint64_t gaps = 0;           ///< gap events emitted
  uint64_t halts = 0;          ///< halt transitions seen
  uint64_t back_pressured = 0; ///< pushes refused by a full output mailbox
  uint64_t late_trades = 0;    ///< in-order trades forwarded but not barred: their second closed
  uint64_t dropped_bars = 0;   ///< open microbars discarded by a gap (incomplete)
};

class market_data {
 public:
  /// `symbol_capacity` bounds the per-symbol state, which is allocated here, once.
  market_data(const market_data_config& cfg, uint32_t symbol_capacity,
              mailbox<market_event>& out, audit_sink& audit);

  /// Normalises one decoded event (recv_time already set) and forwards it, plus any microbar
  /// it closes. Trades inside the same second update the open microbar; the first trade of a
  /// later second (or on_time past the second) closes it with event_flags::final_bar.
  ///
  /// Out-of-order is judged per symbol and per kind class: trades, quotes, minute bars, daily
  /// bars and updated bars each have their own clock (other kinds are never out of order), and
  /// an out-of-order event does not move that clock. Stale means recv_time - event_time >
  /// stale_after_ns, except that a minute or updated bar is measured from its end (start + 60 s)
  /// and a daily bar is never stale. A gap event handed in here is treated as on_gap.
  void on_market_event(const market_event& ev) noexcept;
  /// Closes every open microbar whose second ended at or before `now` (the loop calls this as
  /// time advances, so a quiet symbol's bar still closes). The microbar's recv_time is `now`.
  /// O(open bars).
  void on_time(timestamp now) noexcept;
  /// Emits a feed-wide gap event (symbol invalid, event_time = recv_time = `now`) and resets
  /// microbar and ordering state. Open bars are dropped, not emitted (they are incomplete), and
  /// their second is never barred afterwards. Halts and the duplicate-trade memory survive a
  /// gap (a relay may resend trades; a halt is not lifted by a reconnect).
  void on_gap(timestamp now, duration_ns length) noexcept;

  [[nodiscard]] bool is_halted(symbol_id s) const noexcept;
  [[nodiscard]] const market_data_stats& stats() const noexcept { return stats_; }

 private:
  static constexpr int order_class_count = 5;  // trade, quote, bar, daily_bar, updated_bar
  static constexpr int anomaly_kind_count = static_cast<int>(anomaly_kind::implausible_time) + 1;
  static constexpr int64_t never = std::numeric_limits<int64_t>::min();

  /// Everything known about one symbol; preallocated for every possible id.
  struct symbol_state {
    std::array<int64_t, order_class_count> last_event_ns{};  // valid when order_epoch == epoch_
    uint64_t order_epoch = 0;
    uint32_t dedupe_head = 0;   // next slot of the ring to write
    uint32_t dedupe_count = 0;  // filled slots, up to dedupe_window
    bool halted = false;
    bool bar_open = false;
    bool bar_notional_overflow = false;
    uint32_t open_index = 0;  // position in open_bars_ while bar_open
    int64_t bar_second = 0;   // floor(event_time / 1 s) of the open bar
    int64_t last_closed_second = never;
    int64_t open = 0, high = 0, low = 0, close = 0;  // raw prices
    int128_t volume = 0;    // Σ size.raw
    int128_t notional = 0;  // Σ px.raw * size.raw (18 decimals)
    uint64_t trade_count = 0;
    std::array<int64_t, anomaly_kind_count> last_audit_ns{};
  };

  [[nodiscard]] bool validate(const market_event& ev, symbol_state& st) noexcept;
  [[nodiscard]] bool plausible_time(const market_event& ev, symbol_state& st) noexcept;
  [[nodiscard]] bool is_duplicate(uint32_t sym, symbol_state& st, trade_id id) noexcept;
  void add_to_bar(uint32_t sym, symbol_state& st, const market_event& ev) noexcept;
  void forward(const market_event& ev) noexcept;
  void close_bar(uint32_t sym, symbol_state& st, timestamp recv) noexcept;
  void drop_bar(symbol_state& st) noexcept;
  void unlink_bar(symbol_state& st) noexcept;
  void audit_limited(anomaly_kind k, symbol_state& st, const market_event& ev) noexcept;

  market_data_config cfg_;
  mailbox<market_event>& out_;
  audit_sink& audit_;
  std::vector<symbol_state> state_;          // indexed by symbol id
  std::vector<int64_t> dedupe_ids_;          // ring of recent trade ids, dedupe_window per symbol
  std::vector<uint32_t> open_bars_;          // symbols with an open microbar
  market_data_stats stats_;
  timestamp last_recv_;
  bool have_recv_ = false;
  uint64_t epoch_ = 1;                       // bumped by on_gap: invalidates ordering clocks
  int64_t last_bad_symbol_audit_ns_ = never;  // rate limit for events with an unknown symbol
};

}  // namespace torghut::actors
