// The trading simulator's logic (no I/O, sim_core.hpp): construction, ids, credentials, the
// counters and the observation of POST /v2/orders. The rest of sim_core is split by job (see
// sim_core.hpp).
#include "sim_core.hpp"

#include <algorithm>
#include <cmath>

namespace torghut::adapters::sim {

namespace {

constexpr std::array<std::string_view, c_count> counter_names = {
    "http_requests", "orders_posted", "orders_accepted", "rejected_401", "rejected_403",
    "rejected_404", "rejected_422", "duplicate_coid", "rate_limited", "injected_5xx",
    "dropped_responses", "cancels", "fills", "partial_fills", "ioc_fok_canceled",
    "rejected_events", "expired", "stream_connections", "stream_auth_ok", "stream_auth_failed",
    "events_sent", "streams_killed", "market_events", "market_overflows", "active_streams"};

}  // namespace

std::string_view counter_name(counter k) noexcept { return counter_names[k]; }

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

void sim_core::note_post(const json_object* body, int64_t steady_ns) {
  std::string_view coid, symbol;
  if (body != nullptr) {
    if (const auto* f = body->find("client_order_id"); f != nullptr && f->k == json_field::kind::string) coid = f->text;
    if (const auto* f = body->find("symbol"); f != nullptr && f->k == json_field::kind::string) symbol = f->text;
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
