#include "control_api.hpp"

#include "live_page.hpp"
#include "torghut/core/url.hpp"
#include "torghut/persistence/audit_json.hpp"

#include <simdjson.h>
#include <spdlog/spdlog.h>

#include <charconv>
#include <cstdio>
#include <optional>
#include <string_view>

namespace torghut::app {
namespace {

using reply = adapters::http_reply_out;

reply json(int status, std::string body) {
  reply r;
  r.status = status;
  r.body = std::move(body);
  r.body += '\n';
  return r;
}

reply error(int status, std::string_view message) {
  std::string b = R"({"error":)";
  persistence::append_json_string(b, message);
  b += "}";
  return json(status, std::move(b));
}

bool is_control(std::string_view path) {
  return path == "/trading/kill-switch" || path == "/trading/state" || path == "/trading/cancel-all" ||
         path == "/trading/limits/reload";
}
bool is_read(std::string_view path) {
  return path == "/healthz" || path == "/trading/health" || path == "/trading/status" || path == "/metrics" ||
         path == "/" || path == "/index.html" || path == "/trading/positions" || path == "/trading/orders" ||
         path == "/trading/decisions" || path == "/trading/executions";
}

/// `symbol=&since=&limit=` (and the orders' `status=`), or an error message for a 400.
struct list_params {
  std::string error;
  persistence::activity_query q;
  control_backend::listing what = control_backend::listing::decisions;
};

list_params parse_list(std::string_view path, std::string_view query) {
  list_params p;
  using L = control_backend::listing;
  p.what = path == "/trading/decisions" ? L::decisions : path == "/trading/executions" ? L::executions : L::open_orders;
  for (std::string_view rest = query; !rest.empty();) {  // unknown parameters are an error, not ignored
    const std::string_view part = rest.substr(0, rest.find('&'));
    rest.remove_prefix(std::min(rest.size(), part.size() + 1));
    const std::string key = url_decode(part.substr(0, part.find('=')));
    if (key.empty()) continue;
    if (key != "symbol" && key != "since" && key != "limit" && !(key == "status" && p.what == L::open_orders)) {
      p.error = "unknown query parameter \"" + key + "\" (takes symbol, since, limit" +
                (p.what == L::open_orders ? ", status)" : ")");
      return p;
    }
  }
  if (auto s = query_param(query, "symbol"); s && !s->empty()) {
    const bool ok = s->size() <= 15 && s->find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789./") == std::string::npos;
    if (!ok) {
      p.error = "symbol must be a ticker (1 to 15 of A-Z, 0-9, '.', '/')";
      return p;
    }
    p.q.symbol = *s;
  }
  if (auto s = query_param(query, "since"); s && !s->empty()) {
    const auto t = parse_time_param(*s);
    if (!t) {
      p.error = "since must be an RFC 3339 time (2024-03-04T14:30:00Z) or a date (2024-03-04)";
      return p;
    }
    p.q.since = timestamp{*t};
  }
  if (auto s = query_param(query, "limit"); s && !s->empty()) {
    size_t n = 0;
    const auto [end, ec] = std::from_chars(s->data(), s->data() + s->size(), n);
    if (ec != std::errc{} || end != s->data() + s->size() || n < 1 || n > 1000) {
      p.error = "limit must be an integer from 1 to 1000";
      return p;
    }
    p.q.limit = n;
  }
  if (p.what == L::open_orders) {
    const auto st = query_param(query, "status").value_or("open");
    if (st == "open") p.what = L::open_orders;
    else if (st == "closed") p.what = L::closed_orders;
    else if (st == "all") p.what = L::all_orders;
    else p.error = "status must be open, closed or all";
  }
  return p;
}

/// The body's object, or an error message for a 400.
struct body_fields {
  std::string error;
  std::optional<bool> engaged;
  std::string state;
};

body_fields parse_body(const std::string& body) {
  body_fields f;
  if (body.empty()) {
    f.error = "the request needs a JSON body";
    return f;
  }
  simdjson::ondemand::parser parser;
  simdjson::padded_string padded(body);
  simdjson::ondemand::document doc;
  if (parser.iterate(padded).get(doc) != simdjson::SUCCESS) {
    f.error = "the body is not JSON";
    return f;
  }
  simdjson::ondemand::object obj;
  if (doc.get_object().get(obj) != simdjson::SUCCESS) {
    f.error = "the body must be a JSON object";
    return f;
  }
  for (auto field : obj) {
    std::string_view key;
    if (field.unescaped_key().get(key) != simdjson::SUCCESS) {
      f.error = "the body is not valid JSON";
      return f;
    }
    if (key == "engaged") {
      bool b = false;
      if (field.value().get_bool().get(b) != simdjson::SUCCESS) {
        f.error = "\"engaged\" must be true or false";
        return f;
      }
      f.engaged = b;
    } else if (key == "state") {
      std::string_view s;
      if (field.value().get_string().get(s) != simdjson::SUCCESS) {
        f.error = "\"state\" must be a string: ACTIVE, REDUCING or HALTED";
        return f;
      }
      f.state = std::string(s);
    } else {
      f.error = "unknown field \"" + std::string(key) + "\"";
      return f;
    }
  }
  return f;
}

std::optional<trading_state> parse_state(std::string_view s) {
  if (s == "ACTIVE") return trading_state::active;
  if (s == "REDUCING") return trading_state::reducing;
  if (s == "HALTED") return trading_state::halted;
  return std::nullopt;
}

/// The outcome of a control: 200 with what was asked, or 503 with the backend's reason.
reply done(std::string_view what, const std::string& refused) {
  if (!refused.empty()) return error(503, refused);
  std::string b = R"({"ok":true,"command":")";
  b += what;
  b += "\"}";
  return json(200, std::move(b));
}

}  // namespace

