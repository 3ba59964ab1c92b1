// wire_to_wire: the engine's wire-to-wire latency, measured from outside the process.
//
// From the moment the market-data simulator hands the frame carrying a trade print to its
// connection's writer (md_server_options::on_data_frame, steady clock) to the moment the
// `POST /v2/orders` that the trade caused has been read by the trading simulator
// (trading_sim::set_post_observer, steady clock, same machine): kernel loopback TCP both ways,
// the engine's WebSocket read, JSON decode, market data, strategy, risk, order router, the REST
// encode and the write — everything the real `torghut run --broker alpaca` does for one order.
//
// Set-up: md_server (drain_interval 0: a publish wakes its thread at once) and trading_sim
// (busy_poll on --sim-cpu, so the arrival is stamped without a wake-up; rate limit off) run in
// this process; the real `torghut` binary runs as a child process (`--cpu --engine-cpu --idle
// busy-spin --io hot`) with a generated config: one `tick_probe` strategy (one market order per
// trade print: buy 1 share when flat, sell it back next time, nothing while its last order is
// pending) and risk limits that never reject in the run. The harness thread and the md_server
// thread share --sim-cpu with the trading simulator; the engine's other threads (CAF control
// plane, supervisor) start on the engine's core (--engine-side-cpu), so that the simulator's core
// is not disturbed by them (on this 2-core machine, leaving them on the simulator's core put
// ~9 % of the samples above 1 ms: the CAF worker wakes ~100k times a second and preempts the
// busy-polling simulator).
//
// Loop: a quote per symbol to both servers, then for each order: a trade for the next symbol
// (round-robin, a fresh event time so that every decision hash differs) to the trading simulator's
// fill model and to the md_server; wait (--timeout-ms) for the POST; record POST − frame; pause
// (--pause-us) so that the fill and its trade_updates event reach the engine before that symbol
// trades again. Orders that never come are counted as timeouts, never as samples. The first
// --warmup orders are not measured.
//
// Against the official SDK (--sdk-bot tests/alpaca_clients/sdk_bot.js, issue 13): once the
// engine's phase is over and the engine stopped, `node` runs the same tick_probe written on the
// official Alpaca JS SDK (@alpacahq/alpaca-trade-api 4.x, client-side rate limiter off; see the
// script's header) against the same two servers, with the same key pair (env APCA_API_KEY_ID /
// APCA_API_SECRET_KEY), and the same loop measures it with the same stamps: --sdk-orders (4,000;
// 2,000 with --short) including --sdk-warmup (500; 300) for the JIT, --sdk-timeout-ms 1000 and
// --sdk-pause-us 1000 (Node answers in milliseconds; the pause lets the fill and its
// trade_updates events reach the bot before the next trade). Node and all its threads start on
// the engine's core (--engine-cpu), alone there as the engine was: the two never run at the same
// time. The bot reads the account's positions at start-up (what the engine left) and says
// "sdk_bot: ready" once both streams are subscribed; the harness waits for that line.
//
// Output: a table on stdout and a JSON file (--out): p50/p99/p999/min/max/mean in ns, orders,
// timeouts, and the set-up (cores, modes); with --sdk-bot, both columns and an `sdk_bot` object
// (the same fields, plus `ratio_p50` and `ratio_p99` = SDK bot / engine). It is a standalone
// harness, not a Google Benchmark suite (scripts/bench.sh runs it after the bench_* suites, with
// the SDK bot when tests/alpaca_clients/node_modules exists; scripts/latency_gate.py reads the
// JSON: absolute times are informational, the engine/SDK ratios must be >= 10 at p50 and p99).
//
//   wire_to_wire [--engine PATH] [--orders N] [--warmup N] [--short] [--out FILE]
//                [--engine-cpu 1] [--sim-cpu 0] [--engine-side-cpu N] [--io hot|thread] [--idle busy-spin|backoff]
//                [--sim-busy-poll 1|0] [--symbols K] [--timeout-ms 50] [--pause-us 300]
//                [--format json|msgpack] [--keep-logs] [--samples FILE] [--scrape-hz HZ]
//                [--sdk-bot FILE.js [--node node] [--sdk-orders N] [--sdk-warmup N] [--sdk-timeout-ms 1000]
//                 [--sdk-pause-us 1000]]
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <linux/futex.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "torghut/adapters/md_server.hpp"
#include "torghut/adapters/trading_sim.hpp"
#include "torghut/core/clock.hpp"
#include "torghut/core/fixed_point.hpp"
#include "torghut/core/messages.hpp"
#include "torghut/core/run_loop.hpp"

namespace {

using namespace torghut;
using namespace torghut::adapters;
using steady = std::chrono::steady_clock;


struct options {
  std::string engine;  // path of the torghut binary
  uint64_t orders = 12'000;  // including warm-up
  uint64_t warmup = 1'000;
  bool warmup_set = false;
  bool orders_set = false;
  bool short_mode = false;
  bool cpus_set = false;  // --engine-cpu, --sim-cpu or --sim-busy-poll given
  std::string out = "out/bench/wire_to_wire.json";
  int engine_cpu = 1;
  int sim_cpu = 0;
  int engine_side_cpu = -2;  // the engine's other threads (CAF, supervisor); -2: the engine's core, -1: inherit
  std::string io = "hot";
  std::string idle = "busy-spin";
  bool sim_busy_poll = true;
  size_t symbols = 8;
  int64_t timeout_ms = 50;
  int64_t pause_us = 300;
  std::string format = "json";
  bool keep_logs = false;
  std::string samples_out;  // every sample (ns, in order), one per line (the SDK bot's in FILE.sdk_bot)
  /// > 0: GET /metrics from the engine's control API this many times a second during alternate
  /// blocks of orders, and report the latency with and without scraping, same run.
  double scrape_hz = 0;
  /// --sdk-bot: after the engine, the same measurement of a bot on the official Alpaca JS SDK
  /// (tests/alpaca_clients/sdk_bot.js), run by `node` on the engine's core.
  std::string sdk_bot;
  std::string node = "node";
  uint64_t sdk_orders = 4'000;  // including warm-up
  uint64_t sdk_warmup = 500;
  bool sdk_orders_set = false;
  bool sdk_warmup_set = false;
  int64_t sdk_timeout_ms = 1'000;
  int64_t sdk_pause_us = 1'000;
};

void usage() {
  std::fprintf(stderr,
               "usage: wire_to_wire [--engine PATH] [--orders N] [--warmup N] [--short] [--out FILE]\n"
               "                    [--engine-cpu N] [--sim-cpu N] [--engine-side-cpu N] [--io hot|thread] [--idle busy-spin|backoff]\n"
               "                    [--sim-busy-poll 1|0] [--symbols K] [--timeout-ms MS] [--pause-us US]\n"
               "                    [--format json|msgpack] [--keep-logs] [--samples FILE] [--scrape-hz HZ]\n"
               "                    [--sdk-bot tests/alpaca_clients/sdk_bot.js [--node PATH] [--sdk-orders N] [--sdk-warmup N]\n"
               "                     [--sdk-timeout-ms MS] [--sdk-pause-us US]]\n");
}

/// One blocking GET of `path` from 127.0.0.1:`port` (Connection: close); the body's size, or -1.
long http_get_size(uint16_t port, const char* path) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  long total = -1;
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&a), sizeof a) == 0) {
    char req[160];
    const int n = std::snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n", path);
    if (::send(fd, req, static_cast<size_t>(n), MSG_NOSIGNAL) == n) {
      total = 0;
      char buf[16384];
      for (;;) {
        const ssize_t r = ::recv(fd, buf, sizeof buf, 0);
        if (r <= 0) break;
        total += r;
      }
    }
  }
  ::close(fd);
  return total;
}

