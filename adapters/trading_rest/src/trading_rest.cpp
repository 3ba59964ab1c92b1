// The trading REST client. See trading_rest.hpp for the contract and rest_policy.hpp for the
// decisions.
//
// The only Beast translation unit of the client. Structure:
//  - `rest_link`: one per dial of a pool slot; owns the socket stack, the static read buffer, the
//    response parser (re-emplaced per response, no heap) and the write buffer. It reports to the
//    client's `impl`, which ignores reports from a link that is no longer its slot's current one.
//  - `impl`: the pool slots, the request pool (preallocated: queue_capacity + connections), the
//    FIFO of waiting requests, the budget, the 429 pause, two timers (a periodic tick for
//    timeouts, keep-alives and re-dials; a service timer for queue wake-ups).
// Every asynchronous handler carries an allocator over a per-client arena of fixed blocks, so
// steady-state reads, writes and timer waits never touch the heap.

#include "torghut/adapters/tls.hpp"
#include "torghut/adapters/trading_rest.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/bind_allocator.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_static_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/basic_parser.hpp>
#include <boost/beast/http/read.hpp>
#include <charconv>
#include <cstring>
#include <mutex>
#include <optional>
#include <random>
#include <vector>

#include "torghut/core/counter.hpp"

namespace torghut::adapters {

namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = boost::asio::ip::tcp;
using error_code = boost::system::error_code;

namespace {

/// Single-writer counters, readable from any thread.
using counter = relaxed_counter;

int64_t steady_ms() noexcept {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}
int64_t unix_ms() noexcept {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}
std::chrono::steady_clock::time_point steady_at(int64_t ms) noexcept {
  return std::chrono::steady_clock::time_point(std::chrono::milliseconds(ms));
}

bool header_safe(std::string_view s) noexcept {
  for (const char c : s)
    if (c == '\r' || c == '\n' || c == '\0') return false;
  return true;
}

// ---------------------------------------------------------------------------------------------
// Handler memory
// ---------------------------------------------------------------------------------------------

/// Fixed blocks with a free list; anything larger (or when all are taken) goes to the heap.
/// Used from the io thread only (all handlers of a client run there).
class handler_arena {
 public:
  static constexpr size_t block_size = 2048;
  static constexpr size_t block_count = 64;

  handler_arena() : mem_(new std::max_align_t[block_size * block_count / sizeof(std::max_align_t)]) {
    auto* base = reinterpret_cast<std::byte*>(mem_.get());
    for (size_t i = 0; i < block_count; ++i) {
      auto* b = base + i * block_size;
      *reinterpret_cast<void**>(b) = free_;
      free_ = b;
    }
  }
  handler_arena(const handler_arena&) = delete;
  handler_arena& operator=(const handler_arena&) = delete;

  void* allocate(size_t n, size_t align) {
    if (n <= block_size && align <= alignof(std::max_align_t) && free_ != nullptr) {
      void* b = free_;
      free_ = *static_cast<void**>(b);
      return b;
    }
    return ::operator new(n);
  }
  void deallocate(void* p) noexcept {
    auto* b = static_cast<std::byte*>(p);
    auto* base = reinterpret_cast<std::byte*>(mem_.get());
    if (b >= base && b < base + block_size * block_count) {
      *static_cast<void**>(p) = free_;
      free_ = p;
      return;
    }
    ::operator delete(p);
  }

 private:
  std::unique_ptr<std::max_align_t[]> mem_;
  void* free_ = nullptr;
};

template <class T>
struct arena_allocator {
  using value_type = T;
  std::shared_ptr<handler_arena> arena;  // keeps the arena alive as long as any handler memory

  explicit arena_allocator(std::shared_ptr<handler_arena> a) noexcept : arena(std::move(a)) {}
  template <class U>
  arena_allocator(const arena_allocator<U>& o) noexcept : arena(o.arena) {}  // NOLINT
  T* allocate(size_t n) { return static_cast<T*>(arena->allocate(n * sizeof(T), alignof(T))); }
  void deallocate(T* p, size_t) noexcept { arena->deallocate(p); }
  template <class U>
  friend bool operator==(const arena_allocator& a, const arena_allocator<U>& b) noexcept {
    return a.arena == b.arena;
  }
  template <class U>
  friend bool operator!=(const arena_allocator& a, const arena_allocator<U>& b) noexcept {
    return a.arena != b.arena;
  }
};

// ---------------------------------------------------------------------------------------------
// Response parser
// ---------------------------------------------------------------------------------------------

/// Captures the status, X-Ratelimit-* and the body (into a reused string); keep_alive() comes
/// from the base (Connection header and HTTP version). Constructed in place per response.
class response_parser final : public http::basic_parser<false> {
 public:
  response_parser(std::string& body, size_t limit) : body_(body) {
    body_.clear();
    body_limit(limit);
    eager(true);
  }
  unsigned status = 0;
  std::optional<int64_t> ratelimit_reset;
  std::optional<int64_t> ratelimit_remaining;

