#include "torghut/app/config_file.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>
#include <toml++/toml.h>

#include "strategy_catalog.hpp"

namespace torghut {
namespace {

/// What a TOML value is, for "expected X, not Y" messages.
std::string type_name(const toml::node& n) {
  switch (n.type()) {
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "an integer";
    case toml::node_type::floating_point: return "a float";
    case toml::node_type::boolean: return "a boolean";
    case toml::node_type::array: return "an array";
    case toml::node_type::table: return "a table";
    case toml::node_type::date:
    case toml::node_type::time:
    case toml::node_type::date_time: return "a date/time";
    default: return "something else";
  }
}

/// "at most ±9223372036.854775807 with 9 decimals": the range of a fixed-point type.
template <class Fixed>
std::string range_text() {
  return "at most ±" + decimal_string(Fixed::from_raw(std::numeric_limits<int64_t>::max())) + " with " +
         std::to_string(Fixed::decimals) + " decimals";
}

/// Why decimal text cannot become a `Fixed` exactly ("" when it can): not a decimal number, more
/// decimals than the type holds (parse_decimal would round them, which a config must never do
/// silently), or out of the type's range.
template <class Fixed>
std::string decimal_problem(std::string_view s) {
  size_t i = 0;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
  std::string digits;  // the mantissa's digits, integer part then fraction
  int64_t frac_len = 0;
  for (bool point = false; i < s.size(); ++i) {
    if (s[i] == '.' && !point) point = true;
    else if (s[i] >= '0' && s[i] <= '9') digits += s[i], frac_len += point ? 1 : 0;
    else break;
  }
  if (digits.empty()) return "is not a decimal number";
  int64_t exp10 = 0;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    const bool neg = i < s.size() && s[i] == '-';
    if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
    const size_t b = i;
    for (; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i)
      if (exp10 < 100'000) exp10 = exp10 * 10 + (s[i] - '0');
    if (i == b) return "is not a decimal number";
    if (neg) exp10 = -exp10;
  }
  if (i != s.size()) return "is not a decimal number";
  const size_t last_nonzero = digits.find_last_not_of('0');
  if (last_nonzero != std::string::npos) {  // zero has no decimals, however it is written
    const auto trailing_zeros = static_cast<int64_t>(digits.size() - 1 - last_nonzero);
    const int64_t decimals = frac_len - trailing_zeros - exp10;
    if (decimals > Fixed::decimals)
      return "has " + std::to_string(decimals) + " decimals, more than the " + std::to_string(Fixed::decimals) +
             " supported";
  }
  if (!parse_decimal<Fixed>(s)) return "is out of range (" + range_text<Fixed>() + ")";
  return {};
}

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
      if (const std::string why = decimal_problem<Fixed>(s->get()); !why.empty())
        errs_.push_back(path + ": '" + s->get() + "' " + why);
      else out = *parse_decimal<Fixed>(s->get());
    } else if (const auto* i = n->as_integer()) {
      if (auto v = Fixed::from_units(i->get())) out = *v;
      else errs_.push_back(path + ": " + std::to_string(i->get()) + " is out of range (" + range_text<Fixed>() + ")");
    } else if (const auto* d = n->as_floating_point()) {
      // Through the shortest text that reads back as the same double, so a float and the same
      // digits in a string get the same answer (never rounded silently to the type's decimals).
      if (!std::isfinite(d->get())) {
        errs_.push_back(path + ": must be a finite number");
        return;
      }
      char buf[64];
      const auto res = std::to_chars(buf, buf + sizeof buf, d->get());
      const std::string text(buf, res.ptr);
      if (const std::string why = decimal_problem<Fixed>(text); !why.empty())
        errs_.push_back(path + ": " + text + " " + why);
      else out = *parse_decimal<Fixed>(text);
    } else {
      errs_.push_back(path + ": expected a decimal string or a number, not " + type_name(*n));
    }
  }
  void number(const toml::table& t, std::string_view key, const std::string& where, double& out) {
    const auto* n = t.get(key);
    if (!n) return;
    const auto v = n->is_number() ? n->value<double>() : std::nullopt;
    if (!v) errs_.push_back(where + std::string(key) + ": expected a number, not " + type_name(*n));
    else if (!std::isfinite(*v)) errs_.push_back(where + std::string(key) + ": must be a finite number");
    else out = *v;
  }
  template <class Int>
  void integer(const toml::table& t, std::string_view key, const std::string& where, Int& out) {
    const auto* n = t.get(key);
    if (!n) return;
    const std::string path = where + std::string(key);
    const auto* i = n->as_integer();
    if (!i) {
      errs_.push_back(path + ": expected an integer, not " + type_name(*n));
      return;
    }
    const int64_t v = i->get();
    if (v < static_cast<int64_t>(std::numeric_limits<Int>::min()) ||
        (v > 0 && static_cast<uint64_t>(v) > static_cast<uint64_t>(std::numeric_limits<Int>::max()))) {
      errs_.push_back(path + ": expected an integer in range [" + std::to_string(std::numeric_limits<Int>::min()) +
                      ", " + std::to_string(std::numeric_limits<Int>::max()) + "], not " + std::to_string(v));
      return;
    }
    out = static_cast<Int>(v);
  }
  /// A duration given in milliseconds (`key` ends in _ms), stored in nanoseconds.
  void milliseconds(const toml::table& t, std::string_view key, const std::string& where, int64_t& out_ns) {
    constexpr int64_t ns_per_ms = 1'000'000;
    constexpr int64_t max_ms = std::numeric_limits<int64_t>::max() / ns_per_ms;
    int64_t ms = out_ns / ns_per_ms;
    const size_t before = errs_.size();
    integer(t, key, where, ms);
    if (errs_.size() != before) return;
    if (ms > max_ms || ms < -max_ms) {
      errs_.push_back(where + std::string(key) + ": expected an integer in range [" + std::to_string(-max_ms) +
                      ", " + std::to_string(max_ms) + "], not " + std::to_string(ms));
      return;
    }
    out_ns = ms * ns_per_ms;
  }
  void boolean(const toml::table& t, std::string_view key, const std::string& where, bool& out) {
    const auto* n = t.get(key);
    if (!n) return;
    if (const auto* b = n->as_boolean()) out = b->get();
    else errs_.push_back(where + std::string(key) + ": expected true or false, not " + type_name(*n));
  }
  /// A named choice (an enum with a names table, named_enum.hpp); any other text is an error
  /// that lists the accepted names.
  template <class E>
  void choice(const toml::table& t, std::string_view key, const std::string& where, E& out) {
    const auto* n = t.get(key);
    if (!n) return;
    const auto* s = n->as_string();
    if (!s) {
      errs_.push_back(where + std::string(key) + ": expected a string, not " + type_name(*n));
      return;
    }
    if (const auto v = parse_enum<E>(s->get())) out = *v;
    else errs_.push_back(where + std::string(key) + ": expected " + expected_names<E>());
  }
  void text(const toml::table& t, std::string_view key, const std::string& where, std::string& out) {
    const auto* n = t.get(key);
    if (!n) return;
    if (const auto* s = n->as_string()) out = s->get();
    else errs_.push_back(where + std::string(key) + ": expected a string, not " + type_name(*n));
  }
  void strings(const toml::table& t, std::string_view key, const std::string& where,
               std::vector<std::string>& out) {
    const auto* n = t.get(key);
    if (!n) return;
    const auto* a = n->as_array();
    if (!a) {
      errs_.push_back(where + std::string(key) + ": expected an array of strings, not " + type_name(*n));
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
                            "market_data", "feed", "trading", "control", "strategies"});
  l.text(root, "account_label", "", c.account_label);
  l.fixed(root, "starting_equity", "", c.starting_equity);
  l.strings(root, "allowed_symbols", "", c.allowed_symbols);
  l.integer(root, "cpu", "", c.cpu);
  l.choice(root, "idle", "", c.idle);
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
      l.milliseconds(*t, "stale_after_ms", w, c.market_data.stale_after_ns);
      l.milliseconds(*t, "gap_after_ms", w, c.market_data.gap_after_ns);
      l.integer(*t, "dedupe_window", w, c.market_data.dedupe_window);
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
      l.choice(*t, "format", w, f.format);
      l.choice(*t, "auth", w, f.auth);
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
  if (const auto* n = root.get("control")) {
    if (const auto* t = n->as_table()) {
      l.unknown_keys(*t, "control.", {"listen"});
      if (t->contains("listen")) c.control.listen_explicit = true;
      l.text(*t, "listen", "control.", c.control.listen);
    } else {
      errs.push_back("control: expected a table");
    }
  }
  if (const auto* n = root.get("trading")) {
    if (const auto* t = n->as_table()) {
      const std::string w = "trading.";
      l.unknown_keys(*t, w, {"broker", "rest_url", "stream_url", "stream_auth", "ca_file", "connections",
                             "request_timeout_ms", "max_retries", "rate_limit_per_minute",
                             "reconcile_timeout_ms", "max_order_age_ms", "max_limit_order_age_ms"});
      auto& tc = c.trading;
      l.choice(*t, "broker", w, tc.broker);
      l.text(*t, "rest_url", w, tc.rest_url);
      l.text(*t, "stream_url", w, tc.stream_url);
      l.choice(*t, "stream_auth", w, tc.stream_auth);
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
        // The common keys; every other key is one of the strategy's own parameters, checked
        // against its declaration below (strategy_catalog.cpp).
        static constexpr std::string_view common[] = {
            "id", "name", "kind", "library", "enabled", "base_timeframe", "alpaca_bars",
            "universe_symbols", "max_position_pct_equity", "max_notional_per_trade", "warmup_bars",
            "max_actions_per_callback"};
        strategy_config s;  // kind defaults to macd_rsi, as it always has
        l.integer(*t, "id", w, s.id.value);
        l.text(*t, "name", w, s.name);
        l.text(*t, "kind", w, s.kind);
        l.text(*t, "library", w, s.library);
        l.boolean(*t, "enabled", w, s.enabled);
        l.text(*t, "base_timeframe", w, s.base_timeframe);
        l.boolean(*t, "alpaca_bars", w, s.alpaca_bars);
        l.strings(*t, "universe_symbols", w, s.universe_symbols);
        l.number(*t, "max_position_pct_equity", w, s.max_position_pct_equity);
        l.fixed(*t, "max_notional_per_trade", w, s.max_notional_per_trade);
        l.integer(*t, "warmup_bars", w, s.warmup_bars);
        l.integer(*t, "max_actions_per_callback", w, s.max_actions_per_callback);
        for (const auto& [key, node] : *t) {
          const std::string_view k = key.str();
          if (std::find(std::begin(common), std::end(common), k) != std::end(common)) continue;
          strategy_param p;
          p.key = std::string(k);
          if (const auto* b = node.as_boolean()) {
            p.type = strategy_param::kind::boolean;
            p.boolean = b->get();
          } else if (const auto* i = node.as_integer()) {
            p.type = strategy_param::kind::integer;
            p.integer = i->get();
          } else if (const auto* d = node.as_floating_point()) {
            p.type = strategy_param::kind::number;
            p.number = d->get();
          } else if (const auto* str = node.as_string()) {
            p.type = strategy_param::kind::text;
            p.text = str->get();
          } else {
            errs.push_back(w + p.key + ": expected a number, an integer, a boolean or a string, not " +
                           type_name(node));
            continue;
          }
          s.params.push_back(std::move(p));
        }
        c.strategies.push_back(std::move(s));
      }
    } else {
      errs.push_back("strategies: expected an array of tables ([[strategies]])");
    }
  } else {
    c.strategies = default_config({}).strategies;
  }
  // Each strategy against its own declaration (kind known, parameters typed and in bounds).
  (void)app::load_strategy_catalog(c, errs);
  // One pass: the values' own rules run even when some keys were refused above (a refused key
  // keeps its default, so it adds nothing here), and every problem is reported together.
  for (auto& e : validate(c)) {
    if (allow_empty_symbols && e.rfind("allowed_symbols: must list", 0) == 0) continue;
    if (allow_empty_symbols && c.allowed_symbols.empty() && e.find("is not in allowed_symbols") != std::string::npos) continue;
    errs.push_back(std::move(e));
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
  // Exact, lower-case spellings only: a switch that moves real money is never guessed at
  // ("LIVE", "yes", "1" stop with an error instead of being read either way).
  trading_mode_result r;
  const std::string mode = mode_env ? mode_env : "";
  const std::string live = live_env ? live_env : "";
  if (!mode.empty() && mode != "paper" && mode != "live") {
    r.error = "TRADING_MODE must be \"paper\" or \"live\" (lower case), not \"" + mode +
              "\"; unset it for paper trading";
    return r;
  }
  if (!live.empty() && live != "true" && live != "false") {
    r.error = "TRADING_LIVE_ENABLED must be \"true\" or \"false\" (lower case), not \"" + live +
              "\"; unset it for paper trading";
    return r;
  }
  if (mode == "live" && live == "true") {
    r.mode = trading_mode::live;
  } else if (mode == "live") {
    r.error = "live trading refused: TRADING_MODE=live also needs TRADING_LIVE_ENABLED=true "
              "(both settings are required; the default is paper trading)";
  } else if (live == "true") {
    r.error = std::string("live trading refused: TRADING_LIVE_ENABLED=true also needs TRADING_MODE=live") +
              (mode.empty() ? " (TRADING_MODE is unset)" : " (TRADING_MODE=paper contradicts it)") +
              "; set both for live trading, or unset TRADING_LIVE_ENABLED for paper trading";
  }
  return r;
}

std::string check_trading_target(const trading_config& t, trading_mode mode) {
  const bool to_alpaca = t.broker == broker_kind::alpaca;
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
