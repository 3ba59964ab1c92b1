// REST helpers of the simulator (sim_http.hpp).
#include "sim_http.hpp"

#include <string>

#include "sim_core.hpp"
#include "sim_json.hpp"
#include "torghut/core/rfc3339.hpp"

namespace torghut::adapters::sim {

std::optional<int64_t> parse_int(std::string_view s) {
  if (s.empty() || s.size() > 18) return std::nullopt;
  int64_t v = 0;
  for (const char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return v;
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
