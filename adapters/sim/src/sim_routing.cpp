// REST routing of the simulator: sim_core::handle() takes one request through the debug
// endpoints, authentication, the rate limit and the injected faults, then dispatches it by
// method and path.
#include <algorithm>
#include <limits>
#include <random>

#include "sim_core.hpp"
#include "sim_http.hpp"

namespace torghut::adapters::sim {

namespace {

constexpr int64_t ns_per_ms = 1'000'000;

}  // namespace

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
  if (is_post_order) {  // counted and observed whatever becomes of it
    ctr_.bump(c_orders_posted);
    body_ok = parse_flat_object(in.body, body);
    note_post(body_ok ? &body : nullptr, steady_ns);
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
  if (take_one(force_429)) {
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

  if (take_one(drop_next)) {  // processed, never answered
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
      post_order(a, body_ok ? &body : nullptr, wall_ns, out, events);
    } else if (in.method == "GET") {
      list_orders(a, query, out);
    } else if (in.method == "DELETE") {
      cancel_all(a, wall_ns, out, events);
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
      cancel_order(o, wall_ns, events);
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
    write_account(a, out.body);
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

}  // namespace torghut::adapters::sim
