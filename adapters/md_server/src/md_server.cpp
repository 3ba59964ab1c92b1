// The Alpaca market-data protocol server (simulator + relay). The one Beast TU of md_server.
//
// Structure: an acceptor on the server thread; each TCP connection becomes an md_http_conn<Stream>
// (Stream = beast::tcp_stream or beast::ssl_stream<tcp_stream>) that reads HTTP requests; a
// /v2/<feed> upgrade hands the stream to a md_ws_session<Stream>. The protocol decisions are the
// pure md_protocol_session's (md_protocol.hpp): the non-template md_session_base hands it each
// client message, timer expiry and connection end and carries out the md_step it returns (count,
// queue the control frame, close); it keeps the write queue, the data batches and the timers. The
// templates only do I/O. Everything runs on the server thread, so nothing below needs a lock
// except the few things other threads read (stats are atomics, dial history has a mutex).
#include "torghut/adapters/http_conn.hpp"
#include "torghut/adapters/tcp_server.hpp"
#include "torghut/adapters/tls.hpp"
#include "torghut/adapters/md_server.hpp"

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
#include <mutex>
#include <optional>
#include <thread>
#include <type_traits>
#include <unordered_map>

#include "torghut/adapters/alpaca_wire.hpp"
#include "torghut/adapters/md_protocol.hpp"
#include "torghut/adapters/md_subscriptions.hpp"
#include "torghut/core/symbol_table.hpp"

namespace torghut::adapters {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;
using steady = std::chrono::steady_clock;

std::string_view http_request_info::header(std::string_view name) const noexcept {
  for (const auto& [k, v] : headers) {
    if (k.size() != name.size()) continue;
    bool eq = true;
    for (size_t i = 0; i < k.size() && eq; ++i)
      eq = std::tolower(static_cast<unsigned char>(k[i])) == std::tolower(static_cast<unsigned char>(name[i]));
    if (eq) return v;
  }
  return {};
}

namespace {

md_protocol_config protocol_config(const md_server_options& o) {
  md_protocol_config c;
  c.credentials = o.credentials;
  c.auth_timeout_ns = std::chrono::nanoseconds(o.auth_timeout).count();
  c.slot_hold_after_drop_ns = std::chrono::nanoseconds(o.slot_hold_after_drop).count();
  c.max_symbols_per_connection = o.max_symbols_per_connection;
  c.max_queued_bytes = o.max_queued_bytes;
  c.max_queued_frames = o.max_queued_frames;
  return c;
}

// Larger blocks and a larger implicit-producer index than moodycamel's defaults, so try_enqueue
// (which never allocates) can use the whole preallocated capacity from one producer thread.
struct publish_queue_traits : moodycamel::ConcurrentQueueDefaultTraits {
  static const size_t BLOCK_SIZE = 256;
  static const size_t IMPLICIT_INITIAL_INDEX_SIZE = 2048;  // 2048 * 256 = 524288 events
};
constexpr size_t max_publish_capacity = size_t{2048} * 256;

enum ctr : size_t {
  c_tcp_accepted, c_tls_fail, c_http_requests, c_http_not_found, c_ws_upgrades, c_auth_ok,
  c_auth_failed, c_auth_timeouts, c_conn_limit, c_slow_drops, c_control_frames, c_data_frames,
  c_messages, c_bytes, c_published, c_overflows, c_drained, c_pings, c_pongs, c_clean, c_unclean,
  c_active, c_count
};

struct routed_event {
  const market_event* ev;
  uint32_t sym;
  subscription_channel channel;
  std::string_view name;
  bool fakepaca;
};

int64_t steady_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(steady::now().time_since_epoch()).count();
}

}  // namespace

class md_session_base;

struct md_server::impl {
  explicit impl(md_server_options o)
      : opt(std::move(o)),
        protocol(protocol_config(opt)),
        queue(std::min(std::max<size_t>(opt.publish_queue_capacity, 1024), max_publish_capacity)),
        ctok(queue),
        symbols(1u << 16) {
    drain_buf.resize(1024);
    for (auto& c : counters) c.store(0, std::memory_order_relaxed);
    for (auto& c : error_counters) c.store(0, std::memory_order_relaxed);
  }

