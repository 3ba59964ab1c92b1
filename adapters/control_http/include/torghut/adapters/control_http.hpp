#pragma once
/// The operator's HTTP endpoint: a plain HTTP/1.1 server on its own thread that hands every
/// request to one handler and writes back what it returns. No route, no token, no JSON here:
/// those are the handler's (engine/app's control_api).
///
///   control_http_server srv;
///   if (!srv.start({.bind_address = "127.0.0.1", .port = 8787}, handle, err)) ...;
///   ... srv.port() ...
///   srv.stop();  // joins the server thread; later requests are refused (connection refused)

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace torghut::adapters {

struct http_request_in {
  std::string method;         ///< "GET", "POST", ...
  std::string path;           ///< the target before '?', e.g. "/trading/status"
  std::string query;          ///< after '?', undecoded ("" when none)
  std::string authorization;  ///< the Authorization header's value ("" when absent)
  std::string body;
};

struct http_reply_out {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  ///< extra headers
};

struct control_http_options {
  std::string bind_address = "127.0.0.1";
  uint16_t port = 8787;  ///< 0: any free port (port() says which)
  size_t body_limit = 64 * 1024;
};

class control_http_server {
 public:
  using handler = std::function<http_reply_out(const http_request_in&)>;

  control_http_server();
  ~control_http_server();
  control_http_server(const control_http_server&) = delete;
  control_http_server& operator=(const control_http_server&) = delete;

  /// Binds, listens and starts the server thread; `h` runs on that thread, one request at a
  /// time. False with `error` set (nothing left open) when the address cannot be bound.
  [[nodiscard]] bool start(const control_http_options& o, handler h, std::string& error);
  /// Stops accepting, ends every connection and joins the thread. Idempotent.
  void stop();
  [[nodiscard]] uint16_t port() const noexcept;
  [[nodiscard]] uint64_t requests() const noexcept;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace torghut::adapters
