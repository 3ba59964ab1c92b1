#include "torghut/app/live_runtime.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include <memory>
#include <optional>
#include <stdexcept>
#include <thread>

#include "torghut/actors/hot_path.hpp"
#include "torghut/adapters/md_client.hpp"
#include "torghut/adapters/md_lease.hpp"
#include "torghut/adapters/md_server.hpp"
#include "torghut/core/audit_sink.hpp"
#include "torghut/core/clock.hpp"
#include "torghut/app/config_file.hpp"
#include "torghut/control/control_plane.hpp"
#include "torghut/core/mailbox.hpp"
#include "torghut/core/run_loop.hpp"
#include "torghut/core/symbol_table.hpp"
#include "torghut/persistence/schema.hpp"
#include "torghut/persistence/audit_trail.hpp"
#include "torghut/adapters/broker_link.hpp"

namespace torghut::live {
namespace {

namespace asio = boost::asio;

/// The last path segment of a stream URL ("iex" of ".../v2/iex").
std::string feed_of(const std::string& url) {
  const auto slash = url.rfind('/');
  return slash == std::string::npos ? "iex" : url.substr(slash + 1);
}

/// Counters the hot thread publishes for the status line (the hot path's own are not atomic).
struct hot_gauges {
  std::atomic<uint64_t> events{0}, decisions{0}, rejections{0}, orders{0}, fills{0};
  void publish(const actors::hot_path_counters& c) noexcept {
    events.store(c.events_in, std::memory_order_relaxed);
    decisions.store(c.decisions, std::memory_order_relaxed);
    rejections.store(c.rejections, std::memory_order_relaxed);
    orders.store(c.orders, std::memory_order_relaxed);
    fills.store(c.fills, std::memory_order_relaxed);
  }
};

/// I/O-thread sink: hands events to the hot thread and, when a relay is served, publishes them to
/// it (on the I/O thread, so relay consumers never cost the hot thread anything).
class handoff_sink final : public adapters::md_event_sink {
 public:
  handoff_sink(mailbox<market_event>& mb, adapters::md_server* relay, const symbol_table& syms)
      : inner_(mb), relay_(relay), syms_(syms) {}
  void on_market_event(const market_event& e) noexcept override {
    inner_.on_market_event(e);
    if (relay_ != nullptr && e.kind != market_event_kind::gap && e.symbol.valid())
      (void)relay_->try_publish(e, syms_.name(e.symbol));
  }
  [[nodiscard]] uint64_t dropped() const noexcept { return inner_.dropped(); }

 private:
  adapters::mailbox_event_sink inner_;
  adapters::md_server* relay_;
  const symbol_table& syms_;
};

/// Hot-thread sink: the socket is polled by the hot thread, events go straight into the chain.
class inline_sink final : public adapters::md_event_sink {
 public:
  inline_sink(actors::hot_path& hp, adapters::md_server* relay, const symbol_table& syms)
      : hp_(hp), relay_(relay), syms_(syms) {}
  void on_market_event(const market_event& e) noexcept override {
    if (relay_ != nullptr && e.kind != market_event_kind::gap && e.symbol.valid())
      (void)relay_->try_publish(e, syms_.name(e.symbol));
    hp_.on_market_event(e);
  }