 private:
  void on_request_impl(http::verb, beast::string_view, beast::string_view, int, error_code&) override {}
  void on_response_impl(int code, beast::string_view, int, error_code&) override {
    status = static_cast<unsigned>(code);
  }
  void on_field_impl(http::field, beast::string_view name, beast::string_view value, error_code&) override {
    if (beast::iequals(name, "x-ratelimit-reset")) {
      ratelimit_reset = parse_ratelimit_reset(std::string_view(value.data(), value.size()));
    } else if (beast::iequals(name, "x-ratelimit-remaining")) {
      ratelimit_remaining = parse_ratelimit_reset(std::string_view(value.data(), value.size()));
    }
  }
  void on_header_impl(error_code&) override {}
  void on_body_init_impl(const boost::optional<std::uint64_t>& n, error_code&) override {
    if (n && *n > body_.capacity()) body_.reserve(static_cast<size_t>(*n));  // only beyond the warm size
  }
  size_t on_body_impl(beast::string_view s, error_code&) override {
    body_.append(s.data(), s.size());
    return s.size();
  }
  void on_chunk_header_impl(std::uint64_t, beast::string_view, error_code&) override {}
  size_t on_chunk_body_impl(std::uint64_t, beast::string_view s, error_code&) override {
    body_.append(s.data(), s.size());
    return s.size();
  }
  void on_finish_impl(error_code&) override {}

  std::string& body_;
};

enum class link_stage : uint8_t { resolve, connect, tls, io };

struct request {
  bool in_use = false;
  rest_request_kind kind = rest_request_kind::submit;  ///< the current phase
  order_command cmd{};
  symbol_text symbol;
  fixed_string<64> order_id;
  std::string target;  // get
  std::function<void(unsigned, std::string_view)> cb;
  uint32_t retries = 0;
  bool resent = false;
  bool budget_noted = false;  ///< counted in budget_waits already
  int64_t not_before = 0;
};

enum class conn_phase : uint8_t { down, dialing, warming, idle, busy };

}  // namespace

namespace {
struct rest_link;
}  // namespace

struct trading_rest_client::impl : std::enable_shared_from_this<trading_rest_client::impl> {
  impl(net::io_context& io_, trading_rest_config c, trading_rest_sink& s)
      : io(io_),
        cfg(std::move(c)),
        sink(s),
        rng(cfg.rng_seed != 0 ? cfg.rng_seed : std::random_device{}()),
        budget(cfg.rate_limit_per_minute),
        arena(std::make_shared<handler_arena>()),
        tick_timer(io_),
        service_timer(io_),
        parser(256 * 1024) {
    pol.max_retries = cfg.max_retries;
    pol.retry_base = cfg.retry_base;
    pol.retry_max = cfg.retry_max;
  }

  struct conn_slot {
    conn_phase phase = conn_phase::down;
    std::shared_ptr<rest_link> ln;
    int32_t req = -1;           ///< request in flight, -1 none
    bool housekeeping = false;  ///< warm-up or keep-alive in flight
    bool warm = false;
    int64_t deadline = 0;  ///< dialing / warming / busy: give up at
    int64_t last_done = 0;
    int64_t redial_at = 0;
    uint32_t dial_failures = 0;
    uint64_t dials = 0;
  };

  net::io_context& io;
  trading_rest_config cfg;
  trading_rest_sink& sink;
  rest_policy_config pol;
  rest_url url;
  std::string host_header;
  std::unique_ptr<ssl::context> ssl_ctx;
  std::optional<order_request_writer> writer;
  std::mt19937_64 rng;
  rate_window budget;
  std::shared_ptr<handler_arena> arena;
  net::steady_timer tick_timer;
  net::steady_timer service_timer;
  bool service_armed = false;
  int64_t service_due = 0;
  int64_t tick_ms = 100;
  trading_parser parser;

  std::vector<request> pool;
  std::vector<uint32_t> free_list;
  std::vector<uint32_t> waiting;  ///< FIFO (retries re-enter at the front)
  std::vector<conn_slot> conns;
  int64_t pause_until = 0;

  enum class run_state : uint8_t { idle, running, stopped };
  std::atomic<run_state> st{run_state::idle};

  counter requests, responses, r2xx, r4xx, r5xx, s403, s422, s429, submits, cancels, gets, accepted, rejected,
      cancel_results, gave_up, stale, retries, lost, coid_queries, resends, budget_waits, rate_limit_waits, queue_full,
      connects, reconnects, connect_failures, tls_failures, keepalives, server_closes, in_flight, queued, warm;
  std::atomic<int64_t> last_reset_wait_ms{0};
  mutable std::mutex mu;
  std::string last_err;

  [[nodiscard]] arena_allocator<void> alloc() const noexcept { return arena_allocator<void>(arena); }
  [[nodiscard]] bool running() const noexcept { return st.load(std::memory_order_relaxed) == run_state::running; }
  void set_error(std::string e) {
    const std::lock_guard lock(mu);
    last_err = std::move(e);
  }

  // --- request pool ----------------------------------------------------------------------------
  int32_t take_slot() noexcept {
    if (free_list.empty() || waiting.size() >= cfg.queue_capacity) return -1;
    const uint32_t i = free_list.back();
    free_list.pop_back();
    request& r = pool[i];
    r.in_use = true;
    r.retries = 0;
    r.resent = false;
    r.budget_noted = false;
    r.not_before = 0;
    return static_cast<int32_t>(i);
  }
  void release(uint32_t i) noexcept {
    request& r = pool[i];
    r.in_use = false;
    r.cb = nullptr;
    free_list.push_back(i);
  }

  // --- lifecycle -------------------------------------------------------------------------------
  void dial(uint32_t slot, int64_t now);
  void close_link(conn_slot& c);
  void arm_tick();
  void on_tick();
  void arm_service(int64_t due);

  // --- sending ---------------------------------------------------------------------------------
  int32_t idle_conn() const noexcept {
    for (size_t i = 0; i < conns.size(); ++i)
      if (conns[i].phase == conn_phase::idle) return static_cast<int32_t>(i);
    return -1;
  }
  size_t build(const request& r, std::span<char> out) noexcept;
  size_t build_housekeeping(std::span<char> out) noexcept;
  void commit_send(uint32_t ci, uint32_t ri, size_t n, int64_t now) noexcept;
  void send_housekeeping(uint32_t ci, int64_t now, bool warmup) noexcept;
  void enqueue(uint32_t ri, int64_t now, bool front) noexcept;
  void dispatch(int64_t now) noexcept;

