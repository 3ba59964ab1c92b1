// `torghut sim`: the Alpaca simulator. An md_server on one port (WebSocket
// /v2/{iex,sip,delayed_sip,test}) fed by a recording, the bundled sample market or the synthetic
// generator (FAKEPACA trades and quotes are added for the /v2/test feed), and, on its own port as
// at Alpaca, the trading API (trading_sim: REST v2 + the trade_updates stream at /stream) whose
// fill model sees the same quotes and trades (the source runner's tee).
#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "commands.hpp"
#include "torghut/core/secrets.hpp"
#include "torghut/adapters/md_server.hpp"
#include "torghut/adapters/md_sources.hpp"
#include "torghut/adapters/synth.hpp"
#include "torghut/adapters/trading_sim.hpp"

namespace torghut::app {
namespace {

std::atomic<bool> g_stop{false};
extern "C" void on_stop_signal(int) { g_stop.store(true); }

struct sim_options {
  std::string listen = "127.0.0.1:8765";
  std::vector<std::string> source{"sample"};
  double rate = 10'000;
  uint32_t symbols = 8;
  std::string pace;  // "" = the source's default
  bool loop = false;
  std::string key;
  std::string secret;
  std::string tls_cert;
  std::string tls_key;
  double duration = 0;  // seconds; 0 = until SIGINT/SIGTERM
  double stats_interval = 1.0;
  uint32_t max_batch = 1000;
  double slot_hold = 0;
  uint64_t seed = 1;
  bool no_fakepaca = false;
  std::string trading_listen = "127.0.0.1:0";
  bool no_trading = false;
  uint32_t rate_limit = 200;
};

std::string env_or(const char* name, std::string_view fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? std::string(v) : std::string(fallback);
}

/// A low-rate FAKEPACA market over the same span as `script`, for /v2/test.
adapters::md_script fakepaca_script(const adapters::md_script& script, uint64_t seed) {
  if (script.events.empty()) return {};
  const duration_ns span{std::max<int64_t>(script.last_recv().ns - script.first_recv().ns, ns_per_second)};
  adapters::synth_config c = adapters::synth_config_for_rate({"FAKEPACA"}, 4.0, span, seed + 7);
  c.start = script.events.front().event.event_time;
  return adapters::synth_script(c);
}

exit_code run_sim(const sim_options& o) {
  adapters::md_server_options so;
  if (!adapters::parse_listen_address(o.listen, so.bind_address, so.port)) {
    std::fprintf(stderr, "torghut sim: --listen wants HOST:PORT (port 0..65535), got '%s'\n", o.listen.c_str());
    return exit_code::config;
  }
  so.credentials = {{o.key.empty() ? env_or("APCA_API_KEY_ID", adapters::md_default_key) : o.key,
                     o.secret.empty() ? env_or("APCA_API_SECRET_KEY", adapters::md_default_secret) : o.secret}};
  so.tls_cert_file = o.tls_cert;
  so.tls_key_file = o.tls_key;
  so.max_batch = o.max_batch;
  so.slot_hold_after_drop = std::chrono::milliseconds(static_cast<int64_t>(o.slot_hold * 1000));

  // The data first (it can take a moment), then the socket.
  auto script = std::make_shared<adapters::md_script>();
  adapters::md_source_options src;
  const std::string kind = o.source.empty() ? "sample" : o.source[0];
  if (kind == "sample") {
    *script = adapters::synth_script(adapters::sample_config());
    src.pace = adapters::md_pace::recorded;
  } else if (kind == "recording") {
    if (o.source.size() < 2) {
      std::fprintf(stderr, "torghut sim: --source recording needs a FILE\n");
      return exit_code::config;
    }
    std::string err;
    if (!adapters::load_recording_script(o.source[1], *script, err)) {
      std::fprintf(stderr, "torghut sim: cannot read %s: %s\n", o.source[1].c_str(), err.c_str());
      return exit_code::failure;
    }
    src.pace = adapters::md_pace::recorded;
  } else if (kind == "synth") {
    // Enough market for a few seconds at the rate (at most ~500k events in memory), looped.
    const double secs = std::clamp(500'000.0 / std::max(o.rate, 1.0), 2.0, 60.0);
    *script = adapters::synth_script(adapters::synth_config_for_rate(
        adapters::default_symbol_names(o.symbols), o.rate,
        duration_ns{static_cast<int64_t>(secs * static_cast<double>(ns_per_second))}, o.seed));
    src.pace = adapters::md_pace::rate;
  } else {
    std::fprintf(stderr, "torghut sim: unknown --source '%s' (sample|recording FILE|synth)\n", kind.c_str());
    return exit_code::config;
  }
  if (!o.no_fakepaca) adapters::merge_scripts(*script, fakepaca_script(*script, o.seed));
  if (o.pace == "fast") src.pace = adapters::md_pace::fast;
  if (o.pace == "recorded") src.pace = adapters::md_pace::recorded;
  if (o.pace == "rate") src.pace = adapters::md_pace::rate;
  src.rate = o.rate;
  src.loop = o.loop || kind == "synth";
  src.restamp = true;

  // The trading API: same credentials (and certificate) as the market-data side, its own port.
  std::unique_ptr<adapters::trading_sim> trading;
  if (!o.no_trading) {
    adapters::trading_sim_options to;
    if (!adapters::parse_listen_address(o.trading_listen, to.bind_address, to.port)) {
      std::fprintf(stderr, "torghut sim: --trading-listen wants HOST:PORT (port 0..65535), got '%s'\n",
                   o.trading_listen.c_str());
      return exit_code::config;
    }
    to.credentials = so.credentials;
    to.tls_cert_file = o.tls_cert;
    to.tls_key_file = o.tls_key;
    to.rate_limit_per_minute = o.rate_limit;
    trading = std::make_unique<adapters::trading_sim>(to);
    adapters::trading_sim* t = trading.get();
    src.tee = [t](std::span<const adapters::md_published_event> events) {
      for (const auto& p : events) t->on_market(p.event, p.symbol.view());
    };
  }

  adapters::md_server server(so);
  std::string err;
  if (!server.start(err)) {
    std::fprintf(stderr, "torghut sim: cannot listen on %s: %s\n", o.listen.c_str(), err.c_str());
    return exit_code::failure;
  }
  if (trading && !trading->start(err)) {
    std::fprintf(stderr, "torghut sim: cannot listen on %s (trading API): %s\n", o.trading_listen.c_str(),
                 err.c_str());
    server.stop();
    return exit_code::failure;
  }
  const std::string base = server.url("");
  std::printf("torghut sim: listening on %s{iex,sip,delayed_sip,test} (%s, %zu events from %s%s%s)\n",
              base.c_str(), server.tls() ? "TLS" : "plain", script->events.size(), kind.c_str(),
              kind == "recording" ? " " : "", kind == "recording" ? o.source[1].c_str() : "");
  if (trading)
    std::printf("torghut sim: trading API on %s (stream %s)\n", trading->base_url().c_str(),
                trading->stream_url().c_str());
  std::printf("torghut sim: key %s\n", key_fingerprint(so.credentials[0].key).c_str());  // never the key
  std::fflush(stdout);

  g_stop.store(false);
  std::signal(SIGINT, on_stop_signal);
  std::signal(SIGTERM, on_stop_signal);

  adapters::md_source_runner runner;
  runner.start(server, script, src);
  const auto t0 = std::chrono::steady_clock::now();
  auto next_stats = t0 + std::chrono::duration<double>(o.stats_interval);
  uint64_t last_sent = 0;
  auto last_t = t0;
  while (!g_stop.load()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    const auto now = std::chrono::steady_clock::now();
    if (o.duration > 0 && now - t0 >= std::chrono::duration<double>(o.duration)) break;
    if (runner.done() && !src.loop) {
      server.sync();
      std::printf("torghut sim: source finished (%llu events); still serving until stopped\n",
                  static_cast<unsigned long long>(runner.published()));
      std::fflush(stdout);
      runner.stop();
      src.loop = true;  // print once
    }
    if (o.stats_interval > 0 && now >= next_stats) {
      next_stats = now + std::chrono::duration<double>(o.stats_interval);
      const adapters::md_server_stats s = server.stats();
      const double dt = std::chrono::duration<double>(now - last_t).count();
      const double rate = dt > 0 ? static_cast<double>(s.messages_sent - last_sent) / dt : 0.0;
      last_sent = s.messages_sent;
      last_t = now;
      std::printf("sim: conns %llu, published %llu, sent %llu msgs (%.0f/s) in %llu frames, 406 %llu, "
                  "407 %llu, 402 %llu, overflows %llu, dropped %llu\n",
                  static_cast<unsigned long long>(s.active_connections),
                  static_cast<unsigned long long>(s.events_published),
                  static_cast<unsigned long long>(s.messages_sent), rate,
                  static_cast<unsigned long long>(s.data_frames_sent),
                  static_cast<unsigned long long>(s.connection_limit),
                  static_cast<unsigned long long>(s.slow_client_drops),
                  static_cast<unsigned long long>(s.auth_failed),
                  static_cast<unsigned long long>(s.queue_overflows),
                  static_cast<unsigned long long>(s.unclean_drops));
      std::fflush(stdout);
    }
  }
  runner.stop();
  if (trading) trading->stop();
  server.stop();
  std::signal(SIGINT, SIG_DFL);
  std::signal(SIGTERM, SIG_DFL);
  const adapters::md_server_stats s = server.stats();
  std::printf("torghut sim: stopped; %llu connections, %llu messages sent\n",
              static_cast<unsigned long long>(s.ws_upgrades), static_cast<unsigned long long>(s.messages_sent));
  if (trading) {
    const adapters::trading_sim_stats t = trading->stats();
    std::printf("torghut sim: trading API served %llu requests, %llu orders accepted, %llu fills, %llu trade_updates events\n",
                static_cast<unsigned long long>(t.http_requests), static_cast<unsigned long long>(t.orders_accepted),
                static_cast<unsigned long long>(t.fills), static_cast<unsigned long long>(t.events_sent));
  }
  return exit_code::ok;
}

}  // namespace

command add_sim_command(CLI::App& app) {
  auto opts = std::make_shared<sim_options>();
  command c;
  c.sub = app.add_subcommand(
      "sim", "the Alpaca simulator: market data (WebSocket /v2/{iex,sip,delayed_sip,test}) and the trading API (REST v2 + /stream)");
  c.sub->add_option("--listen", opts->listen, "HOST:PORT to listen on (port 0: any free port)")->capture_default_str();
  c.sub->add_option("--source", opts->source, "sample | recording FILE | synth")->expected(1, 2)->capture_default_str();
  c.sub->add_option("--rate", opts->rate, "synth: data messages per second in total (also --pace rate)")
      ->capture_default_str()->check(CLI::PositiveNumber);
  c.sub->add_option("--symbols", opts->symbols, "synth: number of symbols")->capture_default_str()->check(CLI::Range(1, 4096));
  c.sub->add_option("--pace", opts->pace, "recorded | fast | rate (default: recorded; synth: rate)")
      ->check(CLI::IsMember({"recorded", "fast", "rate"}));
  c.sub->add_flag("--loop", opts->loop, "replay the source again at its end");
  c.sub->add_option("--key", opts->key, "accepted key id (default: $APCA_API_KEY_ID or the test key)");
  c.sub->add_option("--secret", opts->secret, "accepted secret (default: $APCA_API_SECRET_KEY or the test secret)");
  c.sub->add_option("--tls-cert", opts->tls_cert, "PEM certificate chain: serve wss://");
  c.sub->add_option("--tls-key", opts->tls_key, "PEM private key for --tls-cert");
  c.sub->add_option("--duration", opts->duration, "stop after this many seconds (0: at SIGINT/SIGTERM)")->capture_default_str();
  c.sub->add_option("--stats-interval", opts->stats_interval, "seconds between stats lines (0: none)")->capture_default_str();
  c.sub->add_option("--max-batch", opts->max_batch, "data messages per frame at most")->capture_default_str()->check(CLI::Range(1, 100000));
  c.sub->add_option("--slot-hold", opts->slot_hold, "seconds a dropped connection keeps its key's slot (406)")->capture_default_str();
  c.sub->add_option("--seed", opts->seed, "synth seed")->capture_default_str();
  c.sub->add_flag("--no-fakepaca", opts->no_fakepaca, "do not add FAKEPACA data for /v2/test");
  c.sub->add_option("--trading-listen", opts->trading_listen,
                    "HOST:PORT of the trading API (REST v2 + /stream; port 0: any free port)")
      ->capture_default_str();
  c.sub->add_flag("--no-trading", opts->no_trading, "do not serve the trading API");
  c.sub->add_option("--rate-limit", opts->rate_limit, "trading API requests per minute per key (0: no limit)")
      ->capture_default_str();
  c.run = [opts] { return run_sim(*opts); };
  return c;
}

}  // namespace torghut::app
