#include "torghut/persistence/run_record.hpp"

#include <unistd.h>

#include <cmath>
#include <cstdio>

#include "torghut/persistence/audit_json.hpp"

#ifndef TORGHUT_BUILD_VERSION
#define TORGHUT_BUILD_VERSION "unknown"
#endif

namespace torghut::persistence {
namespace {

/// `scheme://user:pass@host/...` → `scheme://host/...` (anything else unchanged).
std::string without_userinfo(std::string_view url) {
  const size_t scheme = url.find("://");
  if (scheme == std::string_view::npos) return std::string(url);
  const size_t start = scheme + 3;
  const size_t end = std::min(url.find_first_of("/?#", start), url.size());
  const size_t at = url.substr(start, end - start).rfind('@');
  if (at == std::string_view::npos) return std::string(url);
  return std::string(url.substr(0, start)) + std::string(url.substr(start + at + 1));
}

/// A tiny JSON writer for what json_object does not do (doubles, arrays).
struct writer {
  std::string& out;
  bool first = true;
  void key(std::string_view k) {
    if (!first) out += ',';
    first = false;
    persistence::append_json_string(out, k);
    out += ':';
  }
  writer& str(std::string_view k, std::string_view v) {
    key(k);
    persistence::append_json_string(out, v);
    return *this;
  }
  writer& num(std::string_view k, double v) {
    key(k);
    char b[32];
    if (!std::isfinite(v)) {
      out += "null";
      return *this;
    }
    out.append(b, static_cast<size_t>(std::snprintf(b, sizeof b, "%.17g", v)));
    return *this;
  }
  writer& u64(std::string_view k, uint64_t v) {
    key(k);
    out += std::to_string(v);
    return *this;
  }
  writer& i64(std::string_view k, int64_t v) {
    key(k);
    out += std::to_string(v);
    return *this;
  }
  writer& boolean(std::string_view k, bool v) {
    key(k);
    out += v ? "true" : "false";
    return *this;
  }
  template <class Fixed>
  writer& dec(std::string_view k, Fixed v) {
    return str(k, decimal_string(v));
  }
  writer& list(std::string_view k, const std::vector<std::string>& v) {
    key(k);
    out += '[';
    for (size_t i = 0; i < v.size(); ++i) {
      if (i) out += ',';
      persistence::append_json_string(out, v[i]);
    }
    out += ']';
    return *this;
  }
  template <class F>
  writer& object(std::string_view k, F&& fill) {
    key(k);
    out += '{';
    writer w{out};
    fill(w);
    out += '}';
    return *this;
  }
};

std::string symbols_json(const std::vector<std::string>& v) {
  std::string out = "[";
  for (size_t i = 0; i < v.size(); ++i) {
    if (i) out += ',';
    persistence::append_json_string(out, v[i]);
  }
  return out + "]";
}

}  // namespace


std::string config_json(const engine_config& c) {
  std::string out = "{";
  writer w{out};
  w.str("account_label", c.account_label).dec("starting_equity", c.starting_equity);
  w.object("limits", [&](writer& l) {
    l.dec("max_notional_per_order", c.limits.max_notional_per_order)
        .num("max_position_pct_equity", c.limits.max_position_pct_equity)
        .dec("max_order_qty", c.limits.max_order_qty)
        .u64("orders_per_minute", c.limits.orders_per_minute)
        .u64("order_burst", c.limits.order_burst)
        .num("price_collar_pct", c.limits.price_collar_pct)
        .dec("daily_loss_limit", c.limits.daily_loss_limit);
  });
  w.list("allowed_symbols", c.allowed_symbols);
  w.key("strategies");
  out += '[';
  for (size_t i = 0; i < c.strategies.size(); ++i) {
    const auto& s = c.strategies[i];
    if (i) out += ',';
    out += '{';
    writer sw{out};
    sw.u64("id", s.id.value).str("name", s.name).str("kind", s.kind).boolean("enabled", s.enabled);
    if (!s.library.empty()) sw.str("library", s.library);
    sw.str("base_timeframe", s.base_timeframe).list("universe_symbols", s.universe_symbols);
    sw.num("max_position_pct_equity", s.max_position_pct_equity).dec("max_notional_per_trade", s.max_notional_per_trade);
    sw.u64("warmup_bars", s.warmup_bars).boolean("alpaca_bars", s.alpaca_bars);
    sw.u64("max_actions_per_callback", s.max_actions_per_callback);
    sw.object("params", [&](writer& pw) {
      for (const auto& p : s.params) {
        switch (p.type) {
          case strategy_param::kind::boolean: pw.boolean(p.key, p.boolean); break;
          case strategy_param::kind::integer: pw.i64(p.key, p.integer); break;
          case strategy_param::kind::number: pw.num(p.key, p.number); break;
          case strategy_param::kind::text: pw.str(p.key, p.text); break;
        }
      }
    });
    out += '}';
  }
  out += ']';
  w.object("market_data", [&](writer& m) {
    m.i64("stale_after_ns", c.market_data.stale_after_ns)
        .u64("dedupe_window", c.market_data.dedupe_window)
        .i64("gap_after_ns", c.market_data.gap_after_ns)
        .i64("max_future_skew_ns", c.market_data.max_future_skew_ns)
        .i64("max_past_age_ns", c.market_data.max_past_age_ns);
  });
  w.object("feed", [&](writer& f) {
    f.str("url", without_userinfo(c.feed.url)).str("format", name_of(c.feed.format)).str("auth", name_of(c.feed.auth));
    f.list("trades", c.feed.trades).list("quotes", c.feed.quotes).list("bars", c.feed.bars);
    f.str("ca_file", c.feed.ca_file).str("lease_dir", c.feed.lease_dir).str("relay_listen", c.feed.relay_listen);
    f.str("relay_url", without_userinfo(c.feed.relay_url)).str("record", c.feed.record);
    f.u64("healthy_after_ms", c.feed.healthy_after_ms);
  });
  w.object("trading", [&](writer& t) {
    t.str("broker", name_of(c.trading.broker)).str("rest_url", without_userinfo(c.trading.rest_url));
    t.str("stream_url", without_userinfo(c.trading.stream_url)).str("stream_auth", name_of(c.trading.stream_auth));
    t.str("ca_file", c.trading.ca_file).u64("connections", c.trading.connections);
    t.u64("request_timeout_ms", c.trading.request_timeout_ms).u64("max_retries", c.trading.max_retries);
    t.u64("rate_limit_per_minute", c.trading.rate_limit_per_minute);
    t.u64("reconcile_timeout_ms", c.trading.reconcile_timeout_ms);
    t.u64("max_order_age_ms", c.trading.max_order_age_ms).u64("max_limit_order_age_ms", c.trading.max_limit_order_age_ms);
  });
  w.u64("mailbox_capacity", c.mailbox_capacity).u64("audit_capacity", c.audit_capacity);
  w.u64("symbol_capacity", c.symbol_capacity).i64("cpu", c.cpu);
  w.str("idle", c.idle == idle_kind::busy_spin ? "busy-spin" : "backoff");
  out += '}';
  return out;
}

std::vector<persistence::strategy_row> strategy_rows(const engine_config& cfg) {
  std::vector<persistence::strategy_row> out;
  for (const auto& s : cfg.strategies) {
    persistence::strategy_row r;
    r.engine_strategy_id = s.id.value;
    r.enabled = s.enabled;
    r.name = s.name;
    r.description = s.kind;
    r.base_timeframe = s.base_timeframe;
    r.universe_symbols_json = symbols_json(s.universe_symbols.empty() ? cfg.allowed_symbols : s.universe_symbols);
    char b[32];
    if (std::isfinite(s.max_position_pct_equity))
      r.max_position_pct_equity.assign(b, static_cast<size_t>(std::snprintf(b, sizeof b, "%.10g", s.max_position_pct_equity)));
    r.max_notional_per_trade = s.max_notional_per_trade;
    out.push_back(std::move(r));
  }
  return out;
}

std::string_view build_version() noexcept { return TORGHUT_BUILD_VERSION; }

std::string host_name() {
  char b[256] = {};
  if (::gethostname(b, sizeof b - 1) != 0) return {};
  return b;
}

}  // namespace torghut::persistence
