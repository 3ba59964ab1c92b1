#pragma once
// Shared helpers of the md_client integration tests: a collecting sink, an io_context runner
// with a generous bound, and client configs pointed at an in-process md_server.

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <functional>
#include <mutex>
#include <vector>

#include "torghut/adapters/md_client.hpp"
#include "torghut/adapters/md_server.hpp"

namespace torghut::adapters::testing {

struct collecting_sink final : md_event_sink {
  std::vector<market_event> events;
  void on_market_event(const market_event& e) noexcept override { events.push_back(e); }
  [[nodiscard]] size_t count(market_event_kind k) const {
    size_t n = 0;
    for (const auto& e : events) n += e.kind == k ? 1u : 0u;
    return n;
  }
  [[nodiscard]] const market_event* first(market_event_kind k) const {
    for (const auto& e : events)
      if (e.kind == k) return &e;
    return nullptr;
  }
};

/// Runs `io` until `done()` holds; false after `limit` (a liveness bound, never a speed claim).
inline bool run_until(boost::asio::io_context& io, const std::function<bool()>& done,
                      std::chrono::milliseconds limit = std::chrono::milliseconds{10'000}) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() > end) return false;
    if (io.stopped()) io.restart();
    io.run_for(std::chrono::milliseconds{5});
  }
  return true;
}

/// Runs `io` for `d` (to let things that must NOT happen have their chance).
inline void run_for(boost::asio::io_context& io, std::chrono::milliseconds d) {
  const auto end = std::chrono::steady_clock::now() + d;
  while (std::chrono::steady_clock::now() < end) {
    if (io.stopped()) io.restart();
    io.run_for(std::chrono::milliseconds{5});
  }
}

/// A client config for `server`: the simulator's default credentials, no lease (tests that need
/// one set it), short seeded backoffs.
inline md_client_config config_for(const md_server& server, wire_format f = wire_format::json,
                                   std::string_view feed = "iex") {
  md_client_config cfg;
  cfg.url = server.url(feed);
  cfg.key_id = std::string(md_default_key);
  cfg.secret = std::string(md_default_secret);
  cfg.format = f;
  cfg.lease.kind = lease_kind::none;
  cfg.rng_seed = 12345;
  cfg.backoff.base = std::chrono::milliseconds{10};
  cfg.backoff.cap = std::chrono::milliseconds{50};
  cfg.backoff.conn_limit_min = std::chrono::milliseconds{300};
  cfg.backoff.conn_limit_cap = std::chrono::milliseconds{600};
  cfg.backoff.rate_limited_min = std::chrono::milliseconds{20};
  cfg.connect_timeout = std::chrono::milliseconds{5'000};
  cfg.name = "test";
  return cfg;
}

/// Stops the client and runs the io_context until it has nothing left of it.
inline void stop_and_drain(md_client& c, boost::asio::io_context& io) {
  c.stop();
  run_until(io, [&] { return c.state() == md_client_state::stopped || c.state() == md_client_state::failed; });
  run_for(io, std::chrono::milliseconds{20});
}

}  // namespace torghut::adapters::testing
