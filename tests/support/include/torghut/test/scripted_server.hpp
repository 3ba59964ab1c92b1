#pragma once
// A scripted loopback HTTP/1.1 server for the trading REST client's tests (and the broker link's):
// plain Asio with blocking sockets, one thread per accepted connection. It records every request
// it reads (with the connection it came on) and answers what the test's script says: a canned
// response, a `Connection: close` response, silence (reads, never answers), or a dropped
// connection.
// Optionally TLS (a certificate and key file).

#include <sys/socket.h>

#include <atomic>
#include <cctype>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "torghut/adapters/trading_rest.hpp"

namespace torghut::adapters::testing {

struct http_request {
  std::string method, target, head, body;  ///< head: the request line and header lines as sent
  std::string raw;                         ///< every byte of the request
  int conn = 0;                            ///< which accepted connection (0, 1, ...)
  int64_t at_unix_ms = 0;                  ///< when the server had read all of it
  [[nodiscard]] std::string header(std::string_view name) const {
    // case-insensitive "Name: value" lookup in head
    size_t pos = 0;
    while (pos < head.size()) {
      const size_t eol = head.find("\r\n", pos);
      const std::string_view line(head.data() + pos, (eol == std::string::npos ? head.size() : eol) - pos);
      const size_t colon = line.find(':');
      if (colon != std::string_view::npos && colon == name.size()) {
        bool same = true;
        for (size_t i = 0; i < colon; ++i)
          same = same && std::tolower(static_cast<unsigned char>(line[i])) ==
                             std::tolower(static_cast<unsigned char>(name[i]));
        if (same) {
          std::string_view v = line.substr(colon + 1);
          while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
          return std::string(v);
        }
      }
      if (eol == std::string::npos) break;
      pos = eol + 2;
    }
    return {};
  }
};

struct http_reply {
  enum class mode { answer, silent, drop };
  mode how = mode::answer;
  unsigned status = 200;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  bool close_after = false;  ///< `Connection: close`, then close the socket
  std::string content_type = "application/json";

  static http_reply silent() {
    http_reply r;
    r.how = mode::silent;
    return r;
  }
  static http_reply drop() {
    http_reply r;
    r.how = mode::drop;
    return r;
  }
  static http_reply json(unsigned status, std::string body) {
    http_reply r;
    r.status = status;
    r.body = std::move(body);
    return r;
  }
};

inline std::string clock_json() {
  return R"({"timestamp":"2024-01-02T10:00:00.123456789-05:00","is_open":true,)"
         R"("next_open":"2024-01-03T09:30:00-05:00","next_close":"2024-01-02T16:00:00-05:00"})";
}

inline std::string order_json(std::string_view coid, std::string_view id = "61e69015-8549-4bfd-b9c3-01e75843f47d",
                              std::string_view symbol = "AAPL", std::string_view status = "accepted") {
  std::string s = R"({"id":")";
  s += id;
  s += R"(","client_order_id":")";
  s += coid;
  s += R"(","created_at":"2024-01-02T15:00:00.123456Z","updated_at":null,"submitted_at":"2024-01-02T15:00:00.1Z",)"
       R"("filled_at":null,"asset_id":"b0b6dd9d-8b9b-48a9-ba46-b9d54906e415","symbol":")";
  s += symbol;
  s += R"(","asset_class":"us_equity","notional":null,"qty":"10","filled_qty":"0","filled_avg_price":null,)"
       R"("order_class":"","order_type":"limit","type":"limit","side":"buy","time_in_force":"day",)"
       R"("limit_price":"187.5","stop_price":null,"status":")";
  s += status;
  s += R"(","extended_hours":false,"legs":null})";
  return s;
}

/// The default script for warm-ups and keep-alives: GET /v2/clock answered with a clock.
inline bool is_clock(const http_request& r) { return r.method == "GET" && r.target == "/v2/clock"; }

class scripted_server {
  using tcp = boost::asio::ip::tcp;

 public:
  using script = std::function<http_reply(const http_request&)>;