  // --- results ---------------------------------------------------------------------------------
  void on_link_up(rest_link* l);
  void on_link_response(rest_link* l);
  void on_link_down(rest_link* l, link_stage stage, const error_code& ec, std::string detail);
  void handle_result(uint32_t ri, unsigned status, std::optional<int64_t> reset, std::string_view body,
                     int64_t now) noexcept;
  void finish(uint32_t ri, unsigned status, std::string_view body, const order_view* ov) noexcept;
  void finish_give_up(uint32_t ri, std::string_view reason) noexcept;
  /// The age past its bound (ms) of a submit that must not be written any more, or -1.
  [[nodiscard]] int64_t stale_age(const request& r, int64_t unix_now) const noexcept;
  /// Drops every waiting submit past its bound (the sink hears of each).
  void expire_stale(int64_t unix_now) noexcept;
  void stop_now();
  void teardown() noexcept;
};

using impl_t = trading_rest_client::impl;

// ---------------------------------------------------------------------------------------------
// rest_link: one dial
// ---------------------------------------------------------------------------------------------

namespace {

struct rest_link : std::enable_shared_from_this<rest_link> {
  rest_link(std::shared_ptr<impl_t> o, uint32_t s)
      : owner(std::move(o)), slot(s), resolver(owner->io) {
    if (owner->url.tls)
      tls.emplace(owner->io, *owner->ssl_ctx);
    else
      plain.emplace(owner->io);
    body.reserve(16 * 1024);
    wbuf.resize(std::max<size_t>(8 * 1024, owner->writer->max_request_size() + 64));
  }

  std::shared_ptr<impl_t> owner;
  uint32_t slot;
  tcp::resolver resolver;
  std::optional<ssl::stream<tcp::socket>> tls;
  std::optional<tcp::socket> plain;
  beast::flat_static_buffer<64 * 1024> rbuf;
  std::optional<response_parser> parser;
  std::string body;
  std::vector<char> wbuf;
  bool closed = false;
  bool reported = false;

  tcp::socket& socket() { return tls ? tls->next_layer() : *plain; }
  template <class F>
  void with_stream(F&& f) {
    if (tls)
      f(*tls);
    else
      f(*plain);
  }

  void start() {
    auto self = shared_from_this();
    resolver.async_resolve(owner->url.host, owner->url.port,
                           [self](const error_code& ec, const tcp::resolver::results_type& results) {
                             if (self->closed) return;
                             if (ec) return self->fail(link_stage::resolve, ec);
                             net::async_connect(self->socket(), results,
                                                [self](const error_code& e, const tcp::endpoint&) { self->on_connect(e); });
                           });
  }

  void on_connect(const error_code& ec) {
    if (closed) return;
    if (ec) return fail(link_stage::connect, ec);
    error_code ignored;
    socket().set_option(tcp::no_delay(true), ignored);
    if (!tls) {
      owner->on_link_up(this);
      return;
    }
    tls::prepare_client_handshake(*tls, owner->url.host, owner->cfg.verify_peer);
    auto self = shared_from_this();
    tls->async_handshake(ssl::stream_base::client, [self](const error_code& e) { self->on_handshake(e); });
  }

  void on_handshake(const error_code& ec) {
    if (closed) return;
    if (ec) {
      return fail(link_stage::tls, ec,
                  tls::verification_failure(tls->native_handle(), ec, owner->url.host, owner->cfg.verify_peer));
    }
    owner->on_link_up(this);
  }

  /// Starts reading the next response (a fresh parser in place; the body string is reused).
  void read_next() {
    if (closed) return;
    parser.emplace(body, owner->cfg.max_response_bytes);
    auto self = shared_from_this();
    with_stream([&](auto& s) {
      http::async_read(s, rbuf, *parser, net::bind_allocator(owner->alloc(), [self](const error_code& ec, size_t) {
                         if (self->closed) return;
                         if (ec) return self->fail(link_stage::io, ec);
                         self->owner->on_link_response(self.get());
                       }));
    });
  }

  void write(size_t n) {
    if (closed) return;
    auto self = shared_from_this();
    with_stream([&](auto& s) {
      net::async_write(s, net::buffer(wbuf.data(), n),
                       net::bind_allocator(owner->alloc(), [self](const error_code& ec, size_t) {
                         if (ec && !self->closed) self->fail(link_stage::io, ec);
                       }));
    });
  }

  void fail(link_stage stage, const error_code& ec, std::string detail = {}) {
    if (reported) return;
    reported = true;
    close();
    owner->on_link_down(this, stage, ec, std::move(detail));
  }

