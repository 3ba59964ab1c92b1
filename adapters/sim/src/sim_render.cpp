// Rendering of the simulator's REST bodies: orders, positions, the account, the clock and the
// debug stats, in Alpaca's field order (decimals as strings, RFC 3339 times).
#include <limits>
#include <mutex>

#include "sim_core.hpp"
#include "sim_money.hpp"

namespace torghut::adapters::sim {

namespace {

/// A ratio num/den as a 9-decimal fixed text ("0.0125"); "0" when den is 0.
std::string ratio_text(int64_t num, int64_t den) {
  if (den == 0) return "0";
  const int128_t r = static_cast<int128_t>(num) * price::scale / den;
  if (r > std::numeric_limits<int64_t>::max() || r < std::numeric_limits<int64_t>::min()) return "0";
  return dec(price::from_raw(static_cast<int64_t>(r)));
}

}  // namespace

void sim_core::write_order(const order& o, std::string& out) const {
  obj_writer w(out);
  w.str("id", o.id);
  w.str("client_order_id", o.coid);
  w.time("created_at", o.created);
  w.time("updated_at", o.updated);
  w.time("submitted_at", o.submitted);
  w.time("filled_at", o.filled_at);
  w.time("expired_at", o.expired_at);
  w.time("canceled_at", o.canceled_at);
  w.time("failed_at", o.failed_at);
  w.null("replaced_at");
  w.null("replaced_by");
  w.null("replaces");
  w.str("asset_id", o.asset_id);
  w.str("symbol", o.symbol);
  w.str("asset_class", "us_equity");
  w.opt_decimal("notional", o.notional);
  w.opt_decimal("qty", o.qty);
  w.decimal("filled_qty", o.filled);
  if (o.filled.is_positive()) {
    w.decimal("filled_avg_price", price::from_raw(static_cast<int64_t>(o.fill_value / o.filled.raw)));
  } else {
    w.null("filled_avg_price");
  }
  w.str("order_class", o.order_class);
  w.str("order_type", to_string(o.terms.type));
  w.str("type", to_string(o.terms.type));
  w.str("side", to_string(o.terms.order_side));
  w.str("time_in_force", to_string(o.terms.tif));
  w.opt_decimal("limit_price", o.limit());
  w.opt_decimal("stop_price", o.stop());
  w.str("status", o.status);
  w.boolean("extended_hours", o.extended_hours);
  w.null("legs");
  w.null("trail_percent");
  w.null("trail_price");
  w.null("hwm");
  w.str("position_intent", o.position_intent);
  w.close();
}

void sim_core::write_position(const std::string& symbol, const position& p, std::string& out) const {
  const auto mk = mark(symbol, &p).value_or(p.avg);
  const money mv = money_of(mk, p.qty);
  const money cost = money_of(p.avg, p.qty);
  const money pl = sub(mv, cost);
  auto mit = markets_.find(symbol);
  const price lastday = mit != markets_.end() && mit->second.have_first ? mit->second.first_mark : mk;
  obj_writer w(out);
  w.str("asset_id", mit != markets_.end() ? mit->second.asset_id : std::string());
  w.str("symbol", symbol);
  w.str("exchange", "NASDAQ");
  w.str("asset_class", "us_equity");
  w.boolean("asset_marginable", true);
  w.decimal("avg_entry_price", p.avg);
  w.decimal("qty", p.qty);
  w.decimal("qty_available", p.qty);
  w.str("side", p.qty.is_negative() ? "short" : "long");
  w.decimal("market_value", mv);
  w.decimal("cost_basis", cost);
  w.decimal("unrealized_pl", pl);
  w.str("unrealized_plpc", ratio_text(pl.raw, cost.raw < 0 ? -cost.raw : cost.raw));
  w.decimal("unrealized_intraday_pl", pl);
  w.str("unrealized_intraday_plpc", ratio_text(pl.raw, cost.raw < 0 ? -cost.raw : cost.raw));
  w.decimal("current_price", mk);
  w.decimal("lastday_price", lastday);
  w.str("change_today", ratio_text(mk.raw - lastday.raw, lastday.raw));
  w.close();
}

void sim_core::write_account(const account& a, std::string& out) const {
  money long_mv{}, short_mv{};
  for (const auto& [sym, p] : a.positions) {
    const money mv = money_of(mark(sym, &p).value_or(p.avg), p.qty);
    if (mv.is_negative()) {
      short_mv = add(short_mv, mv);
    } else {
      long_mv = add(long_mv, mv);
    }
  }
  const money eq = equity(a);
  const money bp = buying_power(a);
  const money gross = sub(long_mv, short_mv);
  const money res = reserved(a);
  const money nmbp = sub(a.cash, res);
  obj_writer w(out);
  w.str("id", a.id);
  w.str("account_number", a.number);
  w.str("status", "ACTIVE");
  w.str("crypto_status", "INACTIVE");
  w.str("currency", "USD");
  w.decimal("cash", a.cash);
  w.decimal("portfolio_value", eq);
  w.decimal("equity", eq);
  w.decimal("last_equity", a.last_equity);
  w.decimal("buying_power", bp);
  w.decimal("regt_buying_power", bp);
  w.decimal("daytrading_buying_power", money{});
  w.decimal("effective_buying_power", bp);
  w.decimal("non_marginable_buying_power", nmbp.is_negative() ? money{} : nmbp);
  w.decimal("long_market_value", long_mv);
  w.decimal("short_market_value", short_mv);
  w.decimal("initial_margin", gross);
  w.decimal("maintenance_margin", money::from_raw(gross.raw / 10 * 3));
  w.decimal("sma", money{});
  w.num("daytrade_count", 0);
  w.boolean("pattern_day_trader", false);
  w.boolean("trading_blocked", false);
  w.boolean("transfers_blocked", false);
  w.boolean("account_blocked", false);
  w.boolean("trade_suspended_by_user", false);
  w.boolean("shorting_enabled", true);
  w.str("multiplier", dec(money::from_raw(multiplier_micro_)));
  w.time("created_at", a.created);
  w.close();
}

void sim_core::write_clock(int64_t now, std::string& out) const {
  // Always open: the next close is today's 20:00 UTC (or tomorrow's), the next open the day after.
  constexpr int64_t day = 86'400 * ns_per_second;
  const int64_t midnight = now / day * day;
  int64_t next_close = midnight + 20 * 3'600 * ns_per_second;
  if (next_close <= now) next_close += day;
  const int64_t next_open = next_close - 20 * 3'600 * ns_per_second + day + (13 * 3'600 + 1'800) * ns_per_second;
  obj_writer w(out);
  w.time("timestamp", now);
  w.boolean("is_open", true);
  w.time("next_open", next_open);
  w.time("next_close", next_close);
  w.close();
}

void sim_core::write_stats(std::string& out) const {
  obj_writer w(out);
  for (size_t i = 0; i < c_count; ++i) {
    const auto k = static_cast<counter>(i);
    w.num(counter_name(k), static_cast<int64_t>(ctr_.get(k)));
  }
  w.key("posts_by_client_order_id");
  out.push_back('{');
  {
    std::lock_guard<std::mutex> lk(posts_mutex_);
    bool first = true;
    for (const auto& [k, n] : posts_) {
      if (!first) out.push_back(',');
      first = false;
      out.push_back('"');
      append_escaped(out, k);
      out.append("\":");
      out.append(std::to_string(n));
    }
  }
  out.push_back('}');
  w.close();
}

}  // namespace torghut::adapters::sim
