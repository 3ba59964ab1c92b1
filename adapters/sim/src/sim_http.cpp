// REST helpers of the simulator (sim_http.hpp).
#include "sim_http.hpp"

#include <string>

#include "sim_core.hpp"
#include "sim_json.hpp"
#include "torghut/core/rfc3339.hpp"

namespace torghut::adapters::sim {

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

std::optional<int64_t> parse_int(std::string_view s) {
  if (s.empty() || s.size() > 18) return std::nullopt;
  int64_t v = 0;
  for (const char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return v;
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

bool valid_symbol(std::string_view s) {
  if (s.empty() || s.size() > 15) return false;
  for (const char c : s)
    if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '/')) return false;
  return true;
}

std::string error_body(int64_t code, std::string_view message) {
  std::string s;
  obj_writer w(s);
  w.num("code", code);
  w.str("message", message);
  w.close();
  return s;
}

void set_error(http_out& out, unsigned status, int64_t code, std::string_view message) {
  out.status = status;
  out.body = error_body(code, message);
}

}  // namespace torghut::adapters::sim
