#include "torghut/actors/strategy.hpp"

#include <algorithm>
#include <cstring>
#include <exception>
#include <limits>
#include <optional>
#include <string_view>

#include "torghut/core/decision_hash.hpp"

namespace torghut::actors {
namespace {

/// The Bollinger k of the per-symbol indicator sets (the `ta_signals` Bollinger(20, 2)).
constexpr double snapshot_bollinger_k = 2.0;
constexpr size_t max_open_orders = 64;
constexpr size_t max_timers = 32;

constexpr int64_t floor_div(int64_t a, int64_t b) noexcept {
  const int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

/// Start of the bar of timeframe `tf` that contains `t` (1Day: the 06:00 UTC session boundary).
timestamp bucket_start(sdk::timeframe tf, timestamp t) noexcept {
  const int64_t len = sdk::length_ns(tf);
  if (tf == sdk::timeframe::d1) {
    constexpr int64_t six_hours = 6 * 3600 * ns_per_second;
    return timestamp{floor_div(t.ns - six_hours, len) * len + six_hours};
  }
  return timestamp{floor_div(t.ns, len) * len};
}

/// The SDK's view of a bar event (Alpaca's or the engine's microbar).
sdk::bar bar_of(const market_event& ev, sdk::timeframe tf, sdk::bar_source source) noexcept {
  sdk::bar b;
  b.symbol = ev.symbol;
  b.tf = tf;
  b.source = source;
  b.halted = (ev.flags & event_flags::halted) != 0;
  b.start = ev.event_time;
  const auto& p = ev.u.bar;
  b.open = p.open;
  b.high = p.high;
  b.low = p.low;
  b.close = p.close;
  b.volume = p.volume;
  b.vwap = p.vwap;
  b.trades = p.trade_count;
  return b;
}

sdk::order_event event_of(order_status s) noexcept {
  switch (s) {
    case order_status::partially_filled: return sdk::order_event::partial_fill;
    case order_status::filled: return sdk::order_event::fill;
    case order_status::canceled: return sdk::order_event::canceled;
    case order_status::rejected: return sdk::order_event::rejected;
    case order_status::expired: return sdk::order_event::expired;
    case order_status::replaced: return sdk::order_event::replaced;
    default: return sdk::order_event::accepted;
  }
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// slot: one hosted strategy and the context it acts through
// ---------------------------------------------------------------------------------------------

class strategy_engine::slot final : public sdk::context {
 public:
  struct order_entry {
    sdk::open_order o;
    order_id id;                // the router's id once known
    bool accepted_sent = false;  // `accepted` was delivered
    bool cancel_wanted = false;  // cancel once the id is known
  };
  /// Exact and division-free per fill: amounts in price.raw × quantity.raw units (1e-18 $).
  struct pos_state {
    quantity qty;
    int128_t cost = 0;      // signed cost of the open quantity
    int128_t realized = 0;  // realized P&L
  };
  /// 1e-18 dollars → money (rounded half away from zero).
  static money to_money(int128_t v) noexcept {
    constexpr int128_t d = static_cast<int128_t>(price::scale) * quantity::scale / money::scale;
    const int128_t r = v >= 0 ? (v + d / 2) / d : (v - d / 2) / d;
    if (r > std::numeric_limits<int64_t>::max() || r < std::numeric_limits<int64_t>::min()) return {};
    return money::from_raw(static_cast<int64_t>(r));
  }
  struct agg_bar {
    sdk::bar b;
    double pv = 0;  // Σ price × volume of the bucket (its VWAP)
    bool open = false;
  };
  struct timer_entry {
    uint32_t id = 0;  // 0: free
    uint64_t tag = 0;
    timestamp due;
  };

  slot(strategy_engine& host, const strategy_config& cfg, const sdk::descriptor& d,
       sdk::params p, uint64_t fingerprint, const std::vector<std::string>& universe)
      : host_(host),
        cfg_(cfg),
        desc_(d),
        params_(std::move(p)),
        fingerprint_(fingerprint),
        universe_names_(universe) {
    settings_.id = cfg.id;
    settings_.name = cfg_.name;
    (void)sdk::parse_timeframe(cfg.base_timeframe, settings_.bars);
    settings_.warmup_bars = cfg.warmup_bars;
    settings_.max_position_pct_equity = cfg.max_position_pct_equity;
    settings_.max_notional_per_trade = cfg.max_notional_per_trade;
    const uint32_t cap = host.capacity_;
    universe_.assign(cap, universe_unknown);
    pos_.assign(cap, pos_state{});
    bars_seen_.assign(cap, 0);
    if (settings_.bars != sdk::timeframe::s1) agg_.assign(cap, agg_bar{});
    instance_ = d.make(params_);  // may throw: reported as a setup error
  }

  // --- sdk::context ---------------------------------------------------------------------
  [[nodiscard]] timestamp now() const noexcept override { return host_now_; }
  [[nodiscard]] const sdk::settings& config() const noexcept override { return settings_; }
  [[nodiscard]] std::string_view symbol_name(symbol_id s) const noexcept override {
    return host_.symbols_.name(s);
  }
  [[nodiscard]] symbol_id symbol(std::string_view name) const noexcept override {
    return host_.symbols_.find(name);
  }
  [[nodiscard]] uint32_t symbol_capacity() const noexcept override { return host_.capacity_; }
  [[nodiscard]] bool in_universe(symbol_id s) const noexcept override {
    return const_cast<slot*>(this)->member(s);
  }
  [[nodiscard]] sdk::position position_of(symbol_id s) const noexcept override {
    sdk::position p;
    if (!s.valid() || s.value >= pos_.size()) return p;
    const pos_state& st = pos_[s.value];
    p.qty = st.qty;
    p.realized_pnl = to_money(st.realized);
    if (st.qty.raw != 0) {
      p.avg_cost = price::from_raw(static_cast<int64_t>(st.cost / st.qty.raw));
      const price mark = host_.mark(s);
      if (mark.is_positive())
        p.unrealized_pnl = to_money(static_cast<int128_t>(mark.raw) * st.qty.raw - st.cost);
    }
    return p;
  }
  [[nodiscard]] quantity position_qty(symbol_id s) const noexcept override {
    return s.valid() && s.value < pos_.size() ? pos_[s.value].qty : quantity{};
  }
  [[nodiscard]] sdk::account account_state() const noexcept override {
    sdk::account a;
    a.equity = host_.equity_;
    money open_buys;
    for (const auto& up : host_.slots_) {
      for (size_t i = 0; i < up->n_orders_; ++i) {
        const order_entry& e = up->orders_[i];
        if (e.o.order_side != side::buy) continue;
        const price px = e.o.limit_px.is_positive() ? e.o.limit_px : host_.mark(e.o.symbol);
        const auto rest = checked_sub(e.o.qty, e.o.filled_qty);
        if (!rest) continue;
        if (const auto n = checked_notional(px, *rest)) open_buys = checked_add(open_buys, *n).value_or(open_buys);
      }
    }
    a.buying_power = checked_sub(a.equity, open_buys).value_or(money{});
    return a;
  }
  [[nodiscard]] std::span<const sdk::open_order> open_orders() const noexcept override {
    // Entries are kept compact (removal swaps the last one in): the first n_orders_ are open.
    for (size_t i = 0; i < n_orders_; ++i) view_[i] = orders_[i].o;
    return {view_.data(), n_orders_};
  }
  [[nodiscard]] uint32_t open_order_count(symbol_id s) const noexcept override {
    uint32_t n = 0;
    for (size_t i = 0; i < n_orders_; ++i) n += orders_[i].o.symbol == s ? 1u : 0u;
    return n;
  }
  [[nodiscard]] const sdk::quote* last_quote(symbol_id s) const noexcept override {
    if (!s.valid() || s.value >= host_.quotes_.size() || !host_.quotes_[s.value].symbol.valid()) return nullptr;
    return &host_.quotes_[s.value];
  }
  [[nodiscard]] const sdk::trade* last_trade(symbol_id s) const noexcept override {
    if (!s.valid() || s.value >= host_.trades_.size() || !host_.trades_[s.value].symbol.valid()) return nullptr;
    return &host_.trades_[s.value];
  }
  [[nodiscard]] uint32_t bars_seen(symbol_id s) const noexcept override {
    return s.valid() && s.value < bars_seen_.size() ? bars_seen_[s.value] : 0;
  }
  [[nodiscard]] trading_state trading() const noexcept override { return host_.trading_; }

  sdk::action_result submit(const sdk::order_request& r, const sdk::rationale& why) noexcept override {
    using sdk::action_status;
    if (const auto refused = admit()) return {*refused, {}};
    if (!r.symbol.valid() || r.symbol.value >= host_.capacity_ || host_.symbols_.name(r.symbol).empty())
      return refuse(action_status::unknown_symbol);
    if (!member(r.symbol)) return refuse(action_status::not_in_universe);
    if (!r.qty.is_positive()) return refuse(action_status::invalid_quantity);
    const bool fractional = r.qty.raw % quantity::scale != 0;
    if (fractional && !((r.type == order_type::market || r.type == order_type::limit) &&
                        r.tif == time_in_force::day))
      return refuse(action_status::invalid_quantity);  // Alpaca: fractional = market/limit, day
    const bool needs_limit = r.type == order_type::limit || r.type == order_type::stop_limit;
    const bool needs_stop = r.type == order_type::stop || r.type == order_type::stop_limit;
    if ((needs_limit && !r.limit_px.is_positive()) || (needs_stop && !r.stop_px.is_positive()))
      return refuse(action_status::invalid_price);
    if ((r.tif == time_in_force::opg || r.tif == time_in_force::cls) &&
        !(r.type == order_type::market || r.type == order_type::limit))
      return refuse(action_status::invalid_order);  // opening/closing auction: market or limit
    if (n_orders_ >= max_open_orders) return refuse(action_status::too_many_open_orders);

    order_intent in;
    in.kind = intent_kind::new_order;
    in.strategy = cfg_.id;
    in.symbol = r.symbol;
    in.order_side = r.order_side;
    in.type = r.type;
    in.tif = r.tif;
    in.qty = r.qty;
    in.limit_px = needs_limit ? r.limit_px : price{};
    in.stop_px = needs_stop ? r.stop_px : price{};
    in.reference_px = host_.reference_for(r.symbol);
    in.event_time = host_event_time_;
    in.decided_at = host_.clock_.now();
    in.rationale = why.text();
    decision_key k;
    k.strategy = cfg_.id;
    k.symbol = host_.symbols_.name(r.symbol);
    k.event_time = in.event_time;
    k.action = in.order_side;
    k.type = in.type;
    k.qty = in.qty;
    k.limit_px = in.limit_px;
    k.params_fingerprint = fingerprint_;
    in.hash = compute_decision_hash(k);
    if (!host_.push_intent(in)) return refuse(action_status::queue_full);
    order_entry& e = orders_[n_orders_++];
    e = order_entry{};
    e.o.order = sdk::order_ref{in.hash};
    e.o.symbol = r.symbol;
    e.o.order_side = r.order_side;
    e.o.type = r.type;
    e.o.qty = r.qty;
    e.o.limit_px = in.limit_px;
    e.o.stop_px = in.stop_px;
    return {action_status::accepted, e.o.order};
  }

  sdk::action_result cancel(sdk::order_ref o, const sdk::rationale& why) noexcept override {
    if (const auto refused = admit()) return {*refused, {}};
    order_entry* e = find(o);
    if (e == nullptr) return refuse(sdk::action_status::unknown_order);
    return request_cancel(*e, why);
  }

  sdk::action_result replace(sdk::order_ref o, quantity qty, price limit_px, price stop_px,
                             const sdk::rationale& why) noexcept override {
    if (const auto refused = admit()) return {*refused, {}};
    order_entry* e = find(o);
    if (e == nullptr) return refuse(sdk::action_status::unknown_order);
    sdk::order_request r;
    r.symbol = e->o.symbol;
    r.order_side = e->o.order_side;
    r.type = e->o.type;
    r.qty = qty;
    r.limit_px = limit_px;
    r.stop_px = stop_px;
    const sdk::action_result c = request_cancel(*e, why);
    if (!c.ok()) return c;
    --actions_;  // the pair counts as one action
    return submit(r, why);
  }

  sdk::action_result close_position(symbol_id s, const sdk::rationale& why) noexcept override {
    if (const auto refused = admit()) return {*refused, {}};
    --actions_;  // submit() below counts it
    if (!s.valid() || s.value >= pos_.size()) return refuse(sdk::action_status::unknown_symbol);
    const quantity q = pos_[s.value].qty;
    if (q.raw == 0) return refuse(sdk::action_status::nothing_to_do);
    sdk::order_request r;
    r.symbol = s;
    r.order_side = q.raw > 0 ? side::sell : side::buy;
    r.qty = q.raw > 0 ? q : quantity::from_raw(-q.raw);
    return submit(r, why);
  }

  sdk::action_result cancel_all(const sdk::rationale& why) noexcept override {
    if (const auto refused = admit()) return {*refused, {}};
    if (n_orders_ == 0) return refuse(sdk::action_status::nothing_to_do);
    for (size_t i = 0; i < n_orders_; ++i) (void)request_cancel(orders_[i], why);
    return {};
  }

  sdk::action_result set_timer(timestamp due, uint64_t tag, uint32_t& id) noexcept override {
    if (const auto refused = admit()) return {*refused, {}};
    for (auto& t : timers_) {
      if (t.id != 0) continue;
      t.id = ++next_timer_id_;
      if (t.id == 0) t.id = ++next_timer_id_;
      t.tag = tag;
      t.due = due;
      id = t.id;
      host_.next_timer_ = std::min(host_.next_timer_, due);
      return {};
    }
    return refuse(sdk::action_status::too_many_timers);
  }

  bool cancel_timer(uint32_t id) noexcept override {
    for (auto& t : timers_) {
      if (t.id == id && id != 0) {
        t = timer_entry{};
        return true;
      }
    }
    return false;
  }

  // --- host side --------------------------------------------------------------------------
  /// Universe membership, resolved by name on first use, then cached.
  bool member(symbol_id s) noexcept {
    if (!s.valid() || s.value >= universe_.size()) return false;
    uint8_t& m = universe_[s.value];
    if (m == universe_unknown) {
      const std::string_view name = host_.symbols_.name(s);
      if (name.empty()) return false;  // not interned: do not cache
      m = universe_out;
      for (const std::string& n : universe_names_) {
        if (n == name) {
          m = universe_in;
          break;
        }
      }
    }
    return m == universe_in;
  }

  [[nodiscard]] order_entry* find(sdk::order_ref o) noexcept {
    for (size_t i = 0; i < n_orders_; ++i)
      if (orders_[i].o.order == o) return &orders_[i];
    return nullptr;
  }
  void remove(order_entry* e) noexcept {
    const auto i = static_cast<size_t>(e - orders_.data());
    orders_[i] = orders_[n_orders_ - 1];
    --n_orders_;
  }

  /// Emits the cancel intent of a routed order, or remembers to once it is routed.
  sdk::action_result request_cancel(order_entry& e, const sdk::rationale& why) noexcept {
    if (!e.o.routed) {
      e.cancel_wanted = true;
      cancel_why_ = why.text();
      return {};
    }
    return emit_cancel(e, why.text()) ? sdk::action_result{} : refuse(sdk::action_status::queue_full);
  }
  bool emit_cancel(order_entry& e, const rationale_text& why) noexcept {
    order_intent in;
    in.kind = intent_kind::cancel;
    in.strategy = cfg_.id;
    in.symbol = e.o.symbol;
    in.order_side = e.o.order_side;
    in.type = e.o.type;
    in.qty = e.o.qty;
    in.cancel_target = e.id;
    in.reference_px = host_.reference_for(e.o.symbol);
    in.event_time = host_event_time_;
    in.decided_at = host_.clock_.now();
    in.rationale = why;
    // A cancel's hash: the canceled order's hash mixed with the cancel's own key (unique per
    // order; a repeated cancel of the same order is the same decision).
    decision_key k;
    k.strategy = cfg_.id;
    k.symbol = host_.symbols_.name(e.o.symbol);
    k.event_time = timestamp{static_cast<int64_t>(e.o.order.hash.lo)};
    k.action = e.o.order_side;
    k.type = e.o.type;
    k.qty = quantity::from_raw(static_cast<int64_t>(e.o.order.hash.hi >> 1));
    k.params_fingerprint = fingerprint_ ^ 0x63616e63656cULL;  // "cancel"
    in.hash = compute_decision_hash(k);
    e.cancel_wanted = false;
    return host_.push_intent(in);
  }

  /// Null when the action may proceed; else why not (and the refusal is counted).
  std::optional<sdk::action_status> admit() noexcept {
    if (!running_ || in_stop_) {
      ++host_.stats_.refused_actions;
      return sdk::action_status::stopped;
    }
    if (++actions_ > cfg_.max_actions_per_callback) {
      violation_ = true;
      ++host_.stats_.refused_actions;
      return sdk::action_status::stopped;
    }
    return std::nullopt;
  }
  sdk::action_result refuse(sdk::action_status s) noexcept {
    if (s == sdk::action_status::queue_full) ++host_.stats_.back_pressured;
    else ++host_.stats_.refused_actions;
    return {s, {}};
  }

  /// Applies a fill to this strategy's position and P&L: a multiply-add, plus one exact
  /// division when the fill reduces the position.
  void apply_fill(symbol_id s, side sd, quantity q, price px) noexcept {
    if (!s.valid() || s.value >= pos_.size() || !q.is_positive()) return;
    pos_state& st = pos_[s.value];
    const int64_t signed_q = sd == side::buy ? q.raw : -q.raw;
    const bool reduces = (st.qty.raw > 0 && signed_q < 0) || (st.qty.raw < 0 && signed_q > 0);
    if (!reduces) {
      st.cost += static_cast<int128_t>(px.raw) * signed_q;
      st.qty = quantity::from_raw(st.qty.raw + signed_q);
      return;
    }
    const int64_t open_abs = st.qty.raw < 0 ? -st.qty.raw : st.qty.raw;
    const int64_t closed = std::min(open_abs, q.raw);
    // The closed part's cost at the average cost, cost × closed / |qty|, exact and without
    // overflowing 128 bits.
    const int128_t closed_cost = st.cost / open_abs * closed + st.cost % open_abs * closed / open_abs;
    const int64_t closed_signed = st.qty.raw > 0 ? -closed : closed;
    st.realized += -static_cast<int128_t>(px.raw) * closed_signed - closed_cost;
    st.cost -= closed_cost;
    st.qty = quantity::from_raw(st.qty.raw + closed_signed);
    if (q.raw > closed) {  // flipped through zero: the rest opens the other side
      const int64_t rest = sd == side::buy ? q.raw - closed : -(q.raw - closed);
      st.cost = static_cast<int128_t>(px.raw) * rest;
      st.qty = quantity::from_raw(rest);
    }
    if (st.qty.raw == 0) st.cost = 0;
  }

  strategy_engine& host_;
  strategy_config cfg_;
  const sdk::descriptor& desc_;
  sdk::params params_;
  uint64_t fingerprint_;
  std::vector<std::string> universe_names_;
  sdk::settings settings_;
  std::unique_ptr<sdk::strategy> instance_;
  enum : uint8_t { universe_unknown = 0, universe_in = 1, universe_out = 2 };
  std::vector<uint8_t> universe_;
  std::vector<pos_state> pos_;
  std::vector<uint32_t> bars_seen_;
  std::vector<agg_bar> agg_;  // per symbol, timeframes longer than 1Sec only
  std::array<order_entry, max_open_orders> orders_{};
  size_t n_orders_ = 0;
  mutable std::array<sdk::open_order, max_open_orders> view_{};
  std::array<timer_entry, max_timers> timers_{};
  uint32_t next_timer_id_ = 0;
  rationale_text cancel_why_{};
  bool running_ = true;
  bool in_stop_ = false;
  bool violation_ = false;
  uint32_t actions_ = 0;
  fixed_string<120> stop_reason_{};
  // The event being handled (set by the host before each callback).
  timestamp host_now_;
  timestamp host_event_time_;
};

// ---------------------------------------------------------------------------------------------
// strategy_engine
// ---------------------------------------------------------------------------------------------

strategy_engine::strategy_engine(const engine_config& cfg,
                                 std::span<const sdk::descriptor* const> catalog,
                                 const symbol_table& symbols, mailbox<order_intent>& out,
                                 audit_sink& audit, const clock& clk)
    : symbols_(symbols),
      out_(out),
      audit_(audit),
      clock_(clk),
      equity_(cfg.starting_equity),
      capacity_(symbols.capacity()) {
  std::vector<std::string> errs;
  for (size_t i = 0; i < cfg.strategies.size(); ++i) {
    const strategy_config& c = cfg.strategies[i];
    if (!c.enabled) continue;
    const std::string where = "strategies." + c.name + ".";
    const sdk::descriptor* d = nullptr;
    for (const sdk::descriptor* e : catalog) {  // the first match: libraries come first
      if (e != nullptr && e->kind == c.kind) {
        d = e;
        break;
      }
    }
    if (d == nullptr) {
      std::string known;
      for (const sdk::descriptor* e : catalog)
        if (e != nullptr) known += (known.empty() ? "" : ", ") + std::string(e->kind);
      errs.push_back(where + "kind: unknown strategy '" + c.kind + "' (known: " + known + ")");
      continue;
    }
    sdk::param_schema schema;
    d->declare(schema);
    sdk::params p;
    auto perrs = sdk::params::bind(schema, c.params, where, p);
    if (!perrs.empty()) {
      errs.insert(errs.end(), perrs.begin(), perrs.end());
      continue;
    }
    const uint64_t fp = sdk::params_fingerprint(c, d->kind, d->legacy_code, p);
    const auto& universe = c.universe_symbols.empty() ? cfg.allowed_symbols : c.universe_symbols;
    try {
      slots_.push_back(std::make_unique<slot>(*this, c, *d, std::move(p), fp, universe));
      has_long_bars_ = has_long_bars_ || !slots_.back()->agg_.empty();
      callbacks_ |= d->callbacks;
    } catch (const std::exception& e) {
      errs.push_back(where + "kind: the strategy's constructor failed: " + e.what());
    }
  }
  if (!errs.empty()) {
    std::string all;
    for (const auto& e : errs) all += (all.empty() ? "" : "\n") + e;
    throw strategy_setup_error(all);
  }
  ind_.assign(capacity_, indicator_set(snapshot_bollinger_k));
  quotes_.assign(capacity_, sdk::quote{});
  trades_.assign(capacity_, sdk::trade{});
  halted_.assign(capacity_, 0);
}

strategy_engine::~strategy_engine() = default;

size_t strategy_engine::size() const noexcept { return slots_.size(); }

template <class F>
void strategy_engine::guarded(slot& s, F&& f) noexcept {
  s.actions_ = 0;
  s.violation_ = false;
  try {
    ++stats_.callbacks;
    f(s);
  } catch (const std::exception& e) {
    fixed_string<120> why;
    why.assign("threw: ");
    const std::string_view what = e.what();
    const size_t room = why.data.size() - why.len;
    const size_t n = std::min(room, what.size());
    std::memcpy(why.data.data() + why.len, what.data(), n);
    why.len = static_cast<uint8_t>(why.len + n);
    stop_slot(s, why.view());
    return;
  } catch (...) {
    stop_slot(s, "threw a non-standard exception");
    return;
  }
  if (s.violation_) stop_slot(s, "contract violation: more actions in one callback than max_actions_per_callback");
}

template <class F>
void strategy_engine::dispatch(uint32_t bit, F&& f) noexcept {
  if ((callbacks_ & bit) == 0) return;
  for (auto& up : slots_) {
    slot& s = *up;
    if (!s.running_ || (s.desc_.callbacks & bit) == 0) continue;
    guarded(s, f);
  }
}

void strategy_engine::stop_slot(slot& s, std::string_view reason) noexcept {
  if (!s.running_) return;
  s.running_ = false;
  ++stats_.stopped;
  s.stop_reason_.assign(reason);
  const uint32_t n = stopped_n_.load(std::memory_order_relaxed);
  if (n < max_stop_records) {
    stop_records_[n] = stop_record{s.cfg_.id, s.cfg_.name, s.stop_reason_};
    stopped_n_.store(n + 1, std::memory_order_release);
  }
  // Cancel what it left open (routed orders now, the others as soon as they are routed).
  rationale_text why;
  why.assign("strategy stopped");
  for (size_t i = 0; i < s.n_orders_; ++i) {
    auto& e = s.orders_[i];
    if (e.o.routed) {
      (void)s.emit_cancel(e, why);
    } else {
      e.cancel_wanted = true;
      s.cancel_why_ = why;
    }
  }
  audit_row row;
  row.kind = audit_kind::anomaly;
  row.time = clock_.now();
  row.body.anomaly = anomaly_record{anomaly_kind::strategy_stopped, symbol_id{}, s.host_event_time_, s.cfg_.id};
  audit_.emit(row);
}

size_t strategy_engine::stopped(std::span<stopped_strategy> out) const noexcept {
  const uint32_t n = stopped_n_.load(std::memory_order_acquire);
  for (uint32_t i = 0; i < n && i < out.size(); ++i)
    out[i] = stopped_strategy{stop_records_[i].id, stop_records_[i].name, stop_records_[i].reason.view()};
  return n;
}

sdk::position strategy_engine::position(strategy_id id, symbol_id s) const noexcept {
  for (const auto& up : slots_)
    if (up->cfg_.id == id) return up->position_of(s);
  return {};
}

strategy_engine::slot* strategy_engine::find_slot(strategy_id id) noexcept {
  for (auto& up : slots_)
    if (up->cfg_.id == id) return up.get();
  return nullptr;
}

bool strategy_engine::push_intent(order_intent& in) noexcept {
  if (out_.push(in) != push_result::ok) return false;
  if (in.kind == intent_kind::new_order) {
    audit_.decision(in, in.decided_at);
    ++stats_.decisions;
  }
  return true;
}

price strategy_engine::mark(symbol_id s) const noexcept {
  if (!s.valid() || s.value >= capacity_) return {};
  if (trades_[s.value].symbol.valid()) return trades_[s.value].px;
  const sdk::quote& q = quotes_[s.value];
  if (q.symbol.valid() && q.bid_px.is_positive() && q.ask_px.is_positive())
    return price::from_raw((q.bid_px.raw + q.ask_px.raw) / 2);
  return {};
}

price strategy_engine::reference_for(symbol_id s) const noexcept {
  if (s == ref_symbol_ && ref_px_.is_positive()) return ref_px_;
  return mark(s);
}

void strategy_engine::start_all() noexcept {
  started_ = true;
  for (auto& up : slots_) {
    up->host_now_ = current_now_;
    up->host_event_time_ = current_event_time_;
  }
  dispatch(sdk::callback::start, [](slot& s) { s.instance_->on_start(s); });
}

void strategy_engine::set_event(timestamp event_time, timestamp now, symbol_id ref_symbol,
                                price ref_px) noexcept {
  current_event_time_ = event_time;
  current_now_ = now;
  ref_symbol_ = ref_symbol;
  ref_px_ = ref_px;
  for (auto& up : slots_) {
    up->host_now_ = now;
    up->host_event_time_ = event_time;
  }
}

void strategy_engine::note_halt(symbol_id s, bool halted) noexcept {
  uint8_t& h = halted_[s.value];
  if (static_cast<bool>(h) == halted) return;
  h = halted ? 1 : 0;
  dispatch(sdk::callback::halt, [&](slot& sl) {
    if (sl.member(s)) sl.instance_->on_halt(sl, s, halted);
  });
}

void strategy_engine::on_market_event(const market_event& ev) noexcept {
  if (!started_) {
    set_event(ev.event_time, ev.event_time, symbol_id{}, price{});
    start_all();
  }
  if (ev.kind == market_event_kind::gap) {
    ++stats_.gaps;
    const sdk::feed_gap g{ev.symbol, ev.event_time, ev.u.gap.length};
    set_event(ev.event_time, ev.event_time, symbol_id{}, price{});
    if (!ev.symbol.valid()) {
      for (uint32_t s = 0; s < used_; ++s) ind_[s].reset();
      for (auto& up : slots_) {
        std::fill(up->bars_seen_.begin(), up->bars_seen_.end(), 0u);
        for (auto& a : up->agg_) a.open = false;
      }
    } else if (ev.symbol.value < capacity_) {
      ind_[ev.symbol.value].reset();
      for (auto& up : slots_) {
        up->bars_seen_[ev.symbol.value] = 0;
        if (!up->agg_.empty()) up->agg_[ev.symbol.value].open = false;
      }
    }
    dispatch(sdk::callback::feed_gap, [&](slot& s) { s.instance_->on_feed_gap(s, g); });
    return;
  }
  if (!ev.symbol.valid() || ev.symbol.value >= capacity_) return;
  const symbol_id sym = ev.symbol;
  const uint32_t s = sym.value;
  const bool halted = (ev.flags & event_flags::halted) != 0;
  if (ev.event_time >= next_timer_) fire_timers(ev.event_time);
  switch (ev.kind) {
    case market_event_kind::quote: {
      used_ = std::max(used_, s + 1);
      if (track_indicators_) ind_[s].on_quote(ev.u.quote);
      const auto& q = ev.u.quote;
      quotes_[s] = sdk::quote{sym, ev.event_time, q.bid_px, q.bid_size, q.ask_px, q.ask_size};
      if ((callbacks_ & (sdk::callback::quote | sdk::callback::halt)) == 0) return;
      note_halt(sym, halted);
      const price mid = price::from_raw((q.bid_px.raw + q.ask_px.raw) / 2);
      set_event(ev.event_time, ev.event_time, sym, mid);
      dispatch(sdk::callback::quote, [&](slot& sl) {
        if (sl.member(sym)) sl.instance_->on_quote(sl, quotes_[s]);
      });
      return;
    }
    case market_event_kind::trade: {
      const auto& t = ev.u.trade;
      trades_[s] = sdk::trade{sym, ev.event_time, t.px, t.size, halted};
      if ((callbacks_ & (sdk::callback::trade | sdk::callback::halt)) == 0) return;
      used_ = std::max(used_, s + 1);
      note_halt(sym, halted);
      set_event(ev.event_time, ev.event_time, sym, t.px);
      dispatch(sdk::callback::trade, [&](slot& sl) {
        if (sl.member(sym)) sl.instance_->on_trade(sl, trades_[s]);
      });
      return;
    }
    case market_event_kind::status:
      note_halt(sym, halted);
      return;
    case market_event_kind::bar:
    case market_event_kind::daily_bar:
    case market_event_kind::updated_bar: {
      const sdk::bar b = bar_of(ev, ev.kind == market_event_kind::daily_bar ? sdk::timeframe::d1 : sdk::timeframe::m1,
                                ev.kind == market_event_kind::bar         ? sdk::bar_source::alpaca_minute
                                : ev.kind == market_event_kind::daily_bar ? sdk::bar_source::alpaca_daily
                                                                          : sdk::bar_source::alpaca_updated);
      set_event(ev.event_time, ev.event_time, sym, b.close);
      dispatch(sdk::callback::bar, [&](slot& sl) {
        if (sl.cfg_.alpaca_bars && sl.member(sym)) sl.instance_->on_bar(sl, b);
      });
      return;
    }
    case market_event_kind::microbar: {
      if ((ev.flags & event_flags::final_bar) == 0) return;
      used_ = std::max(used_, s + 1);
      ++stats_.bars;
      if (track_indicators_) {
        ind_[s].on_bar(ev.u.bar, ev.event_time);
        if (signals_ != nullptr) signals_->on_signal(signal{sym, ev.event_time, ind_[s].snapshot()});
      }
      deliver_bar(bar_of(ev, sdk::timeframe::s1, sdk::bar_source::engine));
      return;
    }
    default:
      return;
  }
}

void strategy_engine::deliver_bar(const sdk::bar& b) noexcept {
  const uint32_t s = b.symbol.value;
  const timestamp end{b.start.ns + ns_per_second};
  for (auto& up : slots_) {
    slot& sl = *up;
    if (!sl.running_ || (sl.desc_.callbacks & sdk::callback::bar) == 0 || !sl.member(b.symbol)) continue;
    if (sl.settings_.bars == sdk::timeframe::s1) {
      ++sl.bars_seen_[s];
      current_now_ = sl.host_now_ = end;
      current_event_time_ = sl.host_event_time_ = b.start;
      set_ref(b.symbol, b.close);
      guarded(sl, [&](slot& x) { x.instance_->on_bar(x, b); });
      continue;
    }
    // Longer timeframes: fold the second into its bucket; a second of a later bucket closes
    // the open one first.
    auto& a = sl.agg_[s];
    const timestamp bucket = bucket_start(sl.settings_.bars, b.start);
    if (a.open && a.b.start != bucket) close_agg(sl, s);
    if (!a.open) {
      a.b = b;
      a.b.tf = sl.settings_.bars;
      a.b.start = bucket;
      a.b.vwap = price{};
      a.open = true;
      a.pv = 0;
    } else {
      a.b.high = std::max(a.b.high, b.high);
      a.b.low = std::min(a.b.low, b.low);
      a.b.close = b.close;
      a.b.volume = checked_add(a.b.volume, b.volume).value_or(a.b.volume);
      a.b.trades += b.trades;
      a.b.halted = b.halted;
    }
    const price px = b.vwap.is_positive() ? b.vwap : b.close;
    a.pv += px.to_double() * b.volume.to_double();
    const double vol = a.b.volume.to_double();
    a.b.vwap = vol > 0 ? price::from_double(a.pv / vol).value_or(price{}) : price{};
  }
}

void strategy_engine::close_agg(slot& sl, uint32_t s) noexcept {
  auto& a = sl.agg_[s];
  a.open = false;
  ++sl.bars_seen_[s];
  const timestamp end{a.b.start.ns + sdk::length_ns(a.b.tf)};
  sl.host_now_ = end;
  sl.host_event_time_ = a.b.start;
  set_ref(a.b.symbol, a.b.close);
  const sdk::bar b = a.b;
  guarded(sl, [&](slot& x) { x.instance_->on_bar(x, b); });
}

void strategy_engine::close_long_bars(timestamp now) noexcept {
  if (!has_long_bars_) return;
  // A longer bar closes once market time is past its end plus the microbar's own closing delay.
  constexpr int64_t grace = 2 * ns_per_second;
  for (auto& up : slots_) {
    slot& sl = *up;
    if (sl.agg_.empty() || !sl.running_) continue;
    const int64_t len = sdk::length_ns(sl.settings_.bars);
    for (uint32_t s = 0; s < used_ && s < sl.agg_.size(); ++s) {
      auto& a = sl.agg_[s];
      if (a.open && now.ns >= a.b.start.ns + len + grace) close_agg(sl, s);
    }
  }
}

void strategy_engine::set_ref(symbol_id s, price px) noexcept {
  ref_symbol_ = s;
  ref_px_ = px;
}

void strategy_engine::fire_timers(timestamp now) noexcept {
  timestamp next{INT64_MAX};
  for (auto& up : slots_) {
    slot& sl = *up;
    for (auto& t : sl.timers_) {
      if (t.id == 0) continue;
      if (!sl.running_) {
        t = slot::timer_entry{};
        continue;
      }
      if (t.due > now) {
        next = std::min(next, t.due);
        continue;
      }
      const sdk::timer_event te{t.id, t.tag, t.due};
      t = slot::timer_entry{};
      if ((sl.desc_.callbacks & sdk::callback::timer) == 0) continue;
      sl.host_now_ = now;
      sl.host_event_time_ = te.due;
      set_ref(symbol_id{}, price{});
      guarded(sl, [&](slot& x) { x.instance_->on_timer(x, te); });
    }
  }
  // Timers set by the callbacks above are already folded into next_timer_.
  next_timer_ = std::min(next, next_timer_ > now ? next_timer_ : timestamp{INT64_MAX});
  for (auto& up : slots_)
    for (auto& t : up->timers_)
      if (t.id != 0) next_timer_ = std::min(next_timer_, t.due);
}

void strategy_engine::on_time(timestamp now) noexcept {
  if (!started_) return;
  if (now >= next_timer_) fire_timers(now);
  if ((callbacks_ & sdk::callback::bar) != 0) close_long_bars(now);
}

void strategy_engine::on_risk_verdict(const risk_verdict& v) noexcept {
  if (v.approved() || v.intent.kind != intent_kind::new_order) return;
  slot* sl = find_slot(v.intent.strategy);
  if (sl == nullptr) return;
  slot::order_entry* e = sl->find(sdk::order_ref{v.intent.hash});
  if (e == nullptr) return;
  sdk::order_update u;
  u.order = e->o.order;
  u.symbol = e->o.symbol;
  u.order_side = e->o.order_side;
  u.event = sdk::order_event::rejected;
  u.order_qty = e->o.qty;
  u.time = v.decided_at;
  u.reject.by = sdk::reject_reason::source::risk;
  u.reject.risk = v.reason;
  sl->remove(e);
  if (sl->running_ && (sl->desc_.callbacks & sdk::callback::order_update) != 0) {
    sl->host_now_ = current_now_;
    sl->host_event_time_ = current_event_time_;
    guarded(*sl, [&](slot& x) { x.instance_->on_order_update(x, u); });
  }
}

void strategy_engine::on_execution_report(const execution_report& r) noexcept {
  slot* sl = find_slot(r.strategy);
  if (sl == nullptr) return;
  if (r.last_qty.is_positive()) sl->apply_fill(r.symbol, r.order_side, r.last_qty, r.last_px);
  slot::order_entry* e = sl->find(sdk::order_ref{r.hash});
  if (e == nullptr) return;  // adopted at reconciliation, or already finished
  if (!e->o.routed && r.id.value != 0) {
    e->o.routed = true;
    e->id = r.id;
  }
  e->o.filled_qty = r.cum_qty;
  const bool terminal = is_terminal(r.status);
  bool deliver = true;
  if (r.status == order_status::pending_new || r.status == order_status::pending_cancel) {
    deliver = false;
  } else if (r.status == order_status::accepted || r.status == order_status::new_order) {
    deliver = !e->accepted_sent;
    e->accepted_sent = true;
  }
  if (e->cancel_wanted && e->o.routed && !terminal) (void)sl->emit_cancel(*e, sl->cancel_why_);
  sdk::order_update u;
  u.order = e->o.order;
  u.symbol = r.symbol;
  u.order_side = r.order_side;
  u.event = event_of(r.status);
  u.order_qty = r.order_qty;
  u.last_qty = r.last_qty;
  u.last_px = r.last_px;
  u.filled_qty = r.cum_qty;
  u.avg_px = r.avg_px;
  u.time = r.time;
  if (r.status == order_status::rejected) {
    u.reject.by = sdk::reject_reason::source::broker;
    u.reject.code = r.reject_code;
  }
  if (terminal) sl->remove(e);
  if (deliver && sl->running_ && (sl->desc_.callbacks & sdk::callback::order_update) != 0) {
    sl->host_now_ = current_now_;
    sl->host_event_time_ = current_event_time_;
    guarded(*sl, [&](slot& x) { x.instance_->on_order_update(x, u); });
  }
}

void strategy_engine::on_trading_state(trading_state st) noexcept {
  if (st == trading_) return;
  trading_ = st;
  dispatch(sdk::callback::trading_state, [&](slot& s) { s.instance_->on_trading_state(s, st); });
}

uint32_t strategy_engine::cancel_all_orders() noexcept {
  const sdk::rationale why("operator cancel-all");
  uint32_t n = 0;
  for (auto& up : slots_) {
    slot& s = *up;
    for (size_t i = 0; i < s.n_orders_; ++i) {
      (void)s.request_cancel(s.orders_[i], why);
      ++n;
    }
  }
  return n;
}

void strategy_engine::finish() noexcept {
  if (finished_) return;
  finished_ = true;
  for (auto& up : slots_) {
    slot& sl = *up;
    if (!sl.running_ || (sl.desc_.callbacks & sdk::callback::stop) == 0) continue;
    sl.in_stop_ = true;
    guarded(sl, [](slot& x) { x.instance_->on_stop(x); });
  }
}

indicator_snapshot strategy_engine::indicators(symbol_id s) const noexcept {
  if (!s.valid() || s.value >= capacity_) return {};
  return ind_[s.value].snapshot();
}

}  // namespace torghut::actors
