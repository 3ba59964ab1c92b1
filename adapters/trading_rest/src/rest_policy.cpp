// The pure decisions of the trading REST client. See rest_policy.hpp for the contract.

#include "torghut/adapters/rest_policy.hpp"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <limits>

namespace torghut::adapters {

using std::chrono::milliseconds;

std::string_view to_string(rest_request_kind k) noexcept {
  switch (k) {
    case rest_request_kind::submit: return "submit";
    case rest_request_kind::coid_query: return "coid_query";
    case rest_request_kind::cancel: return "cancel";
    case rest_request_kind::get: return "get";
  }
  return "unknown";
}

std::string_view to_string(rest_action a) noexcept {
  switch (a) {
    case rest_action::deliver: return "deliver";
    case rest_action::accept_found: return "accept_found";
    case rest_action::retry: return "retry";
    case rest_action::query_coid: return "query_coid";
    case rest_action::resend: return "resend";
    case rest_action::give_up: return "give_up";
  }
  return "unknown";
}

milliseconds backoff_ceiling(const rest_policy_config& cfg, uint32_t attempt) noexcept {
  const int64_t base = std::max<int64_t>(0, cfg.retry_base.count());
  const int64_t cap = std::max<int64_t>(0, cfg.retry_max.count());
  if (base == 0) return milliseconds(0);
  if (attempt >= 62 || base > (cap >> std::min<uint32_t>(attempt, 62))) return milliseconds(cap);
  return milliseconds(std::min(cap, base << attempt));
}

milliseconds backoff_delay(const rest_policy_config& cfg, uint32_t attempt, uint64_t random) noexcept {
  const int64_t ceil = backoff_ceiling(cfg, attempt).count();
  if (ceil <= 0) return milliseconds(0);
  return milliseconds(static_cast<int64_t>(random % (static_cast<uint64_t>(ceil) + 1)));
}

milliseconds ratelimit_wait(const rest_policy_config& cfg, std::optional<int64_t> reset_unix_s,
                            int64_t now_unix_ms) noexcept {
  if (!reset_unix_s) return cfg.retry_max;
  const int64_t s = *reset_unix_s;
  if (s > std::numeric_limits<int64_t>::max() / 1000 - 1) return cfg.max_rate_limit_wait;
  const int64_t wait = s * 1000 - now_unix_ms;
  if (wait <= 0) return cfg.retry_base;  // already reset: a short pause, not none
  return milliseconds(std::min<int64_t>(wait, cfg.max_rate_limit_wait.count()));
}

namespace {

char lower(char c) noexcept { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool icontains(std::string_view hay, std::string_view needle) noexcept {
  if (needle.size() > hay.size()) return false;
  for (size_t i = 0; i + needle.size() <= hay.size(); ++i) {
    size_t j = 0;
    while (j < needle.size() && lower(hay[i + j]) == needle[j]) ++j;
    if (j == needle.size()) return true;
  }
  return false;
}

bool iequal(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (lower(a[i]) != lower(b[i])) return false;
  return true;
}

rest_decision give_up(std::string_view reason) noexcept {
  return {rest_action::give_up, milliseconds(0), false, false, reason};
}

}  // namespace

bool is_coid_not_unique(std::string_view m) noexcept {
  const bool names_coid = icontains(m, "client_order_id") || icontains(m, "client order id");
  return names_coid && (icontains(m, "unique") || icontains(m, "duplicate") || icontains(m, "already exists"));
}

std::optional<int64_t> parse_ratelimit_reset(std::string_view v) noexcept {
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
  if (v.empty()) return std::nullopt;
  int64_t s = 0;
  const auto r = std::from_chars(v.data(), v.data() + v.size(), s);
  if (r.ec != std::errc{} || s < 0 || v.front() == '-' || v.front() == '+') return std::nullopt;
  std::string_view rest(r.ptr, static_cast<size_t>(v.data() + v.size() - r.ptr));
  if (rest.empty()) return s;
  // A fractional part: rounded up (waiting a little longer is always safe).
  if (rest.front() != '.' || rest.size() < 2) return std::nullopt;
  bool nonzero = false;
  for (size_t i = 1; i < rest.size(); ++i) {
    if (rest[i] < '0' || rest[i] > '9') return std::nullopt;
    nonzero |= rest[i] != '0';
  }
  return nonzero ? s + 1 : s;
}

rest_decision decide_response(const rest_policy_config& cfg, const rest_attempt& at, const rest_response& r,
                              int64_t now_unix_ms, uint64_t random) noexcept {
  const unsigned s = r.status;
  const bool exhausted = at.retries >= cfg.max_retries;
  const milliseconds backoff = backoff_delay(cfg, at.retries, random);

  // 429: nothing was done; every request waits until the reset, then this one goes again.
  if (s == 429) {
    if (exhausted) return give_up("rate limited (HTTP 429) and the retries are used up");
    return {rest_action::retry, ratelimit_wait(cfg, r.ratelimit_reset_s, now_unix_ms), true, true,
            "rate limited (HTTP 429): every request waits for the reset"};
  }

  // 2xx: done. For the by-coid query, 200 means the broker holds the order.
  if (s >= 200 && s < 300) {
    if (at.kind == rest_request_kind::coid_query) return {rest_action::accept_found, {}, false, false, "found by client_order_id"};
    return {rest_action::deliver, {}, false, false, "success"};
  }

  // Lost (0) or a server error: the outcome is unknown.
  if (s == 0 || s >= 500) {
    switch (at.kind) {
      case rest_request_kind::get:
      case rest_request_kind::cancel:  // DELETE is idempotent: just try again
        if (exhausted) return give_up(s == 0 ? "no response and the retries are used up"
                                             : "server error (5xx) and the retries are used up");
        return {rest_action::retry, backoff, false, true, s == 0 ? "no response: retrying" : "server error: retrying"};
      case rest_request_kind::submit:
        // Never resend a POST blindly: the broker may hold the order already.
        if (!at.has_coid) return give_up("outcome of the order unknown and it has no client_order_id to look it up by");
        return {rest_action::query_coid, s == 0 ? milliseconds(0) : backoff, false, false,
                s == 0 ? "no response to the order: asking by client_order_id"
                       : "server error on the order: asking by client_order_id"};
      case rest_request_kind::coid_query:
        if (exhausted) return give_up("could not learn whether the broker got the order; retries used up");
        return {rest_action::retry, backoff, false, true, "the by-client_order_id query failed: retrying it"};
    }
  }

  if (at.kind == rest_request_kind::coid_query) {
    if (s == 404) {  // the broker never got the POST: now it is safe to send it again
      if (exhausted) return give_up("the broker never got the order and the retries are used up");
      return {rest_action::resend, backoff, false, true, "the broker never got the order: resending it"};
    }
    return give_up("the by-client_order_id query was refused");
  }

  // A duplicate client_order_id after our own resend: the earlier POST did arrive after all.
  if (at.kind == rest_request_kind::submit && s == 422 && r.coid_not_unique && at.resent && at.has_coid)
    return {rest_action::query_coid, milliseconds(0), false, false,
            "client_order_id not unique after a resend: asking by client_order_id"};

  return {rest_action::deliver, {}, false, false, "final answer"};
}

// ---------------------------------------------------------------------------------------------

rate_window::rate_window(uint32_t limit, milliseconds window)
    : limit_(limit), window_ms_(window.count()), ring_(limit, 0) {}

bool rate_window::allows(int64_t now_ms) const noexcept {
  if (limit_ == 0 || count_ < limit_) return true;
  return ring_[head_] + window_ms_ <= now_ms;
}

void rate_window::record(int64_t now_ms) noexcept {
  if (limit_ == 0) return;
  if (count_ < limit_) {
    ring_[(head_ + count_) % limit_] = now_ms;
    ++count_;
    return;
  }
  ring_[head_] = now_ms;
  head_ = (head_ + 1) % limit_;
}

int64_t rate_window::next_allowed(int64_t now_ms) const noexcept {
  if (allows(now_ms)) return now_ms;
  return ring_[head_] + window_ms_;
}

uint32_t rate_window::used(int64_t now_ms) const noexcept {
  uint32_t n = 0;
  for (uint32_t i = 0; i < count_; ++i)
    if (ring_[(head_ + i) % limit_] + window_ms_ > now_ms) ++n;
  return n;
}

// ---------------------------------------------------------------------------------------------

std::string rest_url::host_header() const { return torghut::host_header(host, port, tls); }

std::optional<rest_url> parse_rest_url(std::string_view url, std::string& error) {
  rest_url u;
  auto starts = [&](std::string_view p) { return url.size() >= p.size() && iequal(url.substr(0, p.size()), p); };
  if (starts("https://")) {
    u.tls = true;
    url.remove_prefix(8);
  } else if (starts("http://")) {
    u.tls = false;
    url.remove_prefix(7);
  } else {
    error = "the trading base URL must start with https:// (or http:// to a loopback host)";
    return std::nullopt;
  }
  const size_t end = url.find_first_of("/?#");
  std::string_view authority = url.substr(0, end);
  const std::string_view rest = end == std::string_view::npos ? std::string_view{} : url.substr(end);
  if (!rest.empty() && rest != "/") {
    error = "the trading base URL must not have a path or query (the client adds /v2/...)";
    return std::nullopt;
  }
  if (authority.find('@') != std::string_view::npos) {
    error = "the trading base URL must not carry user information";
    return std::nullopt;
  }
  std::string_view host, port;
  bool has_port = false;
  if (!authority.empty() && authority.front() == '[') {
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) {
      error = "unterminated IPv6 literal in the trading base URL";
      return std::nullopt;
    }
    host = authority.substr(1, close - 1);
    const std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') {
        error = "malformed host in the trading base URL";
        return std::nullopt;
      }
      port = after.substr(1);
      has_port = true;
    }
  } else {
    const size_t colon = authority.find(':');
    host = authority.substr(0, colon);
    if (colon != std::string_view::npos) {
      port = authority.substr(colon + 1);
      has_port = true;
    }
  }
  if (host.empty()) {
    error = "the trading base URL has no host";
    return std::nullopt;
  }
  for (const char c : host)
    if (c <= ' ' || c == 0x7f) {
      error = "invalid character in the trading base URL's host";
      return std::nullopt;
    }
  if (has_port) {
    int p = 0;
    const auto r = std::from_chars(port.data(), port.data() + port.size(), p);
    if (port.empty() || r.ec != std::errc{} || r.ptr != port.data() + port.size() || p < 1 || p > 65535) {
      error = "invalid port in the trading base URL";
      return std::nullopt;
    }
    u.port = std::string(port);
  } else {
    u.port = u.tls ? "443" : "80";
  }
  u.host = std::string(host);
  if (!u.tls && !is_loopback_host(u.host)) {
    error = "plain http:// is only allowed to a loopback host (127.0.0.1, ::1, localhost); use https://";
    return std::nullopt;
  }
  return u;
}

