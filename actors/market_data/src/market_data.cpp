#include "torghut/actors/market_data.hpp"

#include <string_view>

namespace torghut::actors {
namespace {

static_assert(static_cast<int>(anomaly_kind::implausible_time) + 1 == 11, "update anomaly_kind_count");

/// Floor division by a positive divisor (timestamps before the epoch round down, not to zero).
constexpr int64_t floor_div(int64_t a, int64_t b) noexcept {
  const int64_t q = a / b;
  return (a % b != 0 && a < 0) ? q - 1 : q;
}

/// a - b, saturated: garbage timestamps must not be undefined behaviour.
constexpr int64_t sat_sub(int64_t a, int64_t b) noexcept {
  int64_t r = 0;
  if (__builtin_sub_overflow(a, b, &r)) return a < b ? std::numeric_limits<int64_t>::min()
                                                     : std::numeric_limits<int64_t>::max();
  return r;
}
constexpr int64_t sat_add(int64_t a, int64_t b) noexcept {
  int64_t r = 0;
  if (__builtin_add_overflow(a, b, &r)) return b < 0 ? std::numeric_limits<int64_t>::min()
                                                     : std::numeric_limits<int64_t>::max();
  return r;
}
constexpr int64_t sat_mul(int64_t a, int64_t b) noexcept {
  int64_t r = 0;
  if (__builtin_mul_overflow(a, b, &r)) return (a < 0) != (b < 0) ? std::numeric_limits<int64_t>::min()
                                                                  : std::numeric_limits<int64_t>::max();
  return r;
}

/// Ordering clock of a kind: trades, quotes and each bar kind have their own; -1 = unchecked.
constexpr int order_class(market_event_kind k) noexcept {
  switch (k) {
    case market_event_kind::trade: return 0;
    case market_event_kind::quote: return 1;
    case market_event_kind::bar: return 2;
    case market_event_kind::daily_bar: return 3;
    case market_event_kind::updated_bar: return 4;
    default: return -1;
  }
}

constexpr bool is_bar_kind(market_event_kind k) noexcept {
  return k == market_event_kind::bar || k == market_event_kind::daily_bar ||
         k == market_event_kind::updated_bar;
}

constexpr int64_t minute_ns = 60 * ns_per_second;

/// How an implausible timestamp is audited (counted in market_data_stats::implausible_time).
constexpr anomaly_kind implausible_time_anomaly = anomaly_kind::implausible_time;

/// A price that must be there: > 0.
constexpr bool bad_px(price p) noexcept { return !p.is_positive(); }
/// A quote side: 0 with size 0 means "no such side"; otherwise the price must be > 0.
constexpr bool bad_side(price p, quantity size) noexcept {
  return p.is_negative() || (p.is_zero() && !size.is_zero());
}

}  // namespace

market_data::market_data(const market_data_config& cfg, uint32_t symbol_capacity,
                         mailbox<market_event>& out, audit_sink& audit)
    : cfg_(cfg), out_(out), audit_(audit) {
  symbol_state proto;
  proto.last_event_ns.fill(never);
  proto.last_audit_ns.fill(never);
  state_.assign(symbol_capacity, proto);
  dedupe_ids_.assign(static_cast<size_t>(symbol_capacity) * cfg_.dedupe_window, 0);
  open_bars_.reserve(symbol_capacity);  // push_back below never reallocates
}

bool market_data::is_halted(symbol_id s) const noexcept {
  return s.valid() && s.value < state_.size() && state_[s.value].halted;
}

void market_data::forward(const market_event& ev) noexcept {
  if (out_.push(ev) == push_result::ok)
    ++stats_.forwarded;
  else
    ++stats_.back_pressured;
}

void market_data::audit_limited(anomaly_kind k, symbol_state& st,
                                const market_event& ev) noexcept {
  int64_t& last = st.last_audit_ns[static_cast<size_t>(k)];
  const int64_t now = ev.recv_time.ns;
  if (last != never && now >= last && sat_sub(now, last) < ns_per_second) return;
  last = now;
  audit_.anomaly(k, ev.symbol, ev.event_time, ev.recv_time);
}

bool market_data::validate(const market_event& ev, symbol_state& st) noexcept {
  bool bad_price = false;
  bool bad_size = false;
  switch (ev.kind) {
    case market_event_kind::trade:
      bad_price = !ev.u.trade.px.is_positive();
      bad_size = ev.u.trade.size.is_negative();
      break;
    case market_event_kind::quote:
      // A zero price (and size) on one side means "no quote on that side": kept.
      bad_price = bad_side(ev.u.quote.bid_px, ev.u.quote.bid_size) ||
                  bad_side(ev.u.quote.ask_px, ev.u.quote.ask_size);
      bad_size = ev.u.quote.bid_size.is_negative() || ev.u.quote.ask_size.is_negative();
      break;
    case market_event_kind::bar:
    case market_event_kind::daily_bar:
    case market_event_kind::updated_bar: {
      const bar_payload& b = ev.u.bar;
      bad_price = !b.open.is_positive() || !b.high.is_positive() || !b.low.is_positive() ||
                  !b.close.is_positive() || b.vwap.is_negative();
      bad_size = b.volume.is_negative();
      break;
    }
    case market_event_kind::correction: {
      const correction_payload& c = ev.u.correction;
      bad_price = bad_px(c.original_px) || bad_px(c.corrected_px);
      bad_size = c.original_size.is_negative() || c.corrected_size.is_negative();
      break;
    }
    case market_event_kind::cancel_error:
      bad_price = bad_px(ev.u.cancel_error.px);
      bad_size = ev.u.cancel_error.size.is_negative();
      break;
    case market_event_kind::luld:
      bad_price = bad_px(ev.u.luld.limit_up) || bad_px(ev.u.luld.limit_down);
      break;
    case market_event_kind::imbalance:
      bad_price = bad_px(ev.u.imbalance.px);
      break;
    default:
      break;
  }
  if (!bad_price && !bad_size) return true;
  ++stats_.invalid;
  audit_limited(bad_price ? anomaly_kind::invalid_price : anomaly_kind::invalid_size, st, ev);
  return false;
}

bool market_data::plausible_time(const market_event& ev, symbol_state& st) noexcept {
  // Relative to recv_time: a replay moves both consistently, so it judges as the live run did.
  const int64_t ahead = sat_sub(ev.event_time.ns, ev.recv_time.ns);
  bool ok = cfg_.max_future_skew_ns <= 0 || ahead <= cfg_.max_future_skew_ns;
  // Bars are stamped at the start of their minute (or day): only trades and quotes have an age.
  if (ok && cfg_.max_past_age_ns > 0 &&
      (ev.kind == market_event_kind::trade || ev.kind == market_event_kind::quote))
    ok = sat_sub(ev.recv_time.ns, ev.event_time.ns) <= cfg_.max_past_age_ns;
  if (ok) return true;
  ++stats_.implausible_time;
  audit_limited(implausible_time_anomaly, st, ev);
  return false;
}

bool market_data::is_duplicate(uint32_t sym, symbol_state& st, trade_id id) noexcept {
  const uint32_t window = cfg_.dedupe_window;
  if (window == 0 || id.value == 0) return false;  // id 0 = the decoder had no id: never a dupe
  int64_t* ring = dedupe_ids_.data() + static_cast<size_t>(sym) * window;
  for (uint32_t k = 0; k < st.dedupe_count; ++k)
    if (ring[k] == id.value) return true;
  ring[st.dedupe_head] = id.value;
  st.dedupe_head = st.dedupe_head + 1 == window ? 0 : st.dedupe_head + 1;
  if (st.dedupe_count < window) ++st.dedupe_count;
  return false;
}

void market_data::on_market_event(const market_event& ev) noexcept {
  ++stats_.received;
  if (ev.kind == market_event_kind::gap) {  // a gap announced by the adapter
    on_gap(ev.recv_time, ev.u.gap.length);
    return;
  }
  // Feed silence: the gap goes out before the event that ends it.
  if (have_recv_ && sat_sub(ev.recv_time.ns, last_recv_.ns) > cfg_.gap_after_ns)
    on_gap(ev.recv_time, duration_ns{sat_sub(ev.recv_time.ns, last_recv_.ns)});
  if (!have_recv_ || ev.recv_time > last_recv_) last_recv_ = ev.recv_time;
  have_recv_ = true;

  if (!ev.symbol.valid() || ev.symbol.value >= state_.size()) {
    ++stats_.invalid;
    if (last_bad_symbol_audit_ns_ == never ||
        sat_sub(ev.recv_time.ns, last_bad_symbol_audit_ns_) >= ns_per_second) {
      last_bad_symbol_audit_ns_ = ev.recv_time.ns;
      audit_.anomaly(anomaly_kind::malformed_frame, ev.symbol, ev.event_time, ev.recv_time);
    }
    return;
  }
  const uint32_t sym = ev.symbol.value;
  symbol_state& st = state_[sym];
  if (!validate(ev, st)) return;
  if (!plausible_time(ev, st)) return;
  if (ev.kind == market_event_kind::trade && is_duplicate(sym, st, ev.u.trade.id)) {
    ++stats_.duplicates;
    audit_limited(anomaly_kind::duplicate_trade, st, ev);
    return;
  }

  market_event out = ev;
  out.flags = 0;  // flags are market_data's verdict alone

  if (const int cls = order_class(ev.kind); cls >= 0) {
    if (st.order_epoch != epoch_) {  // a gap happened since this symbol was last seen
      st.last_event_ns.fill(never);
      st.order_epoch = epoch_;
    }
    int64_t& last = st.last_event_ns[static_cast<size_t>(cls)];
    if (ev.event_time.ns < last) {
      out.flags |= event_flags::out_of_order;
      ++stats_.out_of_order;
      audit_limited(anomaly_kind::out_of_order, st, ev);
    } else {
      last = ev.event_time.ns;
    }
  }

  if (ev.kind != market_event_kind::daily_bar) {
    // A minute bar is complete only at its end: measure its lateness from there.
    const int64_t reference = is_bar_kind(ev.kind) ? sat_add(ev.event_time.ns, minute_ns)
                                                   : ev.event_time.ns;
    if (sat_sub(ev.recv_time.ns, reference) > cfg_.stale_after_ns) {
      out.flags |= event_flags::stale;
      ++stats_.stale;
      audit_limited(anomaly_kind::stale, st, ev);
    }
  }

  if (ev.kind == market_event_kind::status) {
    const std::string_view code = ev.u.status.status_code.view();
    // Alpaca status codes: H = trading halt, P = volatility trading pause (LULD), Q = quotation
    // only (still halted for trading), T = trading resumed.
    const bool halt = code == "H" || code == "P" || code == "Q";
    if (halt && !st.halted) {
      st.halted = true;
      ++stats_.halts;
      audit_.anomaly(anomaly_kind::halted, ev.symbol, ev.event_time, ev.recv_time);
    } else if (code == "T" && st.halted) {
      st.halted = false;
      audit_.anomaly(anomaly_kind::resumed, ev.symbol, ev.event_time, ev.recv_time);
    }
  }
  if (st.halted) out.flags |= event_flags::halted;

  bool bar_trade =
      ev.kind == market_event_kind::trade && (out.flags & event_flags::out_of_order) == 0;
  if (bar_trade) {
    const int64_t second = floor_div(ev.event_time.ns, ns_per_second);
    if (st.bar_open && second > st.bar_second) close_bar(sym, st, ev.recv_time);
    if (second <= st.last_closed_second || (st.bar_open && second < st.bar_second)) {
      ++stats_.late_trades;  // its second is already closed: forwarded, not barred
      bar_trade = false;
    }
  }
  forward(out);
  if (bar_trade) add_to_bar(sym, st, ev);
}

void market_data::add_to_bar(uint32_t sym, symbol_state& st, const market_event& ev) noexcept {
  const int64_t px = ev.u.trade.px.raw;
  const int64_t sz = ev.u.trade.size.raw;
  const int128_t notional = static_cast<int128_t>(px) * sz;  // |px|,|sz| < 2^63: exact
  if (!st.bar_open) {
    st.bar_open = true;
    st.bar_second = floor_div(ev.event_time.ns, ns_per_second);
    st.open = st.high = st.low = st.close = px;
    st.volume = sz;
    st.notional = notional;
    st.bar_notional_overflow = false;
    st.trade_count = 1;
    st.open_index = static_cast<uint32_t>(open_bars_.size());
    open_bars_.push_back(sym);  // capacity reserved for every symbol: no allocation
    return;
  }
  if (px > st.high) st.high = px;
  if (px < st.low) st.low = px;
  st.close = px;
  st.volume += sz;  // < 2^64 trades of < 2^63 each: cannot overflow 128 bits
  if (__builtin_add_overflow(st.notional, notional, &st.notional)) st.bar_notional_overflow = true;
  ++st.trade_count;
}

void market_data::unlink_bar(symbol_state& st) noexcept {
  const uint32_t idx = st.open_index;
  const uint32_t moved = open_bars_.back();
  open_bars_[idx] = moved;
  state_[moved].open_index = idx;
  open_bars_.pop_back();
  st.bar_open = false;
}

void market_data::close_bar(uint32_t sym, symbol_state& st, timestamp recv) noexcept {
  market_event m;
  m.kind = market_event_kind::microbar;
  m.flags = static_cast<uint8_t>(event_flags::final_bar | (st.halted ? event_flags::halted : 0));
  m.symbol = symbol_id{sym};
  m.event_time = timestamp{sat_mul(st.bar_second, ns_per_second)};
  m.recv_time = recv;
  bar_payload b{};
  b.open = price::from_raw(st.open);
  b.high = price::from_raw(st.high);
  b.low = price::from_raw(st.low);
  b.close = price::from_raw(st.close);
  constexpr int128_t max64 = std::numeric_limits<int64_t>::max();
  b.volume = quantity::from_raw(st.volume > max64 ? std::numeric_limits<int64_t>::max()
                                                  : static_cast<int64_t>(st.volume));
  if (st.volume > 0 && !st.bar_notional_overflow) {
    // vwap = Σ(p·s) / Σs in price units, rounded half up: a weighted mean of prices, so it
    // fits in int64 whenever the prices do.
    int128_t q = st.notional / st.volume;
    const int128_t r = st.notional % st.volume;
    if (r >= st.volume - r) ++q;
    b.vwap = price::from_raw(static_cast<int64_t>(q));
  } else {
    b.vwap = b.close;  // only zero-size trades (or an absurd overflow): no weights to use
  }
  b.trade_count = st.trade_count;
  m.u.bar = b;
  st.last_closed_second = st.bar_second;
  unlink_bar(st);
  ++stats_.microbars;
  forward(m);
}

void market_data::drop_bar(symbol_state& st) noexcept {
  st.last_closed_second = st.bar_second;  // never emit an incomplete second later
  st.bar_open = false;
  ++stats_.dropped_bars;
}

void market_data::on_time(timestamp now) noexcept {
  const int64_t now_second = floor_div(now.ns, ns_per_second);
  for (size_t i = 0; i < open_bars_.size();) {
    const uint32_t sym = open_bars_[i];
    symbol_state& st = state_[sym];
    if (st.bar_second < now_second)  // its second ended at (bar_second + 1) s <= now
      close_bar(sym, st, now);       // swaps the last open bar into slot i
    else
      ++i;
  }
}

void market_data::on_gap(timestamp now, duration_ns length) noexcept {
  for (const uint32_t sym : open_bars_) drop_bar(state_[sym]);
  open_bars_.clear();
  ++epoch_;  // every symbol's ordering clocks restart lazily
  if (!have_recv_ || now > last_recv_) last_recv_ = now;
  have_recv_ = true;
  ++stats_.gaps;
  audit_.anomaly(anomaly_kind::gap, symbol_id{}, now, now);
  market_event g;
  g.kind = market_event_kind::gap;
  g.symbol = symbol_id{};
  g.event_time = now;
  g.recv_time = now;
  g.u.gap = gap_payload{length};
  forward(g);
}

}  // namespace torghut::actors