  md_server_options opt;
  md_protocol protocol;  // credentials, slots, bounds: the sessions' shared protocol state
  tcp_server server;  // TLS context, io_context, acceptor, server thread
  std::atomic<bool> running{false};  // publishers read it
  [[nodiscard]] net::io_context& io() noexcept { return server.io(); }

  // publish path
  moodycamel::ConcurrentQueue<md_published_event, publish_queue_traits> queue;
  moodycamel::ConsumerToken ctok;
  std::atomic<bool> drain_pending{false};
  std::optional<net::steady_timer> drain_timer;  // drain_interval > 0: the server polls the queue
  void arm_drain_timer() {
    drain_timer->expires_after(opt.drain_interval);
    drain_timer->async_wait([this](const boost::system::error_code& ec) {
      if (ec) return;
      drain(false);
      arm_drain_timer();
    });
  }
  std::vector<md_published_event> drain_buf;
  std::vector<routed_event> routed;
  symbol_table symbols;

  // server-thread state
  std::vector<std::shared_ptr<md_session_base>> sessions;

  // read by other threads
  std::array<std::atomic<uint64_t>, c_count> counters;
  std::array<std::atomic<uint64_t>, md_error_slots> error_counters;
  mutable std::mutex dial_mutex;
  std::unordered_map<std::string, std::vector<int64_t>> dial_history;
  std::atomic<size_t> authed_total{0};

  void bump(ctr c, uint64_t n = 1) noexcept { counters[c].fetch_add(n, std::memory_order_relaxed); }
  void drop(ctr c) noexcept { counters[c].fetch_sub(1, std::memory_order_relaxed); }

  void record_dial(std::string_view key) {
    std::lock_guard<std::mutex> lk(dial_mutex);
    dial_history[std::string(key)].push_back(steady_ns());
  }

  void on_accept(tcp::socket s);
  void schedule_drain() {
    if (!drain_pending.exchange(true, std::memory_order_acq_rel))
      net::post(io(), [this] { drain(false); });
  }
  void drain(bool all);
  void remove_session(md_session_base* s);
  template <class F>
  void for_key(std::string_view key, F&& f);
  void close_all();
};

// ---------------------------------------------------------------------------------------------
// md_session_base: one market-data connection, independent of the stream type. Its
// md_protocol_session decides; this class carries the decisions out (counters, write queue,
// timers, close) and builds the data batches.
// ---------------------------------------------------------------------------------------------
class md_session_base : public std::enable_shared_from_this<md_session_base> {
 public:
  md_session_base(md_server::impl& srv, std::string_view feed, wire_format f)
      : srv_(srv), proto_(srv.protocol, feed, f), enc_(f), auth_timer_(srv.io()), grace_timer_(srv.io()) {}
  virtual ~md_session_base() = default;
  md_session_base(const md_session_base&) = delete;
  md_session_base& operator=(const md_session_base&) = delete;

  [[nodiscard]] const std::string& key() const noexcept { return proto_.key(); }
  [[nodiscard]] bool authed() const noexcept { return proto_.authed(); }
  [[nodiscard]] bool finished() const noexcept { return proto_.ended(); }

  /// The upgrade completed: greet, arm the auth timer, authenticate by headers if given.
  void on_open(bool header_auth, const std::string& hkey, const std::string& hsecret) {
    srv_.sessions.push_back(shared_from_this());
    registered_ = true;
    srv_.bump(c_active);
    apply(proto_.open(steady_ns()));
    arm_auth_timer();
    if (header_auth) apply(proto_.header_auth(hkey, hsecret, steady_ns()));
  }

  /// One client message.
  void on_message(std::string_view data) {
    if (silenced_) return;
    apply(proto_.on_frame(data, steady_ns()));
  }

  /// Encodes the subscribed part of `events` into batched data frames.
  void deliver(std::span<const routed_event> events) {
    if (silenced_ || !proto_.accepts_data()) return;
    for (const routed_event& r : events) {
      if (!proto_.wants(r.channel, r.sym, r.name, r.fakepaca)) continue;
      if (batch_count_ == 0) {
        building_ = take_spare();
        enc_.begin(building_);
      }
      if (!enc_.add(building_, *r.ev, r.name)) continue;
      if (++batch_count_ >= srv_.opt.max_batch) flush_batch();
      if (proto_.closing()) return;
    }
    flush_batch();
  }

