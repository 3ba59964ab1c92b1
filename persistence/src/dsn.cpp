#include "torghut/persistence/dsn.hpp"

#include <cstdlib>

namespace torghut::persistence {
namespace {

bool is_uri(std::string_view d) {
  return d.rfind("postgresql://", 0) == 0 || d.rfind("postgres://", 0) == 0;
}

struct span {
  size_t pos = std::string_view::npos, len = 0;
};

/// Where the password sits in `d` (first occurrence of each form).
void find_passwords(std::string_view d, span& userinfo, span& param) {
  if (is_uri(d)) {
    const size_t start = d.find("://") + 3;
    const size_t end = d.find_first_of("/?", start);
    const std::string_view auth = d.substr(start, end == std::string_view::npos ? d.npos : end - start);
    const size_t at = auth.rfind('@');
    if (at != std::string_view::npos) {
      const size_t colon = auth.find(':');
      if (colon != std::string_view::npos && colon < at) userinfo = {start + colon + 1, at - colon - 1};
    }
    // ...?password=PASS&...
    for (size_t p = d.find("password=", end == d.npos ? d.size() : end); p != d.npos;
         p = d.find("password=", p + 1)) {
      if (p == 0 || (d[p - 1] != '?' && d[p - 1] != '&')) continue;
      const size_t v = p + 9;
      const size_t e = d.find('&', v);
      param = {v, (e == d.npos ? d.size() : e) - v};
      break;
    }
    return;
  }
  // key=value: password = value | password='quoted \' value'
  for (size_t p = d.find("password"); p != d.npos; p = d.find("password", p + 1)) {
    if (p != 0 && d[p - 1] != ' ' && d[p - 1] != '\t') continue;
    size_t q = p + 8;
    while (q < d.size() && d[q] == ' ') ++q;
    if (q >= d.size() || d[q] != '=') continue;
    ++q;
    while (q < d.size() && d[q] == ' ') ++q;
    size_t e = q;
    if (q < d.size() && d[q] == '\'') {
      e = q + 1;
      while (e < d.size() && d[e] != '\'') e += d[e] == '\\' ? size_t{2} : size_t{1};
      e = e < d.size() ? e + 1 : d.size();
    } else {
      while (e < d.size() && d[e] != ' ' && d[e] != '\t') ++e;
    }
    param = {q, e - q};
    break;
  }
}

}  // namespace

std::string redact_dsn(std::string_view dsn) {
  span a, b;
  find_passwords(dsn, a, b);
  std::string out(dsn);
  // Replace the later span first so the earlier offsets stay valid.
  span first = a, second = b;
  if (first.pos != std::string_view::npos && second.pos != std::string_view::npos && first.pos > second.pos)
    std::swap(first, second);
  if (second.pos != std::string_view::npos) out.replace(second.pos, second.len, "***");
  if (first.pos != std::string_view::npos) out.replace(first.pos, first.len, "***");
  return out;
}

std::string dsn_password(std::string_view dsn) {
  span a, b;
  find_passwords(dsn, a, b);
  const span s = a.pos != std::string_view::npos ? a : b;
  if (s.pos == std::string_view::npos || s.len == 0) return {};
  std::string v(dsn.substr(s.pos, s.len));
  if (v.size() >= 2 && v.front() == '\'' && v.back() == '\'') v = v.substr(1, v.size() - 2);
  return v;
}

std::string scrub(std::string_view text, std::string_view dsn) {
  std::string out(text);
  const std::string pw = dsn_password(dsn);
  if (pw.empty()) return out;
  for (size_t p = out.find(pw); p != std::string::npos; p = out.find(pw, p + 3)) out.replace(p, pw.size(), "***");
  return out;
}

std::string dsn_from_env() {
  const char* v = std::getenv("DB_DSN");
  return v ? std::string(v) : std::string();
}

}  // namespace torghut::persistence
