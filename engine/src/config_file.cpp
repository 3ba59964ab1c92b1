#include "torghut/engine/config_file.hpp"

#include <fstream>
#include <set>
#include <sstream>
#include <toml++/toml.h>

namespace torghut {
namespace {

class loader {
 public:
  explicit loader(std::vector<std::string>& errs) : errs_(errs) {}

  void unknown_keys(const toml::table& t, const std::string& where,
                    std::initializer_list<std::string_view> known) {
    std::set<std::string_view> k(known);
    for (const auto& [key, node] : t) {
      (void)node;
      if (!k.count(key.str())) errs_.push_back(where + std::string(key.str()) + ": unknown key");
    }
  }
  template <class Fixed>
  void fixed(const toml::table& t, std::string_view key, const std::string& where, Fixed& out) {
    const auto* n = t.get(key);
    if (!n) return;
    const std::string path = where + std::string(key);
    if (const auto* s = n->as_string()) {
      if (auto v = parse_decimal<Fixed>(s->get())) out = *v;
      else errs_.push_back(path + ": '" + s->get() + "' is not a decimal number");
    } else if (const auto* i = n->as_integer()) {
      if (auto v = Fixed::from_units(i->get())) out = *v;
      else errs_.push_back(path + ": out of range");
    } else if (const auto* d = n->as_floating_point()) {
      if (auto v = Fixed::from_double(d->get())) out = *v;
      else errs_.push_back(path + ": out of range");
    } else {
      errs_.push_back(path + ": expected a decimal string or a number");
    }
  }
  void number(const toml::table& t, std::string_view key, const std::string& where, double& out) {
    const auto* n = t.get(key);
    if (!n) return;
    if (auto v = n->value<double>()) out = *v;
    else errs_.push_back(where + std::string(key) + ": expected a number");
  }
  template <class Int>
  void integer(const toml::table& t, std::string_view key, const std::string& where, Int& out) {
    const auto* n = t.get(key);
    if (!n) return;
    const auto* i = n->as_integer();
    if (!i || i->get() < static_cast<int64_t>(std::numeric_limits<Int>::min()) ||
        (i->get() > 0 && static_cast<uint64_t>(i->get()) > static_cast<uint64_t>(std::numeric_limits<Int>::max()))) {
      errs_.push_back(where + std::string(key) + ": expected an integer in range");
      return;
    }
    out = static_cast<Int>(i->get());
  }
  void boolean(const toml::table& t, std::string_view key, const std::string& where, bool& out) {
    const auto* n = t.get(key);
    if (!n) return;
    if (const auto* b = n->as_boolean()) out = b->get();
    else errs_.push_back(where + std::string(key) + ": expected true or false");
  }
  void text(const toml::table& t, std::string_view key, const std::string& where, std::string& out) {
    const auto* n = t.get(key);
    if (!n) return;
    if (const auto* s = n->as_string()) out = s->get();
    else errs_.push_back(where + std::string(key) + ": expected a string");
  }
  void strings(const toml::table& t, std::string_view key, const std::string& where,
               std::vector<std::string>& out) {
    const auto* n = t.get(key);
    if (!n) return;
    const auto* a = n->as_array();
    if (!a) {
      errs_.push_back(where + std::string(key) + ": expected an array of strings");
      return;
    }
    out.clear();
    for (const auto& e : *a) {
      if (const auto* s = e.as_string()) out.push_back(s->get());
      else errs_.push_back(where + std::string(key) + ": every element must be a string");
    }
  }