  /// Fault switch: sends an error frame and closes after it (the connection is done).
  void fail(int code) { apply(proto_.fail(code)); }

  /// Fault switch: close the socket without a close handshake.
  void drop() {
    if (finished()) return;
    hard_close();
    finish(md_end::dropped);
  }
  /// Fault switch: stop reading (no pongs), stop sending.
  void silence() {
    if (finished() || silenced_) return;
    silenced_ = true;
    outq_.clear();
    out_bytes_ = 0;
    silence_io();
  }

  /// Ends the session once: the protocol releases its slot (held after an unclean drop when
  /// configured).
  void finish(md_end how) {
    if (!proto_.end(how, steady_ns())) return;
    auth_timer_.cancel();
    grace_timer_.cancel();
    if (proto_.authed()) srv_.authed_total.fetch_sub(1, std::memory_order_relaxed);
    srv_.bump(how == md_end::clean ? c_clean : c_unclean);
    if (registered_) {
      srv_.drop(c_active);
      srv_.remove_session(this);
    }
    hard_close();
  }

 protected:
  virtual void start_write(const std::string& frame) = 0;
  virtual void start_close() = 0;
  virtual void hard_close() = 0;
  virtual void silence_io() = 0;

  void on_write_done(bool ok, size_t bytes) {
    writing_ = false;
    if (silenced_) return;
    if (!ok) {
      finish(md_end::unclean);
      return;
    }
    srv_.bump(c_bytes, bytes);
    if (!outq_.empty()) {
      out_bytes_ -= std::min(out_bytes_, outq_.front().size());
      recycle(std::move(outq_.front()));
      outq_.pop_front();
    }
    if (!outq_.empty()) {
      writing_ = true;
      start_write(outq_.front());
    } else if (proto_.closing()) {
      begin_close();
    }
  }

  [[nodiscard]] wire_format format() const noexcept { return proto_.format(); }

  md_server::impl& srv_;
  bool silenced_ = false;

 private:
  /// Carries out one protocol step, in the order the counters have always moved: the dial, the
  /// outcome's counters, the frame (an error counted by code), then the close.
  void apply(md_step st) {
    if (st.dialed) srv_.record_dial(proto_.key());
    switch (st.outcome) {
      case md_outcome::none: break;
      case md_outcome::authenticated:
        srv_.authed_total.fetch_add(1, std::memory_order_relaxed);
        srv_.bump(c_auth_ok);
        auth_timer_.cancel();
        break;
      case md_outcome::auth_failed: srv_.bump(c_auth_failed); break;
      case md_outcome::connection_limit: srv_.bump(c_conn_limit); break;
      case md_outcome::auth_timeout: srv_.bump(c_auth_timeouts); break;
      case md_outcome::slow_client:
        srv_.bump(c_slow_drops);
        // Keep only the frame being written; the 407 goes right after it (best effort).
        while (outq_.size() > (writing_ ? 1u : 0u)) {
          out_bytes_ -= std::min(out_bytes_, outq_.back().size());
          outq_.pop_back();
        }
        break;
    }
    if (!st.frame.empty()) {
      if (st.error_code != 0)
        srv_.error_counters[md_error_slot(st.error_code)].fetch_add(1, std::memory_order_relaxed);
      enqueue(std::move(st.frame), false);
    }
    if (st.close) close_after_error();
  }

  /// The auth deadline (the protocol's, steady clock): on expiry the protocol decides (404 when
  /// still unauthenticated); the timer is armed again only while the deadline still matters.
  void arm_auth_timer() {
    auth_timer_.expires_at(steady::time_point(steady::duration(proto_.auth_deadline_ns())));
    auth_timer_.async_wait([self = shared_from_this()](const beast::error_code& ec) {
      if (ec) return;
      self->apply(self->proto_.on_auth_timer(steady_ns()));
      if (self->proto_.awaiting_auth()) self->arm_auth_timer();
    });
  }

  /// After an error that ends the connection: a close handshake once the queue is written, a
  /// hard close if that takes longer than the grace.
  void close_after_error() {
    if (!writing_) begin_close();
    grace_timer_.expires_after(srv_.opt.slow_client_grace);
    grace_timer_.async_wait([self = shared_from_this()](const beast::error_code& ec) {
      if (ec || self->finished()) return;
      self->hard_close();
      self->finish(md_end::unclean);
    });
  }

