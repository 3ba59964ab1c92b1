#include "torghut/actors/risk.hpp"

#include <algorithm>
#include <optional>
#include <limits>
#include <string_view>

namespace torghut::actors {
namespace {

constexpr int64_t ppb_one = 1'000'000'000;
constexpr int64_t int64_max = std::numeric_limits<int64_t>::max();

/// A fraction (0.05 = 5%) as parts per billion; NaN or negative becomes 0, huge values clamp.
[[nodiscard]] int64_t to_ppb(double fraction) noexcept {
  if (!(fraction >= 0.0)) return 0;
  if (fraction > 1'000.0) fraction = 1'000.0;
  return static_cast<int64_t>(fraction * 1e9 + 0.5);
}

[[nodiscard]] constexpr bool has_limit_price(order_type t) noexcept {
  return t == order_type::limit || t == order_type::stop_limit;
}

[[nodiscard]] constexpr int128_t abs128(int128_t v) noexcept { return v < 0 ? -v : v; }

/// num / den rounded half away from zero; den > 0.
[[nodiscard]] constexpr int128_t div_round(int128_t num, int128_t den) noexcept {
  const int128_t half = den / 2;
  return num >= 0 ? (num + half) / den : (num - half) / den;
}

[[nodiscard]] constexpr bool fits64(int128_t v) noexcept {
  return v <= std::numeric_limits<int64_t>::max() && v >= std::numeric_limits<int64_t>::min();
}

[[nodiscard]] constexpr bool is_empty(decision_hash h) noexcept { return h.hi == 0 && h.lo == 0; }

}  // namespace

// ---------------------------------------------------------------------------------------------
// token_bucket
// ---------------------------------------------------------------------------------------------

token_bucket::token_bucket(uint32_t rate_per_minute, uint32_t burst) noexcept
    : ns_per_token_(int64_max), capacity_ns_(0), credit_ns_(0) {
  reconfigure(rate_per_minute, burst);
  credit_ns_ = capacity_ns_;  // a new bucket starts full
}

void token_bucket::reconfigure(uint32_t rate_per_minute, uint32_t burst) noexcept {
  if (rate_per_minute == 0 || burst == 0) {
    ns_per_token_ = int64_max;  // nothing ever passes
    capacity_ns_ = 0;
  } else {
    ns_per_token_ = 60 * ns_per_second / static_cast<int64_t>(rate_per_minute);
    if (ns_per_token_ < 1) ns_per_token_ = 1;
    if (__builtin_mul_overflow(ns_per_token_, static_cast<int64_t>(burst), &capacity_ns_))
      capacity_ns_ = int64_max / 2;
  }
  if (credit_ns_ > capacity_ns_) credit_ns_ = capacity_ns_;
}

bool token_bucket::try_take(timestamp now) noexcept {
  if (!started_) {
    started_ = true;
    last_ns_ = now.ns;
  } else if (now.ns > last_ns_) {
    int64_t elapsed = 0;
    if (__builtin_sub_overflow(now.ns, last_ns_, &elapsed)) elapsed = int64_max;
    credit_ns_ = elapsed >= capacity_ns_ - credit_ns_ ? capacity_ns_ : credit_ns_ + elapsed;
    last_ns_ = now.ns;
  }
  if (ns_per_token_ == int64_max || credit_ns_ < ns_per_token_) return false;
  credit_ns_ -= ns_per_token_;
  return true;
}

// ---------------------------------------------------------------------------------------------
// risk_engine: construction and queries
// ---------------------------------------------------------------------------------------------

risk_engine::risk_engine(const engine_config& cfg, const symbol_table& symbols,
                         mailbox<risk_verdict>& out, audit_sink& audit, const clock& clk)
    : limits_(cfg.limits),
      strategies_(cfg.strategies),
      starting_equity_(cfg.starting_equity),
      symbols_(symbols),
      out_(out),
      audit_(audit),
      clock_(clk),
      bucket_(cfg.limits.orders_per_minute, cfg.limits.order_burst) {
  const size_t n = symbols.capacity();
  for (const auto& name : cfg.allowed_symbols) {
    symbol_text t;
    if (!name.empty() && t.assign(name)) allowed_names_.push_back(t);
  }
  std::sort(allowed_names_.begin(), allowed_names_.end(),
            [](const symbol_text& a, const symbol_text& b) { return a.view() < b.view(); });
  allowed_names_.erase(std::unique(allowed_names_.begin(), allowed_names_.end()),
                       allowed_names_.end());
  allowed_.assign(n, 0);
  halted_.assign(n, 0);
  bid_.assign(n, price{});
  ask_.assign(n, price{});
  last_.assign(n, price{});
  positions_.assign(n, position{});
  hashes_.assign(hash_slots, decision_hash{});
  open_buy_.assign(n, quantity{});
  open_sell_.assign(n, quantity{});
  unrealized_.assign(n, money{});
  strategy_position_ppb_.assign(strategies_.size(), 0);
  convert_limits();
}

void risk_engine::convert_limits() noexcept {
  collar_ppb_ = to_ppb(limits_.price_collar_pct);
  position_ppb_ = to_ppb(limits_.max_position_pct_equity);
  for (size_t k = 0; k < strategies_.size(); ++k)
    strategy_position_ppb_[k] = to_ppb(strategies_[k].max_position_pct_equity);
}

const position& risk_engine::position_of(symbol_id s) const noexcept {
  static const position flat{};
  return s.valid() && s.value < positions_.size() ? positions_[s.value] : flat;
}

money risk_engine::realized_pnl() const noexcept { return realized_total_; }
money risk_engine::unrealized_pnl() const noexcept { return unrealized_total_; }

money risk_engine::equity() const noexcept {
  const int128_t e = static_cast<int128_t>(starting_equity_.raw) + realized_total_.raw +
                     unrealized_total_.raw;
  if (e > std::numeric_limits<int64_t>::max()) return money::from_raw(int64_max);
  if (e < std::numeric_limits<int64_t>::min())
    return money::from_raw(std::numeric_limits<int64_t>::min());
  return money::from_raw(static_cast<int64_t>(e));
}

bool risk_engine::symbol_allowed(symbol_id s) const noexcept {
  if (!s.valid() || s.value >= allowed_.size()) return false;
  uint8_t& cached = allowed_[s.value];
  if (cached == 0) {
    const std::string_view name = symbols_.name(s);
    if (name.empty()) return false;  // not interned (yet): do not cache
    const auto it = std::lower_bound(
        allowed_names_.begin(), allowed_names_.end(), name,
        [](const symbol_text& a, std::string_view b) { return a.view() < b; });
    cached = it != allowed_names_.end() && it->view() == name ? 1 : 2;
  }
  return cached == 1;
}

bool risk_engine::reduces_position(const order_intent& i) const noexcept {
  if (!i.symbol.valid() || i.symbol.value >= positions_.size() || !i.qty.is_positive())
    return false;
  const uint32_t s = i.symbol.value;
  const quantity pos = positions_[s].qty;
  if (i.order_side == side::sell) {
    if (!pos.is_positive()) return false;
    return static_cast<int128_t>(i.qty.raw) + open_sell_[s].raw <= pos.raw;
  }
  if (!pos.is_negative()) return false;
  return static_cast<int128_t>(i.qty.raw) + open_buy_[s].raw <= -static_cast<int128_t>(pos.raw);
}

// ---------------------------------------------------------------------------------------------
// Duplicate decision hashes: open addressing, linear probing, fixed capacity
// ---------------------------------------------------------------------------------------------

bool risk_engine::seen_hash(decision_hash h) const noexcept {
  if (is_empty(h)) return zero_hash_seen_;
  constexpr uint64_t mask = hash_slots - 1;
  for (uint64_t k = (h.lo ^ h.hi) & mask;; k = (k + 1) & mask) {
    const decision_hash& slot = hashes_[k];
    if (slot == h) return true;
    if (is_empty(slot)) return false;  // load ≤ 70%: an empty slot always exists
  }
}

void risk_engine::remember_hash(decision_hash h) noexcept {
  if (hash_count_ >= hash_max_entries) return;  // check() already fails closed
  if (is_empty(h)) {
    if (!zero_hash_seen_) ++hash_count_;
    zero_hash_seen_ = true;
    return;
  }
  constexpr uint64_t mask = hash_slots - 1;
  for (uint64_t k = (h.lo ^ h.hi) & mask;; k = (k + 1) & mask) {
    decision_hash& slot = hashes_[k];
    if (slot == h) return;
    if (is_empty(slot)) {
      slot = h;
      ++hash_count_;
      return;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// The rules
// ---------------------------------------------------------------------------------------------

risk_reason risk_engine::check(const order_intent& intent) const noexcept {
  if (intent.kind == intent_kind::cancel) return risk_reason::approved;
  return check_new_order(intent, clock_.now());
}

risk_reason risk_engine::check_new_order(const order_intent& i, timestamp now) const noexcept {
  if (kill_switch_) return risk_reason::kill_switch_engaged;
  if (!reconciled_) return risk_reason::awaiting_reconciliation;
  const bool reducing = reduces_position(i);
  if (state_ == trading_state::halted) return risk_reason::trading_halted;
  if (state_ == trading_state::reducing && !reducing) return risk_reason::trading_reducing;
  if (ledger_overflow_) return risk_reason::arithmetic_overflow;
  if (!reducing && audit_.backpressured()) return risk_reason::audit_backpressure;
  if (!symbol_allowed(i.symbol)) return risk_reason::symbol_not_allowed;
  const uint32_t s = i.symbol.value;
  if (halted_[s] != 0) return risk_reason::symbol_halted;
  if (!i.qty.is_positive()) return risk_reason::invalid_quantity;
  if (i.qty > limits_.max_order_qty) return risk_reason::quantity_exceeds_max;
  if (hash_count_ >= hash_max_entries || seen_hash(i.hash)) return risk_reason::duplicate_decision;

  // Reference price: twice the quote mid (bid + ask), else twice the last trade.
  const price bid = bid_[s], ask = ask_[s], last = last_[s];
  const bool quoted = bid.is_positive() && ask.is_positive();
  int128_t ref2 = 0;
  if (quoted) {
    ref2 = static_cast<int128_t>(bid.raw) + ask.raw;
  } else if (last.is_positive()) {
    ref2 = static_cast<int128_t>(last.raw) * 2;
  } else {
    return risk_reason::no_reference_price;
  }

  // Collar: |px − ref| / ref > pct  ⇔  |2px − 2ref| × 1e9 > pct_ppb × 2ref.
  const bool limit_priced = has_limit_price(i.type);
  if (limit_priced || !i.reference_px.is_zero()) {
    const price px = limit_priced ? i.limit_px : i.reference_px;
    const int128_t diff = abs128(static_cast<int128_t>(px.raw) * 2 - ref2);
    if (diff * ppb_one > static_cast<int128_t>(collar_ppb_) * ref2)
      return risk_reason::price_outside_collar;
  }

  // The price the order is valued at: its limit, else the worst of reference, touch and stop.
  price order_px;
  if (limit_priced) {
    order_px = i.limit_px;
  } else {
    const price touch = quoted ? (i.order_side == side::buy ? ask : bid) : last;
    order_px = std::max(touch, i.reference_px);
    if (i.type == order_type::stop) order_px = std::max(order_px, i.stop_px);
  }

  const std::optional<money> notional = checked_notional(order_px, i.qty);
  if (!notional) return risk_reason::arithmetic_overflow;
  if (*notional > limits_.max_notional_per_order) return risk_reason::notional_exceeds_max_per_order;
  int64_t position_ppb = position_ppb_;
  for (size_t k = 0; k < strategies_.size(); ++k) {
    if (strategies_[k].id != i.strategy) continue;
    if (*notional > strategies_[k].max_notional_per_trade)
      return risk_reason::notional_exceeds_max_per_order;
    position_ppb = std::min(position_ppb, strategy_position_ppb_[k]);
    break;
  }

  if (!reducing) {
    // Worst case: every open order on this side fills, then this one.
    const int128_t pos = positions_[s].qty.raw;
    const int128_t worst = i.order_side == side::buy ? pos + open_buy_[s].raw + i.qty.raw
                                                     : pos - open_sell_[s].raw - i.qty.raw;
    const int128_t worst_abs = abs128(worst);
    if (!fits64(worst_abs)) return risk_reason::arithmetic_overflow;
    const std::optional<money> exposure =
        checked_notional(order_px, quantity::from_raw(static_cast<int64_t>(worst_abs)));
    if (!exposure) return risk_reason::arithmetic_overflow;
    const int128_t eq = static_cast<int128_t>(starting_equity_.raw) + realized_total_.raw +
                        unrealized_total_.raw;
    if (eq <= 0 || static_cast<int128_t>(exposure->raw) * ppb_one >
                       static_cast<int128_t>(position_ppb) * eq)
      return risk_reason::position_exceeds_max_pct_equity;

    const int128_t pnl = static_cast<int128_t>(realized_total_.raw) + unrealized_total_.raw;
    if (pnl <= -static_cast<int128_t>(limits_.daily_loss_limit.raw))
      return risk_reason::daily_loss_limit_reached;
  }

  token_bucket probe = bucket_;  // check is pure: try on a copy
  if (!probe.try_take(now)) return risk_reason::order_rate_exceeded;
  return risk_reason::approved;
}

// ---------------------------------------------------------------------------------------------
// Messages
// ---------------------------------------------------------------------------------------------

void risk_engine::on_order_intent(const order_intent& intent) noexcept {
  ++stats_.checked;
  const timestamp now = clock_.now();
  risk_verdict v;
  v.intent = intent;
  v.reason = intent.kind == intent_kind::cancel ? risk_reason::approved
                                                : check_new_order(intent, now);
  v.state = state_;
  v.decided_at = now;
  const bool delivered = out_.push(v) == push_result::ok;
  if (!delivered) ++stats_.back_pressured;
  if (v.approved()) {
    ++stats_.approved;
    if (delivered && intent.kind == intent_kind::new_order) {
      remember_hash(intent.hash);
      (void)bucket_.try_take(now);
      std::vector<quantity>& open = intent.order_side == side::buy ? open_buy_ : open_sell_;
      quantity& o = open[intent.symbol.value];
      o = checked_add(o, intent.qty).value_or(quantity::from_raw(int64_max));
    }
  } else {
    ++stats_.rejected;
  }
  ++stats_.by_reason[static_cast<size_t>(v.reason)];
  audit_.verdict(v);
}

void risk_engine::on_market_event(const market_event& ev) noexcept {
  if (!ev.symbol.valid() || ev.symbol.value >= halted_.size()) return;
  const uint32_t s = ev.symbol.value;
  if ((ev.flags & event_flags::halted) != 0) halted_[s] = 1;
  // An out-of-order event is older than what we have: it must not move prices back.
  const bool fresh = (ev.flags & event_flags::out_of_order) == 0;
  switch (ev.kind) {
    case market_event_kind::quote: {
      if (!fresh) break;
      const quote_payload& q = ev.u.quote;
      bid_[s] = q.bid_px.is_negative() ? price{} : q.bid_px;
      ask_[s] = q.ask_px.is_negative() ? price{} : q.ask_px;
      if (bid_[s].is_positive() && ask_[s].is_positive()) {
        const int128_t mid = div_round(static_cast<int128_t>(bid_[s].raw) + ask_[s].raw, 2);
        set_mark(s, price::from_raw(static_cast<int64_t>(mid)));
      }
      break;
    }
    case market_event_kind::trade:
      if (fresh && ev.u.trade.px.is_positive()) {
        last_[s] = ev.u.trade.px;
        set_mark(s, ev.u.trade.px);
      }
      break;
    case market_event_kind::status: {
      const std::string_view code = ev.u.status.status_code.view();
      if (code == "H" || code == "P") {
        halted_[s] = 1;  // trading halt, volatility pause
      } else if (code == "T") {
        halted_[s] = 0;  // trading resumes
      }
      break;
    }
    default:
      break;
  }
}

void risk_engine::set_mark(uint32_t s, price px) noexcept {
  positions_[s].mark = px;
  refresh_unrealized(s);
}

void risk_engine::refresh_unrealized(uint32_t s) noexcept {
  const position& p = positions_[s];
  money u;
  if (!p.qty.is_zero() && p.mark.is_positive()) {
    const std::optional<money> value = checked_notional(p.mark, p.qty);  // signed
    const std::optional<money> diff = value ? checked_sub(*value, p.cost_basis) : std::nullopt;
    if (!diff) {
      ledger_overflow_ = true;
      return;
    }
    u = *diff;
  }
  const int128_t total = static_cast<int128_t>(unrealized_total_.raw) - unrealized_[s].raw + u.raw;
  if (!fits64(total)) {
    ledger_overflow_ = true;
    return;
  }
  unrealized_[s] = u;
  unrealized_total_ = money::from_raw(static_cast<int64_t>(total));
}

void risk_engine::apply_fill(uint32_t s, side sd, quantity q, price px) noexcept {
  position& p = positions_[s];
  const int128_t f = sd == side::buy ? static_cast<int128_t>(q.raw) : -static_cast<int128_t>(q.raw);
  const int128_t pos = p.qty.raw;
  const int128_t new_qty = pos + f;
  int128_t new_cost = 0;
  int128_t realized = 0;
  if (pos == 0 || (pos > 0) == (f > 0)) {
    // Opening or adding: the fill's signed notional joins the cost basis.
    const std::optional<money> n = checked_notional(px, quantity::from_raw(static_cast<int64_t>(f)));
    if (!n) {
      ledger_overflow_ = true;
      return;
    }
    new_cost = static_cast<int128_t>(p.cost_basis.raw) + n->raw;
  } else {
    // Reducing (average cost): close min(|f|, |pos|) at px; any excess opens the other way.
    const int128_t abs_pos = abs128(pos), abs_f = abs128(f);
    const int128_t closed = std::min(abs_pos, abs_f);
    const int128_t closed_cost = div_round(static_cast<int128_t>(p.cost_basis.raw) * closed, abs_pos);
    const std::optional<money> value =
        checked_notional(px, quantity::from_raw(static_cast<int64_t>(closed)));
    if (!value) {
      ledger_overflow_ = true;
      return;
    }
    const int128_t signed_value = pos > 0 ? value->raw : -static_cast<int128_t>(value->raw);
    realized = signed_value - closed_cost;
    new_cost = p.cost_basis.raw - closed_cost;
    if (abs_f > abs_pos) {
      const int128_t rest = f > 0 ? abs_f - abs_pos : abs_pos - abs_f;
      const std::optional<money> opened =
          checked_notional(px, quantity::from_raw(static_cast<int64_t>(rest)));
      if (!opened) {
        ledger_overflow_ = true;
        return;
      }
      new_cost = opened->raw;
    }
  }
  const int128_t new_realized = static_cast<int128_t>(p.realized_pnl.raw) + realized;
  const int128_t new_total = static_cast<int128_t>(realized_total_.raw) + realized;
  if (!fits64(new_qty) || !fits64(new_cost) || !fits64(new_realized) || !fits64(new_total)) {
    ledger_overflow_ = true;
    return;
  }
  p.qty = quantity::from_raw(static_cast<int64_t>(new_qty));
  p.cost_basis = money::from_raw(static_cast<int64_t>(new_cost));
  p.realized_pnl = money::from_raw(static_cast<int64_t>(new_realized));
  realized_total_ = money::from_raw(static_cast<int64_t>(new_total));
  if (!p.mark.is_positive()) p.mark = px;
  refresh_unrealized(s);
}

void risk_engine::release_exposure(uint32_t s, side sd, quantity q) noexcept {
  quantity& open = sd == side::buy ? open_buy_[s] : open_sell_[s];
  open = q >= open ? quantity{} : quantity::from_raw(open.raw - q.raw);
}

bool risk_engine::set_position(symbol_id sym, quantity qty, price avg_entry) noexcept {
  if (!sym.valid() || sym.value >= positions_.size()) return false;
  position& p = positions_[sym.value];
  const std::optional<money> cost = checked_notional(avg_entry, qty);  // signed like qty
  if (!cost) {
    ledger_overflow_ = true;
    return true;
  }
  const bool differed = p.qty != qty || p.cost_basis != *cost;
  p.qty = qty;
  p.cost_basis = *cost;
  refresh_unrealized(sym.value);
  return differed;
}

void risk_engine::add_open_exposure(symbol_id sym, side sd, quantity q) noexcept {
  if (!sym.valid() || sym.value >= positions_.size() || !q.is_positive()) return;
  quantity& open = sd == side::buy ? open_buy_[sym.value] : open_sell_[sym.value];
  const std::optional<quantity> sum = checked_add(open, q);
  open = sum ? *sum : quantity::from_raw(std::numeric_limits<int64_t>::max());
}

void risk_engine::set_equity(money equity) noexcept {
  const int128_t base = static_cast<int128_t>(equity.raw) - realized_total_.raw - unrealized_total_.raw;
  if (!fits64(base)) {
    ledger_overflow_ = true;
    return;
  }
  starting_equity_ = money::from_raw(static_cast<int64_t>(base));
}

void risk_engine::on_execution_report(const execution_report& r) noexcept {
  if (!r.symbol.valid() || r.symbol.value >= positions_.size()) return;
  const uint32_t s = r.symbol.value;
  if (r.last_qty.is_positive() && r.last_px.is_positive()) {
    apply_fill(s, r.order_side, r.last_qty, r.last_px);
    release_exposure(s, r.order_side, r.last_qty);
  }
  if (is_terminal(r.status)) {
    const std::optional<quantity> rest = checked_sub(r.order_qty, r.cum_qty);
    if (rest && rest->is_positive()) release_exposure(s, r.order_side, *rest);
  }
}

void risk_engine::on_control_command(const control_command& c) noexcept {
  switch (c.kind) {
    case control_kind::kill_switch_on:
      kill_switch_ = true;
      break;
    case control_kind::kill_switch_off:
      kill_switch_ = false;
      break;
    case control_kind::set_trading_state:
      state_ = c.state;
      break;
    case control_kind::reload_risk_limits:
      limits_ = c.limits;
      convert_limits();
      bucket_.reconfigure(limits_.orders_per_minute, limits_.order_burst);
      break;
    case control_kind::status_snapshot:
    case control_kind::shutdown:
    case control_kind::cancel_all_orders:
      break;
  }
}

}  // namespace torghut::actors