bool control_api::authorized(const std::string& header) const noexcept {
  constexpr std::string_view prefix = "Bearer ";
  if (token_.empty() || header.size() < prefix.size()) return false;
  // The scheme is case-insensitive (RFC 7235); the token is compared in constant time.
  for (size_t i = 0; i < prefix.size(); ++i)
    if ((header[i] | 0x20) != (prefix[i] | 0x20)) return false;
  const std::string_view given = std::string_view(header).substr(prefix.size());
  unsigned diff = given.size() == token_.size() ? 0u : 1u;
  for (size_t i = 0; i < token_.size(); ++i)
    diff |= static_cast<unsigned>(static_cast<unsigned char>(token_[i]) ^
                                  static_cast<unsigned char>(i < given.size() ? given[i] : 0));
  return diff == 0;
}

reply control_api::handle(const adapters::http_request_in& r) {
  const std::string_view path = r.path;
  if (is_read(path)) {
    if (r.method != "GET" && r.method != "HEAD") {
      auto e = error(405, std::string(path) + " takes GET");
      e.headers.emplace_back("Allow", "GET, HEAD");
      return e;
    }
    if (path == "/healthz") return json(200, R"({"status":"ok"})");
    if (path == "/" || path == "/index.html") {
      reply page;
      page.content_type = "text/html; charset=utf-8";
      page.body = live_page_html();
      // The page fetches only its own origin and runs only its own inline code.
      page.headers.emplace_back("Content-Security-Policy",
                                "default-src 'self'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; "
                                "img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'");
      page.headers.emplace_back("X-Content-Type-Options", "nosniff");
      page.headers.emplace_back("Cache-Control", "no-store");
      return page;
    }
    if (path == "/trading/positions") return json(200, backend_.positions_json());
    if (path == "/trading/orders" || path == "/trading/decisions" || path == "/trading/executions") {
      const list_params p = parse_list(path, r.query);
      if (!p.error.empty()) return error(400, p.error);
      return json(200, backend_.list_json(p.what, p.q));
    }
    if (path == "/trading/status") return json(200, backend_.status_json());
    if (path == "/trading/health") {
      std::string body;
      const bool ok = backend_.ready(body);
      return json(ok ? 200 : 503, std::move(body));
    }
    metrics_.reset();
    backend_.metrics(metrics_);
    reply m;
    m.content_type = "text/plain; version=0.0.4; charset=utf-8";
    m.body = metrics_.text();
    return m;
  }
  if (!is_control(path)) return error(404, "no such endpoint: " + std::string(path));
  if (r.method != "POST") {
    auto e = error(405, std::string(path) + " takes POST");
    e.headers.emplace_back("Allow", "POST");
    return e;
  }
  if (!authorized(r.authorization)) {
    ++unauthorized_;
    spdlog::warn("control API: {} refused (401: {})", path,
                 token_.empty() ? "TORGHUT_CONTROL_TOKEN is not set" : "missing or wrong bearer token");
    auto e = error(401, token_.empty() ? "controls are disabled: the engine was started without TORGHUT_CONTROL_TOKEN"
                                       : "a bearer token is required (Authorization: Bearer <TORGHUT_CONTROL_TOKEN>)");
    e.headers.emplace_back("WWW-Authenticate", R"(Bearer realm="torghut")");
    return e;
  }
  if (path == "/trading/cancel-all" || path == "/trading/limits/reload") {
    if (!r.body.empty() && r.body.find_first_not_of(" \t\r\n{}") != std::string::npos)
      return error(400, std::string(path) + " takes no body");
    const bool cancel = path == "/trading/cancel-all";
    spdlog::info("control API: {}", cancel ? "cancel all orders" : "reload the risk limits");
    return cancel ? done("cancel_all_orders", backend_.cancel_all_orders())
                  : done("reload_risk_limits", backend_.reload_limits());
  }
  const body_fields f = parse_body(r.body);
  if (!f.error.empty()) return error(400, f.error);
  if (path == "/trading/kill-switch") {
    if (!f.engaged || !f.state.empty()) return error(400, R"(the body must be {"engaged": true} or {"engaged": false})");
    spdlog::warn("control API: kill switch {}", *f.engaged ? "ENGAGED" : "released");
    return done(*f.engaged ? "kill_switch_on" : "kill_switch_off", backend_.kill_switch(*f.engaged));
  }
  const auto st = parse_state(f.state);
  if (!st || f.engaged) return error(400, R"(the body must be {"state": "ACTIVE"}, {"state": "REDUCING"} or {"state": "HALTED"})");
  spdlog::warn("control API: trading state {}", f.state);
  return done("set_trading_state", backend_.set_trading_state(*st));
}

}  // namespace torghut::app
