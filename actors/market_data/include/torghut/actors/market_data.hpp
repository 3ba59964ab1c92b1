#pragma once
/// market_data actor: turns decoded Alpaca events into clean engine events. Drops duplicate
/// trades (trade id per symbol), flags stale and out-of-order data, tracks trading halts from
/// status messages, and builds 1-second microbars from trades. No sockets, no threads.

#include <cstdint>
#include <vector>

#include "torghut/engine/audit_sink.hpp"
#include "torghut/engine/config.hpp"
#include "torghut/engine/mailbox.hpp"
#include "torghut/engine/messages.hpp"

namespace torghut::actors {

struct market_data_stats {
  uint64_t received = 0;       ///< events handed to on_event
  uint64_t forwarded = 0;      ///< events pushed to the output (microbars and gaps included)
  uint64_t duplicates = 0;     ///< trades dropped as duplicates
  uint64_t out_of_order = 0;   ///< events flagged out_of_order
  uint64_t stale = 0;          ///< events flagged stale
  uint64_t invalid = 0;        ///< events dropped for a non-positive price or negative size
  uint64_t microbars = 0;      ///< closed microbars emitted
  uint64_t gaps = 0;           ///< gap events emitted
  uint64_t halts = 0;          ///< halt transitions seen
  uint64_t back_pressured = 0; ///< pushes refused by a full output mailbox
};

class market_data {
 public:
  /// `symbol_capacity` bounds the per-symbol state, which is allocated here, once.
  market_data(const market_data_config& cfg, uint32_t symbol_capacity,
              mailbox<market_event>& out, audit_sink& audit);

  /// Normalises one decoded event (recv_time already set) and forwards it, plus any microbar
  /// it closes. Trades inside the same second update the open microbar; the first trade of a
  /// later second (or on_time past the second) closes it with event_flags::final_bar.
  void on_event(const market_event& ev) noexcept;
  /// Closes every open microbar whose second ended at or before `now` (the loop calls this as
  /// time advances, so a quiet symbol's bar still closes).
  void on_time(timestamp now) noexcept;
  /// Emits a feed-wide gap event (symbol invalid) and resets microbar and ordering state.
  void on_gap(timestamp now, duration_ns length) noexcept;

  [[nodiscard]] bool is_halted(symbol_id s) const noexcept;
  [[nodiscard]] const market_data_stats& stats() const noexcept { return stats_; }

 private:
  struct symbol_state;
  void forward(const market_event& ev) noexcept;
  void close_bar(uint32_t sym, symbol_state& st) noexcept;

  market_data_config cfg_;
  mailbox<market_event>& out_;
  audit_sink& audit_;
  std::vector<symbol_state> state_;          // indexed by symbol id
  std::vector<int64_t> dedupe_ids_;          // ring of recent trade ids, dedupe_window per symbol
  std::vector<uint32_t> open_bars_;          // symbols with an open microbar
  market_data_stats stats_;
  timestamp last_recv_;
};

}  // namespace torghut::actors