bool parse_args(int argc, char** argv, options& o) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    auto value = [&](std::string& out) {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "wire_to_wire: %s needs a value\n", argv[i]);
        return false;
      }
      out = argv[++i];
      return true;
    };
    std::string v;
    try {
      if (a == "--engine") {
        if (!value(o.engine)) return false;
      } else if (a == "--orders") {
        if (!value(v)) return false;
        o.orders = std::stoull(v);
        o.orders_set = true;
      } else if (a == "--warmup") {
        if (!value(v)) return false;
        o.warmup = std::stoull(v);
        o.warmup_set = true;
      } else if (a == "--short") {
        o.short_mode = true;
      } else if (a == "--out") {
        if (!value(o.out)) return false;
      } else if (a == "--engine-cpu") {
        if (!value(v)) return false;
        o.engine_cpu = std::stoi(v);
        o.cpus_set = true;
      } else if (a == "--engine-side-cpu") {
        if (!value(v)) return false;
        o.engine_side_cpu = std::stoi(v);
      } else if (a == "--sim-cpu") {
        if (!value(v)) return false;
        o.sim_cpu = std::stoi(v);
        o.cpus_set = true;
      } else if (a == "--io") {
        if (!value(o.io)) return false;
        if (o.io != "hot" && o.io != "thread") return false;
      } else if (a == "--idle") {
        if (!value(o.idle)) return false;
        if (o.idle != "busy-spin" && o.idle != "backoff") return false;
      } else if (a == "--sim-busy-poll") {
        if (!value(v)) return false;
        o.sim_busy_poll = v != "0" && v != "false" && v != "off";
        o.cpus_set = true;
      } else if (a == "--symbols") {
        if (!value(v)) return false;
        o.symbols = std::clamp<size_t>(std::stoul(v), 1, 64);
      } else if (a == "--timeout-ms") {
        if (!value(v)) return false;
        o.timeout_ms = std::max<int64_t>(1, std::stoll(v));
      } else if (a == "--pause-us") {
        if (!value(v)) return false;
        o.pause_us = std::max<int64_t>(0, std::stoll(v));
      } else if (a == "--format") {
        if (!value(o.format)) return false;
        if (o.format != "json" && o.format != "msgpack") return false;
      } else if (a == "--samples") {
        if (!value(o.samples_out)) return false;
      } else if (a == "--scrape-hz") {
        if (!value(v)) return false;
        o.scrape_hz = std::max(0.0, std::stod(v));
      } else if (a == "--sdk-bot") {
        if (!value(o.sdk_bot)) return false;
      } else if (a == "--node") {
        if (!value(o.node)) return false;
      } else if (a == "--sdk-orders") {
        if (!value(v)) return false;
        o.sdk_orders = std::stoull(v);
        o.sdk_orders_set = true;
      } else if (a == "--sdk-warmup") {
        if (!value(v)) return false;
        o.sdk_warmup = std::stoull(v);
        o.sdk_warmup_set = true;
      } else if (a == "--sdk-timeout-ms") {
        if (!value(v)) return false;
        o.sdk_timeout_ms = std::max<int64_t>(1, std::stoll(v));
      } else if (a == "--sdk-pause-us") {
        if (!value(v)) return false;
        o.sdk_pause_us = std::max<int64_t>(0, std::stoll(v));
      } else if (a == "--keep-logs") {
        o.keep_logs = true;
      } else if (a == "--help" || a == "-h") {
        return false;
      } else {
        std::fprintf(stderr, "wire_to_wire: unknown argument '%s'\n", argv[i]);
        return false;
      }
    } catch (const std::exception&) {
      std::fprintf(stderr, "wire_to_wire: bad value for %s\n", argv[i]);
      return false;
    }
  }
  if (o.short_mode) {
    if (!o.orders_set) o.orders = 3'000;
    if (!o.warmup_set) o.warmup = 300;
    if (!o.sdk_orders_set) o.sdk_orders = 2'000;
    if (!o.sdk_warmup_set) o.sdk_warmup = 300;
  }
  if (o.engine_side_cpu == -2) o.engine_side_cpu = o.engine_cpu;
  if (o.warmup >= o.orders) {
    std::fprintf(stderr, "wire_to_wire: --warmup must be smaller than --orders\n");
    return false;
  }
  if (!o.sdk_bot.empty() && o.sdk_warmup >= o.sdk_orders) {
    std::fprintf(stderr, "wire_to_wire: --sdk-warmup must be smaller than --sdk-orders\n");
    return false;
  }
  return true;
}

