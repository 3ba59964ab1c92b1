// The trading simulator's I/O. The one Beast TU of trading_sim.
//
// Structure: an acceptor on the server thread; each TCP connection becomes an http_conn<Stream>
// (Stream = beast::tcp_stream or beast::ssl_stream<tcp_stream>) that reads keep-alive HTTP/1.1
// requests and hands them to sim_core; a `/stream` upgrade hands the stream to a
// stream_session<Stream>. sim_core does everything else; the trade_updates frames it returns go
// to every authorized, listening session of the order's key.
#include "torghut/adapters/http_conn.hpp"
#include "torghut/adapters/tcp_server.hpp"
#include "torghut/adapters/tls.hpp"
#include "torghut/adapters/trading_sim.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include <concurrentqueue/concurrentqueue.h>

#include <algorithm>
#include <atomic>
#include <deque>
#include <future>
#include <optional>
#include <thread>
#include <type_traits>

#include "sim_core.hpp"
#include "torghut/core/clock.hpp"
#include "torghut/core/run_loop.hpp"

namespace torghut::adapters {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;

namespace {

std::string_view path_of(std::string_view target) {
  const size_t q = target.find('?');
  return q == std::string_view::npos ? target : target.substr(0, q);
}

}  // namespace

// The connection classes live in their own namespace: md_server.cpp defines similarly named
// templates in torghut::adapters, and two different classes of one name would break the ODR.
namespace tsim_io {
class stream_base;
}  // namespace tsim_io

struct trading_sim::impl {
  explicit impl(trading_sim_options o)
      : opt(std::move(o)),
        core(opt, ctr),
        queue(std::max<size_t>(opt.market_queue_capacity, 1024)),
        ctok(queue) {
    drain_buf.resize(512);
  }

  trading_sim_options opt;
  sim::counters ctr;
  sim::sim_core core;
  tcp_server server;  // TLS context, io_context, acceptor, server thread
  [[nodiscard]] net::io_context& io() noexcept { return server.io(); }
  std::atomic<bool> running{false};
  std::atomic<bool> stopping{false};

  moodycamel::ConcurrentQueue<md_published_event> queue;
  moodycamel::ConsumerToken ctok;
  std::atomic<bool> drain_pending{false};
  std::vector<md_published_event> drain_buf;

  std::vector<std::shared_ptr<tsim_io::stream_base>> sessions;
  std::vector<sim::outgoing_event> events;  // reused

  void on_accept(tcp::socket s);
  void schedule_drain() {
    if (!drain_pending.exchange(true, std::memory_order_acq_rel)) net::post(io(), [this] { drain(); });
  }
  void drain();
  void dispatch();  ///< sends `events` to the sessions and clears it
  void remove_session(tsim_io::stream_base* s);
  void kill_all(bool count);
};

namespace tsim_io {

// ---------------------------------------------------------------------------------------------
// stream_base: one trade_updates connection, independent of the stream type.
// ---------------------------------------------------------------------------------------------
class stream_base : public std::enable_shared_from_this<stream_base> {
 public:
  explicit stream_base(trading_sim::impl& srv) : srv_(srv) {}
  virtual ~stream_base() = default;
  stream_base(const stream_base&) = delete;
  stream_base& operator=(const stream_base&) = delete;

  [[nodiscard]] bool wants(std::string_view key) const noexcept {
    return !finished_ && !closing_ && st_.authed && st_.listening && st_.key == key;
  }

  void on_open() {
    srv_.sessions.push_back(shared_from_this());
    registered_ = true;
    srv_.ctr.bump(sim::c_stream_connections);
    srv_.ctr.bump(sim::c_active_streams);
  }

  void on_message(std::string_view data) {
    if (closing_ || finished_) return;
    replies_.clear();
    srv_.core.on_stream_message(data, st_, replies_);
    for (auto& r : replies_) enqueue(std::move(r), false);
    if (st_.close_after_reply) {
      closing_ = true;
      if (!writing_) begin_close();
    }
  }

  void send_event(const std::string& frame) { enqueue(frame, true); }

  /// Fault switch / stop: close the socket without a close frame.
  void drop() {
    if (finished_) return;
    hard_close();
    finish();
  }

