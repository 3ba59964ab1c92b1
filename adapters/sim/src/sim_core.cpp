// The trading simulator's logic (no I/O): see sim_core.hpp.
#include "sim_core.hpp"

#include <simdjson.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

#include "torghut/core/rfc3339.hpp"

namespace torghut::adapters::sim {

namespace od = simdjson::ondemand;

namespace {

constexpr int64_t ns_per_ms = 1'000'000;

std::string time_text(int64_t ns) {
  char b[40];
  return std::string(b, format_rfc3339(timestamp{ns}, b, rfc3339_fraction::nine));
}

template <class F>
std::string dec(F v) {
  return decimal_string(v);
}

/// A tiny JSON object writer: keys in the order written, values escaped or raw.
class obj_writer {
 public:
  explicit obj_writer(std::string& o) : o_(o) { o_.push_back('{'); }
  void key(std::string_view k) {
    if (!first_) o_.push_back(',');
    first_ = false;
    o_.push_back('"');
    o_.append(k);
    o_.append("\":");
  }
  void str(std::string_view k, std::string_view v) {
    key(k);
    o_.push_back('"');
    append_escaped(o_, v);
    o_.push_back('"');
  }
  void raw(std::string_view k, std::string_view v) {
    key(k);
    o_.append(v);
  }
  void null(std::string_view k) { raw(k, "null"); }
  void boolean(std::string_view k, bool b) { raw(k, b ? "true" : "false"); }
  void num(std::string_view k, int64_t v) { raw(k, std::to_string(v)); }
  template <class F>
  void decimal(std::string_view k, F v) {
    str(k, dec(v));
  }
  template <class F>
  void opt_decimal(std::string_view k, const std::optional<F>& v) {
    if (v) {
      decimal(k, *v);
    } else {
      null(k);
    }
  }
  void time(std::string_view k, int64_t ns) {
    if (ns == 0) {
      null(k);
    } else {
      str(k, time_text(ns));
    }
  }
  void close() { o_.push_back('}'); }

 private:
  std::string& o_;
  bool first_ = true;
};

std::string error_body(int64_t code, std::string_view message) {
  std::string s;
  obj_writer w(s);
  w.num("code", code);
  w.str("message", message);
  w.close();
  return s;
}

void set_error(http_out& out, unsigned status, int64_t code, std::string_view message) {
  out.status = status;
  out.body = error_body(code, message);
}

int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string url_decode(std::string_view s) {
  std::string r;
  r.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      const int h = hexval(s[i + 1]), l = hexval(s[i + 2]);
      if (h >= 0 && l >= 0) {
        r.push_back(static_cast<char>(h * 16 + l));
        i += 2;
        continue;
      }
    }
    r.push_back(s[i] == '+' ? ' ' : s[i]);
  }
  return r;
}

/// The value of `name` in a query string ("a=1&b=2"), decoded; nullopt when absent.
std::optional<std::string> query_param(std::string_view query, std::string_view name) {
  while (!query.empty()) {
    const size_t amp = query.find('&');
    const std::string_view part = query.substr(0, amp);
    const size_t eq = part.find('=');
    const std::string_view k = part.substr(0, eq);
    if (url_decode(k) == name) return eq == std::string_view::npos ? std::string() : url_decode(part.substr(eq + 1));
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return std::nullopt;
}

std::optional<int64_t> parse_int(std::string_view s) {
  if (s.empty() || s.size() > 18) return std::nullopt;
  int64_t v = 0;
  for (const char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return v;
}

/// RFC 3339, or a bare date (midnight UTC).
std::optional<int64_t> parse_time_param(std::string_view s) {
  if (s.size() == 10) {
    std::string t(s);
    t += "T00:00:00Z";
    const auto r = parse_rfc3339(t);
    return r ? std::optional<int64_t>(r->ns) : std::nullopt;
  }
  const auto r = parse_rfc3339(s);
  return r ? std::optional<int64_t>(r->ns) : std::nullopt;
}

bool valid_symbol(std::string_view s) {
  if (s.empty() || s.size() > 15) return false;
  for (const char c : s)
    if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '/')) return false;
  return true;
}

/// A ratio num/den as a 9-decimal fixed text ("0.0125"); "0" when den is 0.
std::string ratio_text(int64_t num, int64_t den) {
  if (den == 0) return "0";
  const int128_t r = static_cast<int128_t>(num) * price::scale / den;
  if (r > std::numeric_limits<int64_t>::max() || r < std::numeric_limits<int64_t>::min()) return "0";
  return dec(price::from_raw(static_cast<int64_t>(r)));
}

money money_of(price p, quantity q) { return checked_notional(p, q).value_or(money{}); }

money add(money a, money b) { return checked_add(a, b).value_or(a); }
money sub(money a, money b) { return checked_sub(a, b).value_or(a); }

quantity qabs(quantity q) { return quantity::from_raw(q.raw < 0 ? -q.raw : q.raw); }

constexpr std::array<std::string_view, c_count> counter_names = {
    "http_requests", "orders_posted", "orders_accepted", "rejected_401", "rejected_403",
    "rejected_404", "rejected_422", "duplicate_coid", "rate_limited", "injected_5xx",
    "dropped_responses", "cancels", "fills", "partial_fills", "ioc_fok_canceled",
    "rejected_events", "expired", "stream_connections", "stream_auth_ok", "stream_auth_failed",
    "events_sent", "streams_killed", "market_events", "market_overflows", "active_streams"};

