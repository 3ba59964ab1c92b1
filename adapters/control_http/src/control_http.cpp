// The operator's HTTP endpoint: net's tcp_server and http_conn, one handler. The one Beast TU of
// control_http.
#include "torghut/adapters/control_http.hpp"

#include <pthread.h>

#include <atomic>
#include <exception>
#include <string_view>

#include "torghut/adapters/http_conn.hpp"
#include "torghut/adapters/tcp_server.hpp"

namespace torghut::adapters {

namespace http = boost::beast::http;

struct control_http_server::impl {
  tcp_server server;
  handler h;
  control_http_options opt;
  std::atomic<uint64_t> requests{0};
  bool running = false;
};

namespace {

struct request_handler {
  control_http_server::handler* h;
  std::atomic<uint64_t>* count;

  void on_tls_failed() {}

  template <class Conn>
  void on_request(const std::shared_ptr<Conn>& conn, http::request<http::string_body>&& req) {
    count->fetch_add(1, std::memory_order_relaxed);
    http_request_in in;
    in.method = std::string(req.method_string());
    const std::string_view target(req.target().data(), req.target().size());
    const size_t q = target.find('?');
    in.path = std::string(target.substr(0, q));
    if (q != std::string_view::npos) in.query = std::string(target.substr(q + 1));
    if (const auto a = req.find(http::field::authorization); a != req.end())
      in.authorization = std::string(a->value());
    in.body = std::move(req.body());
    http_reply_out out;
    try {
      out = (*h)(in);
    } catch (const std::exception& e) {
      out = {500, "application/json", std::string(R"({"error":"internal error"})") + "\n", {}};
    }
    const bool keep_alive = req.keep_alive();
    auto res = std::make_shared<http::response<http::string_body>>(static_cast<http::status>(out.status),
                                                                    req.version());
    res->set(http::field::server, "torghut");
    res->set(http::field::content_type, out.content_type);
    res->set(http::field::cache_control, "no-store");
    for (const auto& [k, v] : out.headers) res->set(k, v);
    res->body() = std::move(out.body);
    res->keep_alive(keep_alive);
    res->prepare_payload();
    conn->reply(std::move(res), keep_alive);
  }
};

}  // namespace

control_http_server::control_http_server() : impl_(std::make_unique<impl>()) {}
control_http_server::~control_http_server() { stop(); }

bool control_http_server::start(const control_http_options& o, handler h, std::string& error) {
  impl& m = *impl_;
  if (m.running) {
    error = "already started";
    return false;
  }
  m.h = std::move(h);
  m.opt = o;
  tcp_server_options so;
  so.bind_address = o.bind_address;
  so.port = o.port;
  if (!m.server.open(so, error)) {
    error = "cannot listen on " + o.bind_address + ":" + std::to_string(o.port) + ": " + error;
    return false;
  }
  m.server.start(
      [&m](tcp_server::socket s) {
        http_conn_options co;
        co.idle_timeout = std::chrono::seconds(60);
        co.body_limit = m.opt.body_limit;
        serve_http(std::move(s), nullptr, request_handler{&m.h, &m.requests}, co);
      },
      [](boost::asio::io_context& io) {
        pthread_setname_np(pthread_self(), "torghut-ctl-api");
        io.run();
      });
  m.running = true;
  return true;
}

void control_http_server::stop() {
  impl& m = *impl_;
  if (!m.running) return;
  m.running = false;
  boost::asio::post(m.server.io(), [&m] { m.server.close_acceptor(); });
  m.server.join();
  m.server.release();
}

uint16_t control_http_server::port() const noexcept { return impl_->server.port(); }
uint64_t control_http_server::requests() const noexcept { return impl_->requests.load(std::memory_order_relaxed); }

}  // namespace torghut::adapters
