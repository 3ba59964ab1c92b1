#include "torghut/persistence/dsn.hpp"

#include <algorithm>
#include <cstdlib>
#include <vector>

namespace torghut::persistence {
namespace {

bool is_uri(std::string_view d) {
  return d.rfind("postgresql://", 0) == 0 || d.rfind("postgres://", 0) == 0;
}

struct span {
  size_t pos = std::string_view::npos, len = 0;
};

/// Where every password sits in `d`: the URI's userinfo and each ?password= / &password=
/// parameter, or each `password=` of the key/value form (libpq takes the last; all are secret).
std::vector<span> find_passwords(std::string_view d) {
  std::vector<span> out;
  if (is_uri(d)) {
    const size_t start = d.find("://") + 3;
    const size_t end = d.find_first_of("/?", start);
    const std::string_view auth = d.substr(start, end == std::string_view::npos ? d.npos : end - start);
    const size_t at = auth.rfind('@');
    if (at != std::string_view::npos) {
      const size_t colon = auth.find(':');
      if (colon != std::string_view::npos && colon < at) out.push_back({start + colon + 1, at - colon - 1});
    }
    // ...?password=PASS&...
    for (size_t p = d.find("password=", end == d.npos ? d.size() : end); p != d.npos;
         p = d.find("password=", p + 1)) {
      if (p == 0 || (d[p - 1] != '?' && d[p - 1] != '&')) continue;
      const size_t v = p + 9;
      const size_t e = d.find_first_of("&#", v);
      out.push_back({v, (e == d.npos ? d.size() : e) - v});
    }
    return out;
  }
  // key=value: password = value | password='quoted \' value'
  for (size_t p = d.find("password"); p != d.npos; p = d.find("password", p + 1)) {
    if (p != 0 && d[p - 1] != ' ' && d[p - 1] != '\t' && d[p - 1] != '\n') continue;
    size_t q = p + 8;
    while (q < d.size() && (d[q] == ' ' || d[q] == '\t')) ++q;
    if (q >= d.size() || d[q] != '=') continue;
    ++q;
    while (q < d.size() && (d[q] == ' ' || d[q] == '\t')) ++q;
    size_t e = q;
    if (q < d.size() && d[q] == '\'') {
      e = q + 1;
      while (e < d.size() && d[e] != '\'') e += d[e] == '\\' ? size_t{2} : size_t{1};
      e = e < d.size() ? e + 1 : d.size();
    } else {
      while (e < d.size() && d[e] != ' ' && d[e] != '\t' && d[e] != '\n') e += d[e] == '\\' ? size_t{2} : size_t{1};
      e = std::min(e, d.size());
    }
    out.push_back({q, e - q});
  }
  return out;
}

/// `v` without its single quotes (a key/value value) and with libpq's backslash escapes undone.
std::string unquoted(std::string_view v) {
  if (v.size() >= 2 && v.front() == '\'' && v.back() == '\'') v = v.substr(1, v.size() - 2);
  else if (!v.empty() && v.front() == '\'') v = v.substr(1);  // unterminated: the rest
  std::string out;
  for (size_t i = 0; i < v.size(); ++i) {
    if (v[i] == '\\' && i + 1 < v.size()) ++i;
    out += v[i];
  }
  return out;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/// `v` with its %XX escapes decoded (a malformed escape is kept as it is).
std::string percent_decoded(std::string_view v) {
  std::string out;
  for (size_t i = 0; i < v.size(); ++i) {
    if (v[i] == '%' && i + 2 < v.size() && hex_value(v[i + 1]) >= 0 && hex_value(v[i + 2]) >= 0) {
      out += static_cast<char>(hex_value(v[i + 1]) * 16 + hex_value(v[i + 2]));
      i += 2;
    } else {
      out += v[i];
    }
  }
  return out;
}

/// Every spelling of every password in `dsn` that could reach a message: as written, unquoted
/// and unescaped (key/value), percent-decoded (URI). Longest first, so a scrub never leaves the
/// tail of a longer spelling behind.
std::vector<std::string> secrets_of(std::string_view dsn) {
  std::vector<std::string> out;
  const bool uri = is_uri(dsn);
  for (const span& s : find_passwords(dsn)) {
    if (s.len == 0) continue;
    const std::string_view raw = dsn.substr(s.pos, s.len);
    for (std::string v : {std::string(raw), uri ? percent_decoded(raw) : unquoted(raw)})
      if (!v.empty() && std::find(out.begin(), out.end(), v) == out.end()) out.push_back(std::move(v));
  }
  std::sort(out.begin(), out.end(), [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
  return out;
}

}  // namespace

std::string redact_dsn(std::string_view dsn) {
  std::vector<span> spans = find_passwords(dsn);
  std::sort(spans.begin(), spans.end(), [](span a, span b) { return a.pos > b.pos; });
  std::string out(dsn);
  // From the last to the first, so the earlier offsets stay valid.
  for (const span& s : spans) out.replace(s.pos, s.len, "***");
  return out;
}

std::string dsn_password(std::string_view dsn) {
  for (const span& s : find_passwords(dsn)) {
    if (s.len == 0) continue;
    const std::string_view raw = dsn.substr(s.pos, s.len);
    return is_uri(dsn) ? percent_decoded(raw) : unquoted(raw);
  }
  return {};
}

std::string scrub(std::string_view text, std::string_view dsn) {
  std::string out(text);
  for (const std::string& pw : secrets_of(dsn))
    for (size_t p = out.find(pw); p != std::string::npos; p = out.find(pw, p + 3)) out.replace(p, pw.size(), "***");
  return out;
}

std::string dsn_from_env() {
  const char* v = std::getenv("DB_DSN");
  return v ? std::string(v) : std::string();
}

}  // namespace torghut::persistence