  explicit scripted_server(script s, std::string cert_file = {}, std::string key_file = {})
      : script_(std::move(s)) {
    if (!cert_file.empty()) {
      tls_ = std::make_unique<boost::asio::ssl::context>(boost::asio::ssl::context::tls_server);
      tls_->use_certificate_chain_file(cert_file);
      tls_->use_private_key_file(key_file, boost::asio::ssl::context::pem);
    }
    acceptor_.open(tcp::v4());
    acceptor_.set_option(tcp::acceptor::reuse_address(true));
    acceptor_.bind(tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0));
    acceptor_.listen();
    port_ = acceptor_.local_endpoint().port();
    accept_thread_ = std::thread([this] { accept_loop(); });
  }
  ~scripted_server() { stop(); }
  scripted_server(const scripted_server&) = delete;
  scripted_server& operator=(const scripted_server&) = delete;

  [[nodiscard]] uint16_t port() const { return port_; }
  [[nodiscard]] std::string url(std::string_view host = "127.0.0.1") const {
    return std::string(tls_ ? "https://" : "http://") + std::string(host) + ":" + std::to_string(port_);
  }

  [[nodiscard]] std::vector<http_request> requests() const {
    const std::lock_guard lock(mu_);
    return requests_;
  }
  /// Requests other than warm-ups/keep-alives.
  [[nodiscard]] std::vector<http_request> calls() const {
    std::vector<http_request> out;
    for (auto& r : requests())
      if (!is_clock(r)) out.push_back(r);
    return out;
  }
  [[nodiscard]] size_t count(const std::function<bool(const http_request&)>& pred) const {
    size_t n = 0;
    for (auto& r : requests()) n += pred(r) ? 1u : 0u;
    return n;
  }
  [[nodiscard]] int accepted() const { return accepted_.load(); }
  [[nodiscard]] int handshakes_failed() const { return handshakes_failed_.load(); }

  /// Closes every connection the server holds (as a server that restarts would).
  void close_all() {
    const std::lock_guard lock(mu_);
    for (int fd : fds_) ::shutdown(fd, SHUT_RDWR);
  }

  void stop() {
    if (stopped_.exchange(true)) return;
    ::shutdown(acceptor_.native_handle(), SHUT_RDWR);
    if (accept_thread_.joinable()) accept_thread_.join();
    close_all();
    for (auto& t : threads_)
      if (t.joinable()) t.join();
    boost::system::error_code ignored;
    acceptor_.close(ignored);
  }

 private:
  void accept_loop() {
    while (!stopped_.load()) {
      auto sock = std::make_shared<tcp::socket>(io_);
      boost::system::error_code ec;
      acceptor_.accept(*sock, ec);
      if (ec || stopped_.load()) return;
      const int id = accepted_.fetch_add(1);
      {
        const std::lock_guard lock(mu_);
        fds_.push_back(sock->native_handle());
      }
      threads_.emplace_back([this, sock, id] { serve(sock, id); });
    }
  }

  void serve(const std::shared_ptr<tcp::socket>& sock, int id) {
    boost::system::error_code ec;
    if (tls_) {
      boost::asio::ssl::stream<tcp::socket&> s(*sock, *tls_);
      s.handshake(boost::asio::ssl::stream_base::server, ec);
      if (ec) {
        handshakes_failed_.fetch_add(1);
      } else {
        loop(s, id);
      }
    } else {
      loop(*sock, id);
    }
    const std::lock_guard lock(mu_);
    std::erase(fds_, sock->native_handle());
  }

  template <class Stream>
  void loop(Stream& s, int id) {
    std::string buf;
    char chunk[4096];
    while (!stopped_.load()) {
      // Read one request: head up to the blank line, then Content-Length bytes.
      size_t head_end;
      boost::system::error_code ec;
      while ((head_end = buf.find("\r\n\r\n")) == std::string::npos) {
        const size_t n = s.read_some(boost::asio::buffer(chunk), ec);
        if (ec) return;
        buf.append(chunk, n);
      }
      http_request r;
      r.conn = id;
      r.head = buf.substr(0, head_end);
      const size_t sp1 = r.head.find(' ');
      const size_t sp2 = r.head.find(' ', sp1 + 1);
      r.method = r.head.substr(0, sp1);
      r.target = r.head.substr(sp1 + 1, sp2 - sp1 - 1);
      const std::string cl = r.header("Content-Length");
      const size_t len = cl.empty() ? 0 : std::stoul(cl);
      while (buf.size() < head_end + 4 + len) {
        const size_t n = s.read_some(boost::asio::buffer(chunk), ec);
        if (ec) return;
        buf.append(chunk, n);
      }
      r.body = buf.substr(head_end + 4, len);
      r.raw = buf.substr(0, head_end + 4 + len);
      r.at_unix_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
      buf.erase(0, head_end + 4 + len);
      http_reply rep = is_clock(r) && !script_clock_ ? http_reply::json(200, clock_json()) : http_reply{};
      {
        const std::lock_guard lock(mu_);
        requests_.push_back(r);
      }
      if (!is_clock(r) || script_clock_) rep = script_(r);
      if (rep.how == http_reply::mode::drop) return;
      if (rep.how == http_reply::mode::silent) continue;  // read on; never answer this one
      std::string out = "HTTP/1.1 " + std::to_string(rep.status) + " " + reason(rep.status) + "\r\n";
      if (!rep.content_type.empty()) out += "Content-Type: " + rep.content_type + "\r\n";
      for (auto& [k, v] : rep.headers) out += k + ": " + v + "\r\n";
      if (rep.close_after) out += "Connection: close\r\n";
      out += "Content-Length: " + std::to_string(rep.body.size()) + "\r\n\r\n" + rep.body;
      boost::asio::write(s, boost::asio::buffer(out), ec);
      if (ec || rep.close_after) return;
    }
  }

  static std::string reason(unsigned s) {
    switch (s) {
      case 200: return "OK";
      case 204: return "No Content";
      case 403: return "Forbidden";
      case 404: return "Not Found";
      case 422: return "Unprocessable Entity";
      case 429: return "Too Many Requests";
      case 500: return "Internal Server Error";
      case 503: return "Service Unavailable";
      default: return "Status";
    }
  }

 public:
  /// When true, GET /v2/clock goes through the script too (default: answered with a clock).
  std::atomic<bool> script_clock_{false};

 private:
  script script_;
  std::unique_ptr<boost::asio::ssl::context> tls_;
  boost::asio::io_context io_;
  tcp::acceptor acceptor_{io_};
  uint16_t port_ = 0;
  std::thread accept_thread_;
  std::vector<std::thread> threads_;  // only the accept thread touches it until stop()
  mutable std::mutex mu_;
  std::vector<http_request> requests_;
  std::vector<int> fds_;
  std::atomic<int> accepted_{0};
  std::atomic<int> handshakes_failed_{0};
  std::atomic<bool> stopped_{false};
};