  void finish() {
    if (finished_) return;
    finished_ = true;
    if (registered_) {
      srv_.ctr.drop(sim::c_active_streams);
      srv_.remove_session(this);
    }
    hard_close();
  }

 protected:
  virtual void start_write(const std::string& frame) = 0;
  virtual void start_close() = 0;
  virtual void hard_close() = 0;

  void on_write_done(bool ok) {
    writing_ = false;
    if (!ok) {
      finish();
      return;
    }
    if (!outq_.empty()) {
      if (outq_.front().second) srv_.ctr.bump(sim::c_events_sent);
      outq_.pop_front();
    }
    if (!outq_.empty()) {
      writing_ = true;
      start_write(outq_.front().first);
    } else if (closing_) {
      begin_close();
    }
  }

  trading_sim::impl& srv_;
  bool finished_ = false;

 private:
  void enqueue(std::string frame, bool event) {
    if (finished_) return;
    outq_.emplace_back(std::move(frame), event);
    if (!writing_) {
      writing_ = true;
      start_write(outq_.front().first);
    }
  }
  void begin_close() {
    if (close_started_ || finished_) return;
    close_started_ = true;
    start_close();
  }

  sim::stream_state st_;
  std::vector<std::string> replies_;
  std::deque<std::pair<std::string, bool>> outq_;  // frame, is an event
  bool registered_ = false;
  bool writing_ = false;
  bool closing_ = false;
  bool close_started_ = false;
};

}  // namespace tsim_io

void trading_sim::impl::remove_session(tsim_io::stream_base* s) {
  auto it = std::find_if(sessions.begin(), sessions.end(), [s](const auto& p) { return p.get() == s; });
  if (it != sessions.end()) sessions.erase(it);
}

void trading_sim::impl::kill_all(bool count) {
  auto copy = sessions;  // drop() erases from `sessions`
  for (auto& s : copy) {
    s->drop();
    if (count) ctr.bump(sim::c_streams_killed);
  }
}

void trading_sim::impl::dispatch() {
  for (const auto& ev : events)
    for (size_t i = 0; i < sessions.size(); ++i)  // send_event never ends a session synchronously
      if (sessions[i]->wants(ev.key)) sessions[i]->send_event(ev.frame);
  events.clear();
}

void trading_sim::impl::drain() {
  drain_pending.store(false, std::memory_order_seq_cst);
  for (;;) {
    const size_t n = queue.try_dequeue_bulk(ctok, drain_buf.begin(), drain_buf.size());
    if (n == 0) break;
    ctr.bump(sim::c_market_events, n);
    const int64_t now = wall_ns();
    for (size_t i = 0; i < n; ++i) core.on_market(drain_buf[i].event, drain_buf[i].symbol.view(), now, events);
    if (!events.empty()) dispatch();
  }
}

namespace tsim_io {

template <class Stream>
class stream_session final : public stream_base {
 public:
  stream_session(trading_sim::impl& srv, Stream&& s) : stream_base(srv), ws_(std::move(s)) {}

  void run(http::request<http::string_body> req) {
    req_ = std::move(req);
    beast::get_lowest_layer(ws_).expires_never();
    ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
    ws_.set_option(websocket::stream_base::decorator(
        [](websocket::response_type& res) { res.set(http::field::server, "torghut-trading-sim"); }));
    ws_.read_message_max(size_t{1} << 16);
    ws_.auto_fragment(false);
    ws_.binary(true);  // the paper stream sends JSON in binary frames
    ws_.async_accept(req_, [self = self_ptr()](const beast::error_code& ec) {
      if (ec) return;
      self->on_open();
      self->read();
    });
  }

 private:
  std::shared_ptr<stream_session> self_ptr() {
    return std::static_pointer_cast<stream_session>(shared_from_this());
  }

  void read() {
    ws_.async_read(rbuf_, [self = self_ptr()](const beast::error_code& ec, size_t) {
      if (self->finished_) return;
      if (ec) {
        self->finish();
        return;
      }
      const auto data = self->rbuf_.cdata();
      self->on_message(std::string_view(static_cast<const char*>(data.data()), data.size()));
      self->rbuf_.consume(self->rbuf_.size());
      self->read();
    });
  }
  void start_write(const std::string& frame) override {
    ws_.async_write(net::buffer(frame), [self = self_ptr()](const beast::error_code& ec, size_t) {
      self->on_write_done(!ec);
    });
  }
  void start_close() override {
    ws_.async_close(websocket::close_code::normal, [self = self_ptr()](const beast::error_code&) { self->finish(); });
  }
  void hard_close() override {
    beast::error_code ec;
    auto& sock = beast::get_lowest_layer(ws_).socket();
    sock.shutdown(tcp::socket::shutdown_both, ec);
    sock.close(ec);
  }