  void flush_batch() {
    if (batch_count_ == 0) return;
    enc_.finish(building_);
    srv_.bump(c_messages, batch_count_);
    batch_count_ = 0;
    enqueue(std::move(building_), true);
    building_ = std::string();
    if (srv_.protocol.slow_client(out_bytes_, outq_.size())) apply(proto_.on_slow_client());
  }

  void enqueue(std::string frame, bool data) {
    if (finished() || silenced_) return;
    srv_.bump(data ? c_data_frames : c_control_frames);
    if (data && srv_.opt.on_data_frame) {
      srv_.opt.on_data_frame(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                 steady::now().time_since_epoch()).count());
    }
    out_bytes_ += frame.size();
    outq_.push_back(std::move(frame));
    if (!writing_) {
      writing_ = true;
      start_write(outq_.front());
    }
  }

  void begin_close() {
    if (close_started_ || finished()) return;
    close_started_ = true;
    start_close();
  }

  std::string take_spare() {
    if (spare_.empty()) return {};
    std::string s = std::move(spare_.back());
    spare_.pop_back();
    return s;
  }
  void recycle(std::string s) {
    if (spare_.size() < 8 && s.capacity() <= (size_t{1} << 20)) {
      s.clear();
      spare_.push_back(std::move(s));
    }
  }

  md_protocol_session proto_;
  bool registered_ = false;
  bool close_started_ = false;
  bool writing_ = false;
  frame_encoder enc_;
  std::string building_;
  uint32_t batch_count_ = 0;
  std::deque<std::string> outq_;
  size_t out_bytes_ = 0;
  std::vector<std::string> spare_;
  net::steady_timer auth_timer_;
  net::steady_timer grace_timer_;
};

void md_server::impl::remove_session(md_session_base* s) {
  auto it = std::find_if(sessions.begin(), sessions.end(), [s](const auto& p) { return p.get() == s; });
  if (it != sessions.end()) sessions.erase(it);
}

template <class F>
void md_server::impl::for_key(std::string_view key, F&& f) {
  auto copy = sessions;  // f may end sessions (which erases them from `sessions`)
  for (auto& s : copy)
    if (key.empty() || s->key() == key) f(*s);
}

void md_server::impl::close_all() {
  server.close_acceptor();
  for_key({}, [](md_session_base& s) { s.drop(); });
}