bool read_scalar(od::value& v, json_field& jf) {
  od::json_type t;
  if (v.type().get(t)) return false;
  switch (t) {
    case od::json_type::string: {
      std::string_view s;
      if (v.get_string().get(s)) return false;
      jf.k = json_field::kind::string;
      jf.text.assign(s);
      return true;
    }
    case od::json_type::number: {
      std::string_view raw = v.raw_json_token();
      while (!raw.empty() && (raw.back() == ' ' || raw.back() == '\n' || raw.back() == '\r' || raw.back() == '\t'))
        raw.remove_suffix(1);
      jf.k = json_field::kind::number;
      jf.text.assign(raw);
      return true;
    }
    case od::json_type::boolean: {
      bool b = false;
      if (v.get_bool().get(b)) return false;
      jf.k = json_field::kind::boolean;
      jf.text = b ? "true" : "false";
      return true;
    }
    case od::json_type::null: {
      bool n = false;
      if (v.is_null().get(n) || !n) return false;
      jf.k = json_field::kind::null;
      return true;
    }
    default:  // object or array: left unread (the iterator skips it)
      jf.k = json_field::kind::other;
      return true;
  }
}

thread_local od::parser tl_parser;

}  // namespace

void append_escaped(std::string& out, std::string_view s) {
  static constexpr char hex[] = "0123456789abcdef";
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"': out.append("\\\""); break;
      case '\\': out.append("\\\\"); break;
      case '\n': out.append("\\n"); break;
      case '\r': out.append("\\r"); break;
      case '\t': out.append("\\t"); break;
      default:
        if (c < 0x20) {
          out.append("\\u00");
          out.push_back(hex[c >> 4]);
          out.push_back(hex[c & 15]);
        } else {
          out.push_back(ch);
        }
    }
  }
}

bool parse_flat_object(std::string_view text, json_object& out) {
  out.fields.clear();
  simdjson::padded_string ps(text);
  od::document doc;
  if (tl_parser.iterate(ps).get(doc)) return false;
  od::object obj;
  if (doc.get_object().get(obj)) return false;
  for (auto fr : obj) {
    od::field f;
    if (std::move(fr).get(f)) return false;
    std::string_view k;
    if (f.unescaped_key().get(k)) return false;
    json_field jf;
    jf.name.assign(k);
    od::value v = f.value();
    if (!read_scalar(v, jf)) return false;
    out.fields.push_back(std::move(jf));
  }
  return true;
}

bool parse_stream_message(std::string_view text, json_object& top, json_object& data) {
  top.fields.clear();
  data.fields.clear();
  simdjson::padded_string ps(text);
  od::document doc;
  if (tl_parser.iterate(ps).get(doc)) return false;
  od::object obj;
  if (doc.get_object().get(obj)) return false;
  for (auto fr : obj) {
    od::field f;
    if (std::move(fr).get(f)) return false;
    std::string_view k;
    if (f.unescaped_key().get(k)) return false;
    od::value v = f.value();
    od::json_type t;
    if (v.type().get(t)) return false;
    if (k == "data" && t == od::json_type::object) {
      od::object d;
      if (v.get_object().get(d)) return false;
      for (auto dfr : d) {
        od::field df;
        if (std::move(dfr).get(df)) return false;
        std::string_view dk;
        if (df.unescaped_key().get(dk)) return false;
        od::value dv = df.value();
        od::json_type dt;
        if (dv.type().get(dt)) return false;
        if (dt == od::json_type::array) {
          od::array arr;
          if (dv.get_array().get(arr)) return false;
          for (auto el : arr) {
            od::value ev;
            if (std::move(el).get(ev)) return false;
            json_field jf;
            jf.name = std::string(dk) + "[]";
            if (!read_scalar(ev, jf)) return false;
            data.fields.push_back(std::move(jf));
          }
          continue;
        }
        json_field jf;
        jf.name.assign(dk);
        if (!read_scalar(dv, jf)) return false;
        data.fields.push_back(std::move(jf));
      }
      continue;
    }
    json_field jf;
    jf.name.assign(k);
    if (!read_scalar(v, jf)) return false;
    top.fields.push_back(std::move(jf));
  }
  return true;
}

trading_sim_stats counters::snapshot() const noexcept {
  trading_sim_stats s;
  s.http_requests = get(c_http_requests);
  s.orders_posted = get(c_orders_posted);
  s.orders_accepted = get(c_orders_accepted);
  s.rejected_401 = get(c_rejected_401);
  s.rejected_403 = get(c_rejected_403);
  s.rejected_404 = get(c_rejected_404);
  s.rejected_422 = get(c_rejected_422);
  s.duplicate_coid = get(c_duplicate_coid);
  s.rate_limited = get(c_rate_limited);
  s.injected_5xx = get(c_injected_5xx);
  s.dropped_responses = get(c_dropped_responses);
  s.cancels = get(c_cancels);
  s.fills = get(c_fills);
  s.partial_fills = get(c_partial_fills);
  s.ioc_fok_canceled = get(c_ioc_fok_canceled);
  s.rejected_events = get(c_rejected_events);
  s.expired = get(c_expired);
  s.stream_connections = get(c_stream_connections);
  s.stream_auth_ok = get(c_stream_auth_ok);
  s.stream_auth_failed = get(c_stream_auth_failed);
  s.events_sent = get(c_events_sent);
  s.streams_killed = get(c_streams_killed);
  s.market_events = get(c_market_events);
  s.market_overflows = get(c_market_overflows);
  s.active_streams = get(c_active_streams);
  return s;
}

// ---------------------------------------------------------------------------------------------
// sim_core
// ---------------------------------------------------------------------------------------------

sim_core::sim_core(const trading_sim_options& o, counters& c) : opt_(o), ctr_(c) {
  const double m = std::isfinite(o.buying_power_multiplier) && o.buying_power_multiplier > 0
                       ? std::min(o.buying_power_multiplier, 100.0)
                       : 1.0;
  multiplier_micro_ = std::llround(m * 1e6);
  uint64_t seed = o.seed;
  if (seed == 0) {
    std::random_device rd;
    seed = (static_cast<uint64_t>(rd()) << 32) ^ rd();
  }
  rng_.seed(seed);
  fault_rng_.seed(seed ^ 0x9e3779b97f4a7c15ULL);
}