  void close() noexcept {
    if (closed) return;
    closed = true;
    resolver.cancel();
    error_code ignored;
    socket().shutdown(tcp::socket::shutdown_both, ignored);
    socket().close(ignored);
  }
};

}  // namespace

// ---------------------------------------------------------------------------------------------
// impl
// ---------------------------------------------------------------------------------------------

void impl_t::dial(uint32_t slot, int64_t now) {
  conn_slot& c = conns[slot];
  if (!running()) return;
  if (c.dials++ > 0) reconnects.inc();
  c.phase = conn_phase::dialing;
  c.deadline = now + cfg.connect_timeout.count();
  c.req = -1;
  c.housekeeping = false;
  c.ln = std::make_shared<rest_link>(shared_from_this(), slot);
  c.ln->start();
}

void impl_t::close_link(conn_slot& c) {
  if (c.warm) {
    c.warm = false;
    warm.dec();
  }
  if (c.ln) {
    c.ln->reported = true;  // nothing more from it
    c.ln->close();
    c.ln.reset();
  }
  c.phase = conn_phase::down;
  c.housekeeping = false;
}

void impl_t::arm_tick() {
  tick_timer.expires_after(std::chrono::milliseconds(tick_ms));
  tick_timer.async_wait(net::bind_allocator(alloc(), [self = shared_from_this()](const error_code& ec) {
    if (ec || !self->running()) return;
    self->on_tick();
    self->arm_tick();
  }));
}

void impl_t::on_tick() {
  const int64_t now = steady_ms();
  for (uint32_t i = 0; i < conns.size(); ++i) {
    conn_slot& c = conns[i];
    switch (c.phase) {
      case conn_phase::down:
        if (now >= c.redial_at) dial(i, now);
        break;
      case conn_phase::dialing:
      case conn_phase::warming:
        if (now >= c.deadline && c.ln) {
          c.ln->fail(link_stage::connect, net::error::timed_out, "connect/warm-up timed out");
        }
        break;
      case conn_phase::busy:
        if (now >= c.deadline && c.ln) c.ln->fail(link_stage::io, net::error::timed_out);
        break;
      case conn_phase::idle:
        if (now - c.last_done >= cfg.keepalive_interval.count() && now >= pause_until && budget.allows(now)) {
          keepalives.inc();
          send_housekeeping(i, now, false);
        }
        break;
    }
  }
  dispatch(now);
}

void impl_t::arm_service(int64_t due) {
  if (service_armed && service_due <= due) return;
  service_armed = true;
  service_due = due;
  service_timer.expires_at(steady_at(due));
  service_timer.async_wait(net::bind_allocator(alloc(), [self = shared_from_this()](const error_code& ec) {
    if (ec) return;  // re-armed or stopped
    self->service_armed = false;
    self->dispatch(steady_ms());
  }));
}

size_t impl_t::build(const request& r, std::span<char> out) noexcept {
  const api_credentials creds{cfg.key_id, cfg.secret};
  char target[192];
  switch (r.kind) {
    case rest_request_kind::submit: {
      const write_result w = writer->write(r.cmd, r.symbol.view(), out);
      return w.ok() ? w.size : 0;
    }
    case rest_request_kind::coid_query: {
      const size_t n = write_coid_query_target(r.cmd.coid.view(), target);
      if (n == 0) return 0;
      const write_result w = write_http_request(out, "GET", std::string_view(target, n), host_header, creds, {});
      return w.ok() ? w.size : 0;
    }
    case rest_request_kind::cancel: {
      const size_t n = write_cancel_target(r.order_id.view(), target);
      if (n == 0) return 0;
      const write_result w = write_http_request(out, "DELETE", std::string_view(target, n), host_header, creds, {});
      return w.ok() ? w.size : 0;
    }
    case rest_request_kind::get: {
      const write_result w = write_http_request(out, "GET", r.target, host_header, creds, {});
      return w.ok() ? w.size : 0;
    }
  }
  return 0;
}

size_t impl_t::build_housekeeping(std::span<char> out) noexcept {
  const write_result w =
      write_http_request(out, "GET", "/v2/clock", host_header, api_credentials{cfg.key_id, cfg.secret}, {});
  return w.ok() ? w.size : 0;
}

void impl_t::commit_send(uint32_t ci, uint32_t ri, size_t n, int64_t now) noexcept {
  conn_slot& c = conns[ci];
  request& r = pool[ri];
  budget.record(now);
  requests.inc();
  in_flight.inc();
  if (r.kind == rest_request_kind::coid_query) coid_queries.inc();
  c.phase = conn_phase::busy;
  c.req = static_cast<int32_t>(ri);
  c.deadline = now + cfg.request_timeout.count();
  c.ln->write(n);
}

void impl_t::send_housekeeping(uint32_t ci, int64_t now, bool warmup) noexcept {
  conn_slot& c = conns[ci];
  const size_t n = build_housekeeping(c.ln->wbuf);
  if (n == 0) return;
  budget.record(now);
  requests.inc();
  c.housekeeping = true;
  c.req = -1;
  c.phase = warmup ? conn_phase::warming : conn_phase::busy;
  c.deadline = now + (warmup ? cfg.connect_timeout : cfg.request_timeout).count();
  c.ln->write(n);
}

void impl_t::enqueue(uint32_t ri, int64_t now, bool front) noexcept {
  if (now < pause_until) {
    rate_limit_waits.inc();
  } else if (pool[ri].not_before <= now && !budget.allows(now) && !pool[ri].budget_noted) {
    pool[ri].budget_noted = true;
    budget_waits.inc();
  }
  if (front)
    waiting.insert(waiting.begin(), ri);  // capacity reserved: no allocation
  else
    waiting.push_back(ri);
  queued.inc();
}

int64_t impl_t::stale_age(const request& r, int64_t unix_now) const noexcept {
  if (r.kind != rest_request_kind::submit || r.cmd.created_at.ns <= 0) return -1;
  const bool limit = r.cmd.type == order_type::limit || r.cmd.type == order_type::stop_limit;
  const int64_t bound = (limit ? cfg.max_limit_order_age : cfg.max_order_age).count();
  if (bound <= 0) return -1;
  const int64_t age = unix_now - r.cmd.created_at.ns / 1'000'000;
  return age > bound ? age : -1;
}

void impl_t::expire_stale(int64_t unix_now) noexcept {
  // Rare: restart the scan after each drop (the sink may submit re-entrantly).
  for (size_t i = 0; i < waiting.size();) {
    const uint32_t ri = waiting[i];
    const int64_t age = stale_age(pool[ri], unix_now);
    if (age < 0) {
      ++i;
      continue;
    }
    waiting.erase(waiting.begin() + static_cast<std::ptrdiff_t>(i));
    queued.dec();
    stale.inc();
    const order_command cmd = pool[ri].cmd;
    release(ri);
    spdlog::warn("[{}] order {} not sent: {} ms after its decision, past its maximum age; canceled here",
                 cfg.name, cmd.coid.view(), age);
    sink.on_submit_stale(cmd, std::chrono::milliseconds(age));
    i = 0;
  }
}

void impl_t::dispatch(int64_t now) noexcept {
  if (!waiting.empty() && (cfg.max_order_age.count() > 0 || cfg.max_limit_order_age.count() > 0))
    expire_stale(unix_ms());
  while (running() && !waiting.empty()) {
    if (now < pause_until) {
      arm_service(pause_until);
      return;
    }
    size_t pick = waiting.size();
    int64_t earliest = INT64_MAX;
    for (size_t i = 0; i < waiting.size(); ++i) {
      const int64_t nb = pool[waiting[i]].not_before;
      if (nb <= now) {
        pick = i;
        break;
      }
      earliest = std::min(earliest, nb);
    }
    if (pick == waiting.size()) {
      arm_service(earliest);
      return;
    }
    if (!budget.allows(now)) {
      request& r = pool[waiting[pick]];
      if (!r.budget_noted) {
        r.budget_noted = true;
        budget_waits.inc();
      }
      arm_service(budget.next_allowed(now));
      return;
    }
    const int32_t ci = idle_conn();
    if (ci < 0) return;  // a response or a warm-up calls dispatch again
    const uint32_t ri = waiting[pick];
    waiting.erase(waiting.begin() + static_cast<std::ptrdiff_t>(pick));
    queued.dec();
    const size_t n = build(pool[ri], conns[static_cast<size_t>(ci)].ln->wbuf);
    if (n == 0) {
      finish_give_up(ri, "the request could not be written (too long, or invalid characters)");
      continue;
    }
    commit_send(static_cast<uint32_t>(ci), ri, n, now);
  }
}

void impl_t::on_link_up(rest_link* l) {
  conn_slot& c = conns[l->slot];
  if (c.ln.get() != l || !running()) return;
  c.ln->read_next();
  send_housekeeping(l->slot, steady_ms(), true);
}

void impl_t::on_link_response(rest_link* l) {
  conn_slot& c = conns[l->slot];
  if (c.ln.get() != l) return;
  const int64_t now = steady_ms();
  response_parser& p = *l->parser;
  const unsigned status = p.status;
  const std::optional<int64_t> reset = p.ratelimit_reset;
  const bool keep = p.keep_alive();
  responses.inc();
  if (status >= 200 && status < 300) r2xx.inc();
  else if (status >= 400 && status < 500) r4xx.inc();
  else if (status >= 500) r5xx.inc();
  if (status == 403) s403.inc();
  if (status == 422) s422.inc();
  if (status == 429) s429.inc();

  const bool housekeeping = c.housekeeping;
  const bool warming = c.phase == conn_phase::warming;
  const int32_t ri = c.req;
  c.req = -1;
  c.housekeeping = false;
  c.last_done = now;
  if (!housekeeping && ri < 0) {  // a response nobody asked for: the connection is out of step
    set_error("unsolicited response from " + host_header + ": connection dropped");
    close_link(c);
    c.redial_at = now;
    return;
  }
  if (ri >= 0) in_flight.dec();
  std::shared_ptr<rest_link> hold = c.ln;  // the body stays valid while we deliver
  if (keep) {
    c.phase = conn_phase::idle;
  } else {
    server_closes.inc();
    close_link(c);
    c.redial_at = now;  // re-dialled at once
    if (housekeeping && warming) {
      // A server that closes after every answer would otherwise be re-dialled in a tight loop.
      c.redial_at = now + std::max<int64_t>(backoff_delay(pol, c.dial_failures, rng()).count(), 10);
      ++c.dial_failures;
    }
  }
  if (housekeeping) {
    if (warming) {
      if (keep) c.dial_failures = 0;
      connects.inc();
      if (keep) {
        c.warm = true;
        warm.inc();
      }
      if (status == 401 || status == 403)
        set_error("the warm-up request got HTTP " + std::to_string(status) + ": check the API key");
    }
    if (status == 429) {
      const auto wait = ratelimit_wait(pol, reset, unix_ms());
      pause_until = std::max(pause_until, now + wait.count());
      last_reset_wait_ms.store(wait.count(), std::memory_order_relaxed);
    }
  } else {
    if (!c.warm && keep) {  // (a request on a warming connection cannot happen; defensive)
      c.warm = true;
      warm.inc();
    }
    handle_result(static_cast<uint32_t>(ri), status, reset, l->body, now);
  }
  // Next response (also when a re-entrant submit from the sink already wrote on this connection).
  if (c.ln.get() == l && c.phase != conn_phase::down) l->read_next();
  if (!keep && running() && c.phase == conn_phase::down && !c.ln && c.redial_at <= now) dial(l->slot, steady_ms());
  dispatch(steady_ms());
}

void impl_t::on_link_down(rest_link* l, link_stage stage, const error_code& ec, std::string detail) {
  conn_slot& c = conns[l->slot];
  if (c.ln.get() != l) return;
  const int64_t now = steady_ms();
  const conn_phase phase = c.phase;
  const int32_t ri = c.req;
  c.req = -1;
  const bool was_warm = c.warm;
  close_link(c);
  if (phase == conn_phase::dialing || phase == conn_phase::warming) {
    connect_failures.inc();
    if (stage == link_stage::tls) tls_failures.inc();
    const auto delay = backoff_delay(pol, c.dial_failures, rng());
    ++c.dial_failures;
    c.redial_at = now + std::max<int64_t>(delay.count(), 10);
    static constexpr const char* stage_names[] = {"resolve", "connect", "TLS handshake", "warm-up"};
    std::string what = std::string(stage_names[static_cast<size_t>(stage)]) + " to " + host_header + " failed: " +
                       (detail.empty() ? ec.message() : detail);
    if ((c.dial_failures & (c.dial_failures - 1)) == 0)  // 1st, 2nd, 4th, 8th, ... in a row
      spdlog::warn("[{}] {} (retry in {} ms; failure {} in a row)", cfg.name, what, c.redial_at - now,
                   c.dial_failures);
    set_error(std::move(what));
  } else {
    if (ec == http::error::end_of_stream || ec == net::error::eof || ec == net::error::connection_reset)
      server_closes.inc();
    if (ri >= 0 || was_warm) spdlog::info("[{}] connection to {} lost: {}", cfg.name, host_header, ec.message());
    c.redial_at = now;  // a warm connection that dropped: re-dial at once
  }
  if (ri >= 0) {
    in_flight.dec();
    lost.inc();
    handle_result(static_cast<uint32_t>(ri), 0, std::nullopt, {}, now);
  }
  if (running() && c.phase == conn_phase::down && c.redial_at <= now) dial(l->slot, now);
  dispatch(steady_ms());
}

void impl_t::handle_result(uint32_t ri, unsigned status, std::optional<int64_t> reset, std::string_view body,
                           int64_t now) noexcept {
  request& r = pool[ri];
  rest_response resp;
  resp.status = status;
  resp.ratelimit_reset_s = reset;
  order_view ov;
  const bool ok2xx = status >= 200 && status < 300;
  if (ok2xx && (r.kind == rest_request_kind::submit || r.kind == rest_request_kind::coid_query)) {
    const parse_result pr = parser.parse_order(body, ov);
    if (!pr.ok()) {
      spdlog::warn("[{}] unreadable order in a {} response ({} at '{}'): treated as lost", cfg.name, status,
                   to_string(pr.error), pr.field);
      resp.status = 0;
    }
  }
  if (r.kind == rest_request_kind::submit && status == 422) {
    api_error_view err;
    if (parser.parse_error_body(body, err).ok()) resp.coid_not_unique = is_coid_not_unique(err.message.view());
  }
  const rest_attempt at{r.kind, r.retries, !r.cmd.coid.empty(), r.resent};
  const rest_decision d = decide_response(pol, at, resp, unix_ms(), rng());
  if (d.counts_retry) {
    ++r.retries;
    retries.inc();
  }
  if (d.pause_all) {
    if (now + d.delay.count() > pause_until)
      spdlog::warn("[{}] HTTP 429: every request waits {} ms (until X-Ratelimit-Reset)", cfg.name, d.delay.count());
    pause_until = std::max(pause_until, now + d.delay.count());
    last_reset_wait_ms.store(d.delay.count(), std::memory_order_relaxed);
  }
  switch (d.action) {
    case rest_action::deliver: finish(ri, status, body, &ov); return;
    case rest_action::accept_found: finish(ri, 200, body, &ov); return;
    case rest_action::give_up: finish_give_up(ri, d.reason); return;
    case rest_action::query_coid: r.kind = rest_request_kind::coid_query; break;
    case rest_action::resend:
      r.kind = rest_request_kind::submit;
      r.resent = true;
      resends.inc();
      break;
    case rest_action::retry: break;
  }
  r.not_before = now + d.delay.count();
  enqueue(ri, now, true);
  if (d.delay.count() > 0 && !d.pause_all) arm_service(r.not_before);
}

void impl_t::finish(uint32_t ri, unsigned status, std::string_view body, const order_view* ov) noexcept {
  request& r = pool[ri];
  const rest_request_kind kind = r.kind;
  const order_command cmd = r.cmd;
  auto cb = std::move(r.cb);
  release(ri);  // before the callback: it may submit again
  const bool ok2xx = status >= 200 && status < 300;
  api_error_view err;
  if (!ok2xx && kind != rest_request_kind::get) {
    if (!parser.parse_error_body(body, err).ok()) {
      err = api_error_view{};
      char b[64];
      const auto res = std::to_chars(b, b + sizeof b, status);
      std::string_view head = "HTTP ";
      char msg[255];
      size_t n = 0;
      auto put = [&](std::string_view s) {
        const size_t k = std::min(s.size(), sizeof msg - n);
        std::memcpy(msg + n, s.data(), k);
        n += k;
      };
      put(head);
      put(std::string_view(b, static_cast<size_t>(res.ptr - b)));
      if (!body.empty()) {
        put(": ");
        put(body);
      }
      err.message_truncated = !err.message.assign(std::string_view(msg, n));
    }
  }
  switch (kind) {
    case rest_request_kind::submit:
    case rest_request_kind::coid_query:
      if (ok2xx) {
        accepted.inc();
        sink.on_submit_accepted(cmd, *ov);
      } else {
        rejected.inc();
        sink.on_submit_rejected(cmd, status, err);
      }
      return;
    case rest_request_kind::cancel:
      cancel_results.inc();
      sink.on_cancel_result(cmd, status, err);
      return;
    case rest_request_kind::get:
      if (cb) {
        try {
          cb(status, body);
        } catch (const std::exception& e) {
          spdlog::error("[{}] a GET callback threw: {}", cfg.name, e.what());
        } catch (...) {
          spdlog::error("[{}] a GET callback threw", cfg.name);
        }
      }
      return;
  }
}

void impl_t::finish_give_up(uint32_t ri, std::string_view reason) noexcept {
  gave_up.inc();
  request& r = pool[ri];
  const rest_request_kind kind = r.kind;
  const order_command cmd = r.cmd;
  auto cb = std::move(r.cb);
  release(ri);
  api_error_view err;
  err.message_truncated = !err.message.assign(reason);
  switch (kind) {
    case rest_request_kind::submit:
    case rest_request_kind::coid_query:
      rejected.inc();
      sink.on_submit_rejected(cmd, 0, err);
      return;
    case rest_request_kind::cancel:
      cancel_results.inc();
      sink.on_cancel_result(cmd, 0, err);
      return;
    case rest_request_kind::get:
      if (cb) {
        try {
          cb(0, reason);
        } catch (...) {
          spdlog::error("[{}] a GET callback threw", cfg.name);
        }
      }
      return;
  }
}

void impl_t::teardown() noexcept {
  for (auto& c : conns) close_link(c);
  tick_timer.cancel();
  service_timer.cancel();
  service_armed = false;
}

void impl_t::stop_now() {
  if (st.load() == run_state::stopped) return;
  const bool was_running = running();
  st.store(run_state::stopped);
  // Collect everything still owed an answer, then close, then answer (callbacks may call back).
  std::vector<uint32_t> owed;
  for (auto& c : conns)
    if (c.req >= 0) {
      owed.push_back(static_cast<uint32_t>(c.req));
      c.req = -1;
      in_flight.dec();
    }
  owed.insert(owed.end(), waiting.begin(), waiting.end());
  for (size_t i = 0; i < waiting.size(); ++i) queued.dec();
  waiting.clear();
  teardown();
  if (was_running) spdlog::info("[{}] stopped ({} requests ended unanswered)", cfg.name, owed.size());
  for (const uint32_t ri : owed) finish_give_up(ri, "the REST client stopped before an answer");
}

// ---------------------------------------------------------------------------------------------
// public
// ---------------------------------------------------------------------------------------------

trading_rest_client::trading_rest_client(net::io_context& io, trading_rest_config cfg, trading_rest_sink& sink)
    : impl_(std::make_shared<impl>(io, std::move(cfg), sink)) {}

trading_rest_client::~trading_rest_client() {
  // The io_context is not running (contract): no callbacks from here on; pending handlers keep
  // the impl alive and find it stopped.
  impl_->st.store(impl::run_state::stopped);
  impl_->teardown();
  for (auto& r : impl_->pool) r.cb = nullptr;
}

bool trading_rest_client::start(std::string& error) {
  auto& im = *impl_;
  if (im.st.load() != impl::run_state::idle) {
    error = "start() called twice";
    return false;
  }
  const auto& c = im.cfg;
  std::string url_err;
  auto u = parse_rest_url(c.base_url, url_err);
  if (!u) {
    error = url_err;
    return false;
  }
  if (c.key_id.empty() || c.secret.empty()) {
    error = "no Alpaca credentials: set the API key id and secret (APCA_API_KEY_ID / APCA_API_SECRET_KEY)";
    return false;
  }
  if (!header_safe(c.key_id) || !header_safe(c.secret)) {
    error = "the API key id or secret contains CR, LF or NUL";
    return false;
  }
  if (c.connections == 0 || c.connections > 64) {
    error = "connections must be between 1 and 64";
    return false;
  }
  if (c.queue_capacity == 0) {
    error = "queue_capacity must be positive";
    return false;
  }
  if (c.max_order_age.count() < 0 || c.max_limit_order_age.count() < 0) {
    error = "max_order_age and max_limit_order_age must not be negative (0: no bound)";
    return false;
  }
  if (c.connect_timeout.count() <= 0 || c.request_timeout.count() <= 0 || c.keepalive_interval.count() <= 0) {
    error = "connect_timeout, request_timeout and keepalive_interval must be positive";
    return false;
  }
  if (c.retry_base.count() < 0 || c.retry_max.count() < c.retry_base.count()) {
    error = "retry_base must be >= 0 and retry_max >= retry_base";
    return false;
  }
  im.url = std::move(*u);
  im.host_header = im.url.host_header();
  try {
    im.writer.emplace(im.host_header, api_credentials{c.key_id, c.secret});
    if (im.url.tls) {
      im.ssl_ctx = tls::make_client_context(c.verify_peer, c.ca_file);
      if (!c.verify_peer) {
        spdlog::warn("[{}] TLS peer verification is OFF for {}", c.name, im.host_header);
      }
    }
  } catch (const std::exception& e) {
    // e.what() names files or OpenSSL reasons, never a header value (the writer's text names none).
    error = std::string("cannot set up the trading REST client: ") + e.what();
    im.writer.reset();
    im.ssl_ctx.reset();
    return false;
  }
  const size_t pool_size = static_cast<size_t>(c.queue_capacity) + c.connections;
  im.pool.resize(pool_size);
  im.free_list.reserve(pool_size);
  for (size_t i = pool_size; i-- > 0;) im.free_list.push_back(static_cast<uint32_t>(i));
  im.waiting.reserve(pool_size);
  im.conns.resize(c.connections);
  const int64_t shortest = std::min({c.request_timeout.count(), c.connect_timeout.count(), c.keepalive_interval.count()});
  im.tick_ms = std::clamp<int64_t>(shortest / 4, 5, 100);
  im.st.store(impl::run_state::running);
  spdlog::info("[{}] trading REST client for {}://{} ({} connections, budget {}/min)", c.name,
               im.url.tls ? "https" : "http", im.host_header, c.connections, c.rate_limit_per_minute);
  net::post(im.io, [self = impl_] {
    if (!self->running()) return;
    const int64_t now = steady_ms();
    for (uint32_t i = 0; i < self->conns.size(); ++i) self->dial(i, now);
    self->arm_tick();
  });
  return true;
}

void trading_rest_client::stop() {
  if (impl_->io.get_executor().running_in_this_thread()) {
    impl_->stop_now();
    return;
  }
  net::post(impl_->io, [self = impl_] { self->stop_now(); });
}

bool trading_rest_client::ready() const noexcept { return impl_->running() && impl_->warm.get() > 0; }

bool trading_rest_client::submit(const order_command& cmd, std::string_view symbol) noexcept {
  auto& im = *impl_;
  if (!im.running() || cmd.kind != order_command_kind::submit || symbol.empty() || symbol.size() > 15) return false;
  const int32_t slot = im.take_slot();
  if (slot < 0) {
    im.queue_full.inc();
    return false;
  }
  const auto ri = static_cast<uint32_t>(slot);
  request& r = im.pool[ri];
  r.kind = rest_request_kind::submit;
  r.cmd = cmd;
  (void)r.symbol.assign(symbol);
  const int64_t now = steady_ms();
  if (im.waiting.empty() && now >= im.pause_until && im.budget.allows(now)) {
    const int32_t ci = im.idle_conn();
    if (ci >= 0) {
      const size_t n = im.build(r, im.conns[static_cast<size_t>(ci)].ln->wbuf);
      if (n == 0) {
        im.release(ri);
        return false;
      }
      im.submits.inc();
      im.commit_send(static_cast<uint32_t>(ci), ri, n, now);
      return true;
    }
  }
  char body[max_order_body];
  if (!write_order_body(cmd, symbol, std::span<char>(body, sizeof body)).ok()) {
    im.release(ri);
    return false;
  }
  im.submits.inc();
  im.enqueue(ri, now, false);
  im.dispatch(now);
  return true;
}

bool trading_rest_client::cancel(const order_command& cmd, std::string_view broker_order_id) noexcept {
  auto& im = *impl_;
  char target[96];
  if (!im.running() || broker_order_id.size() > 64 || write_cancel_target(broker_order_id, target) == 0) return false;
  const int32_t slot = im.take_slot();
  if (slot < 0) {
    im.queue_full.inc();
    return false;
  }
  const auto ri = static_cast<uint32_t>(slot);
  request& r = im.pool[ri];
  r.kind = rest_request_kind::cancel;
  r.cmd = cmd;
  (void)r.order_id.assign(broker_order_id);
  im.cancels.inc();
  const int64_t now = steady_ms();
  im.enqueue(ri, now, false);
  im.dispatch(now);
  return true;
}

void trading_rest_client::get(std::string target, std::function<void(unsigned, std::string_view)> cb) {
  net::post(impl_->io, [self = impl_, target = std::move(target), cb = std::move(cb)]() mutable {
    auto& im = *self;
    auto refuse = [&](std::string_view why) {
      if (cb) cb(0, why);
    };
    if (!im.running()) return refuse("the REST client is not running");
    if (target.empty() || target.front() != '/' || !header_safe(target) || target.find(' ') != std::string::npos)
      return refuse("invalid request target");
    const int32_t slot = im.take_slot();
    if (slot < 0) {
      im.queue_full.inc();
      return refuse("the REST client's queue is full");
    }
    const auto ri = static_cast<uint32_t>(slot);
    request& r = im.pool[ri];
    r.kind = rest_request_kind::get;
    r.target = std::move(target);
    r.cb = std::move(cb);
    im.gets.inc();
    const int64_t now = steady_ms();
    im.enqueue(ri, now, false);
    im.dispatch(now);
  });
}

trading_rest_stats trading_rest_client::stats() const {
  const auto& im = *impl_;
  trading_rest_stats s;
  s.requests = im.requests.get();
  s.responses = im.responses.get();
  s.responses_2xx = im.r2xx.get();
  s.responses_4xx = im.r4xx.get();
  s.responses_5xx = im.r5xx.get();
  s.status_403 = im.s403.get();
  s.status_422 = im.s422.get();
  s.status_429 = im.s429.get();
  s.submits = im.submits.get();
  s.cancels = im.cancels.get();
  s.gets = im.gets.get();
  s.accepted = im.accepted.get();
  s.rejected = im.rejected.get();
  s.cancel_results = im.cancel_results.get();
  s.gave_up = im.gave_up.get();
  s.stale_orders = im.stale.get();
  s.retries = im.retries.get();
  s.lost_responses = im.lost.get();
  s.coid_queries = im.coid_queries.get();
  s.resends_after_404 = im.resends.get();
  s.budget_waits = im.budget_waits.get();
  s.rate_limit_waits = im.rate_limit_waits.get();
  s.queue_full = im.queue_full.get();
  s.connects = im.connects.get();
  s.reconnects = im.reconnects.get();
  s.connect_failures = im.connect_failures.get();
  s.tls_failures = im.tls_failures.get();
  s.keepalives = im.keepalives.get();
  s.server_closes = im.server_closes.get();
  s.in_flight = im.in_flight.get();
  s.queued = im.queued.get();
  s.warm_connections = im.warm.get();
  s.last_reset_wait_ms = im.last_reset_wait_ms.load(std::memory_order_relaxed);
  return s;
}

std::string trading_rest_client::last_error() const {
  const std::lock_guard lock(impl_->mu);
  return impl_->last_err;
}

}  // namespace torghut::adapters
