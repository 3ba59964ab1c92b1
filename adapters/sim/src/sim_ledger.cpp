// Accounts and the ledger of the simulator: accounts (one per key), markets (asset ids, quotes,
// marks), positions and their average entry, equity, buying power and the cash open orders
// reserve.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <limits>

#include "sim_core.hpp"
#include "sim_money.hpp"

namespace torghut::adapters::sim {

sim_core::account& sim_core::account_for(std::string_view key) {
  auto it = accounts_.find(key);
  if (it != accounts_.end()) return it->second;
  account a;
  a.key.assign(key);
  a.id = uuid();
  char num[16];
  std::snprintf(num, sizeof num, "PA%010llu", static_cast<unsigned long long>(rng_() % 10'000'000'000ULL));
  a.number = num;
  a.cash = opt_.starting_cash;
  a.last_equity = opt_.starting_cash;
  a.created = std::chrono::duration_cast<std::chrono::nanoseconds>(
                  std::chrono::system_clock::now().time_since_epoch())
                  .count();
  return accounts_.emplace(std::string(key), std::move(a)).first->second;
}

sim_core::market& sim_core::market_for(std::string_view symbol) {
  auto it = markets_.find(symbol);
  if (it != markets_.end()) return it->second;
  market m;
  m.asset_id = uuid();
  return markets_.emplace(std::string(symbol), std::move(m)).first->second;
}

std::optional<price> sim_core::mark(std::string_view symbol, const position* p) const {
  auto it = markets_.find(symbol);
  if (it != markets_.end()) {
    const market& m = it->second;
    const price bid = m.top.bid_px, ask = m.top.ask_px;
    if (m.top.quoted && bid.is_positive() && ask.is_positive())
      return price::from_raw(static_cast<int64_t>((static_cast<int128_t>(bid.raw) + ask.raw) / 2));
    if (m.have_last) return m.last;
    if (m.top.quoted && bid.is_positive()) return bid;
    if (m.top.quoted && ask.is_positive()) return ask;
  }
  if (p != nullptr) return p->avg;
  return std::nullopt;
}

money sim_core::equity(const account& a) const {
  money e = a.cash;
  for (const auto& [sym, p] : a.positions) {
    const auto mk = mark(sym, &p);
    e = add(e, money_of(mk.value_or(p.avg), p.qty));
  }
  return e;
}

std::optional<price> sim_core::estimate_price(const order& o) const {
  if (const auto limit = o.limit()) return limit;
  auto it = markets_.find(o.symbol);
  if (it != markets_.end()) {
    const market& m = it->second;
    const price touch = m.top.touch(o.terms.order_side);
    if (m.top.quoted && touch.is_positive()) return touch;
    if (m.have_last) return m.last;
  }
  if (const auto stop = o.stop()) return stop;
  return std::nullopt;
}

money sim_core::reserved(const account& a) const {
  money r{};
  for (const auto& up : a.orders) {
    const order& o = *up;
    if (!o.open() || !o.opening) continue;
    if (o.notional && o.target.is_zero()) {
      r = add(r, *o.notional);
      continue;
    }
    const auto px = estimate_price(o);
    if (px) r = add(r, money_of(*px, o.remaining()));
  }
  return r;
}

money sim_core::buying_power(const account& a) const {
  const money e = equity(a);
  const int128_t scaled = static_cast<int128_t>(e.raw) * multiplier_micro_ / 1'000'000;
  const money bp = money::from_raw(static_cast<int64_t>(
      std::clamp<int128_t>(scaled, std::numeric_limits<int64_t>::min() / 2, std::numeric_limits<int64_t>::max() / 2)));
  // Reg-T style: what the positions already use (gross market value) is not available again.
  money gross{};
  for (const auto& [sym, p] : a.positions) {
    const money mv = money_of(mark(sym, &p).value_or(p.avg), p.qty);
    gross = add(gross, mv.is_negative() ? money::from_raw(-mv.raw) : mv);
  }
  const money left = sub(sub(bp, gross), reserved(a));
  return left.is_negative() ? money{} : left;
}

quantity sim_core::book_fill(account& a, const std::string& symbol, bool buy, price px, quantity q) {
  const money n = money_of(px, q);
  a.cash = buy ? sub(a.cash, n) : add(a.cash, n);
  position& p = a.positions[symbol];
  const int64_t dq = buy ? q.raw : -q.raw;
  const int64_t old = p.qty.raw;
  const int64_t now_qty = old + dq;
  if (old == 0 || (old > 0) == (dq > 0)) {
    // opening or growing: volume-weighted average entry
    const int128_t value = static_cast<int128_t>(p.avg.raw) * (old < 0 ? -old : old) +
                           static_cast<int128_t>(px.raw) * (dq < 0 ? -dq : dq);
    const int64_t mag = now_qty < 0 ? -now_qty : now_qty;
    p.avg = price::from_raw(mag == 0 ? 0 : static_cast<int64_t>(value / mag));
  } else if ((old > 0) != (now_qty > 0) && now_qty != 0) {
    p.avg = px;  // crossed through flat: the rest is a new position at this price
  }
  p.qty = quantity::from_raw(now_qty);
  const quantity after = p.qty;
  if (now_qty == 0) a.positions.erase(symbol);
  return after;
}

}  // namespace torghut::adapters::sim
