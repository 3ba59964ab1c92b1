#include "torghut/actors/strategy.hpp"

#include <algorithm>
#include <cstring>
#include <limits>
#include <optional>
#include <string_view>

#include "torghut/core/decision_hash.hpp"

namespace torghut::actors {
namespace {

/// The Bollinger k of the per-symbol indicator sets (the `ta_signals` Bollinger(20, 2)).
constexpr double snapshot_bollinger_k = 2.0;

template <class T>
unsigned char* put(unsigned char* p, T v) noexcept {
  std::memcpy(p, &v, sizeof v);  // little-endian on every supported target: canonical
  return p + sizeof v;
}

unsigned char* put_double(unsigned char* p, double v) noexcept {
  if (v == 0.0) v = 0.0;  // -0.0 and 0.0 are the same parameter
  uint64_t bits = 0;
  std::memcpy(&bits, &v, sizeof bits);
  return put(p, bits);
}

/// floor(min(max_notional_per_trade, pct × equity) / close) whole shares; zero when it does not
/// buy a single share (or on a non-positive price or cap, or overflow).
quantity size_order(const strategy_config& c, money equity, price close) noexcept {
  money cap = c.max_notional_per_trade;
  const std::optional<money> by_equity =
      money::from_double(c.max_position_pct_equity * equity.to_double());
  if (!by_equity) return {};
  cap = std::min(cap, *by_equity);
  if (!cap.is_positive() || !close.is_positive()) return {};
  // cap.raw is in 1e-6 dollars, close.raw in 1e-9 dollars per share.
  constexpr int64_t ratio = price::scale / money::scale;
  const int128_t shares = static_cast<int128_t>(cap.raw) * ratio / close.raw;
  if (shares > static_cast<int128_t>(std::numeric_limits<int64_t>::max() / quantity::scale))
    return {};
  return quantity::from_units(static_cast<int64_t>(shares)).value_or(quantity{});
}

}  // namespace

strategy_engine::strategy_engine(const engine_config& cfg, const symbol_table& symbols,
                                 mailbox<order_intent>& out, audit_sink& audit, const clock& clk)
    : strategies_(cfg.strategies),
      symbols_(symbols),
      out_(out),
      audit_(audit),
      clock_(clk),
      equity_(cfg.starting_equity),
      capacity_(symbols.capacity()) {
  fingerprints_.reserve(strategies_.size());
  universe_names_.reserve(strategies_.size());
  for (const auto& c : strategies_) {
    fingerprints_.push_back(params_fingerprint(c));
    has_probe_ = has_probe_ || (c.kind == strategy_kind::tick_probe && c.enabled);
    universe_names_.push_back(c.universe_symbols.empty() ? cfg.allowed_symbols
                                                         : c.universe_symbols);
  }
  ind_.assign(capacity_, indicator_set(snapshot_bollinger_k));
  prev_.assign(capacity_, indicator_snapshot{});
  pss_.assign(strategies_.size() * capacity_, per_strategy_symbol{});
  in_universe_.assign(strategies_.size() * capacity_, universe_unknown);
}

uint64_t strategy_engine::params_fingerprint(const strategy_config& c) noexcept {
  // Canonical encoding: layout version, kind, the common parameters, then the parameters of
  // this kind only (so an unused field never changes the fingerprint). The name, the id, the
  // universe and the enabled flag are not parameters of the decision rule.
  unsigned char buf[96];
  unsigned char* p = buf;
  p = put(p, static_cast<uint16_t>(1));
  p = put(p, static_cast<uint8_t>(c.kind));
  p = put(p, c.warmup_bars);
  p = put_double(p, c.max_position_pct_equity);
  p = put(p, c.max_notional_per_trade.raw);
  const size_t tf = std::min<size_t>(c.base_timeframe.size(), 15);
  p = put(p, static_cast<uint8_t>(tf));
  std::memcpy(p, c.base_timeframe.data(), tf);
  p += tf;
  switch (c.kind) {
    case strategy_kind::macd_rsi:
      p = put_double(p, c.rsi_buy_below);
      p = put_double(p, c.rsi_sell_above);
      break;
    case strategy_kind::bollinger_reversion:
      p = put_double(p, c.bollinger_k);
      break;
    case strategy_kind::tick_probe:
      break;
  }
  return hash_bytes64(buf, static_cast<size_t>(p - buf));
}

void strategy_engine::on_market_event(const market_event& ev) noexcept {
  switch (ev.kind) {
    case market_event_kind::gap:
      ++stats_.gaps;
      if (!ev.symbol.valid()) {
        for (uint32_t s = 0; s < used_; ++s) {
          ind_[s].reset();
          prev_[s] = indicator_snapshot{};
        }
      } else if (ev.symbol.value < capacity_) {
        ind_[ev.symbol.value].reset();
        prev_[ev.symbol.value] = indicator_snapshot{};
      }
      return;
    case market_event_kind::quote:
      if (!ev.symbol.valid() || ev.symbol.value >= capacity_) return;
      used_ = std::max(used_, ev.symbol.value + 1);
      ind_[ev.symbol.value].on_quote(ev.u.quote);
      return;
    case market_event_kind::trade:
      if (has_probe_ && ev.symbol.valid() && ev.symbol.value < capacity_ &&
          (ev.flags & event_flags::halted) == 0)
        probe(ev);
      return;
    case market_event_kind::microbar: {
      if ((ev.flags & event_flags::final_bar) == 0) return;
      if (!ev.symbol.valid() || ev.symbol.value >= capacity_) return;
      const uint32_t s = ev.symbol.value;
      used_ = std::max(used_, s + 1);
      ind_[s].on_bar(ev.u.bar, ev.event_time);
      ++stats_.bars;
      if (signals_ != nullptr) signals_->on_signal(signal{ev.symbol, ev.event_time, ind_[s].snapshot()});
      if ((ev.flags & event_flags::halted) != 0) {
        prev_[s] = ind_[s].snapshot();  // indicators move on; a halted bar never trades
        return;
      }
      evaluate(ev.symbol, ev);
      return;
    }
    default:
      return;
  }
}

void strategy_engine::evaluate(symbol_id sym, const market_event& bar) noexcept {
  const uint32_t s = sym.value;
  const indicator_snapshot cur = ind_[s].snapshot();
  const indicator_snapshot& prev = prev_[s];
  const uint32_t bars = ind_[s].bars();
  const price close = bar.u.bar.close;
  const double px = close.to_double();

  for (size_t i = 0; i < strategies_.size(); ++i) {
    const strategy_config& c = strategies_[i];
    if (!c.enabled || bars < c.warmup_bars || !in_universe(i, sym)) continue;
    per_strategy_symbol& st = pss_[i * capacity_ + s];
    const bool flat = !st.position.is_positive();
    side action = side::buy;
    uint8_t why = 0;
    switch (c.kind) {
      case strategy_kind::macd_rsi: {
        constexpr uint32_t need = indicator_bit::macd_signal | indicator_bit::rsi14;
        if ((cur.ready_mask & need) != need || (prev.ready_mask & indicator_bit::macd_signal) == 0)
          break;
        if (flat && prev.macd_hist <= 0 && cur.macd_hist > 0 && cur.rsi14 < c.rsi_buy_below) {
          why = rationale_macd_cross_up;
        } else if (!flat && prev.macd_hist >= 0 && cur.macd_hist < 0 &&
                   cur.rsi14 > c.rsi_sell_above) {
          action = side::sell;
          why = rationale_macd_cross_down;
        }
        break;
      }
      case strategy_kind::tick_probe:
        break;  // trades, not bars (probe())
      case strategy_kind::bollinger_reversion: {
        if ((cur.ready_mask & indicator_bit::bollinger) == 0) break;
        const double stddev = (cur.boll_upper - cur.boll_mid) / snapshot_bollinger_k;
        const double lower = cur.boll_mid - c.bollinger_k * stddev;
        if (flat && px < lower) {
          why = rationale_below_lower_band;
        } else if (!flat && px >= cur.boll_mid) {
          action = side::sell;
          why = rationale_back_to_mid_band;
        }
        break;
      }
    }
    if (why == 0) continue;
    if (st.pending) {
      ++stats_.suppressed_pending;
      continue;
    }
    const quantity qty = action == side::buy ? size_order(c, equity_, close) : st.position;
    if (!qty.is_positive()) continue;
    if (emit(i, sym, bar, action, qty, why)) st.pending = true;
  }
  prev_[s] = cur;
}

void strategy_engine::probe(const market_event& trade) noexcept {
  const symbol_id sym = trade.symbol;
  used_ = std::max(used_, sym.value + 1);
  for (size_t i = 0; i < strategies_.size(); ++i) {
    const strategy_config& c = strategies_[i];
    if (c.kind != strategy_kind::tick_probe || !c.enabled || !in_universe(i, sym)) continue;
    per_strategy_symbol& st = pss_[i * capacity_ + sym.value];
    if (st.pending) {
      ++stats_.suppressed_pending;
      continue;
    }
    const bool flat = !st.position.is_positive();
    const quantity qty = flat ? quantity::from_raw(quantity::scale) : st.position;
    if (emit(i, sym, trade, flat ? side::buy : side::sell, qty, rationale_probe, trade.u.trade.px))
      st.pending = true;
  }
}

bool strategy_engine::emit(size_t i, symbol_id s, const market_event& bar, side action,
                           quantity qty, uint8_t rationale) noexcept {
  return emit(i, s, bar, action, qty, rationale, bar.u.bar.close);
}

bool strategy_engine::emit(size_t i, symbol_id s, const market_event& bar, side action,
                           quantity qty, uint8_t rationale, price reference) noexcept {
  const strategy_config& c = strategies_[i];
  order_intent in;
  in.kind = intent_kind::new_order;
  in.strategy = c.id;
  in.symbol = s;
  in.order_side = action;
  in.type = order_type::market;
  in.tif = time_in_force::day;
  in.qty = qty;
  in.reference_px = reference;
  in.event_time = bar.event_time;
  in.decided_at = clock_.now();
  in.rationale = rationale;
  decision_key k;
  k.strategy = c.id;
  k.symbol = symbols_.name(s);
  k.event_time = bar.event_time;
  k.action = action;
  k.type = in.type;
  k.qty = qty;
  k.limit_px = in.limit_px;
  k.params_fingerprint = fingerprints_[i];
  in.hash = compute_decision_hash(k);
  if (out_.push(in) != push_result::ok) {
    ++stats_.back_pressured;
    return false;
  }
  audit_.decision(in, in.decided_at);
  ++stats_.decisions;
  return true;
}

bool strategy_engine::in_universe(size_t i, symbol_id s) noexcept {
  uint8_t& m = in_universe_[i * capacity_ + s.value];
  if (m == universe_unknown) {
    const std::string_view name = symbols_.name(s);
    if (name.empty()) return false;  // not interned: do not cache
    m = universe_out;
    for (const std::string& n : universe_names_[i]) {
      if (n == name) {
        m = universe_in;
        break;
      }
    }
  }
  return m == universe_in;
}

size_t strategy_engine::strategy_index(strategy_id id) const noexcept {
  for (size_t i = 0; i < strategies_.size(); ++i)
    if (strategies_[i].id == id) return i;
  return strategies_.size();
}

strategy_engine::per_strategy_symbol* strategy_engine::find_pss(strategy_id id,
                                                                symbol_id s) noexcept {
  const size_t i = strategy_index(id);
  if (i >= strategies_.size() || !s.valid() || s.value >= capacity_) return nullptr;
  return &pss_[i * capacity_ + s.value];
}

void strategy_engine::on_risk_verdict(const risk_verdict& v) noexcept {
  if (v.approved()) return;  // stays pending until the order reaches a terminal state
  if (per_strategy_symbol* p = find_pss(v.intent.strategy, v.intent.symbol)) p->pending = false;
}

void strategy_engine::on_execution_report(const execution_report& r) noexcept {
  per_strategy_symbol* p = find_pss(r.strategy, r.symbol);
  if (p == nullptr) return;
  if (r.last_qty.is_positive()) {
    const std::optional<quantity> moved = r.order_side == side::buy
                                              ? checked_add(p->position, r.last_qty)
                                              : checked_sub(p->position, r.last_qty);
    if (moved) p->position = *moved;
  }
  if (is_terminal(r.status)) p->pending = false;
}

indicator_snapshot strategy_engine::indicators(symbol_id s) const noexcept {
  if (!s.valid() || s.value >= capacity_) return {};
  return ind_[s.value].snapshot();
}

}  // namespace torghut::actors
