#include "torghut/core/url.hpp"

#include "torghut/core/rfc3339.hpp"

#include <algorithm>
#include <charconv>

namespace torghut {

std::string host_header(std::string_view host, std::string_view port, bool tls) {
  const bool v6 = host.find(':') != std::string_view::npos;
  std::string h;
  h.reserve(host.size() + port.size() + 3);
  if (v6) h += '[';
  h += host;
  if (v6) h += ']';
  if (port != (tls ? "443" : "80")) {
    h += ':';
    h += port;
  }
  return h;
}

std::string ws_url::host_header() const { return torghut::host_header(host, port, tls); }

std::optional<ws_url> parse_ws_url(std::string_view url, std::string& error) {
  ws_url u;
  if (url.starts_with("wss://")) {
    u.tls = true;
    url.remove_prefix(6);
  } else if (url.starts_with("ws://")) {
    url.remove_prefix(5);
  } else {
    error = "the URL must start with ws:// or wss://";
    return std::nullopt;
  }
  const size_t slash = url.find('/');
  std::string_view authority = url.substr(0, slash);
  u.path = slash == std::string_view::npos ? std::string("/") : std::string(url.substr(slash));
  if (authority.empty()) {
    error = "the URL has no host";
    return std::nullopt;
  }
  std::string_view port;
  if (authority.front() == '[') {
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) {
      error = "unterminated IPv6 literal in the URL";
      return std::nullopt;
    }
    u.host = std::string(authority.substr(1, close - 1));
    const auto rest = authority.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') {
        error = "junk after the IPv6 literal in the URL";
        return std::nullopt;
      }
      port = rest.substr(1);
    }
  } else {
    const size_t colon = authority.rfind(':');
    if (colon != std::string_view::npos) {
      u.host = std::string(authority.substr(0, colon));
      port = authority.substr(colon + 1);
    } else {
      u.host = std::string(authority);
    }
  }
  if (u.host.empty()) {
    error = "the URL has no host";
    return std::nullopt;
  }
  if (!port.empty()) {
    if (port.size() > 5 || !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      error = "the URL's port is not a number";
      return std::nullopt;
    }
    u.port = std::string(port);
  } else {
    u.port = u.tls ? "443" : "80";
  }
  return u;
}

std::string_view url_host(std::string_view url) noexcept {
  const size_t scheme = url.find("://");
  if (scheme == std::string_view::npos) return {};
  std::string_view rest = url.substr(scheme + 3);
  rest = rest.substr(0, rest.find_first_of("/?#"));
  if (const size_t at = rest.rfind('@'); at != std::string_view::npos) rest = rest.substr(at + 1);
  if (!rest.empty() && rest.front() == '[') {
    const size_t close = rest.find(']');
    return close == std::string_view::npos ? std::string_view{} : rest.substr(1, close - 1);
  }
  return rest.substr(0, rest.find(':'));
}

bool is_loopback_host(std::string_view h) noexcept {
  const auto iequal = [](std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i) {
      const char c = a[i] >= 'A' && a[i] <= 'Z' ? static_cast<char>(a[i] - 'A' + 'a') : a[i];
      if (c != b[i]) return false;
    }
    return true;
  };
  if (iequal(h, "localhost") || h == "::1") return true;
  // 127.0.0.0/8 as a dotted quad.
  int parts = 0;
  size_t i = 0;
  int first = -1;
  while (i <= h.size()) {
    size_t j = i;
    while (j < h.size() && h[j] >= '0' && h[j] <= '9') ++j;
    if (j == i || j - i > 3) return false;
    int v = 0;
    (void)std::from_chars(h.data() + i, h.data() + j, v);
    if (v > 255) return false;
    if (parts == 0) first = v;
    ++parts;
    if (j == h.size()) break;
    if (h[j] != '.') return false;
    i = j + 1;
  }
  return parts == 4 && first == 127;
}

namespace {

int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string url_decode(std::string_view s) {
  std::string r;
  r.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      const int h = hexval(s[i + 1]), l = hexval(s[i + 2]);
      if (h >= 0 && l >= 0) {
        r.push_back(static_cast<char>(h * 16 + l));
        i += 2;
        continue;
      }
    }
    r.push_back(s[i] == '+' ? ' ' : s[i]);
  }
  return r;
}

/// The value of `name` in a query string ("a=1&b=2"), decoded; nullopt when absent.
std::optional<std::string> query_param(std::string_view query, std::string_view name) {
  while (!query.empty()) {
    const size_t amp = query.find('&');
    const std::string_view part = query.substr(0, amp);
    const size_t eq = part.find('=');
    const std::string_view k = part.substr(0, eq);
    if (url_decode(k) == name) return eq == std::string_view::npos ? std::string() : url_decode(part.substr(eq + 1));
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return std::nullopt;
}

/// RFC 3339, or a bare date (midnight UTC).
std::optional<int64_t> parse_time_param(std::string_view s) {
  if (s.size() == 10) {
    std::string t(s);
    t += "T00:00:00Z";
    const auto r = parse_rfc3339(t);
    return r ? std::optional<int64_t>(r->ns) : std::nullopt;
  }
  const auto r = parse_rfc3339(s);
  return r ? std::optional<int64_t>(r->ns) : std::nullopt;
}

}  // namespace torghut