size_t write_coid_query_target(std::string_view coid, std::span<char> out) noexcept {
  constexpr std::string_view prefix = "/v2/orders:by_client_order_id?client_order_id=";
  size_t n = 0;
  auto put = [&](char c) {
    if (n < out.size()) out[n] = c;
    ++n;
  };
  for (const char c : prefix) put(c);
  constexpr char hex[] = "0123456789ABCDEF";
  for (const char ch : coid) {
    const auto c = static_cast<unsigned char>(ch);
    const bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                            c == '-' || c == '.' || c == '_' || c == '~';
    if (unreserved) {
      put(ch);
    } else {
      put('%');
      put(hex[c >> 4]);
      put(hex[c & 15]);
    }
  }
  return n <= out.size() ? n : 0;
}

size_t write_cancel_target(std::string_view id, std::span<char> out) noexcept {
  constexpr std::string_view prefix = "/v2/orders/";
  if (id.empty() || prefix.size() + id.size() > out.size()) return 0;
  for (const char c : id) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
                    c == '_' || c == '.';
    if (!ok) return 0;
  }
  std::memcpy(out.data(), prefix.data(), prefix.size());
  std::memcpy(out.data() + prefix.size(), id.data(), id.size());
  return prefix.size() + id.size();
}

}  // namespace torghut::adapters