// ---------------------------------------------------------------------------------------------
// Client side
// ---------------------------------------------------------------------------------------------

struct rest_event {
  enum class kind { accepted, rejected, cancel, stale } what;
  order_command cmd;
  order_view order;
  unsigned status = 0;
  api_error_view err;
};

struct recording_sink final : trading_rest_sink {
  std::vector<rest_event> events;
  void on_submit_accepted(const order_command& cmd, const order_view& order) noexcept override {
    events.push_back({rest_event::kind::accepted, cmd, order, 200, {}});
  }
  void on_submit_rejected(const order_command& cmd, unsigned status, const api_error_view& err) noexcept override {
    events.push_back({rest_event::kind::rejected, cmd, {}, status, err});
  }
  void on_cancel_result(const order_command& cmd, unsigned status, const api_error_view& err) noexcept override {
    events.push_back({rest_event::kind::cancel, cmd, {}, status, err});
  }
  void on_submit_stale(const order_command& cmd, std::chrono::milliseconds age) noexcept override {
    events.push_back({rest_event::kind::stale, cmd, {}, static_cast<unsigned>(age.count()), {}});
  }
  [[nodiscard]] size_t count(rest_event::kind k) const {
    size_t n = 0;
    for (auto& e : events) n += e.what == k ? 1u : 0u;
    return n;
  }
};

/// Polls `io` (as the hot thread does) until `done()`; false after `limit` (a liveness bound).
inline bool poll_until(boost::asio::io_context& io, const std::function<bool()>& done,
                       std::chrono::milliseconds limit = std::chrono::milliseconds{10'000}) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() > end) return false;
    if (io.stopped()) io.restart();
    io.run_for(std::chrono::milliseconds{2});
  }
  return true;
}
inline void poll_for(boost::asio::io_context& io, std::chrono::milliseconds d) {
  const auto end = std::chrono::steady_clock::now() + d;
  while (std::chrono::steady_clock::now() < end) {
    if (io.stopped()) io.restart();
    io.run_for(std::chrono::milliseconds{2});
  }
}

inline constexpr std::string_view test_key = "PKTESTKEY0123";
inline constexpr std::string_view test_secret = "s3cr3t-SECRET-value-xyz";

inline trading_rest_config config_for(const scripted_server& s, uint32_t connections = 1) {
  trading_rest_config c;
  c.base_url = s.url();
  c.key_id = std::string(test_key);
  c.secret = std::string(test_secret);
  c.connections = connections;
  c.connect_timeout = std::chrono::milliseconds(2000);
  c.request_timeout = std::chrono::milliseconds(300);
  c.retry_base = std::chrono::milliseconds(5);
  c.retry_max = std::chrono::milliseconds(20);
  c.rng_seed = 42;
  c.name = "test-rest";
  return c;
}

inline order_command limit_buy(std::string_view coid) {
  order_command c;
  c.kind = order_command_kind::submit;
  c.id.value = 7;
  c.order_side = side::buy;
  c.type = order_type::limit;
  c.tif = time_in_force::day;
  c.qty = *parse_decimal<quantity>("10");
  c.limit_px = *parse_decimal<price>("187.50");
  c.coid.assign(coid);
  return c;
}

}  // namespace torghut::adapters::testing
