#pragma once
/// URLs as the engine meets them (pure string work, no sockets): the WebSocket endpoints it
/// dials, the host of any configured URL, and the loopback rule that lets plain ws:// and
/// http:// reach only this machine. One implementation for config validation and every adapter.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace torghut {

/// A parsed `ws://` or `wss://` endpoint.
struct ws_url {
  bool tls = false;
  std::string host;  ///< without brackets for IPv6 literals
  std::string port;  ///< "443"/"80" when the URL names none
  std::string path;  ///< starts with '/'; "/" when the URL has none
  /// The Host header value: host, plus ":port" when the port is not the scheme's default.
  [[nodiscard]] std::string host_header() const;
};
/// Parses `ws://host[:port][/path]` or `wss://...` (IPv6 literals in brackets). nullopt with
/// `error` set when malformed.
[[nodiscard]] std::optional<ws_url> parse_ws_url(std::string_view url, std::string& error);

/// `host`, bracketed if it is an IPv6 literal, plus ":port" unless `port` is the scheme's
/// default (443 with TLS, 80 without): the Host header value.
[[nodiscard]] std::string host_header(std::string_view host, std::string_view port, bool tls);

/// The host of an http(s):// or ws(s):// URL ("" when there is none).
[[nodiscard]] std::string_view url_host(std::string_view url) noexcept;

/// localhost (any case), 127.0.0.0/8 as a dotted quad, ::1.
[[nodiscard]] bool is_loopback_host(std::string_view host) noexcept;

/// Percent-decoding of a query string's part ('+' is a space); a malformed escape is kept as written.
[[nodiscard]] std::string url_decode(std::string_view s);
/// The value of `name` in a query string ("a=1&b=2"), decoded; nullopt when absent.
[[nodiscard]] std::optional<std::string> query_param(std::string_view query, std::string_view name);
/// RFC 3339, or a bare date (midnight UTC), as ns since the epoch.
[[nodiscard]] std::optional<int64_t> parse_time_param(std::string_view s);

}  // namespace torghut
