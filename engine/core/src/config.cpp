#include "torghut/core/config.hpp"

#include <set>

namespace torghut {

bool is_timeframe(std::string_view tf) noexcept {
  for (std::string_view t : {"1Sec", "5Sec", "1Min", "5Min", "15Min", "1Hour", "1Day"})
    if (t == tf) return true;
  return false;
}

std::vector<std::string> validate(const engine_config& c) {
  std::vector<std::string> errs;
  auto err = [&](std::string s) { errs.push_back(std::move(s)); };
  if (c.account_label.empty()) err("account_label: must not be empty");
  if (!c.starting_equity.is_positive()) err("starting_equity: must be > 0");
  const auto& l = c.limits;
  if (!l.max_notional_per_order.is_positive()) err("risk.max_notional_per_order: must be > 0");
  if (!(l.max_position_pct_equity > 0.0 && l.max_position_pct_equity <= 1.0))
    err("risk.max_position_pct_equity: must be in (0, 1]");
  if (!l.max_order_qty.is_positive()) err("risk.max_order_qty: must be > 0");
  // Alpaca allows 200 requests a minute; only a broker on loopback (the simulator, the
  // wire-to-wire harness) may be driven faster.
  const bool loopback_broker = c.trading.broker == broker_kind::alpaca && is_loopback_host(url_host(c.trading.rest_url));
  if (l.orders_per_minute == 0 || (!loopback_broker && l.orders_per_minute > 200))
    err("risk.orders_per_minute: must be in [1, 200] (Alpaca allows 200 requests a minute; more only "
        "with a broker on loopback, the simulator)");
  if (l.order_burst == 0 || l.order_burst > l.orders_per_minute)
    err("risk.order_burst: must be in [1, orders_per_minute]");
  if (!(l.price_collar_pct > 0.0 && l.price_collar_pct < 1.0))
    err("risk.price_collar_pct: must be in (0, 1)");
  if (!l.daily_loss_limit.is_positive()) err("risk.daily_loss_limit: must be > 0");
  if (c.allowed_symbols.empty()) err("allowed_symbols: must list at least one symbol");
  for (const auto& s : c.allowed_symbols)
    if (s.empty() || s.size() > 15) err("allowed_symbols: '" + s + "' must be 1-15 characters");
  std::set<uint16_t> ids;
  std::set<std::string> allowed(c.allowed_symbols.begin(), c.allowed_symbols.end());
  for (const auto& s : c.strategies) {
    const std::string where = "strategies." + s.name + ": ";
    if (s.name.empty()) err("strategies: a strategy has an empty name");
    if (!ids.insert(s.id.value).second) err(where + "duplicate strategy id " + std::to_string(s.id.value));
    if (!is_timeframe(s.base_timeframe))
      err(where + "base_timeframe must be one of 1Sec, 5Sec, 1Min, 5Min, 15Min, 1Hour, 1Day");
    if (s.kind.empty()) err(where + "kind must name a strategy");
    if (!(s.max_position_pct_equity > 0.0 && s.max_position_pct_equity <= 1.0))
      err(where + "max_position_pct_equity must be in (0, 1]");
    if (!s.max_notional_per_trade.is_positive()) err(where + "max_notional_per_trade must be > 0");
    if (s.max_actions_per_callback == 0 || s.max_actions_per_callback > 4096)
      err(where + "max_actions_per_callback must be in [1, 4096]");
    for (const auto& sym : s.universe_symbols)
      if (!allowed.count(sym)) err(where + "universe symbol '" + sym + "' is not in allowed_symbols");
  }
  if (c.mailbox_capacity < 16) err("mailbox_capacity: must be >= 16");
  if (c.audit_capacity < 1024) err("audit_capacity: must be >= 1024");
  if (c.symbol_capacity < c.allowed_symbols.size()) err("symbol_capacity: smaller than allowed_symbols");
  if (c.market_data.stale_after_ns <= 0) err("market_data.stale_after_ms: must be > 0");
  if (c.market_data.gap_after_ns <= 0) err("market_data.gap_after_ms: must be > 0");
  if (c.market_data.dedupe_window == 0 || c.market_data.dedupe_window > 4096)
    err("market_data.dedupe_window: must be in [1, 4096]");
  const auto& f = c.feed;
  const std::string_view url = f.url;
  const bool tls = url.rfind("wss://", 0) == 0;
  const bool plain = url.rfind("ws://", 0) == 0;
  if (!tls && !plain) {
    err("feed.url: must start with wss:// (Alpaca) or ws:// (simulator or relay on loopback)");
  } else {
    const std::string_view rest = url.substr(tls ? 6 : 5);
    const std::string_view authority = rest.substr(0, rest.find('/'));
    std::string_view host = authority;
    if (!host.empty() && host.front() == '[') host = host.substr(1, host.find(']') - 1);
    else host = host.substr(0, host.find(':'));
    if (host.empty()) err("feed.url: no host");
    if (plain && !is_loopback_host(host))
      err("feed.url: plain ws:// is only allowed to a loopback host (use wss:// for '" +
          std::string(host) + "')");
    if (rest.find('/') == std::string_view::npos) err("feed.url: no path (e.g. /v2/iex)");
  }
  if (!f.relay_url.empty() && f.relay_url.rfind("ws://", 0) != 0 && f.relay_url.rfind("wss://", 0) != 0)
    err("feed.relay_url: must start with ws:// or wss://");
  const auto& t = c.trading;
  const auto check_url = [&](std::string_view key, std::string_view u, std::string_view secure,
                             std::string_view plain_scheme) {
    const bool sec = u.rfind(secure, 0) == 0;
    const bool pl = u.rfind(plain_scheme, 0) == 0;
    if (!sec && !pl) {
      err("trading." + std::string(key) + ": must start with " + std::string(secure) + " or " +
          std::string(plain_scheme) + " (loopback only)");
      return;
    }
    const std::string_view host = url_host(u);
    if (host.empty()) err("trading." + std::string(key) + ": no host");
    else if (pl && !is_loopback_host(host))
      err("trading." + std::string(key) + ": plain " + std::string(plain_scheme) +
          " is only allowed to a loopback host (use " + std::string(secure) + " for '" + std::string(host) + "')");
  };
  check_url("rest_url", t.rest_url, "https://", "http://");
  check_url("stream_url", t.stream_url, "wss://", "ws://");
  if (t.connections == 0 || t.connections > 16) err("trading.connections: must be in [1, 16]");
  if (t.request_timeout_ms == 0) err("trading.request_timeout_ms: must be > 0");
  if (t.rate_limit_per_minute == 0) err("trading.rate_limit_per_minute: must be > 0");
  if (t.reconcile_timeout_ms == 0) err("trading.reconcile_timeout_ms: must be > 0");
  return errs;
}

engine_config default_config(const std::vector<std::string>& symbols) {
  engine_config c;
  c.allowed_symbols = symbols;
  strategy_config macd;
  macd.id = strategy_id{1};
  macd.name = "macd_rsi";
  macd.kind = "macd_rsi";
  strategy_config boll;
  boll.id = strategy_id{2};
  boll.name = "bollinger_reversion";
  boll.kind = "bollinger_reversion";
  boll.warmup_bars = 20;
  c.strategies = {macd, boll};
  return c;
}

}  // namespace torghut
