#pragma once
// A scripted loopback WebSocket server for the trade_stream tests (Beast, synchronous, one thread
// per connection). Each accepted connection runs the test's script on its own thread: the script
// reads what the client sent (every message is also logged, per connection, for the test thread
// to check) and sends scripted frames. When the script returns the connection is held open
// (reading, so pings are answered) until the client or stop() ends it.
// No Beast in this header: the tests' own TU stays cheap to compile.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace torghut::adapters::testing {

/// One accepted, upgraded connection; used only on its own thread (the script's).
class session {
 public:
  virtual ~session() = default;
  /// The next data message (text or binary); false when the connection ended.
  virtual bool read(std::string& out, bool* binary = nullptr) = 0;
  virtual bool send_text(std::string_view s) = 0;
  virtual bool send_binary(std::string_view s) = 0;
  /// A WebSocket close handshake.
  virtual void close() = 0;
  /// Shuts the TCP connection down without a close frame (a dropped connection).
  virtual void drop() = 0;
  /// Stops answering anything (no pongs, no replies): reads and discards raw bytes until the peer
  /// closes or the server stops.
  virtual void go_silent() = 0;
  /// True once the server is stopping (scripts that wait must give up then).
  [[nodiscard]] virtual bool stopping() const = 0;
  /// 0 for the first connection, 1 for the next, ...
  [[nodiscard]] int index() const { return index_; }

 protected:
  int index_ = 0;
};

struct script_server_options {
  bool tls = false;
  std::string cert_file;  ///< PEM (tls)
  std::string key_file;   ///< PEM (tls)
};

class script_server {
 public:
  using script = std::function<void(session&)>;
  explicit script_server(script s, script_server_options opt = {});
  ~script_server();
  script_server(const script_server&) = delete;
  script_server& operator=(const script_server&) = delete;

  /// Listens on 127.0.0.1 (ephemeral port) and starts accepting.
  bool start(std::string& error);
  /// Stops accepting, shuts every connection down and joins every thread. Idempotent.
  void stop();

  [[nodiscard]] uint16_t port() const;
  /// `ws[s]://host:port/stream`.
  [[nodiscard]] std::string url(std::string_view host = "127.0.0.1") const;
  /// TCP connections accepted / WebSocket upgrades completed / TLS handshakes that failed.
  [[nodiscard]] int accepted() const;
  [[nodiscard]] int upgraded() const;
  [[nodiscard]] int tls_failures() const;
  /// The messages connection `conn` received so far, in order.
  [[nodiscard]] std::vector<std::string> received(int conn) const;

  struct impl;

 private:
  std::unique_ptr<impl> impl_;
};

// --- protocol frames ----------------------------------------------------------------------------

inline constexpr std::string_view authorized_frame =
    R"({"stream":"authorization","data":{"action":"authenticate","status":"authorized"}})";
inline constexpr std::string_view listening_frame = R"({"stream":"listening","data":{"streams":["trade_updates"]}})";
inline constexpr std::string_view listen_action = R"({"action":"listen","data":{"streams":["trade_updates"]}})";

/// The server side of a normal start: reads the auth, answers authorized, reads the listen,
/// answers listening (in binary frames, like Alpaca's paper stream, unless `binary` is false).
/// False when the client sent something else or the connection ended.
inline bool serve_auth_and_listen(session& s, bool binary = true) {
  std::string m;
  if (!s.read(m) || m.find(R"("action":"auth)") == std::string::npos) return false;
  if (!(binary ? s.send_binary(authorized_frame) : s.send_text(authorized_frame))) return false;
  if (!s.read(m) || m != listen_action) return false;
  return binary ? s.send_binary(listening_frame) : s.send_text(listening_frame);
}

}  // namespace torghut::adapters::testing