bool sim_core::credentials_ok(std::string_view key, std::string_view secret) const noexcept {
  for (const auto& c : opt_.credentials)
    if (c.key == key && c.secret == secret) return true;
  return false;
}

std::string sim_core::uuid() {
  const uint64_t a = rng_(), b = rng_();
  unsigned char bytes[16];
  for (int i = 0; i < 8; ++i) {
    bytes[i] = static_cast<unsigned char>(a >> (8 * i));
    bytes[8 + i] = static_cast<unsigned char>(b >> (8 * i));
  }
  bytes[6] = static_cast<unsigned char>((bytes[6] & 0x0f) | 0x40);  // version 4
  bytes[8] = static_cast<unsigned char>((bytes[8] & 0x3f) | 0x80);  // RFC 4122 variant
  static constexpr char hex[] = "0123456789abcdef";
  std::string s;
  s.reserve(36);
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) s.push_back('-');
    s.push_back(hex[bytes[i] >> 4]);
    s.push_back(hex[bytes[i] & 15]);
  }
  return s;
}

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
    if (m.have_quote && m.bid.is_positive() && m.ask.is_positive())
      return price::from_raw(static_cast<int64_t>((static_cast<int128_t>(m.bid.raw) + m.ask.raw) / 2));
    if (m.have_last) return m.last;
    if (m.have_quote && m.bid.is_positive()) return m.bid;
    if (m.have_quote && m.ask.is_positive()) return m.ask;
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
  if ((o.type == otype::limit || o.type == otype::stop_limit) && o.limit) return o.limit;
  auto it = markets_.find(o.symbol);
  if (it != markets_.end()) {
    const market& m = it->second;
    const price touch = o.buy ? m.ask : m.bid;
    if (m.have_quote && touch.is_positive()) return touch;
    if (m.have_last) return m.last;
  }
  if (o.stop) return o.stop;
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

// --- REST ---------------------------------------------------------------------------------------

void sim_core::rate_headers(std::string_view key, int64_t wall_ns, bool count, bool& limited, http_out& out) {
  const int64_t window_ns = std::max<int64_t>(opt_.rate_limit_window.count(), 1) * ns_per_ms;
  const uint32_t limit = opt_.rate_limit_per_minute;
  auto put = [&out](uint64_t lim, uint64_t rem, int64_t reset_ns) {
    const int64_t reset_s = (reset_ns + ns_per_second - 1) / ns_per_second;
    out.headers.emplace_back("X-Ratelimit-Limit", std::to_string(lim));
    out.headers.emplace_back("X-Ratelimit-Remaining", std::to_string(rem));
    out.headers.emplace_back("X-Ratelimit-Reset", std::to_string(reset_s));
  };
  if (limit == 0) {
    put(std::numeric_limits<uint32_t>::max(), std::numeric_limits<uint32_t>::max(), wall_ns + window_ns);
    return;
  }
  if (key.empty()) {  // unauthenticated: no window of its own
    put(limit, limit, wall_ns + window_ns);
    return;
  }
  rate_window& w = rate_[std::string(key)];
  if (w.start_ns == 0 || wall_ns - w.start_ns >= window_ns) {
    w.start_ns = wall_ns;
    w.used = 0;
  }
  if (count) {
    if (w.used >= limit) {
      limited = true;
    } else {
      ++w.used;
    }
  }
  put(limit, limited ? 0 : limit - w.used, w.start_ns + window_ns);
}