void md_server::impl::drain(bool all) {
  drain_pending.store(false, std::memory_order_seq_cst);
  size_t total = 0;
  for (;;) {
    const size_t n = queue.try_dequeue_bulk(ctok, drain_buf.begin(), drain_buf.size());
    if (n == 0) break;
    bump(c_drained, n);
    routed.clear();
    for (size_t i = 0; i < n; ++i) {
      const md_published_event& p = drain_buf[i];
      const auto ch = channel_of(p.event.kind);
      if (!ch) continue;
      const symbol_id id = symbols.intern(p.symbol.view());
      if (!id.valid()) continue;
      const std::string_view name = symbols.name(id);
      routed.push_back(routed_event{&p.event, id.value, *ch, name, name == "FAKEPACA"});
    }
    if (!routed.empty()) {
      const std::span<const routed_event> batch(routed.data(), routed.size());
      // deliver() never ends a session synchronously, so iterating `sessions` is safe.
      for (size_t i = 0; i < sessions.size(); ++i) sessions[i]->deliver(batch);
    }
    total += n;
    if (!all && total >= 16384) {  // let I/O run; continue in a fresh handler
      schedule_drain();
      return;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// md_ws_session<Stream>: the WebSocket I/O of a session.
// ---------------------------------------------------------------------------------------------
template <class Stream>
class md_ws_session final : public md_session_base {
 public:
  md_ws_session(md_server::impl& srv, Stream&& s, std::string feed, wire_format f)
      : md_session_base(srv, feed, f), ws_(std::move(s)) {}

  void run(http::request<http::string_body> req) {
    req_ = std::move(req);
    beast::get_lowest_layer(ws_).expires_never();
    if (srv_.opt.idle_timeout.count() > 0) {
      websocket::stream_base::timeout t{};
      t.handshake_timeout = std::chrono::seconds(10);
      t.idle_timeout = srv_.opt.idle_timeout;
      t.keep_alive_pings = true;
      ws_.set_option(t);
    } else {
      websocket::stream_base::timeout t = websocket::stream_base::timeout::suggested(beast::role_type::server);
      t.idle_timeout = websocket::stream_base::none();
      ws_.set_option(t);
    }
    ws_.set_option(websocket::stream_base::decorator(
        [](websocket::response_type& res) { res.set(http::field::server, "torghut-md-server"); }));
    ws_.read_message_max(srv_.opt.max_client_message_bytes);
    ws_.auto_fragment(false);
    ws_.binary(format() == wire_format::msgpack);
    auto* srvp = &srv_;
    ws_.control_callback([srvp](websocket::frame_type kind, beast::string_view) {
      if (kind == websocket::frame_type::ping) srvp->bump(c_pings);
      if (kind == websocket::frame_type::pong) srvp->bump(c_pongs);
    });
    const auto hk = req_.find("APCA-API-KEY-ID");
    const auto hs = req_.find("APCA-API-SECRET-KEY");
    const bool header_auth = hk != req_.end() || hs != req_.end();
    std::string key = hk != req_.end() ? std::string(hk->value()) : std::string();
    std::string secret = hs != req_.end() ? std::string(hs->value()) : std::string();
    ws_.async_accept(req_, [self = self_ptr(), header_auth, key = std::move(key),
                            secret = std::move(secret)](const beast::error_code& ec) {
      if (ec) return;  // handshake failed: nothing was registered
      self->srv_.bump(c_ws_upgrades);
      self->on_open(header_auth, key, secret);
      self->read();
    });
  }

 private:
  std::shared_ptr<md_ws_session> self_ptr() { return std::static_pointer_cast<md_ws_session>(shared_from_this()); }

  void read() {
    ws_.async_read(rbuf_, [self = self_ptr()](const beast::error_code& ec, size_t) {
      if (self->silenced_ || self->finished()) return;
      if (ec) {
        self->finish(ec == websocket::error::closed ? md_end::clean : md_end::unclean);
        return;
      }
      const auto data = self->rbuf_.cdata();
      self->on_message(std::string_view(static_cast<const char*>(data.data()), data.size()));
      self->rbuf_.consume(self->rbuf_.size());
      self->read();
    });
  }

  void start_write(const std::string& frame) override {
    ws_.async_write(net::buffer(frame), [self = self_ptr()](const beast::error_code& ec, size_t n) {
      self->on_write_done(!ec, n);
    });
  }
  void start_close() override {
    ws_.async_close(websocket::close_code::normal,
                    [self = self_ptr()](const beast::error_code& ec) { self->finish(ec ? md_end::unclean : md_end::clean); });
  }
  void hard_close() override {
    beast::error_code ec;
    auto& sock = beast::get_lowest_layer(ws_).socket();
    sock.shutdown(tcp::socket::shutdown_both, ec);
    sock.close(ec);
  }
  void silence_io() override {
    beast::error_code ec;
    beast::get_lowest_layer(ws_).socket().cancel(ec);
  }

  websocket::stream<Stream> ws_;
  beast::flat_buffer rbuf_;
  http::request<http::string_body> req_;
};

// ---------------------------------------------------------------------------------------------
// md_http_handler: what a request on an accepted connection (net's http_conn: TLS handshake,
// keep-alive reading) means here: an upgrade on a feed path becomes an md_ws_session; anything
// else goes to options.on_http, or 404.
// ---------------------------------------------------------------------------------------------
struct md_http_handler {
  md_server::impl& srv_;

  void on_tls_failed() { srv_.bump(c_tls_fail); }

  template <class Conn>
  void on_request(const std::shared_ptr<Conn>& conn, http::request<http::string_body>&& req) {
    if (websocket::is_upgrade(req)) {
      const std::string_view feed = md_feed_of_target(std::string_view(req.target().data(), req.target().size()));
      if (!feed.empty()) {
        const auto ct = req.find(http::field::content_type);
        const wire_format format =
            ct == req.end() ? wire_format::json
                            : md_format_of_content_type(std::string_view(ct->value().data(), ct->value().size()));
        auto ws = std::make_shared<md_ws_session<typename Conn::stream_type>>(srv_, conn->take_stream(),
                                                                             std::string(feed), format);
        ws->run(std::move(req));
        return;
      }
      conn->reply(not_found(req), false);
      return;
    }
    srv_.bump(c_http_requests);
    std::optional<http_reply> r;
    if (srv_.opt.on_http) {
      http_request_info info;
      info.method = std::string(req.method_string());
      info.target = std::string(req.target());
      for (const auto& f : req) info.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
      info.body = req.body();
      r = srv_.opt.on_http(info);
    }
    if (!r) {
      conn->reply(not_found(req), req.keep_alive());
      return;
    }
    auto res = std::make_shared<http::response<http::string_body>>(static_cast<http::status>(r->status),
                                                                    req.version());
    res->set(http::field::server, "torghut-md-server");
    res->set(http::field::content_type, r->content_type);
    for (const auto& [k, v] : r->headers) res->set(k, v);
    res->body() = std::move(r->body);
    res->keep_alive(req.keep_alive());
    res->prepare_payload();
    conn->reply(std::move(res), req.keep_alive());
  }

  std::shared_ptr<http::response<http::string_body>> not_found(const http::request<http::string_body>& req) {
    srv_.bump(c_http_not_found);
    auto res = std::make_shared<http::response<http::string_body>>(http::status::not_found, req.version());
    res->set(http::field::server, "torghut-md-server");
    res->set(http::field::content_type, "text/plain");
    res->body() = "Not Found";
    res->keep_alive(false);
    res->prepare_payload();
    return res;
  }
};

void md_server::impl::on_accept(tcp::socket s) {
  bump(c_tcp_accepted);
  serve_http(std::move(s), server.tls_context(), md_http_handler{*this});
}

// ---------------------------------------------------------------------------------------------
// md_server
// ---------------------------------------------------------------------------------------------

md_server::md_server(md_server_options options) : impl_(std::make_unique<impl>(std::move(options))) {}

md_server::~md_server() { stop(); }

bool parse_listen_address(std::string_view text, std::string& host, uint16_t& port) {
  const size_t colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return false;
  std::string_view h = text.substr(0, colon);
  if (h.size() > 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
  const std::string_view p = text.substr(colon + 1);
  if (p.empty() || p.size() > 5 || p.find_first_not_of("0123456789") != std::string_view::npos) return false;
  uint32_t v = 0;
  for (const char c : p) v = v * 10 + static_cast<uint32_t>(c - '0');
  if (v > 65535) return false;
  host.assign(h);
  port = static_cast<uint16_t>(v);
  return true;
}

bool md_server::start(std::string& error) {
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
  if (m.opt.drain_interval.count() > 0) {
    m.drain_timer.emplace(m.io());
    m.arm_drain_timer();
  }
  m.server.start([&m](tcp::socket s) { m.on_accept(std::move(s)); });
  m.running.store(true, std::memory_order_release);
  return true;
}

void md_server::stop() {
  impl& m = *impl_;
  if (!m.running.load()) return;
  sync([&m] { m.close_all(); });
  m.running.store(false, std::memory_order_release);
  m.server.join();
  m.drain_timer.reset();
  m.sessions.clear();
  m.protocol.slots().clear();
  m.server.release();  // destroys pending handlers (and with them the last sessions)
}

uint16_t md_server::port() const noexcept { return impl_->server.port(); }
bool md_server::tls() const noexcept { return impl_->server.tls(); }

std::string md_server::url(std::string_view feed) const {
  std::string host = impl_->opt.bind_address;
  if (host == "0.0.0.0") host = "127.0.0.1";
  return std::string(tls() ? "wss://" : "ws://") + host + ":" + std::to_string(port()) + "/v2/" +
         std::string(feed);
}

bool md_server::try_publish(const market_event& e, std::string_view symbol) noexcept {
  md_published_event p{e, {}};
  p.symbol.assign(symbol);
  if (!impl_->queue.try_enqueue(p)) return false;
  impl_->bump(c_published);
  if (impl_->running && impl_->opt.drain_interval.count() == 0) impl_->schedule_drain();
  return true;
}

bool md_server::publish(const market_event& e, std::string_view symbol) noexcept {
  if (try_publish(e, symbol)) return true;
  impl_->bump(c_overflows);
  return false;
}

size_t md_server::try_publish_bulk(std::span<const md_published_event> events) noexcept {
  size_t n = 0;
  // Enqueue in chunks so one call never needs more than the free space.
  while (n < events.size()) {
    const size_t chunk = std::min<size_t>(events.size() - n, 256);
    if (!impl_->queue.try_enqueue_bulk(events.begin() + static_cast<ptrdiff_t>(n), chunk)) {
      // not enough room for the chunk: fall back to one at a time
      while (n < events.size() && impl_->queue.try_enqueue(events[n])) ++n;
      break;
    }
    n += chunk;
  }
  if (n > 0) {
    impl_->bump(c_published, n);
    if (impl_->running && impl_->opt.drain_interval.count() == 0) impl_->schedule_drain();
  }
  return n;
}

md_server_stats md_server::stats() const noexcept {
  const impl& m = *impl_;
  auto g = [&m](ctr c) { return m.counters[c].load(std::memory_order_relaxed); };
  md_server_stats s;
  s.tcp_accepted = g(c_tcp_accepted);
  s.tls_handshake_failures = g(c_tls_fail);
  s.http_requests = g(c_http_requests);
  s.http_not_found = g(c_http_not_found);
  s.ws_upgrades = g(c_ws_upgrades);
  s.auth_ok = g(c_auth_ok);
  s.auth_failed = g(c_auth_failed);
  s.auth_timeouts = g(c_auth_timeouts);
  s.connection_limit = g(c_conn_limit);
  s.slow_client_drops = g(c_slow_drops);
  for (size_t i = 0; i < md_error_slots; ++i) s.errors_sent[i] = m.error_counters[i].load(std::memory_order_relaxed);
  s.control_frames_sent = g(c_control_frames);
  s.data_frames_sent = g(c_data_frames);
  s.messages_sent = g(c_messages);
  s.bytes_sent = g(c_bytes);
  s.events_published = g(c_published);
  s.queue_overflows = g(c_overflows);
  s.events_drained = g(c_drained);
  s.pings_received = g(c_pings);
  s.pongs_received = g(c_pongs);
  s.clean_closes = g(c_clean);
  s.unclean_drops = g(c_unclean);
  s.active_connections = g(c_active);
  return s;
}

uint64_t md_server::dials(std::string_view key) const {
  std::lock_guard<std::mutex> lk(impl_->dial_mutex);
  auto it = impl_->dial_history.find(std::string(key));
  return it == impl_->dial_history.end() ? 0 : it->second.size();
}

std::vector<int64_t> md_server::dial_times_ns(std::string_view key) const {
  std::lock_guard<std::mutex> lk(impl_->dial_mutex);
  auto it = impl_->dial_history.find(std::string(key));
  return it == impl_->dial_history.end() ? std::vector<int64_t>{} : it->second;
}

size_t md_server::authenticated_connections(std::string_view key) const {
  if (key.empty()) return impl_->authed_total.load(std::memory_order_relaxed);
  size_t n = 0;
  const std::string k(key);
  const_cast<md_server*>(this)->sync([this, &n, &k] {
    for (const auto& s : impl_->sessions)
      if (s->authed() && !s->finished() && s->key() == k) ++n;
  });
  return n;
}

void md_server::inject_error(std::string_view key, int code) {
  if (!impl_->running) return;
  net::post(impl_->io(), [m = impl_.get(), k = std::string(key), code] {
    m->for_key(k, [code](md_session_base& s) { s.fail(code); });
  });
}

void md_server::drop_connections(std::string_view key) {
  if (!impl_->running) return;
  net::post(impl_->io(), [m = impl_.get(), k = std::string(key)] {
    m->for_key(k, [](md_session_base& s) { s.drop(); });
  });
}

void md_server::silence_connections(std::string_view key) {
  if (!impl_->running) return;
  net::post(impl_->io(), [m = impl_.get(), k = std::string(key)] {
    m->for_key(k, [](md_session_base& s) { s.silence(); });
  });
}

void md_server::release_held_slots() {
  if (!impl_->running) return;
  sync([m = impl_.get()] { m->protocol.slots().release_held(); });
}

void md_server::sync(std::function<void()> f) {
  impl& m = *impl_;
  if (!m.running) {
    if (f) f();
    return;
  }
  std::promise<void> done;
  auto fut = done.get_future();
  net::post(m.io(), [&m, &f, &done] {
    m.drain(true);
    if (f) f();
    done.set_value();
  });
  fut.wait();
}

}  // namespace torghut::adapters