  websocket::stream<Stream> ws_;
  beast::flat_buffer rbuf_;
  http::request<http::string_body> req_;
};

// ---------------------------------------------------------------------------------------------
// http_handler: what a request on an accepted connection (net's http_conn: TLS handshake,
// keep-alive reading) means here: the /stream upgrade becomes a stream_session; anything else is
// REST, answered by sim_core (after the injected latency, if any).
// ---------------------------------------------------------------------------------------------
struct http_handler {
  trading_sim::impl& srv_;
  bool loopback_;

  void on_tls_failed() {}

  template <class Conn>
  void on_request(const std::shared_ptr<Conn>& conn, http::request<http::string_body>&& req) {
    if (websocket::is_upgrade(req)) {
      if (path_of(std::string_view(req.target().data(), req.target().size())) == "/stream") {
        auto ws = std::make_shared<stream_session<typename Conn::stream_type>>(srv_, conn->take_stream());
        ws->run(std::move(req));
        return;
      }
    }
    sim::http_in in;
    const std::string method(req.method_string());
    in.method = method;
    in.target = std::string_view(req.target().data(), req.target().size());
    in.body = req.body();
    const auto hk = req.find("APCA-API-KEY-ID");
    const auto hs = req.find("APCA-API-SECRET-KEY");
    if (hk != req.end()) in.key_id = std::string_view(hk->value().data(), hk->value().size());
    if (hs != req.end()) in.secret_key = std::string_view(hs->value().data(), hs->value().size());
    in.from_loopback = loopback_;
    sim::http_out out;
    srv_.core.handle(in, wall_ns(), monotonic_ns(), out, srv_.events);
    if (out.kill_streams) srv_.kill_all(true);
    if (!srv_.events.empty()) srv_.dispatch();
    if (out.drop) {  // processed, never answered
      conn->drop();
      return;
    }
    const bool keep_alive = req.keep_alive();
    auto res = std::make_shared<http::response<http::string_body>>(static_cast<http::status>(out.status), req.version());
    res->set(http::field::server, "torghut-trading-sim");
    if (out.status != 204) res->set(http::field::content_type, "application/json");
    for (const auto& [k, v] : out.headers) res->set(k, v);
    res->body() = std::move(out.body);
    res->keep_alive(keep_alive);
    res->prepare_payload();
    const int64_t delay = srv_.core.latency_us.load(std::memory_order_relaxed);
    if (delay > 0) {
      conn->reply_after(std::chrono::microseconds(delay), std::move(res), keep_alive);
      return;
    }
    conn->reply(std::move(res), keep_alive);
  }
};

}  // namespace tsim_io

void trading_sim::impl::on_accept(tcp::socket s) {
  beast::error_code ec;
  const auto remote = s.remote_endpoint(ec);
  const bool loopback = !ec && remote.address().is_loopback();
  // REST clients keep their connections warm for minutes; the last reply half-closes.
  serve_http(std::move(s), server.tls_context(), tsim_io::http_handler{*this, loopback},
             {.idle_timeout = std::chrono::seconds(120), .shutdown_after_last = tcp::socket::shutdown_send});
}

// ---------------------------------------------------------------------------------------------
// trading_sim
// ---------------------------------------------------------------------------------------------

trading_sim::trading_sim(trading_sim_options o) : impl_(std::make_unique<impl>(std::move(o))) {}

trading_sim::~trading_sim() { stop(); }

bool trading_sim::start(std::string& error) {
  impl& m = *impl_;
  if (m.running) {
    error = "already started";
    return false;
  }
  if (!m.server.open({.bind_address = m.opt.bind_address,
                      .port = m.opt.port,
                      .tls_cert_file = m.opt.tls_cert_file,
                      .tls_key_file = m.opt.tls_key_file},
                     error))
    return false;
  m.stopping.store(false);
  m.server.start([&m](tcp::socket s) { m.on_accept(std::move(s)); },
                 [&m](net::io_context& io) {
                   if (m.opt.cpu >= 0) (void)pin_current_thread(m.opt.cpu);
                   if (m.opt.busy_poll) {
                     while (!io.stopped()) {
                       io.poll();
                       if (m.queue.size_approx() != 0) m.drain();
                     }
                   } else {
                     io.run();
                   }
                 });
  m.running.store(true, std::memory_order_release);
  return true;
}

void trading_sim::stop() {
  impl& m = *impl_;
  if (!m.running.load()) return;
  sync([&m] {
    m.server.close_acceptor();
    m.kill_all(false);
  });
  m.running.store(false, std::memory_order_release);
  m.server.join();
  m.sessions.clear();
  m.server.release();  // destroys pending handlers (and with them the last connections)
}

uint16_t trading_sim::port() const noexcept { return impl_->server.port(); }
bool trading_sim::tls() const noexcept { return impl_->server.tls(); }

namespace {
std::string url_host(const std::string& bind) {
  if (bind == "0.0.0.0" || bind.empty()) return "127.0.0.1";
  if (bind == "::") return "[::1]";
  if (bind.find(':') != std::string::npos) return "[" + bind + "]";
  return bind;
}
}  // namespace

std::string trading_sim::base_url() const {
  return std::string(tls() ? "https://" : "http://") + url_host(impl_->opt.bind_address) + ":" + std::to_string(port());
}

std::string trading_sim::stream_url() const {
  return std::string(tls() ? "wss://" : "ws://") + url_host(impl_->opt.bind_address) + ":" + std::to_string(port()) +
         "/stream";
}

void trading_sim::on_market(const market_event& e, std::string_view symbol) noexcept {
  if (e.kind != market_event_kind::quote && e.kind != market_event_kind::trade) return;
  md_published_event p{e, {}};
  p.symbol.assign(symbol);
  if (!impl_->queue.try_enqueue(p)) {
    impl_->ctr.bump(sim::c_market_overflows);
    return;
  }
  if (impl_->running.load(std::memory_order_acquire) && !impl_->opt.busy_poll) impl_->schedule_drain();
}

void trading_sim::set_added_latency(std::chrono::microseconds d) { impl_->core.latency_us.store(std::max<int64_t>(d.count(), 0)); }
void trading_sim::drop_responses(uint32_t n) { impl_->core.drop_next.store(n); }
void trading_sim::set_server_error_rate(double p, unsigned status) {
  impl_->core.error_status.store(status >= 500 && status <= 599 ? status : 500);
  impl_->core.error_rate.store(std::clamp(p, 0.0, 1.0));
}
void trading_sim::force_rate_limit(uint32_t n) { impl_->core.force_429.store(n); }
void trading_sim::reject_next_orders(uint32_t n) { impl_->core.reject_next.store(n); }

void trading_sim::kill_streams() {
  if (!impl_->running) return;
  net::post(impl_->io(), [m = impl_.get()] { m->kill_all(true); });
}

void trading_sim::expire_open_orders() {
  if (!impl_->running) return;
  net::post(impl_->io(), [m = impl_.get()] {
    m->drain();
    m->core.expire_open(wall_ns(), m->events);
    m->dispatch();
  });
}

trading_sim_stats trading_sim::stats() const { return impl_->ctr.snapshot(); }
uint64_t trading_sim::posts_for(std::string_view coid) const { return impl_->core.posts_for(coid); }
std::map<std::string, uint64_t, std::less<>> trading_sim::posts_by_coid() const { return impl_->core.posts_by_coid(); }

void trading_sim::set_post_observer(std::function<void(std::string_view, std::string_view, int64_t)> f) {
  impl_->core.set_post_observer(std::move(f));
}

void trading_sim::sync(std::function<void()> f) {
  impl& m = *impl_;
  if (!m.running) {
    if (f) f();
    return;
  }
  std::promise<void> done;
  auto fut = done.get_future();
  net::post(m.io(), [&m, &f, &done] {
    m.drain();
    if (f) f();
    done.set_value();
  });
  fut.wait();
}

}  // namespace torghut::adapters