/// The torghut binary next to this one in the build tree: <build>/bench/wire_to_wire →
/// <build>/engine/app/torghut.
std::string default_engine_path() {
  std::error_code ec;
  const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return "build/release/engine/app/torghut";
  return (self.parent_path().parent_path() / "engine" / "app" / "torghut").string();
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string tail_lines(const std::string& text, size_t n) {
  size_t pos = text.size();
  for (size_t k = 0; k <= n && pos > 0; ++k) {
    const size_t p = text.rfind('\n', pos - 1);
    if (p == std::string::npos) return text;
    if (k == n) return text.substr(p + 1);
    pos = p;
  }
  return text.substr(pos);
}

// --- the engine child process ----------------------------------------------------------------

class engine_process {
 public:
  ~engine_process() { stop(); }

  /// `cpu` >= 0: the child process's threads start on that core (the engine pins its hot thread
  /// itself); otherwise they inherit the harness's affinity.
  bool spawn(const std::vector<std::string>& args, const std::string& log_path, int cpu, std::string& error) {
    log_path_ = log_path;
    std::vector<char*> argv;
    argv.reserve(args.size() + 1);
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    const int fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
      error = "cannot create " + log_path + ": " + std::strerror(errno);
      return false;
    }
    const pid_t pid = ::fork();
    if (pid < 0) {
      error = std::string("fork: ") + std::strerror(errno);
      ::close(fd);
      return false;
    }
    if (pid == 0) {
      // Child: stdout and stderr to the log; dies with the harness.
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (cpu >= 0) {
        cpu_set_t set;
        CPU_ZERO(&set);
        CPU_SET(static_cast<size_t>(cpu), &set);
        (void)::sched_setaffinity(0, sizeof set, &set);
      }
      ::dup2(fd, STDOUT_FILENO);
      ::dup2(fd, STDERR_FILENO);
      const int devnull = ::open("/dev/null", O_RDONLY);
      if (devnull >= 0) ::dup2(devnull, STDIN_FILENO);
      ::execvp(argv[0], argv.data());  // execvp: `node` is looked up on PATH
      std::fprintf(stderr, "exec %s: %s\n", argv[0], std::strerror(errno));
      ::_exit(127);
    }
    ::close(fd);
    pid_ = pid;
    return true;
  }

  /// True while the child runs; otherwise `status` says how it ended.
  bool alive(std::string& status) {
    if (pid_ <= 0) {
      status = exit_text_;
      return false;
    }
    int st = 0;
    const pid_t r = ::waitpid(pid_, &st, WNOHANG);
    if (r == 0) return true;
    record_exit(st);
    pid_ = -1;
    status = exit_text_;
    return false;
  }

  /// SIGTERM, up to `grace` for it to exit, then SIGKILL. Idempotent.
  void stop(std::chrono::milliseconds grace = std::chrono::milliseconds(5'000)) {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    const auto deadline = steady::now() + grace;
    int st = 0;
    while (steady::now() < deadline) {
      const pid_t r = ::waitpid(pid_, &st, WNOHANG);
      if (r == pid_) {
        record_exit(st);
        pid_ = -1;
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    std::fprintf(stderr, "wire_to_wire: the engine did not stop within %lld ms of SIGTERM: SIGKILL\n",
                 static_cast<long long>(grace.count()));
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, &st, 0);
    record_exit(st);
    pid_ = -1;
  }

  [[nodiscard]] std::string log() const { return read_file(log_path_); }
  [[nodiscard]] const std::string& exit_text() const { return exit_text_; }
  [[nodiscard]] int exit_code() const { return exit_code_; }

 private:
  void record_exit(int st) {
    if (WIFEXITED(st)) {
      exit_code_ = WEXITSTATUS(st);
      exit_text_ = "exited with code " + std::to_string(exit_code_);
    } else if (WIFSIGNALED(st)) {
      exit_code_ = 128 + WTERMSIG(st);
      exit_text_ = std::string("killed by signal ") + std::to_string(WTERMSIG(st));
    }
  }
  pid_t pid_ = -1;
  std::string log_path_;
  std::string exit_text_ = "not started";
  int exit_code_ = -1;
};

void print_log_tail(const engine_process& e, const char* who = "engine") {
  std::fprintf(stderr, "---- %s log (last 30 lines) ----\n%s\n------------------------------------\n", who,
               tail_lines(e.log(), 30).c_str());
}

// --- events ----------------------------------------------------------------------------------

constexpr int64_t px_scale = price::scale;

market_event make_quote(int64_t event_time_ns, int64_t mid_raw) {
  market_event e;
  e.kind = market_event_kind::quote;
  e.event_time = timestamp{event_time_ns};
  e.u.quote = quote_payload{price::from_raw(mid_raw - px_scale / 100), quantity::from_raw(5 * quantity::scale),
                            price::from_raw(mid_raw + px_scale / 100), quantity::from_raw(5 * quantity::scale),
                            'V', 'V', 'C'};
  return e;
}

market_event make_trade(int64_t event_time_ns, int64_t id, int64_t px_raw) {
  market_event e;
  e.kind = market_event_kind::trade;
  e.event_time = timestamp{event_time_ns};
  e.u.trade = trade_payload{trade_id{id}, price::from_raw(px_raw), quantity::from_raw(100 * quantity::scale),
                            {'@', 0, 0, 0}, 1, 'V', 'C'};
  return e;
}

// --- the generated engine config -------------------------------------------------------------

std::string engine_config(const options& o, const std::vector<std::string>& symbols,
                          const std::string& rest_url, const std::string& stream_url) {
  std::string syms;
  for (const auto& s : symbols) syms += (syms.empty() ? "\"" : ", \"") + s + "\"";
  std::ostringstream c;
  c << "# generated by wire_to_wire: one tick_probe strategy, risk limits that never reject\n"
    << "account_label = \"wire-to-wire\"\n"
    << "starting_equity = \"100000\"\n"
    << "allowed_symbols = [" << syms << "]\n"
    << "idle = \"" << o.idle << "\"\n"
    << "mailbox_capacity = 4096\n"
    << "audit_capacity = 65536\n"
    << "symbol_capacity = 1024\n"
    << "\n[risk]\n"
    << "max_notional_per_order = \"100000000\"\n"
    << "max_position_pct_equity = 1.0\n"
    << "max_order_qty = \"1000000\"\n"
    << "orders_per_minute = 1000000\n"
    << "order_burst = 1000000\n"
    << "price_collar_pct = 0.5\n"
    << "daily_loss_limit = \"100000000\"\n"
    << "\n[market_data]\n"
    << "stale_after_ms = 60000\n"
    << "dedupe_window = 64\n"
    << "gap_after_ms = 600000\n"
    << "\n[feed]\n"
    << "format = \"" << o.format << "\"\n"
    << "auth = \"message\"\n"
    << "\n[trading]\n"
    << "broker = \"alpaca\"\n"
    << "rest_url = \"" << rest_url << "\"\n"
    << "stream_url = \"" << stream_url << "\"\n"
    << "connections = 2\n"
    << "request_timeout_ms = 2000\n"
    << "max_retries = 3\n"
    << "rate_limit_per_minute = 100000000\n"
    << "reconcile_timeout_ms = 30000\n"
    << "\n[[strategies]]\n"
    << "id = 1\n"
    << "name = \"tick_probe\"\n"
    << "kind = \"tick_probe\"\n"
    << "enabled = true\n"
    << "base_timeframe = \"1Sec\"\n"
    << "universe_symbols = []\n"
    << "max_position_pct_equity = 1.0\n"
    << "max_notional_per_trade = \"100000000\"\n";
  return c.str();
}

// --- statistics ------------------------------------------------------------------------------

struct summary {
  int64_t p50 = 0, p90 = 0, p99 = 0, p999 = 0, min = 0, max = 0;
  double mean = 0;
};

int64_t percentile(const std::vector<int64_t>& sorted, double q) {
  if (sorted.empty()) return 0;
  // Nearest rank: the smallest sample with at least q of the samples at or below it.
  const auto rank = static_cast<size_t>(std::ceil(q * static_cast<double>(sorted.size())));
  return sorted[std::min(sorted.size() - 1, rank == 0 ? 0 : rank - 1)];
}

summary summarize(std::vector<int64_t> v) {
  summary s;
  if (v.empty()) return s;
  std::sort(v.begin(), v.end());
  s.p50 = percentile(v, 0.50);
  s.p90 = percentile(v, 0.90);
  s.p99 = percentile(v, 0.99);
  s.p999 = percentile(v, 0.999);
  s.min = v.front();
  s.max = v.back();
  long double sum = 0;
  for (const int64_t x : v) sum += static_cast<long double>(x);
  s.mean = static_cast<double>(sum / static_cast<long double>(v.size()));
  return s;
}

// --- what the servers' threads report ----------------------------------------------------------

/// Written by the md_server thread (frames) and the trading_sim thread (POSTs); read by the
/// harness thread. `armed` makes the first data frame after a publish the trigger.
struct probe_state {
  std::atomic<bool> armed{false};
  std::atomic<int64_t> trigger_ns{0};
  std::atomic<uint64_t> data_frames{0};
  /// One record per POST /v2/orders, written by the simulator thread (the only writer) before
  /// it releases `posts`; the harness reads records [seen, posts). 64 slots: the harness is never
  /// more than one or two POSTs behind (one order in flight, the odd late one).
  struct post_record {
    std::atomic<int64_t> ns{0};
    std::array<std::atomic<char>, 16> symbol{};
    std::atomic<uint8_t> len{0};
  };
  std::array<post_record, 64> ring{};
  /// Count of POSTs; also the futex word the harness sleeps on (no polling on the simulator's
  /// core while an order is in flight).
  std::atomic<uint32_t> posts{0};
};
static_assert(sizeof(std::atomic<uint32_t>) == sizeof(uint32_t));

void futex_wait(std::atomic<uint32_t>& word, uint32_t expected, std::chrono::nanoseconds left) {
  if (left.count() <= 0) return;
  timespec ts{static_cast<time_t>(left.count() / 1'000'000'000), static_cast<long>(left.count() % 1'000'000'000)};
  ::syscall(SYS_futex, reinterpret_cast<uint32_t*>(&word), FUTEX_WAIT_PRIVATE, expected, &ts, nullptr, 0);
}
void futex_wake(std::atomic<uint32_t>& word) {
  ::syscall(SYS_futex, reinterpret_cast<uint32_t*>(&word), FUTEX_WAKE_PRIVATE, 1, nullptr, nullptr, 0);
}

}  // namespace

int main(int argc, char** argv) {
  options o;
  if (!parse_args(argc, argv, o)) {
    usage();
    return 2;
  }
  if (o.engine.empty()) o.engine = default_engine_path();
  if (::access(o.engine.c_str(), X_OK) != 0) {
    std::fprintf(stderr, "wire_to_wire: no engine binary at %s (build the `torghut` target, or pass --engine)\n",
                 o.engine.c_str());
    return 2;
  }
  const long cpus = ::sysconf(_SC_NPROCESSORS_ONLN);
  if (cpus < 2 && !o.cpus_set) {
    // One core: two busy-spinning threads on it would measure the scheduler, not the engine.
    std::fprintf(stderr, "wire_to_wire: one core only: engine and simulator share core 0, the simulator "
                         "blocks instead of busy-polling, the engine backs off (numbers are not comparable)\n");
    o.engine_cpu = 0;
    o.engine_side_cpu = 0;
    o.sim_cpu = 0;
    o.sim_busy_poll = false;
    o.idle = "backoff";
  }
  if (o.engine_cpu >= cpus || o.sim_cpu >= cpus) {
    std::fprintf(stderr, "wire_to_wire: this machine has %ld cores (0..%ld)\n", cpus, cpus - 1);
    return 2;
  }
  if (o.engine_cpu == o.sim_cpu)
    std::fprintf(stderr, "wire_to_wire: warning: the engine and the simulator share core %d\n", o.sim_cpu);
  ::prctl(PR_SET_TIMERSLACK, 1UL);  // short sleeps in the pacing loop

  // The harness thread (and, by inheritance, the md_server thread and the engine's side threads)
  // on the simulator's core: the engine's core is left to the engine's hot thread.
  if (o.sim_cpu >= 0) {
    if (std::string e = pin_current_thread(o.sim_cpu); !e.empty())
      std::fprintf(stderr, "wire_to_wire: cannot pin the harness to core %d: %s\n", o.sim_cpu, e.c_str());
  }

  char tmpl[] = "/tmp/torghut-w2w-XXXXXX";
  if (::mkdtemp(tmpl) == nullptr) {
    std::fprintf(stderr, "wire_to_wire: mkdtemp: %s\n", std::strerror(errno));
    return 1;
  }
  const std::filesystem::path dir = tmpl;

  static const char* const names[] = {"AAPL", "MSFT", "NVDA", "AMZN", "META", "GOOG", "TSLA", "AMD",
                                      "NFLX", "INTC", "CSCO", "ORCL", "ADBE", "CRM",  "QCOM", "AVGO"};
  std::vector<std::string> symbols;
  for (size_t i = 0; i < o.symbols; ++i)
    symbols.push_back(i < std::size(names) ? names[i] : "SYM" + std::to_string(i));

  probe_state st;

  // --- the two simulators ---------------------------------------------------------------------
  md_server_options mo;
  mo.drain_interval = std::chrono::microseconds(0);
  mo.idle_timeout = std::chrono::milliseconds(0);  // no pings in the measurement
  mo.on_data_frame = [&st](int64_t ns) {
    st.data_frames.fetch_add(1, std::memory_order_relaxed);
    if (st.armed.load(std::memory_order_acquire)) {
      st.trigger_ns.store(ns, std::memory_order_release);
      st.armed.store(false, std::memory_order_release);
    }
  };
  md_server md(mo);
  std::string err;
  if (!md.start(err)) {
    std::fprintf(stderr, "wire_to_wire: md_server: %s\n", err.c_str());
    return 1;
  }

  trading_sim_options so;
  so.busy_poll = o.sim_busy_poll;
  so.cpu = o.sim_cpu;
  so.rate_limit_per_minute = 0;
  so.seed = 4;
  so.starting_cash = money::from_raw(int64_t{100'000'000} * money::scale);
  trading_sim sim(so);
  sim.set_post_observer([&st](std::string_view, std::string_view symbol, int64_t ns) {
    const uint32_t n = st.posts.load(std::memory_order_relaxed);
    auto& r = st.ring[n % st.ring.size()];
    const size_t len = std::min(symbol.size(), r.symbol.size());
    for (size_t k = 0; k < len; ++k) r.symbol[k].store(symbol[k], std::memory_order_relaxed);
    r.len.store(static_cast<uint8_t>(len), std::memory_order_relaxed);
    r.ns.store(ns, std::memory_order_relaxed);
    st.posts.store(n + 1, std::memory_order_release);
    futex_wake(st.posts);  // after the stamp: not part of the measured interval
  });
  if (!sim.start(err)) {
    std::fprintf(stderr, "wire_to_wire: trading_sim: %s\n", err.c_str());
    return 1;
  }

  // --- the engine -----------------------------------------------------------------------------
  const std::string config_path = (dir / "w2w.toml").string();
  {
    std::ofstream f(config_path);
    f << engine_config(o, symbols, sim.base_url(), sim.stream_url());
  }
  const std::string log_path = (dir / "engine.log").string();
  const std::string lease_dir = (dir / "lease").string();
  std::filesystem::create_directories(lease_dir);
  ::setenv("APCA_API_KEY_ID", std::string(md_default_key).c_str(), 1);
  ::setenv("APCA_API_SECRET_KEY", std::string(md_default_secret).c_str(), 1);
  ::unsetenv("DB_DSN");
  ::unsetenv("TRADING_MODE");
  ::unsetenv("TRADING_LIVE_ENABLED");
  const std::vector<std::string> args = {o.engine,
                                         "run",
                                         "--config",
                                         config_path,
                                         "--feed",
                                         md.url("iex"),
                                         "--broker",
                                         "alpaca",
                                         "--rest-url",
                                         sim.base_url(),
                                         "--stream-url",
                                         sim.stream_url(),
                                         "--decisions",
                                         "",
                                         "--quiet",
                                         "--cpu",
                                         std::to_string(o.engine_cpu),
                                         "--idle",
                                         o.idle,
                                         "--io",
                                         o.io,
                                         "--lease-dir",
                                         lease_dir,
                                         "--duration",
                                         "3600",
                                         "--control-listen",
                                         o.scrape_hz > 0 ? "127.0.0.1:0" : ""};
  std::printf("wire_to_wire: engine %s\n", o.engine.c_str());
  std::printf("  cores: %ld online; engine hot thread on core %d (--idle %s --io %s), its other threads on core %d; "
              "trading simulator %s on core %d; md_server thread and harness on core %d\n",
              cpus, o.engine_cpu, o.idle.c_str(), o.io.c_str(), o.engine_side_cpu >= 0 ? o.engine_side_cpu : o.sim_cpu,
              o.sim_busy_poll ? "busy-polling" : "blocking", o.sim_cpu, o.sim_cpu);
  std::fflush(stdout);
  engine_process eng;
  if (!eng.spawn(args, log_path, o.engine_side_cpu, err)) {
    std::fprintf(stderr, "wire_to_wire: %s\n", err.c_str());
    return 1;
  }
  int rc = 0;
  auto fail_child = [&](engine_process& child, const char* who, const std::string& why) {
    std::fprintf(stderr, "wire_to_wire: %s\n", why.c_str());
    child.stop();
    print_log_tail(child, who);
    std::fprintf(stderr, "(logs and config kept in %s)\n", dir.c_str());
    o.keep_logs = true;
    rc = 1;
  };
  auto fail = [&](const std::string& why) { fail_child(eng, "engine", why); };

  // Wait for "broker: trading enabled" (start-up reconciliation succeeded) and the feed subscribed.
  {
    const auto deadline = steady::now() + std::chrono::seconds(60);
    bool ready = false;
    std::string status;
    while (steady::now() < deadline) {
      if (!eng.alive(status)) break;
      if (eng.log().find("broker: trading enabled") != std::string::npos && md.authenticated_connections() > 0) {
        ready = true;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    if (!ready) {
      std::string s;
      fail(eng.alive(s) ? "the engine did not report \"broker: trading enabled\" within 60 s"
                        : "the engine exited early (" + s + ")");
      sim.stop();
      md.stop();
      return rc;
    }
  }

  // The /metrics scraper (--scrape-hz): on the harness's core, scraping while `scraping` is set.
  std::atomic<bool> scraping{false}, scraper_stop{false};
  std::atomic<uint64_t> scrapes{0}, scrape_failures{0};
  std::thread scraper;
  if (o.scrape_hz > 0) {
    const std::string& lg = eng.log();
    const auto at = lg.find("control API on http://127.0.0.1:");
    uint16_t port = 0;
    if (at != std::string::npos)
      port = static_cast<uint16_t>(std::atoi(lg.c_str() + at + std::strlen("control API on http://127.0.0.1:")));
    if (port == 0) {
      fail("--scrape-hz: the engine did not say where its control API listens");
      sim.stop();
      md.stop();
      return rc;
    }
    const auto period = std::chrono::duration<double>(1.0 / o.scrape_hz);
    scraper = std::thread([&, port, period] {
      auto next = steady::now();
      while (!scraper_stop.load(std::memory_order_relaxed)) {
        next += std::chrono::duration_cast<steady::duration>(period);
        std::this_thread::sleep_until(next);
        if (!scraping.load(std::memory_order_relaxed)) continue;
        if (http_get_size(port, "/metrics") > 0)
          scrapes.fetch_add(1, std::memory_order_relaxed);
        else
          scrape_failures.fetch_add(1, std::memory_order_relaxed);
      }
    });
  }
  std::vector<int64_t> samples_scraped;

  // Reference prices: one quote per symbol to both servers.
  const int64_t base_px = 100 * px_scale;
  int64_t last_event_ns = 0;
  auto fresh_time = [&last_event_ns] {
    last_event_ns = std::max(wall_ns(), last_event_ns + 1);
    return last_event_ns;
  };
  auto publish_quotes = [&] {
    for (const auto& s : symbols) {
      const market_event q = make_quote(fresh_time(), base_px);
      sim.on_market(q, s);
      (void)md.publish(q, s);
    }
    md.sync();
    sim.sync();
  };
  publish_quotes();
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // the engine decodes them

  // --- the loop -------------------------------------------------------------------------------
  // One measured phase: `orders` trades, round-robin over the symbols, each awaited as one POST.
  // The engine's phase, then (--sdk-bot) the SDK bot's, against the same two servers.
  struct phase_result {
    std::vector<int64_t> samples;
    uint64_t timeouts = 0, warmup_timeouts = 0, late_posts = 0, no_trigger = 0;
    double elapsed_s = 0;
  };
  auto symbol_index = [&](const probe_state::post_record& r) -> size_t {
    std::array<char, 16> buf{};
    const size_t len = std::min<size_t>(r.len.load(std::memory_order_relaxed), buf.size());
    for (size_t k = 0; k < len; ++k) buf[k] = r.symbol[k].load(std::memory_order_relaxed);
    const std::string_view v(buf.data(), len);
    for (size_t k = 0; k < symbols.size(); ++k)
      if (symbols[k] == v) return k;
    return symbols.size();
  };
  int64_t next_trade_id = 1;  // across phases: every trade print has its own id
  std::string status;
  auto run_phase = [&](engine_process& child, const char* who, uint64_t orders, uint64_t warmup,
                       std::chrono::milliseconds timeout, std::chrono::microseconds pause, bool scrape) {
    phase_result res;
    res.samples.reserve(orders);
    // Orders that timed out and have not arrived yet, by symbol: the next POST of such a symbol is
    // that late order (the probe sends nothing new while one is pending), never a sample.
    std::vector<uint32_t> overdue(symbols.size(), 0);
    uint32_t seen = st.posts.load(std::memory_order_acquire);
    const auto started = steady::now();
    auto died = [&](uint64_t i) {
      fail_child(child, who,
                 std::string("the ") + who + " exited during the run (" + status + ") after " + std::to_string(i) +
                     " orders");
    };
    for (uint64_t i = 0; i < orders; ++i) {
      if (i % 256 == 255) {
        if (!child.alive(status)) {
          died(i);
          break;
        }
        publish_quotes();
        std::this_thread::sleep_for(pause);
      }
      // With --scrape-hz: blocks of 500 measured orders alternate, unscraped then scraped.
      if (scrape) scraping.store(i >= warmup && ((i - warmup) / 500) % 2 == 1, std::memory_order_relaxed);
      const size_t si = static_cast<size_t>(i % symbols.size());
      const std::string& sym = symbols[si];
      const market_event t = make_trade(fresh_time(), next_trade_id++, base_px);
      st.trigger_ns.store(0, std::memory_order_relaxed);
      st.armed.store(true, std::memory_order_release);
      sim.on_market(t, sym);
      (void)md.publish(t, sym);
      const auto deadline = steady::now() + timeout;
      int64_t arrival = 0;
      for (;;) {
        const uint32_t now_posts = st.posts.load(std::memory_order_acquire);
        for (; seen != now_posts; ++seen) {
          const auto& r = st.ring[seen % st.ring.size()];
          const size_t k = symbol_index(r);
          if (k < symbols.size() && overdue[k] > 0) {
            --overdue[k];
            ++res.late_posts;
          } else if (k == si && arrival == 0) {
            arrival = r.ns.load(std::memory_order_relaxed);
          } else {
            ++res.late_posts;  // not ours and not expected: counted, never a sample
          }
        }
        if (arrival != 0) break;
        const auto left = deadline - steady::now();
        if (left.count() <= 0) break;
        futex_wait(st.posts, now_posts, std::chrono::duration_cast<std::chrono::nanoseconds>(left));
      }
      const bool measured = i >= warmup;
      if (arrival == 0) {
        ++(measured ? res.timeouts : res.warmup_timeouts);
        ++overdue[si];
        st.armed.store(false, std::memory_order_release);
        if (!child.alive(status)) {
          died(i);
          break;
        }
        continue;
      }
      const int64_t trig = st.trigger_ns.load(std::memory_order_acquire);
      if (trig == 0) {
        ++res.no_trigger;  // cannot happen: the POST came before the trade's frame was written
      } else if (measured) {
        (scrape && scraping.load(std::memory_order_relaxed) ? samples_scraped : res.samples).push_back(arrival - trig);
      }
      std::this_thread::sleep_for(pause);
    }
    res.elapsed_s = std::chrono::duration<double>(steady::now() - started).count();
    return res;
  };

  const phase_result engine_run = run_phase(eng, "engine", o.orders, o.warmup, std::chrono::milliseconds(o.timeout_ms),
                                            std::chrono::microseconds(o.pause_us), o.scrape_hz > 0);
  if (scraper.joinable()) {
    scraper_stop.store(true);
    scraper.join();
  }
  const std::vector<int64_t>& samples = engine_run.samples;
  const double elapsed_s = engine_run.elapsed_s;
  const uint64_t timeouts = engine_run.timeouts, warmup_timeouts = engine_run.warmup_timeouts,
                 late_posts = engine_run.late_posts, no_trigger = engine_run.no_trigger;

  // --- the engine's shutdown --------------------------------------------------------------------
  const trading_sim_stats ss = sim.stats();
  const md_server_stats ms = md.stats();
  const bool engine_alive_at_end = rc == 0 && eng.alive(status);
  eng.stop();
  if (rc == 0 && !engine_alive_at_end) fail("the engine exited before the end of the run (" + status + ")");
  if (rc != 0) {
    sim.stop();
    md.stop();
    return rc;
  }

  // --- the SDK bot (--sdk-bot): the same measurement, same servers, the engine stopped ----------
  // Node runs on the engine's core (all its threads: the event loop, libuv's pool, V8's GC and
  // compiler threads), alone there as the engine was; the harness and the simulators stay put.
  const bool with_bot = !o.sdk_bot.empty();
  phase_result bot_run;
  trading_sim_stats ss_bot{};
  std::string bot_counters;
  if (with_bot) {
    std::string syms;
    for (const auto& s : symbols) syms += (syms.empty() ? "" : ",") + s;
    const std::vector<std::string> bot_args = {o.node,          o.sdk_bot,       "--md-url",     md.url("iex"),
                                               "--rest-url",    sim.base_url(),  "--stream-url", sim.stream_url(),
                                               "--symbols",     syms};
    std::printf("wire_to_wire: SDK bot %s %s on core %d (%" PRIu64 " orders, %" PRIu64 " warm-up, timeout %lld ms, "
                "pause %lld us)\n",
                o.node.c_str(), o.sdk_bot.c_str(), o.engine_cpu, o.sdk_orders, o.sdk_warmup,
                static_cast<long long>(o.sdk_timeout_ms), static_cast<long long>(o.sdk_pause_us));
    std::fflush(stdout);
    engine_process bot;
    if (!bot.spawn(bot_args, (dir / "sdk_bot.log").string(), o.engine_cpu, err)) {
      std::fprintf(stderr, "wire_to_wire: SDK bot: %s\n", err.c_str());
      sim.stop();
      md.stop();
      return 1;
    }
    // Ready: both streams authenticated and subscribed, the positions read.
    const auto deadline = steady::now() + std::chrono::seconds(60);
    bool ready = false;
    while (steady::now() < deadline) {
      if (!bot.alive(status)) break;
      if (bot.log().find("sdk_bot: ready") != std::string::npos) {
        ready = true;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    if (!ready) {
      std::string s;
      fail_child(bot, "SDK bot",
                 bot.alive(s) ? "the SDK bot did not report \"sdk_bot: ready\" within 60 s"
                              : "the SDK bot exited early (" + s + ")");
    } else {
      publish_quotes();
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      const trading_sim_stats before = sim.stats();
      bot_run = run_phase(bot, "SDK bot", o.sdk_orders, o.sdk_warmup, std::chrono::milliseconds(o.sdk_timeout_ms),
                          std::chrono::microseconds(o.sdk_pause_us), false);
      std::this_thread::sleep_for(std::chrono::milliseconds(50));  // the last fill reaches the bot
      const trading_sim_stats after = sim.stats();
      ss_bot.orders_posted = after.orders_posted - before.orders_posted;
      ss_bot.orders_accepted = after.orders_accepted - before.orders_accepted;
      ss_bot.fills = after.fills - before.fills;
      ss_bot.rate_limited = after.rate_limited - before.rate_limited;
      if (rc == 0) {
        const bool alive_at_end = bot.alive(status);
        bot.stop();  // SIGTERM: the bot prints its counters and exits 0
        if (!alive_at_end) {
          fail_child(bot, "SDK bot", "the SDK bot exited before the end of the run (" + status + ")");
        } else if (bot.exit_code() != 0) {
          fail_child(bot, "SDK bot", "the SDK bot " + bot.exit_text() + " when stopped");
        } else {
          const std::string lg = bot.log();
          const auto at = lg.rfind("sdk_bot: stopping: ");
          if (at != std::string::npos) bot_counters = lg.substr(at, lg.find('\n', at) - at);
        }
      }
    }
  }
  sim.stop();
  md.stop();
  if (rc != 0) return rc;

  const uint64_t measured_orders = o.orders - o.warmup;
  const summary s = summarize(samples);
  if (!o.samples_out.empty()) {
    std::ofstream f(o.samples_out);
    for (const int64_t x : samples) f << x << '\n';
    if (with_bot) {
      std::ofstream fb(o.samples_out + ".sdk_bot");
      for (const int64_t x : bot_run.samples) fb << x << '\n';
    }
  }
  auto us = [](int64_t ns) { return static_cast<double>(ns) / 1000.0; };
  auto ratio = [](int64_t num, int64_t den) { return den > 0 ? static_cast<double>(num) / static_cast<double>(den) : 0.0; };
  const summary sb = summarize(bot_run.samples);
  const uint64_t bot_measured = with_bot ? o.sdk_orders - o.sdk_warmup : 0;
  std::printf("\nwire-to-wire latency (trigger frame handed to the md_server writer -> POST /v2/orders read "
              "by the trading simulator)\n");
  std::printf("  engine: %" PRIu64 " orders measured (%" PRIu64 " warm-up), %zu samples, %" PRIu64
              " timeouts (no POST within %lld ms; %" PRIu64 " in warm-up), %" PRIu64 " late POSTs; %.1f s\n",
              measured_orders, o.warmup, samples.size(), timeouts, static_cast<long long>(o.timeout_ms),
              warmup_timeouts, late_posts, elapsed_s);
  if (no_trigger != 0)
    std::printf("  %" PRIu64 " POSTs arrived with no trigger frame stamped (not samples)\n", no_trigger);
  if (with_bot) {
    std::printf("  SDK bot: %" PRIu64 " orders measured (%" PRIu64 " warm-up), %zu samples, %" PRIu64
                " timeouts (no POST within %lld ms; %" PRIu64 " in warm-up), %" PRIu64 " late POSTs; %.1f s\n",
                bot_measured, o.sdk_warmup, bot_run.samples.size(), bot_run.timeouts,
                static_cast<long long>(o.sdk_timeout_ms), bot_run.warmup_timeouts, bot_run.late_posts,
                bot_run.elapsed_s);
    if (bot_run.no_trigger != 0)
      std::printf("  %" PRIu64 " SDK bot POSTs arrived with no trigger frame stamped (not samples)\n", bot_run.no_trigger);
    std::printf("  %-8s %10s %12s %9s\n", "", "engine us", "SDK bot us", "bot/eng");
    const std::pair<const char*, std::pair<int64_t, int64_t>> rows[] = {
        {"min", {s.min, sb.min}},   {"p50", {s.p50, sb.p50}},   {"p90", {s.p90, sb.p90}},
        {"p99", {s.p99, sb.p99}},   {"p99.9", {s.p999, sb.p999}}, {"max", {s.max, sb.max}}};
    for (const auto& [name, v] : rows)
      std::printf("  %-8s %10.2f %12.2f %8.1fx\n", name, us(v.first), us(v.second), ratio(v.second, v.first));
    std::printf("  %-8s %10.2f %12.2f %8.1fx\n", "mean", s.mean / 1000.0, sb.mean / 1000.0,
                s.mean > 0 ? sb.mean / s.mean : 0.0);
    std::printf("  the engine is %.1fx faster than the SDK bot at p50 and %.1fx at p99 (same run, same harness)\n",
                ratio(sb.p50, s.p50), ratio(sb.p99, s.p99));
  } else {
    std::printf("  %-8s %10s\n", "", "us");
    std::printf("  %-8s %10.2f\n", "min", us(s.min));
    std::printf("  %-8s %10.2f   (target <= 15)\n", "p50", us(s.p50));
    std::printf("  %-8s %10.2f\n", "p90", us(s.p90));
    std::printf("  %-8s %10.2f   (target <= 50)\n", "p99", us(s.p99));
    std::printf("  %-8s %10.2f\n", "p99.9", us(s.p999));
    std::printf("  %-8s %10.2f\n", "max", us(s.max));
    std::printf("  %-8s %10.2f\n", "mean", s.mean / 1000.0);
  }
  const summary sc = summarize(samples_scraped);
  if (o.scrape_hz > 0) {
    std::printf("  the table: orders in the blocks without scraping; in the blocks with /metrics scraped %.0f times a "
                "second (%" PRIu64 " scrapes, %" PRIu64 " failed), %zu samples:\n",
                o.scrape_hz, scrapes.load(), scrape_failures.load(), samples_scraped.size());
    std::printf("  %-8s %10.2f   (%.3fx)\n", "p50", us(sc.p50), s.p50 ? static_cast<double>(sc.p50) / static_cast<double>(s.p50) : 0.0);
    std::printf("  %-8s %10.2f   (%.3fx; target <= 1.05x)\n", "p99", us(sc.p99),
                s.p99 ? static_cast<double>(sc.p99) / static_cast<double>(s.p99) : 0.0);
  }
  std::printf("  simulator: %" PRIu64 " POST /v2/orders (%" PRIu64 " accepted), %" PRIu64 " fills, %" PRIu64
              " trade_updates frames, %" PRIu64 " 429; md_server: %" PRIu64 " data frames\n",
              ss.orders_posted, ss.orders_accepted, ss.fills, ss.events_sent, ss.rate_limited, ms.data_frames_sent);
  if (with_bot) {
    std::printf("  simulator, SDK bot phase: %" PRIu64 " POST /v2/orders (%" PRIu64 " accepted), %" PRIu64 " fills, %" PRIu64
                " 429\n",
                ss_bot.orders_posted, ss_bot.orders_accepted, ss_bot.fills, ss_bot.rate_limited);
    if (!bot_counters.empty()) std::printf("  %s\n", bot_counters.c_str());
  }

  if (!o.out.empty()) {
    const auto parent = std::filesystem::path(o.out).parent_path();
    if (!parent.empty()) std::filesystem::create_directories(parent);
    std::ofstream f(o.out);
    char buf[2048];
    std::snprintf(buf, sizeof buf,
                  "{\n  \"name\": \"wire_to_wire\",\n  \"orders\": %" PRIu64 ",\n  \"warmup\": %" PRIu64
                  ",\n  \"samples\": %zu,\n  \"timeouts\": %" PRIu64 ",\n  \"warmup_timeouts\": %" PRIu64
                  ",\n  \"timeout_ms\": %lld,\n  \"late_posts\": %" PRIu64
                  ",\n  \"p50_ns\": %" PRId64 ",\n  \"p90_ns\": %" PRId64 ",\n  \"p99_ns\": %" PRId64
                  ",\n  \"p999_ns\": %" PRId64 ",\n  \"min_ns\": %" PRId64 ",\n  \"max_ns\": %" PRId64
                  ",\n  \"mean_ns\": %.1f,\n  \"target_p50_ns\": 15000,\n  \"target_p99_ns\": 50000"
                  ",\n  \"cpus_online\": %ld,\n  \"engine_cpu\": %d,\n  \"engine_side_cpu\": %d,\n  \"sim_cpu\": %d,\n  \"io\": \"%s\""
                  ",\n  \"idle\": \"%s\",\n  \"sim_busy_poll\": %s,\n  \"format\": \"%s\",\n  \"symbols\": %zu"
                  ",\n  \"pause_us\": %lld,\n  \"short\": %s,\n  \"elapsed_s\": %.2f",
                  measured_orders, o.warmup, samples.size(), timeouts, warmup_timeouts,
                  static_cast<long long>(o.timeout_ms), late_posts, s.p50, s.p90, s.p99, s.p999, s.min, s.max,
                  s.mean, cpus, o.engine_cpu, o.engine_side_cpu >= 0 ? o.engine_side_cpu : o.sim_cpu, o.sim_cpu,
                  o.io.c_str(),
                  o.idle.c_str(), o.sim_busy_poll ? "true" : "false", o.format.c_str(), o.symbols,
                  static_cast<long long>(o.pause_us), o.short_mode ? "true" : "false", elapsed_s);
    f << buf;
    if (o.scrape_hz > 0)
      f << ",\n  \"scrape_hz\": " << o.scrape_hz << ",\n  \"scrapes\": " << scrapes.load()
        << ",\n  \"scraped_samples\": " << samples_scraped.size() << ",\n  \"scraped_p50_ns\": " << sc.p50
        << ",\n  \"scraped_p99_ns\": " << sc.p99;
    if (with_bot) {
      std::snprintf(buf, sizeof buf,
                    ",\n  \"sdk_bot\": {\n    \"script\": \"%s\",\n    \"sdk\": \"@alpacahq/alpaca-trade-api 4.x\""
                    ",\n    \"cpu\": %d,\n    \"orders\": %" PRIu64 ",\n    \"warmup\": %" PRIu64
                    ",\n    \"samples\": %zu,\n    \"timeouts\": %" PRIu64 ",\n    \"warmup_timeouts\": %" PRIu64
                    ",\n    \"timeout_ms\": %lld,\n    \"pause_us\": %lld,\n    \"late_posts\": %" PRIu64
                    ",\n    \"p50_ns\": %" PRId64 ",\n    \"p90_ns\": %" PRId64 ",\n    \"p99_ns\": %" PRId64
                    ",\n    \"p999_ns\": %" PRId64 ",\n    \"min_ns\": %" PRId64 ",\n    \"max_ns\": %" PRId64
                    ",\n    \"mean_ns\": %.1f,\n    \"elapsed_s\": %.2f,\n    \"ratio_p50\": %.2f,\n    \"ratio_p99\": %.2f\n  }",
                    std::filesystem::path(o.sdk_bot).filename().c_str(), o.engine_cpu, bot_measured, o.sdk_warmup,
                    bot_run.samples.size(), bot_run.timeouts, bot_run.warmup_timeouts,
                    static_cast<long long>(o.sdk_timeout_ms), static_cast<long long>(o.sdk_pause_us),
                    bot_run.late_posts, sb.p50, sb.p90, sb.p99, sb.p999, sb.min, sb.max, sb.mean, bot_run.elapsed_s,
                    ratio(sb.p50, s.p50), ratio(sb.p99, s.p99));
      f << buf;
    }
    f << "\n}\n";
    std::printf("  JSON: %s\n", o.out.c_str());
  }
  if (o.keep_logs) {
    std::printf("  engine log and config: %s\n", dir.c_str());
  } else {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
  if (samples.empty()) {
    std::fprintf(stderr, "wire_to_wire: no order was measured\n");
    return 1;
  }
  if (with_bot && bot_run.samples.empty()) {
    std::fprintf(stderr, "wire_to_wire: no order of the SDK bot was measured\n");
    return 1;
  }
  return 0;
}