void sim_core::handle(const http_in& in, int64_t wall_ns, int64_t steady_ns, http_out& out,
                      std::vector<outgoing_event>& events) {
  ctr_.bump(c_http_requests);
  out = http_out{};
  std::string_view path = in.target;
  std::string_view query;
  if (const size_t q = path.find('?'); q != std::string_view::npos) {
    query = path.substr(q + 1);
    path = path.substr(0, q);
  }

  // Debug endpoints: loopback only, no auth, never limited or faulted.
  if (path.substr(0, 6) == "/_sim/") {
    if (in.from_loopback && in.method == "GET" && path == "/_sim/stats") {
      write_stats(out.body);
      return;
    }
    if (in.from_loopback && in.method == "POST" && path == "/_sim/faults") {
      json_object body;
      if (!parse_flat_object(in.body, body)) {
        set_error(out, 422, 40010001, "invalid JSON body");
        ctr_.bump(c_rejected_422);
        return;
      }
      apply_faults(body, wall_ns, out, events);
      return;
    }
    ctr_.bump(c_rejected_404);
    set_error(out, 404, 40410000, "endpoint not found");
    return;
  }

  const bool is_post_order = in.method == "POST" && path == "/v2/orders";
  json_object body;
  bool body_ok = false;
  if (is_post_order) {
    ctr_.bump(c_orders_posted);
    body_ok = parse_flat_object(in.body, body);
    std::string_view coid, symbol;
    if (body_ok) {
      if (const auto* f = body.find("client_order_id"); f != nullptr && f->k == json_field::kind::string) coid = f->text;
      if (const auto* f = body.find("symbol"); f != nullptr && f->k == json_field::kind::string) symbol = f->text;
    }
    if (!coid.empty()) {
      std::lock_guard<std::mutex> lk(posts_mutex_);
      auto it = posts_.find(coid);
      if (it == posts_.end()) {
        posts_.emplace(std::string(coid), 1);
      } else {
        ++it->second;
      }
    }
    std::lock_guard<std::mutex> lk(observer_mutex_);
    if (observer_) observer_(coid, symbol, steady_ns);
  }

  bool limited = false;
  if (!in.key_id || !in.secret_key || !credentials_ok(*in.key_id, *in.secret_key)) {
    rate_headers({}, wall_ns, false, limited, out);
    ctr_.bump(c_rejected_401);
    set_error(out, 401, 40110000, "request is not authorized");
    return;
  }
  const std::string_view key = *in.key_id;

  // Forced 429 (fault switch) first, then the real window.
  uint32_t f = force_429.load(std::memory_order_relaxed);
  while (f > 0 && !force_429.compare_exchange_weak(f, f - 1, std::memory_order_relaxed)) {
  }
  if (f > 0) {
    bool ignored = true;
    rate_headers(key, wall_ns, false, ignored, out);  // ignored = true: Remaining 0
    ctr_.bump(c_rate_limited);
    set_error(out, 429, 42910000, "rate limit exceeded");
    return;
  }
  rate_headers(key, wall_ns, true, limited, out);
  if (limited) {
    ctr_.bump(c_rate_limited);
    set_error(out, 429, 42910000, "rate limit exceeded");
    return;
  }

  const double p = error_rate.load(std::memory_order_relaxed);
  if (p > 0 && std::uniform_real_distribution<double>(0.0, 1.0)(fault_rng_) < p) {
    const unsigned st = error_status.load(std::memory_order_relaxed);
    ctr_.bump(c_injected_5xx);
    set_error(out, st >= 500 && st <= 599 ? st : 500, 50010000, "internal server error");
    return;
  }

  uint32_t d = drop_next.load(std::memory_order_relaxed);
  while (d > 0 && !drop_next.compare_exchange_weak(d, d - 1, std::memory_order_relaxed)) {
  }
  if (d > 0) {
    out.drop = true;
    ctr_.bump(c_dropped_responses);
  }

  account& a = account_for(key);
  auto not_allowed = [&out] { set_error(out, 405, 40510000, "method not allowed"); };
  auto not_found = [&](std::string_view what) {
    ctr_.bump(c_rejected_404);
    set_error(out, 404, 40410000, what);
  };

  if (path == "/v2/orders") {
    if (in.method == "POST") {
      post_order(a, in, body_ok ? &body : nullptr, wall_ns, out, events);
    } else if (in.method == "GET") {
      list_orders(a, query, out);
    } else if (in.method == "DELETE") {
      out.status = 207;
      out.body = "[";
      bool first = true;
      std::vector<order*> open;
      for (auto& up : a.orders)
        if (up->open()) open.push_back(up.get());
      for (order* o : open) {
        cancel_order(a, *o, wall_ns, events);
        if (!first) out.body.push_back(',');
        first = false;
        out.body += "{\"id\":\"" + o->id + "\",\"status\":200,\"body\":";
        write_order(*o, out.body);
        out.body.push_back('}');
      }
      out.body.push_back(']');
    } else {
      not_allowed();
    }
    return;
  }
  if (path == "/v2/orders:by_client_order_id") {
    if (in.method != "GET") {
      not_allowed();
      return;
    }
    const auto coid = query_param(query, "client_order_id");
    auto it = coid ? a.by_coid.find(*coid) : a.by_coid.end();
    if (it == a.by_coid.end()) {
      not_found("order not found");
      return;
    }
    write_order(*it->second, out.body);
    return;
  }
  if (path.substr(0, 11) == "/v2/orders/") {
    const std::string id = url_decode(path.substr(11));
    auto it = a.by_id.find(id);
    if (it == a.by_id.end()) {
      not_found("order not found");
      return;
    }
    order& o = *it->second;
    if (in.method == "GET") {
      write_order(o, out.body);
    } else if (in.method == "DELETE") {
      if (!o.open()) {
        ctr_.bump(c_rejected_422);
        set_error(out, 422, 42210000, "order is not cancelable");
        return;
      }
      cancel_order(a, o, wall_ns, events);
      out.status = 204;
      out.body.clear();
    } else if (in.method == "PATCH") {
      ctr_.bump(c_rejected_422);
      set_error(out, 422, 40010001, "order replacement is not supported by the simulator");
    } else {
      not_allowed();
    }
    return;
  }
  if (path == "/v2/positions") {
    if (in.method != "GET") {
      not_allowed();
      return;
    }
    out.body = "[";
    bool first = true;
    for (const auto& [sym, pos] : a.positions) {
      if (!first) out.body.push_back(',');
      first = false;
      write_position(sym, pos, out.body);
    }
    out.body.push_back(']');
    return;
  }
  if (path.substr(0, 14) == "/v2/positions/") {
    if (in.method != "GET") {
      not_allowed();
      return;
    }
    const std::string sym = url_decode(path.substr(14));
    auto it = a.positions.find(sym);
    if (it == a.positions.end()) {
      not_found("position does not exist");
      return;
    }
    write_position(it->first, it->second, out.body);
    return;
  }
  if (path == "/v2/account") {
    if (in.method != "GET") {
      not_allowed();
      return;
    }
    write_account(a, wall_ns, out.body);
    return;
  }
  if (path == "/v2/clock") {
    if (in.method != "GET") {
      not_allowed();
      return;
    }
    write_clock(wall_ns, out.body);
    return;
  }
  not_found("endpoint not found");
}

