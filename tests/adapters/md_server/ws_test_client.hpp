#pragma once
// The md_server conformance tests' client: the tests' own WebSocket client
// (torghut/test/ws_client.hpp) plus a decoder, so each frame read comes back decoded.

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "torghut/adapters/frame_decoder.hpp"
#include "torghut/test/ws_client.hpp"
#include "torghut/core/symbol_table.hpp"

namespace torghut::test_md {

using namespace test;  // beast, http, websocket, net, ssl, tcp, chrono literals

/// A deep copy of a control message.
struct control_copy {
  adapters::control_type type = adapters::control_type::success;
  int code = 0;
  std::string msg;
  std::array<std::vector<std::string>, adapters::subscription_channel_count> channels;
  [[nodiscard]] const std::vector<std::string>& list(adapters::subscription_channel c) const {
    return channels[static_cast<size_t>(c)];
  }
};

/// What one frame held.
struct decoded_frame {
  std::string raw;
  bool binary = false;
  std::vector<control_copy> controls;
  std::vector<market_event> events;
  std::vector<std::string> symbols;  ///< per event
  adapters::decode_result result;
};

template <class Stream>
class basic_ws_client : public test::basic_ws_client<Stream> {
  using base = test::basic_ws_client<Stream>;

 public:
  using base::base;

  /// TCP connect + (TLS) + upgrade to `target`. Headers are added to the upgrade request; a
  /// msgpack Content-Type makes the client decode (and send) MessagePack.
  bool connect(uint16_t port, const std::string& target, const std::map<std::string, std::string>& headers = {},
               std::chrono::milliseconds timeout = 5s) {
    format_ = adapters::wire_format::json;
    for (const auto& [k, v] : headers)
      if (k == "Content-Type" && v.rfind("application/msgpack", 0) == 0) format_ = adapters::wire_format::msgpack;
    decoder_.set_format(format_);
    if (!base::connect(port, target, headers, timeout)) return false;
    base::binary(format_ == adapters::wire_format::msgpack);
    return true;
  }

  [[nodiscard]] adapters::wire_format format() const { return format_; }

  /// Reads and decodes one frame. nullopt on timeout or error (see the base).
  std::optional<decoded_frame> read(std::chrono::milliseconds timeout = 5s) { return decode(base::read(timeout)); }

  /// Reads one frame while running `poll` every few milliseconds until it arrives.
  std::optional<decoded_frame> read_polling(const std::function<void()>& poll, std::chrono::milliseconds timeout = 5s) {
    return decode(base::read_polling(poll, timeout));
  }

  /// Reads until the connection ends (returns true) or the timeout; collects the frames.
  bool read_until_closed(std::vector<decoded_frame>& frames, std::chrono::milliseconds timeout = 5s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return false;
      auto f = read(left);
      if (f) {
        frames.push_back(std::move(*f));
        continue;
      }
      return !base::timed_out();
    }
  }

  /// Reads frames until `n` data events arrived (control frames are kept too).
  bool read_events(size_t n, std::vector<decoded_frame>& frames, std::chrono::milliseconds timeout = 5s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    size_t got = 0;
    while (got < n) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return false;
      auto f = read(left);
      if (!f) return false;
      got += f->events.size();
      frames.push_back(std::move(*f));
    }
    return true;
  }

 private:
  std::optional<decoded_frame> decode(std::optional<test::ws_frame> raw) {
    if (!raw) return std::nullopt;
    decoded_frame f;
    f.raw = std::move(raw->text);
    f.binary = raw->binary;
    f.result = decoder_.decode(
        f.raw, timestamp{1},
        [&](const market_event& e) {
          f.events.push_back(e);
          f.symbols.emplace_back(symbols_.name(e.symbol));
        },
        [&](const adapters::control_message& c) {
          control_copy cc;
          cc.type = c.type;
          cc.code = c.code;
          cc.msg = std::string(c.msg);
          for (size_t i = 0; i < adapters::subscription_channel_count; ++i)
            for (const auto s : c.channels[i]) cc.channels[i].emplace_back(s);
          f.controls.push_back(std::move(cc));
        });
    return f;
  }

  adapters::wire_format format_ = adapters::wire_format::json;
  symbol_table symbols_{4096};
  adapters::frame_decoder decoder_{symbols_, adapters::wire_format::json, size_t{64} << 20};
};

using ws_client = basic_ws_client<beast::tcp_stream>;
using wss_client = basic_ws_client<beast::ssl_stream<beast::tcp_stream>>;

/// A plain HTTP request to the server; returns the status (0 on failure).
inline unsigned http_get(uint16_t port, const std::string& target, std::string* body = nullptr) {
  net::io_context ioc;
  beast::tcp_stream s(ioc);
  beast::error_code ec;
  s.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port), ec);
  if (ec) return 0;
  http::request<http::empty_body> req{http::verb::get, target, 11};
  req.set(http::field::host, "localhost");
  http::write(s, req, ec);
  if (ec) return 0;
  beast::flat_buffer b;
  http::response<http::string_body> res;
  http::read(s, b, res, ec);
  if (ec) return 0;
  if (body) *body = res.body();
  return res.result_int();
}

}  // namespace torghut::test_md