 private:
  actors::hot_path& hp_;
  adapters::md_server* relay_;
  const symbol_table& syms_;
};

}  // namespace

live_report run_live(const live_options& opts, const std::atomic<bool>& stop,
                     const std::function<void(const live_status&)>& on_status) {
  live_report rep;
  auto fail = [&](int code, std::string why) {
    rep.exit_code = code;
    rep.error = std::move(why);
    return rep;
  };
  engine_config cfg = opts.config;
  if (auto errs = validate(cfg); !errs.empty()) {
    std::string msg = "invalid configuration:";
    for (const auto& e : errs) msg += "\n  - " + e;
    return fail(2, msg);
  }
  const auto& feed = cfg.feed;
  const bool to_broker = cfg.trading.broker == "alpaca";
  if (std::string why = check_trading_target(cfg.trading, opts.live_trading ? trading_mode::live : trading_mode::paper);
      !why.empty())
    return fail(2, why);

  symbol_table symbols(cfg.symbol_capacity);
  // The broker's positions and orders are looked up by name from the hot thread, which may not
  // intern (the decoder may, on the I/O thread): every allowed symbol gets its id now.
  for (const auto& s : cfg.allowed_symbols) (void)symbols.intern(s);
  audit_sink audit(cfg.audit_capacity);
  system_clock clk;
  actors::hot_path hp(cfg, symbols, audit, clk);

  // ---- the relay (optional): local consumers share this process's one connection ----
  std::unique_ptr<adapters::md_server> relay;
  if (!feed.relay_listen.empty()) {
    adapters::md_server_options ro;
    if (!adapters::parse_listen_address(feed.relay_listen, ro.bind_address, ro.port))
      return fail(2, "feed.relay_listen: expected host:port, got '" + feed.relay_listen + "'");
    ro.credentials = {{opts.key_id, opts.secret}};
    // The hot thread publishes: it must only enqueue (lock-free, no system call); the relay's
    // thread polls the queue every 20 µs (the relay hop then measures p50 45 µs, p99 58 µs:
    // docs/PERFORMANCE.md).
    ro.drain_interval = std::chrono::microseconds(20);
    relay = std::make_unique<adapters::md_server>(std::move(ro));
    std::string err;
    if (!relay->start(err)) return fail(2, "cannot serve the relay on " + feed.relay_listen + ": " + err);
    rep.relay_url = relay->url(feed_of(feed.url));
    spdlog::info("relay: serving the feed to local consumers at {}", rep.relay_url);
  }

  // ---- the market-data adapter ----
  adapters::md_client_config mc;
  mc.url = feed.url;
  mc.key_id = opts.key_id;
  mc.secret = opts.secret;
  mc.auth = feed.auth == "headers" ? adapters::md_auth_mode::headers : adapters::md_auth_mode::message;
  mc.format = feed.format == "msgpack" ? adapters::wire_format::msgpack : adapters::wire_format::json;
  {
    using adapters::subscription_channel;
    auto& subs = mc.subscriptions;
    if (feed.trades.empty() && feed.quotes.empty()) {
      subs[subscription_channel::trades] = cfg.allowed_symbols;
      subs[subscription_channel::quotes] = cfg.allowed_symbols;
    } else {
      subs[subscription_channel::trades] = feed.trades;
      subs[subscription_channel::quotes] = feed.quotes;
    }
    subs[subscription_channel::bars] = feed.bars;
    subs[subscription_channel::statuses] = cfg.allowed_symbols;  // halts reach market_data
  }
  mc.ca_file = feed.ca_file;
  mc.lease.kind = adapters::lease_kind::none;  // held below, by the run, for its whole life
  mc.record_path = feed.record;
  mc.backoff.healthy_after = std::chrono::milliseconds(feed.healthy_after_ms);
  mc.clk = &clk;
  mc.name = "md";

  asio::io_context io(1);
  mailbox<market_event> handoff(1u << 16);
  handoff_sink hsink(handoff, relay.get(), symbols);
  inline_sink isink(hp, relay.get(), symbols);
  adapters::md_event_sink& sink =
      opts.io == io_mode::io_thread ? static_cast<adapters::md_event_sink&>(hsink) : isink;

  auto client = std::make_unique<adapters::md_client>(io, mc, symbols, sink);
  std::optional<adapters::stream_lease> lease;
  rep.status.source = "feed";
  rep.status.url = feed.url;
  adapters::lease_config lc;
  lc.kind = opts.db_dsn.empty() ? adapters::lease_kind::file : adapters::lease_kind::postgres;
  lc.dir = feed.lease_dir;
  lc.pg_dsn = opts.db_dsn;
  const adapters::stream_slot slot = client->slot();
  {
    std::string err;
    adapters::lease_failure why = adapters::lease_failure::none;
    lease = adapters::stream_lease::acquire(lc, slot, err, &why);
    if (!lease && why == adapters::lease_failure::unavailable)
      return fail(8, "one-connection rule: cannot take the connection lease for " + slot.text() + ": " + err +
                         "; nothing was dialled");
    if (!lease) {
      spdlog::warn("one-connection rule: not dialling {}: {}", slot.text(), err);
      if (feed.relay_url.empty())
        return fail(5, "another process holds the connection lease for " + slot.text() +
                           " (" + err + "); set feed.relay_url to read from its relay");
      spdlog::info("reading the feed from the relay at {} instead", feed.relay_url);
      mc.url = feed.relay_url;
      mc.record_path.clear();
      client = std::make_unique<adapters::md_client>(io, mc, symbols, sink);
      rep.status.source = "relay";
      rep.status.url = feed.relay_url;
    } else {
      spdlog::info("one-connection rule: holding the lease for {} ({})", slot.text(),
                   lease->description());
    }
  }

  // ---- the audit trail ----
  control_channel channel;
  control_plane control(channel, {.workers = 1});
  std::unique_ptr<persistence::audit_trail> trail;
  try {
    persistence::audit_trail_options ao;
    ao.decision_log = opts.decision_log;
    ao.db_dsn = opts.db_dsn;
    ao.spool_dir = opts.spool_dir;
    ao.mode = persistence::run_mode::paper;
    ao.account_label = cfg.account_label;
    ao.run_key = feed.url;
    ao.config = &cfg;  // engine_runs.config_json (no secrets), the strategies rows, the snapshots' cash
    trail = std::make_unique<persistence::audit_trail>(ao, audit, symbols, control);
  } catch (const persistence::schema_error& e) {
    return fail(persistence::schema_exit_code, std::string("audit trail: ") + e.what());
  } catch (const std::exception& e) {
    return fail(2, std::string("audit trail: ") + e.what());
  }

  // ---- the broker link (trading.broker = "alpaca"): REST orders, trade_updates, reconciler ----
  // It runs on an io_context the hot thread polls: the md socket's own in hot_thread mode (an
  // order is then written from inside the frame's handler), a second one in io_thread mode.
  asio::io_context trade_io_own(1);
  asio::io_context& trade_io = opts.io == io_mode::hot_thread ? io : trade_io_own;
  std::unique_ptr<adapters::broker_link> broker;
  rep.status.broker = cfg.trading.broker;
  if (to_broker) {
    broker = std::make_unique<adapters::broker_link>(trade_io, cfg.trading, opts.key_id, opts.secret, hp, symbols);
    hp.set_gateway(broker.get());
    std::string err;
    if (!broker->start(err)) return fail(2, err);
  }

  {
    std::string err;
    if (!client->start(err)) return fail(4, "market data: " + err);
  }

  // ---- threads: I/O (io_thread mode) and the hot loop ----
  std::atomic<bool> hot_stop{false};
  hot_gauges gauges;
  std::string pin_error;
  auto guard = asio::make_work_guard(io);
  auto trade_guard = asio::make_work_guard(trade_io_own);
  std::thread io_thread;
  if (opts.io == io_mode::io_thread) io_thread = std::thread([&] { io.run(); });

  struct agent {
    mailbox<market_event>& mb;
    actors::hot_path& hp;
    const clock& clk;
    control_channel& channel;
    hot_gauges& gauges;
    asio::io_context* poll_io;  // hot_thread mode: the socket is read here
    asio::io_context* trade_poll_io;  // io_thread mode with a broker: the trading clients
    uint64_t iter = 0;
    int64_t last_time_ns = 0;

    size_t do_work() noexcept {
      if ((++iter & 63u) == 0 && !hp.poll_control(channel)) return agent_done;
      size_t k = 0;
      if (poll_io != nullptr) {
        try {
          k = poll_io->poll();
        } catch (...) {
          k = 1;
        }
      } else {
        market_event e;
        while (k < 256 && mb.pop(e)) {
          hp.on_market_event(e);
          ++k;
        }
      }
      if (trade_poll_io != nullptr) {
        try {
          k += trade_poll_io->poll();
        } catch (...) {
          k += 1;
        }
      }
      const timestamp now = clk.now();
      if (now.ns - last_time_ns >= 1'000'000) {  // bars close on time even when the feed is quiet
        last_time_ns = now.ns;
        hp.on_time(now);
        gauges.publish(hp.counters());
      }
      return k;
    }
  } ag{handoff, hp, clk, channel, gauges, opts.io == io_mode::hot_thread ? &io : nullptr,
        to_broker && opts.io == io_mode::io_thread ? &trade_io_own : nullptr};

  std::thread hot([&] {
    if (cfg.cpu >= 0) pin_error = pin_current_thread(cfg.cpu);
    if (cfg.idle == idle_kind::busy_spin) {
      run_loop<agent, busy_spin_idle> loop(ag, busy_spin_idle{});
      loop.run(hot_stop);
    } else {
      run_loop<agent, backoff_idle> loop(ag, backoff_idle{});
      loop.run(hot_stop);
    }
    gauges.publish(hp.counters());
  });
  if (!pin_error.empty()) spdlog::warn("cannot pin the hot loop: {}", pin_error);

  // ---- supervise: status lines, limits, failure ----
  const auto t0 = std::chrono::steady_clock::now();
  auto last_status = t0;
  auto fill_status = [&](live_status& s) {
    const auto ms = client->stats();
    s.state = std::string(adapters::to_string(ms.state));
    s.frames = ms.frames;
    s.events = ms.events;
    s.decode_errors = ms.decode_errors;
    s.gaps = ms.gaps;
    s.reconnects = ms.reconnects;
    s.dials = ms.dials;
    s.lag_p50_us = ms.lag.quantile_upper_ns(0.5) / 1000;
    s.lag_p99_us = ms.lag.quantile_upper_ns(0.99) / 1000;
    s.lag_max_us = ms.lag.max_ns / 1000;
    s.hot_events = gauges.events.load(std::memory_order_relaxed);
    s.decisions = gauges.decisions.load(std::memory_order_relaxed);
    s.rejections = gauges.rejections.load(std::memory_order_relaxed);
    s.orders = gauges.orders.load(std::memory_order_relaxed);
    s.fills = gauges.fills.load(std::memory_order_relaxed);
    s.handoff_dropped = hsink.dropped();
    if (relay) {
      const auto rs = relay->stats();
      s.relay_clients = rs.active_connections;
      s.relay_messages = rs.messages_sent;
      s.relay_slow_drops = rs.slow_client_drops;
    }
    if (broker) {
      const auto& b = broker->status();
      s.reconciled = b.reconciled.load(std::memory_order_acquire);
      s.broker_events = b.events.load(std::memory_order_relaxed);
      s.broker_rejections = b.rejections.load(std::memory_order_relaxed);
      s.reconciliations = b.reconciliations.load(std::memory_order_relaxed);
      s.reconcile_differences = b.differences.load(std::memory_order_relaxed);
      const auto rs = broker->rest_stats();
      s.rest_requests = rs.requests;
      s.rest_retries = rs.retries;
      s.rest_lost = rs.lost_responses;
      s.rest_429 = rs.status_429;
      s.rest_in_flight = rs.in_flight;
      const auto ts = broker->stream_stats();
      s.stream_state = std::string(adapters::to_string(ts.state));
      s.stream_reconnects = ts.reconnects;
      s.stale_orders = b.stale_orders.load(std::memory_order_relaxed);
    }
    s.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  };
  const auto reconcile_deadline = t0 + std::chrono::milliseconds(cfg.trading.reconcile_timeout_ms);
  // The lease holder watches its Postgres session: a server restart (or a killed backend) ends
  // the session and with it the advisory lock, silently. Re-take it at once; if another process
  // got it first, stop this feed (exit 5) so that only one connection ever uses the key. While
  // the database is away nobody can take the lock, so the feed goes on and the watch retries.
  const bool watch_lease = lease.has_value() && lc.kind == adapters::lease_kind::postgres;
  auto next_lease_check = t0 + opts.lease_check_every;
  bool lease_down_said = false;
  auto check_lease = [&](std::chrono::steady_clock::time_point now) -> bool {
    next_lease_check = now + opts.lease_check_every;
    std::string lost_why;
    if (lease->still_held(lost_why)) return true;
    std::string err;
    adapters::lease_failure why = adapters::lease_failure::none;
    std::optional<adapters::stream_lease> again = adapters::stream_lease::acquire(lc, slot, err, &why);
    if (again) {
      *lease = std::move(*again);
      ++rep.status.lease_retakes;
      spdlog::warn("one-connection rule: the lease session for {} was lost ({}); lease re-taken ({})", slot.text(),
                   lease_down_said ? "database was away" : lost_why, lease->description());
      lease_down_said = false;
      return true;
    }
    if (why == adapters::lease_failure::held_elsewhere) {
      rep.exit_code = 5;
      rep.error = "one-connection rule: the lease for " + slot.text() + " was lost (" + lost_why +
                  ") and another process holds it now (" + err + "): market data stopped here so that only one "
                  "connection uses the key";
      return false;
    }
    if (!lease_down_said)
      spdlog::error("one-connection rule: the lease session for {} was lost ({}) and cannot be re-taken yet ({}); "
                    "the feed goes on (no other process can take the lock while its database is away); retrying "
                    "every {} ms",
                    slot.text(), lost_why, err, opts.lease_check_every.count());
    lease_down_said = true;
    return true;
  };
  uint32_t reloads_seen = opts.reload_requests ? opts.reload_requests->load() : 0;
  uint32_t dumps_seen = opts.status_requests ? opts.status_requests->load() : 0;
  while (!stop.load(std::memory_order_relaxed)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    const auto now = std::chrono::steady_clock::now();
    if (watch_lease && now >= next_lease_check && !check_lease(now)) break;
    if (const uint32_t n = opts.reload_requests ? opts.reload_requests->load() : 0; n != reloads_seen) {
      reloads_seen = n;
      std::string why;
      std::optional<risk_limits> limits = opts.load_limits ? opts.load_limits(why) : std::nullopt;
      if (limits) {
        control.reload_limits(*limits);
        ++rep.status.limit_reloads;
        spdlog::info("SIGHUP: risk limits reloaded (max notional per order {}, max order qty {}, {} orders/min, "
                     "daily loss limit {})",
                     decimal_string(limits->max_notional_per_order), decimal_string(limits->max_order_qty),
                     limits->orders_per_minute, decimal_string(limits->daily_loss_limit));
      } else {
        spdlog::error("SIGHUP: risk limits NOT reloaded, the old ones stay: {}",
                      why.empty() ? std::string("no config file to reload from") : why);
      }
    }
    if (const uint32_t n = opts.status_requests ? opts.status_requests->load() : 0; n != dumps_seen) {
      dumps_seen = n;
      fill_status(rep.status);
      const auto& s = rep.status;
      const std::optional<engine_status> es = control.status(std::chrono::milliseconds(500));
      spdlog::info("SIGUSR1: status dump: {} {} [{}] up {:.1f} s; frames {}, events {} (hot path {}), decode errors "
                   "{}, gaps {}, dials {}, reconnects {}; decisions {}, rejected {}, orders {}, fills {}; trading "
                   "state {}, kill switch {}; P&L realized {}, unrealized {}; broker {} ({}reconciled, stream {}, "
                   "{} stale orders canceled); lease {} ({} re-takes); limits reloaded {} times",
                   s.source, s.url, s.state, s.seconds, s.frames, s.events, s.hot_events, s.decode_errors, s.gaps,
                   s.dials, s.reconnects, s.decisions, s.rejections, s.orders, s.fills,
                   es ? std::string(to_string(es->state)) : std::string("?"),
                   es ? (es->kill_switch ? "on" : "off") : "?",
                   es ? decimal_string(es->realized_pnl) : std::string("?"),
                   es ? decimal_string(es->unrealized_pnl) : std::string("?"), s.broker,
                   s.reconciled ? "" : "NOT ", s.stream_state.empty() ? std::string("-") : s.stream_state,
                   s.stale_orders, lease ? lease->description() : std::string("none"), s.lease_retakes,
                   s.limit_reloads);
    }
    if (client->state() == adapters::md_client_state::failed) {
      rep.exit_code = 4;
      rep.error = "market data stopped: " + client->failure();
      break;
    }
    if (broker) {
      if (std::string why = broker->stream_failure(); !why.empty()) {
        rep.exit_code = 6;
        rep.error = "trade_updates stopped: " + why;
        break;
      }
      if (!broker->status().reconciled.load(std::memory_order_acquire) && now >= reconcile_deadline) {
        const std::string why = broker->last_reconcile_error();
        rep.exit_code = 6;
        rep.error = "start-up reconciliation did not succeed within " +
                    std::to_string(cfg.trading.reconcile_timeout_ms) + " ms (" +
                    (why.empty() ? "trade_updates state " + std::string(adapters::to_string(broker->stream_stats().state))
                                 : why) +
                    "); nothing was traded";
        break;
      }
    }
    if (opts.duration_s > 0 && std::chrono::duration<double>(now - t0).count() >= opts.duration_s) break;
    if (opts.max_events > 0 && gauges.events.load(std::memory_order_relaxed) >= opts.max_events) break;
    if (on_status && now - last_status >= opts.status_every) {
      last_status = now;
      fill_status(rep.status);
      on_status(rep.status);
      trail->heartbeat(rep.status.hot_events, rep.status.decisions, rep.status.orders,
                       rep.status.fills, false);
    }
  }

  // ---- orderly stop: adapter, I/O, hot loop, audit drain ----
  // md_client::stop() is asynchronous: the io_context keeps running until the client says stopped.
  auto wait_stopped = [&](bool poll_here) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
    while (client->state() != adapters::md_client_state::stopped &&
           client->state() != adapters::md_client_state::failed &&
           std::chrono::steady_clock::now() < deadline) {
      if (poll_here) io.poll();
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  };
  if (opts.io == io_mode::io_thread) {
    client->stop();
    wait_stopped(false);
    guard.reset();
    io.stop();
    io_thread.join();
    hot_stop.store(true);
    hot.join();
  } else {
    hot_stop.store(true);
    hot.join();
    client->stop();
    wait_stopped(true);
  }
  // The broker link after the hot thread: its callbacks touch the hot path, which now belongs to
  // this thread.
  if (broker) {
    broker->stop();
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
    while (!broker->stopped() && std::chrono::steady_clock::now() < deadline) {
      trade_io.poll();
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    trade_io.poll();
  }
  trade_guard.reset();
  if (opts.io != io_mode::io_thread) {
    guard.reset();
    io.stop();
  }
  fill_status(rep.status);
  if (relay) relay->stop();
  control.stop_workers();
  {
    const auto& hc = hp.counters();
    trail->finish(hc.events_in, hc.decisions, hc.orders, hc.fills);
  }
  rep.realized_pnl = decimal_string(hp.risk().realized_pnl());
  rep.unrealized_pnl = decimal_string(hp.risk().unrealized_pnl());
  rep.audit_rows = trail->log().rows();
  if (trail->persistent()) {
    const auto wm = trail->metrics();
    rep.db_rows_committed = wm.rows_committed;
    rep.db_rows_spooled = wm.rows_spooled;
  }
  rep.audit_dropped = audit.dropped();
  return rep;
}

}  // namespace torghut::live