void sim_core::post_order(account& a, const http_in&, const json_object* body, int64_t now,
                          http_out& out, std::vector<outgoing_event>& events) {
  auto invalid = [&](std::string_view msg) {
    ctr_.bump(c_rejected_422);
    set_error(out, 422, 40010001, msg);
  };
  if (body == nullptr) {
    invalid("request body must be a JSON object");
    return;
  }
  // Text of a string field ("" when absent or null); false on a wrong type.
  auto text = [body](std::string_view name, std::string& v, bool& present) {
    present = false;
    v.clear();
    const json_field* f = body->find(name);
    if (f == nullptr || f->k == json_field::kind::null) return true;
    if (f->k != json_field::kind::string) return false;
    present = true;
    v = f->text;
    return true;
  };
  // Decimal fields: strings or numbers (read from their text, never through a double).
  auto decimal_text = [body](std::string_view name, std::string& v, bool& present) {
    present = false;
    const json_field* f = body->find(name);
    if (f == nullptr || f->k == json_field::kind::null) return true;
    if (f->k != json_field::kind::string && f->k != json_field::kind::number) return false;
    present = true;
    v = f->text;
    return true;
  };

  order o;
  bool present = false;
  std::string v;
  if (!text("symbol", v, present)) return invalid("symbol must be a string");
  if (!present || v.empty()) return invalid("symbol is required");
  if (!valid_symbol(v)) return invalid("symbol is invalid");
  o.symbol = v;

  if (!text("side", v, present)) return invalid("side must be a string");
  if (!present) return invalid("side is required");
  if (v == "buy") {
    o.buy = true;
  } else if (v == "sell") {
    o.buy = false;
  } else {
    return invalid("side must be buy or sell");
  }

  if (!text("type", v, present)) return invalid("type must be a string");
  if (!present) return invalid("type is required");
  if (v == "market") {
    o.type = otype::market;
  } else if (v == "limit") {
    o.type = otype::limit;
  } else if (v == "stop") {
    o.type = otype::stop;
  } else if (v == "stop_limit") {
    o.type = otype::stop_limit;
  } else if (v == "trailing_stop") {
    return invalid("type trailing_stop is not supported by the simulator");
  } else {
    return invalid("type must be market, limit, stop or stop_limit");
  }

  if (!text("time_in_force", v, present)) return invalid("time_in_force must be a string");
  if (!present) return invalid("time_in_force is required");
  static constexpr std::string_view tifs[] = {"day", "gtc", "opg", "cls", "ioc", "fok"};
  const auto* tif_it = std::find(std::begin(tifs), std::end(tifs), v);
  if (tif_it == std::end(tifs)) return invalid("time_in_force must be day, gtc, opg, cls, ioc or fok");
  o.tif = static_cast<otif>(tif_it - std::begin(tifs));

  bool have_qty = false, have_notional = false;
  std::string qtext, ntext;
  if (!decimal_text("qty", qtext, have_qty)) return invalid("qty must be a decimal string");
  if (!decimal_text("notional", ntext, have_notional)) return invalid("notional must be a decimal string");
  if (have_qty && have_notional) return invalid("qty and notional cannot both be given");
  if (!have_qty && !have_notional) return invalid("qty or notional is required");
  if (have_qty) {
    const auto q = parse_decimal<quantity>(qtext);
    if (!q) return invalid("qty is not a valid decimal");
    if (!q->is_positive()) return invalid("qty must be > 0");
    if (q->raw % quantity::scale != 0 && o.tif != otif::day) return invalid("qty: fractional orders must be day orders");
    o.qty = *q;
    o.target = *q;
  } else {
    const auto n = parse_decimal<money>(ntext);
    if (!n) return invalid("notional is not a valid decimal");
    if (!n->is_positive()) return invalid("notional must be > 0");
    if (o.type != otype::market) return invalid("notional is only supported for market orders");
    if (o.tif != otif::day) return invalid("notional: fractional orders must be day orders");
    o.notional = *n;
  }

  bool have_limit = false, have_stop = false;
  std::string ltext, stext;
  if (!decimal_text("limit_price", ltext, have_limit)) return invalid("limit_price must be a decimal string");
  if (!decimal_text("stop_price", stext, have_stop)) return invalid("stop_price must be a decimal string");
  if (o.type == otype::limit || o.type == otype::stop_limit) {
    if (!have_limit) return invalid("limit_price is required for limit and stop_limit orders");
    const auto p = parse_decimal<price>(ltext);
    if (!p || !p->is_positive()) return invalid("limit_price must be a positive decimal");
    o.limit = *p;
  }
  if (o.type == otype::stop || o.type == otype::stop_limit) {
    if (!have_stop) return invalid("stop_price is required for stop and stop_limit orders");
    const auto p = parse_decimal<price>(stext);
    if (!p || !p->is_positive()) return invalid("stop_price must be a positive decimal");
    o.stop = *p;
  }

  if (const json_field* f = body->find("extended_hours"); f != nullptr && f->k != json_field::kind::null) {
    if (f->k != json_field::kind::boolean) return invalid("extended_hours must be a boolean");
    o.extended_hours = f->text == "true";
    if (o.extended_hours && !(o.type == otype::limit && o.tif == otif::day))
      return invalid("extended_hours orders must be limit orders with time_in_force day");
  }

  if (!text("order_class", v, present)) return invalid("order_class must be a string");
  if (present && !v.empty() && v != "simple")
    return invalid("order_class " + v + " is not supported by the simulator");
  o.order_class = present ? v : std::string();

  if (!text("client_order_id", v, present)) return invalid("client_order_id must be a string");
  if (present && v.size() > 48) return invalid("client_order_id must be no more than 48 characters");
  if (present && !v.empty()) {
    if (a.by_coid.count(v) != 0) {
      ctr_.bump(c_duplicate_coid);
      return invalid("client_order_id must be unique");
    }
    o.coid = v;
  }

  // Buying power: only the part that opens (or grows) a position needs it.
  const auto pit = a.positions.find(o.symbol);
  const quantity pos = pit == a.positions.end() ? quantity{} : pit->second.qty;
  const bool reducing = o.buy ? pos.is_negative() : pos.is_positive();
  o.position_intent = std::string(o.buy ? "buy" : "sell") + (reducing ? "_to_close" : "_to_open");
  money cost{};
  bool check = true;
  if (o.notional) {
    cost = *o.notional;
    o.opening = !reducing;
    check = !reducing;
  } else {
    const quantity held = qabs(pos);
    const quantity opening = reducing ? quantity::from_raw(std::max<int64_t>(0, o.qty->raw - held.raw)) : *o.qty;
    o.opening = opening.is_positive();
    check = o.opening;
    if (check) {
      const auto est = estimate_price(o);
      if (est) {
        cost = money_of(*est, opening);
      } else if (!opt_.refuse_unpriced_orders) {
        check = false;
      }
    }
  }
  if (check) {
    const money bp = buying_power(a);
    if (cost > bp || (cost.is_zero() && opt_.refuse_unpriced_orders && !o.notional && !estimate_price(o))) {
      ctr_.bump(c_rejected_403);
      out.status = 403;
      out.body.clear();
      obj_writer w(out.body);
      w.num("code", 40310000);
      w.str("message", "insufficient buying power");
      w.decimal("buying_power", bp);
      w.decimal("cost_basis", cost);
      w.close();
      return;
    }
  }

  o.id = uuid();
  if (o.coid.empty()) o.coid = uuid();
  o.key = a.key;
  o.asset_id = market_for(o.symbol).asset_id;
  o.status = "accepted";
  o.created = o.updated = o.submitted = now;
  a.orders.push_back(std::make_unique<order>(std::move(o)));
  order& ord = *a.orders.back();
  a.by_id.emplace(ord.id, &ord);
  a.by_coid.emplace(ord.coid, &ord);
  ctr_.bump(c_orders_accepted);
  out.status = 200;
  write_order(ord, out.body);

  // Then the order goes live: `new`, and at once a rejection (fault switch) or the fill model.
  ord.status = "new";
  emit(ord, "new", now, events);
  uint32_t r = reject_next.load(std::memory_order_relaxed);
  while (r > 0 && !reject_next.compare_exchange_weak(r, r - 1, std::memory_order_relaxed)) {
  }
  if (r > 0) {
    ord.status = "rejected";
    ord.failed_at = ord.updated = now;
    ctr_.bump(c_rejected_events);
    emit(ord, "rejected", now, events);
    return;
  }
  book_[ord.symbol].push_back(&ord);
  try_fill(ord, now, events);
  if (ord.open() && (ord.tif == otif::ioc || ord.tif == otif::fok)) {
    ord.status = "canceled";
    ord.canceled_at = ord.updated = now;
    finish_open(ord);
    ctr_.bump(c_ioc_fok_canceled);
    emit(ord, "canceled", now, events);
  }
}