 private:
  std::vector<std::string>& errs_;
};

}  // namespace

config_load_result load_config_text(std::string_view text, bool allow_empty_symbols) {
  config_load_result res;
  auto& errs = res.errors;
  auto& c = res.config;
  toml::table root;
  try {
    root = toml::parse(text);
  } catch (const toml::parse_error& e) {
    std::ostringstream os;
    os << "TOML syntax error at line " << e.source().begin.line << ", column "
       << e.source().begin.column << ": " << e.description();
    errs.push_back(os.str());
    return res;
  }
  loader l(errs);
  l.unknown_keys(root, "", {"account_label", "starting_equity", "allowed_symbols", "cpu", "idle",
                            "mailbox_capacity", "audit_capacity", "symbol_capacity", "risk",
                            "market_data", "feed", "trading", "strategies"});
  l.text(root, "account_label", "", c.account_label);
  l.fixed(root, "starting_equity", "", c.starting_equity);
  l.strings(root, "allowed_symbols", "", c.allowed_symbols);
  l.integer(root, "cpu", "", c.cpu);
  if (const auto* n = root.get("idle")) {
    const auto v = n->value<std::string>();
    if (v == "busy-spin") c.idle = idle_kind::busy_spin;
    else if (v == "backoff") c.idle = idle_kind::backoff;
    else errs.push_back("idle: expected \"busy-spin\" or \"backoff\"");
  }
  l.integer(root, "mailbox_capacity", "", c.mailbox_capacity);
  l.integer(root, "audit_capacity", "", c.audit_capacity);
  l.integer(root, "symbol_capacity", "", c.symbol_capacity);
  if (const auto* n = root.get("risk")) {
    if (const auto* t = n->as_table()) {
      const std::string w = "risk.";
      l.unknown_keys(*t, w, {"max_notional_per_order", "max_position_pct_equity", "max_order_qty",
                             "orders_per_minute", "order_burst", "price_collar_pct",
                             "daily_loss_limit"});
      auto& r = c.limits;
      l.fixed(*t, "max_notional_per_order", w, r.max_notional_per_order);
      l.number(*t, "max_position_pct_equity", w, r.max_position_pct_equity);
      l.fixed(*t, "max_order_qty", w, r.max_order_qty);
      l.integer(*t, "orders_per_minute", w, r.orders_per_minute);
      l.integer(*t, "order_burst", w, r.order_burst);
      l.number(*t, "price_collar_pct", w, r.price_collar_pct);
      l.fixed(*t, "daily_loss_limit", w, r.daily_loss_limit);
    } else {
      errs.push_back("risk: expected a table");
    }
  }
  if (const auto* n = root.get("market_data")) {
    if (const auto* t = n->as_table()) {
      const std::string w = "market_data.";
      l.unknown_keys(*t, w, {"stale_after_ms", "dedupe_window", "gap_after_ms", "max_future_skew_ms",
                             "max_past_age_ms"});
      int64_t stale_ms = c.market_data.stale_after_ns / 1'000'000;
      int64_t gap_ms = c.market_data.gap_after_ns / 1'000'000;
      l.integer(*t, "stale_after_ms", w, stale_ms);
      l.integer(*t, "gap_after_ms", w, gap_ms);
      l.integer(*t, "dedupe_window", w, c.market_data.dedupe_window);
      c.market_data.stale_after_ns = stale_ms * 1'000'000;
      c.market_data.gap_after_ns = gap_ms * 1'000'000;
      // Unsigned: a negative bound is refused ("expected an integer in range"); 0 turns it off.
      auto skew_ms = static_cast<uint32_t>(c.market_data.max_future_skew_ns / 1'000'000);
      auto age_ms = static_cast<uint32_t>(c.market_data.max_past_age_ns / 1'000'000);
      l.integer(*t, "max_future_skew_ms", w, skew_ms);
      l.integer(*t, "max_past_age_ms", w, age_ms);
      c.market_data.max_future_skew_ns = int64_t{skew_ms} * 1'000'000;
      c.market_data.max_past_age_ns = int64_t{age_ms} * 1'000'000;
    } else {
      errs.push_back("market_data: expected a table");
    }
  }
  if (const auto* n = root.get("feed")) {
    if (const auto* t = n->as_table()) {
      const std::string w = "feed.";
      l.unknown_keys(*t, w, {"url", "format", "auth", "trades", "quotes", "bars", "ca_file",
                             "lease_dir", "relay_listen", "relay_url", "record", "healthy_after_ms"});
      auto& f = c.feed;
      l.text(*t, "url", w, f.url);
      l.text(*t, "format", w, f.format);
      l.text(*t, "auth", w, f.auth);
      l.strings(*t, "trades", w, f.trades);
      l.strings(*t, "quotes", w, f.quotes);
      l.strings(*t, "bars", w, f.bars);
      l.text(*t, "ca_file", w, f.ca_file);
      l.text(*t, "lease_dir", w, f.lease_dir);
      l.text(*t, "relay_listen", w, f.relay_listen);
      l.text(*t, "relay_url", w, f.relay_url);
      l.text(*t, "record", w, f.record);
      l.integer(*t, "healthy_after_ms", w, f.healthy_after_ms);
    } else {
      errs.push_back("feed: expected a table");
    }
  }
  if (const auto* n = root.get("trading")) {
    if (const auto* t = n->as_table()) {
      const std::string w = "trading.";
      l.unknown_keys(*t, w, {"broker", "rest_url", "stream_url", "stream_auth", "ca_file", "connections",
                             "request_timeout_ms", "max_retries", "rate_limit_per_minute",
                             "reconcile_timeout_ms", "max_order_age_ms", "max_limit_order_age_ms"});
      auto& tc = c.trading;
      l.text(*t, "broker", w, tc.broker);
      l.text(*t, "rest_url", w, tc.rest_url);
      l.text(*t, "stream_url", w, tc.stream_url);
      l.text(*t, "stream_auth", w, tc.stream_auth);
      l.text(*t, "ca_file", w, tc.ca_file);
      l.integer(*t, "connections", w, tc.connections);
      l.integer(*t, "request_timeout_ms", w, tc.request_timeout_ms);
      l.integer(*t, "max_retries", w, tc.max_retries);
      l.integer(*t, "rate_limit_per_minute", w, tc.rate_limit_per_minute);
      l.integer(*t, "reconcile_timeout_ms", w, tc.reconcile_timeout_ms);
      l.integer(*t, "max_order_age_ms", w, tc.max_order_age_ms);
      l.integer(*t, "max_limit_order_age_ms", w, tc.max_limit_order_age_ms);
    } else {
      errs.push_back("trading: expected a table");
    }
  }
  if (const auto* n = root.get("strategies")) {
    if (const auto* a = n->as_array()) {
      c.strategies.clear();
      size_t idx = 0;
      for (const auto& e : *a) {
        const std::string w = "strategies[" + std::to_string(idx++) + "].";
        const auto* t = e.as_table();
        if (!t) {
          errs.push_back(w + ": expected a table");
          continue;
        }
        l.unknown_keys(*t, w, {"id", "name", "kind", "enabled", "base_timeframe",
                               "universe_symbols", "max_position_pct_equity",
                               "max_notional_per_trade", "rsi_buy_below", "rsi_sell_above",
                               "bollinger_k", "warmup_bars"});
        strategy_config s;
        l.integer(*t, "id", w, s.id.value);
        l.text(*t, "name", w, s.name);
        std::string kind = "macd_rsi";
        l.text(*t, "kind", w, kind);
        if (kind == "macd_rsi") s.kind = strategy_kind::macd_rsi;
        else if (kind == "bollinger_reversion") s.kind = strategy_kind::bollinger_reversion;
        else if (kind == "tick_probe") s.kind = strategy_kind::tick_probe;
        else errs.push_back(w + "kind: expected \"macd_rsi\", \"bollinger_reversion\" or \"tick_probe\"");
        l.boolean(*t, "enabled", w, s.enabled);
        l.text(*t, "base_timeframe", w, s.base_timeframe);
        l.strings(*t, "universe_symbols", w, s.universe_symbols);
        l.number(*t, "max_position_pct_equity", w, s.max_position_pct_equity);
        l.fixed(*t, "max_notional_per_trade", w, s.max_notional_per_trade);
        l.number(*t, "rsi_buy_below", w, s.rsi_buy_below);
        l.number(*t, "rsi_sell_above", w, s.rsi_sell_above);
        l.number(*t, "bollinger_k", w, s.bollinger_k);
        l.integer(*t, "warmup_bars", w, s.warmup_bars);
        c.strategies.push_back(std::move(s));
      }
    } else {
      errs.push_back("strategies: expected an array of tables ([[strategies]])");
    }
  } else {
    c.strategies = default_config({}).strategies;
  }
  if (errs.empty()) {
    auto v = validate(c);
    for (auto& e : v) {
      if (allow_empty_symbols && e.rfind("allowed_symbols: must list", 0) == 0) continue;
      if (allow_empty_symbols && c.allowed_symbols.empty() && e.find("is not in allowed_symbols") != std::string::npos) continue;
      errs.push_back(std::move(e));
    }
  }
  return res;
}

config_load_result load_config_file(const std::string& path, bool allow_empty_symbols) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    config_load_result r;
    r.errors.push_back("cannot open config file '" + path + "'");
    return r;
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  return load_config_text(ss.str(), allow_empty_symbols);
}