void sim_core::list_orders(account& a, std::string_view query, http_out& out) {
  auto invalid = [&](std::string_view msg) {
    ctr_.bump(c_rejected_422);
    set_error(out, 422, 40010001, msg);
  };
  const std::string status = query_param(query, "status").value_or("open");
  if (status != "open" && status != "closed" && status != "all") return invalid("status must be open, closed or all");
  int64_t limit = 50;
  if (const auto l = query_param(query, "limit")) {
    const auto n = parse_int(*l);
    if (!n || *n < 1) return invalid("limit must be a positive integer");
    limit = std::min<int64_t>(*n, 500);
  }
  const std::string direction = query_param(query, "direction").value_or("desc");
  if (direction != "asc" && direction != "desc") return invalid("direction must be asc or desc");
  std::optional<int64_t> after, until;
  if (const auto s = query_param(query, "after"); s && !s->empty()) {
    after = parse_time_param(*s);
    if (!after) return invalid("after must be an RFC 3339 timestamp");
  }
  if (const auto s = query_param(query, "until"); s && !s->empty()) {
    until = parse_time_param(*s);
    if (!until) return invalid("until must be an RFC 3339 timestamp");
  }
  std::vector<std::string> symbols;
  if (const auto s = query_param(query, "symbols"); s && !s->empty()) {
    std::string_view rest = *s;
    while (!rest.empty()) {
      const size_t c = rest.find(',');
      if (const std::string_view one = rest.substr(0, c); !one.empty()) symbols.emplace_back(one);
      if (c == std::string_view::npos) break;
      rest.remove_prefix(c + 1);
    }
  }
  std::vector<const order*> sel;
  for (const auto& up : a.orders) {
    const order& o = *up;
    if (status == "open" && !o.open()) continue;
    if (status == "closed" && o.open()) continue;
    if (after && o.submitted <= *after) continue;
    if (until && o.submitted >= *until) continue;
    if (!symbols.empty() && std::find(symbols.begin(), symbols.end(), o.symbol) == symbols.end()) continue;
    sel.push_back(&o);
  }
  if (direction == "desc") std::reverse(sel.begin(), sel.end());
  if (sel.size() > static_cast<size_t>(limit)) sel.resize(static_cast<size_t>(limit));
  out.body = "[";
  for (size_t i = 0; i < sel.size(); ++i) {
    if (i != 0) out.body.push_back(',');
    write_order(*sel[i], out.body);
  }
  out.body.push_back(']');
}

void sim_core::cancel_order(account&, order& o, int64_t now, std::vector<outgoing_event>& events) {
  o.status = "canceled";
  o.canceled_at = o.updated = now;
  finish_open(o);
  ctr_.bump(c_cancels);
  emit(o, "canceled", now, events);
}

void sim_core::write_order(const order& o, std::string& out) const {
  static constexpr std::string_view type_names[] = {"market", "limit", "stop", "stop_limit"};
  static constexpr std::string_view tif_names[] = {"day", "gtc", "opg", "cls", "ioc", "fok"};
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
  w.str("order_type", type_names[static_cast<size_t>(o.type)]);
  w.str("type", type_names[static_cast<size_t>(o.type)]);
  w.str("side", o.buy ? "buy" : "sell");
  w.str("time_in_force", tif_names[static_cast<size_t>(o.tif)]);
  w.opt_decimal("limit_price", o.limit);
  w.opt_decimal("stop_price", o.stop);
  w.str("status", o.status);
  w.boolean("extended_hours", o.extended_hours);
  w.null("legs");
  w.null("trail_percent");
  w.null("trail_price");
  w.null("hwm");
  w.str("position_intent", o.position_intent);
  w.close();
}

void sim_core::emit(const order& o, std::string_view event, int64_t now, std::vector<outgoing_event>& events,
                    const price* px, const quantity* q, const quantity* pos_qty) {
  std::string f;
  f.reserve(1200);
  f.append(R"({"stream":"trade_updates","data":{"event":")");
  f.append(event);
  f.append(R"(","execution_id":")");
  f.append(uuid());
  f.append(R"(","order":)");
  write_order(o, f);
  f.append(R"(,"timestamp":")");
  f.append(time_text(now));
  f.push_back('"');
  if (px != nullptr) {
    f.append(R"(,"price":")").append(dec(*px)).push_back('"');
  }
  if (q != nullptr) {
    f.append(R"(,"qty":")").append(dec(*q)).push_back('"');
  }
  if (pos_qty != nullptr) {
    f.append(R"(,"position_qty":")").append(dec(*pos_qty)).push_back('"');
  }
  f.append("}}");
  events.push_back(outgoing_event{o.key, std::move(f)});
}

void sim_core::finish_open(order& o) {
  auto it = book_.find(o.symbol);
  if (it == book_.end()) return;
  auto& v = it->second;
  v.erase(std::remove(v.begin(), v.end(), &o), v.end());
}

void sim_core::try_fill(order& o, int64_t now, std::vector<outgoing_event>& events) {
  if (!o.open()) return;
  market& m = market_for(o.symbol);
  if (!m.have_quote) return;
  if ((o.type == otype::stop || o.type == otype::stop_limit) && !o.triggered) {
    const price touch = o.buy ? m.ask : m.bid;
    if (!touch.is_positive()) return;
    if (o.buy ? touch >= *o.stop : touch <= *o.stop) {
      o.triggered = true;
    } else {
      return;
    }
  }
  const price px = o.buy ? m.ask : m.bid;
  quantity& avail = o.buy ? m.ask_avail : m.bid_avail;
  if (!px.is_positive() || !avail.is_positive()) return;
  if ((o.type == otype::limit || o.type == otype::stop_limit) && (o.buy ? px > *o.limit : px < *o.limit)) return;
  if (o.target.is_zero()) {  // notional: the quantity is fixed at the first fill
    if (!o.notional) return;
    const int128_t q = static_cast<int128_t>(o.notional->raw) * (quantity::scale / money::scale) * price::scale / px.raw;
    if (q <= 0 || q > std::numeric_limits<int64_t>::max()) return;
    o.target = quantity::from_raw(static_cast<int64_t>(q));
  }
  const quantity rem = o.remaining();
  if (!rem.is_positive()) return;
  const quantity q = rem < avail ? rem : avail;
  if (o.tif == otif::fok && q < rem) return;
  avail = quantity::from_raw(avail.raw - q.raw);
  apply_fill(o, px, q, now, events);
}

void sim_core::apply_fill(order& o, price px, quantity q, int64_t now, std::vector<outgoing_event>& events) {
  o.filled = quantity::from_raw(o.filled.raw + q.raw);
  o.fill_value += static_cast<int128_t>(px.raw) * q.raw;
  o.updated = now;
  account& a = account_for(o.key);
  const money n = money_of(px, q);
  a.cash = o.buy ? sub(a.cash, n) : add(a.cash, n);
  position& p = a.positions[o.symbol];
  const int64_t dq = o.buy ? q.raw : -q.raw;
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
  const quantity pos_after = p.qty;
  if (now_qty == 0) a.positions.erase(o.symbol);

  const bool done = o.filled >= o.target;
  o.status = done ? "filled" : "partially_filled";
  if (done) {
    o.filled_at = now;
    finish_open(o);
    ctr_.bump(c_fills);
  } else {
    ctr_.bump(c_partial_fills);
  }
  emit(o, done ? "fill" : "partial_fill", now, events, &px, &q, &pos_after);
}

void sim_core::on_market(const market_event& e, std::string_view symbol, int64_t wall_ns,
                         std::vector<outgoing_event>& events) {
  if (e.kind != market_event_kind::quote && e.kind != market_event_kind::trade) return;
  if (!valid_symbol(symbol)) return;
  market& m = market_for(symbol);
  if (e.kind == market_event_kind::trade) {
    if (!e.u.trade.px.is_positive()) return;
    m.last = e.u.trade.px;
    m.have_last = true;
    if (!m.have_first) {
      m.first_mark = m.last;
      m.have_first = true;
    }
    return;
  }
  const quote_payload& q = e.u.quote;
  const int64_t lot = std::max<int64_t>(opt_.shares_per_quote_lot, 1);
  auto shares = [lot](quantity lots) {
    int64_t r = 0;
    if (lots.raw <= 0) return quantity{};
    if (__builtin_mul_overflow(lots.raw, lot, &r)) r = std::numeric_limits<int64_t>::max();
    return quantity::from_raw(r);
  };
  m.bid = q.bid_px;
  m.ask = q.ask_px;
  m.bid_avail = shares(q.bid_size);
  m.ask_avail = shares(q.ask_size);
  m.have_quote = q.bid_px.is_positive() || q.ask_px.is_positive();
  if (!m.have_first && q.bid_px.is_positive() && q.ask_px.is_positive()) {
    m.first_mark = price::from_raw(static_cast<int64_t>((static_cast<int128_t>(q.bid_px.raw) + q.ask_px.raw) / 2));
    m.have_first = true;
  }
  auto it = book_.find(symbol);
  if (it == book_.end() || it->second.empty()) return;
  const std::vector<order*> open = it->second;  // fills remove orders from the book
  for (order* o : open) try_fill(*o, wall_ns, events);
}