trading_mode_result resolve_trading_mode(const char* mode_env, const char* live_env) {
  trading_mode_result r;
  const std::string mode = mode_env ? mode_env : "";
  const std::string live = live_env ? live_env : "";
  if (mode.empty() || mode == "paper") {
    r.mode = trading_mode::paper;
  } else if (mode == "live") {
    if (live == "true") {
      r.mode = trading_mode::live;
    } else {
      r.error = "live trading refused: TRADING_MODE=live also needs TRADING_LIVE_ENABLED=true "
                "(both settings are required; the default is paper trading)";
    }
  } else {
    r.error = "TRADING_MODE must be \"paper\" or \"live\", not \"" + mode + "\"";
  }
  return r;
}

std::string check_trading_target(const trading_config& t, trading_mode mode) {
  const bool to_alpaca = t.broker == "alpaca";
  const bool rest_live = url_host(t.rest_url) == alpaca_live_trading_host;
  const bool stream_live = url_host(t.stream_url) == alpaca_live_trading_host;
  if (mode != trading_mode::live) {
    if (to_alpaca && (rest_live || stream_live))
      return "live trading refused: trading.rest_url/stream_url point at Alpaca's live API "
             "(api.alpaca.markets); that needs both TRADING_MODE=live and TRADING_LIVE_ENABLED=true";
    return {};
  }
  if (!to_alpaca)
    return "TRADING_MODE=live needs trading.broker = \"alpaca\" (the internal paper broker sends no orders)";
  if (!rest_live || !stream_live)
    return "TRADING_MODE=live needs trading.rest_url = https://api.alpaca.markets and "
           "trading.stream_url = wss://api.alpaca.markets/stream (they point elsewhere)";
  return {};
}

}  // namespace torghut