void sim_core::expire_open(int64_t wall_ns, std::vector<outgoing_event>& events) {
  for (auto& [key, a] : accounts_) {
    for (auto& up : a.orders) {
      order& o = *up;
      if (!o.open() || o.tif != otif::day) continue;
      o.status = "expired";
      o.expired_at = o.updated = wall_ns;
      finish_open(o);
      ctr_.bump(c_expired);
      emit(o, "expired", wall_ns, events);
    }
  }
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

void sim_core::write_account(const account& a, int64_t now, std::string& out) const {
  (void)now;
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
  for (size_t i = 0; i < c_count; ++i) w.num(counter_names[i], static_cast<int64_t>(ctr_.get(static_cast<counter>(i))));
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

void sim_core::apply_faults(const json_object& body, int64_t now, http_out& out, std::vector<outgoing_event>& events) {
  auto num = [&body](std::string_view name) -> std::optional<double> {
    const json_field* f = body.find(name);
    if (f == nullptr || (f->k != json_field::kind::number && f->k != json_field::kind::string)) return std::nullopt;
    char* end = nullptr;
    const std::string t = f->text;
    const double v = std::strtod(t.c_str(), &end);
    if (end == t.c_str() || !std::isfinite(v)) return std::nullopt;
    return v;
  };
  auto flag = [&body](std::string_view name) {
    const json_field* f = body.find(name);
    return f != nullptr && ((f->k == json_field::kind::boolean && f->text == "true") ||
                            (f->k == json_field::kind::number && f->text != "0"));
  };
  auto count = [](double v) { return static_cast<uint32_t>(std::clamp(v, 0.0, 4.0e9)); };
  if (const auto v = num("latency_us")) latency_us.store(static_cast<int64_t>(std::clamp(*v, 0.0, 6.0e7)));
  if (const auto v = num("drop_responses")) drop_next.store(count(*v));
  if (const auto v = num("error_status")) error_status.store(static_cast<unsigned>(std::clamp(*v, 500.0, 599.0)));
  if (const auto v = num("error_rate")) error_rate.store(std::clamp(*v, 0.0, 1.0));
  if (const auto v = num("rate_limit")) force_429.store(count(*v));
  if (const auto v = num("reject_next")) reject_next.store(count(*v));
  if (flag("kill_streams")) out.kill_streams = true;
  if (flag("expire")) expire_open(now, events);
  out.body = R"({"ok":true})";
}

void sim_core::on_stream_message(std::string_view msg, stream_state& st, std::vector<std::string>& replies) {
  static constexpr std::string_view authorized =
      R"({"stream":"authorization","data":{"action":"authenticate","status":"authorized"}})";
  static constexpr std::string_view unauthorized =
      R"({"stream":"authorization","data":{"action":"authenticate","status":"unauthorized"}})";
  json_object top, data;
  const bool ok = parse_stream_message(msg, top, data);
  const json_field* action = ok ? top.find("action") : nullptr;
  const std::string_view act = action != nullptr && action->k == json_field::kind::string ? std::string_view(action->text) : "";
  if (act == "auth" || act == "authenticate") {
    if (st.authed) return;  // never a second authorization frame
    std::string_view key, secret;
    auto str = [](const json_field* f) {
      return f != nullptr && f->k == json_field::kind::string ? std::string_view(f->text) : std::string_view();
    };
    if (act == "auth") {
      key = str(top.find("key"));
      secret = str(top.find("secret"));
    } else {
      key = str(data.find("key_id"));
      secret = str(data.find("secret_key"));
    }
    if (!key.empty() && credentials_ok(key, secret)) {
      st.authed = true;
      st.key.assign(key);
      ctr_.bump(c_stream_auth_ok);
      replies.emplace_back(authorized);
    } else {
      ctr_.bump(c_stream_auth_failed);
      replies.emplace_back(unauthorized);
      st.close_after_reply = true;
    }
    return;
  }
  if (act == "listen") {
    if (!st.authed) {
      ctr_.bump(c_stream_auth_failed);
      replies.emplace_back(unauthorized);
      st.close_after_reply = true;
      return;
    }
    bool trade_updates = false;
    for (const auto& f : data.fields)
      if (f.name == "streams[]" && f.k == json_field::kind::string && f.text == "trade_updates") trade_updates = true;
    st.listening = trade_updates;
    replies.emplace_back(trade_updates ? R"({"stream":"listening","data":{"streams":["trade_updates"]}})"
                                       : R"({"stream":"listening","data":{"streams":[]}})");
    return;
  }
  if (!st.authed) {  // anything else before auth: refused like a bad auth
    ctr_.bump(c_stream_auth_failed);
    replies.emplace_back(unauthorized);
    st.close_after_reply = true;
  }
  // authenticated: unknown actions are ignored
}

uint64_t sim_core::posts_for(std::string_view coid) const {
  std::lock_guard<std::mutex> lk(posts_mutex_);
  auto it = posts_.find(coid);
  return it == posts_.end() ? 0 : it->second;
}

std::map<std::string, uint64_t, std::less<>> sim_core::posts_by_coid() const {
  std::lock_guard<std::mutex> lk(posts_mutex_);
  return posts_;
}

}  // namespace torghut::adapters::sim
