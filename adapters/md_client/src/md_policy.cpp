// The market-data client's pure decisions. See md_policy.hpp.

#include "torghut/adapters/md_policy.hpp"

#include <algorithm>
#include <bit>
#include <cctype>
#include <limits>

namespace torghut::adapters {

std::string_view to_string(md_action a) noexcept {
  switch (a) {
    case md_action::ignore: return "ignore";
    case md_action::log_bug: return "log_bug";
    case md_action::alert: return "alert";
    case md_action::stop: return "stop";
    case md_action::reconnect: return "reconnect";
    case md_action::reconnect_conn_limit: return "reconnect_conn_limit";
    case md_action::reconnect_rate_limited: return "reconnect_rate_limited";
  }
  return "unknown";
}

md_decision decide_on_error(int code) noexcept {
  switch (code) {
    case 400: return {md_action::log_bug, false, "invalid syntax: the client sent a malformed request (bug)"};
    case 401: return {md_action::log_bug, false, "not authenticated: the client acted before authenticating (bug)"};
    case 402: return {md_action::stop, false, "auth failed: the API key id or secret is wrong; not retrying"};
    case 403: return {md_action::ignore, false, "already authenticated"};
    case 404: return {md_action::reconnect, false, "auth timeout: reconnecting"};
    case 405: return {md_action::alert, false, "symbol limit exceeded: subscriptions unchanged"};
    case 406:
      return {md_action::reconnect_conn_limit, false,
              "connection limit exceeded: another connection holds this key's slot; backing off"};
    case 407: return {md_action::reconnect, true, "slow client: the server is dropping us; reconnecting"};
    case 409: return {md_action::stop, false, "insufficient subscription: this feed is not in the plan; not retrying"};
    case 410: return {md_action::log_bug, false, "invalid subscribe action for this feed (bug)"};
    case 500: return {md_action::reconnect, false, "internal server error: reconnecting with backoff"};
    default: return {md_action::log_bug, false, "unknown error code"};
  }
}

md_decision decide_on_upgrade_status(int http_status) noexcept {
  if (http_status == 429)
    return {md_action::reconnect_rate_limited, false, "HTTP 429 on the upgrade: too many connections; backing off"};
  if (http_status == 401 || http_status == 403)
    return {md_action::stop, false, "the upgrade was refused for the credentials (HTTP 401/403); not retrying"};
  if (http_status >= 400 && http_status < 500)
    return {md_action::stop, false, "the upgrade was refused (HTTP 4xx): wrong URL or request; not retrying"};
  return {md_action::reconnect, false, "the upgrade failed; reconnecting with backoff"};
}

// ---------------------------------------------------------------------------------------------

namespace {
int64_t shifted(int64_t base, uint32_t n, int64_t cap) noexcept {
  if (base <= 0) return 0;
  if (n >= 62) return cap;
  const int64_t limit = cap >> n;  // base * 2^n > cap  <=>  base > cap / 2^n
  if (base > limit) return cap;
  return std::min(cap, base << n);
}
}  // namespace

std::chrono::milliseconds backoff::ceiling(uint32_t n) const noexcept {
  return std::chrono::milliseconds{shifted(cfg_.base.count(), n, cfg_.cap.count())};
}

std::chrono::milliseconds backoff::conn_limit_floor(uint32_t n) const noexcept {
  const int64_t cap = std::max(cfg_.conn_limit_cap.count(), cfg_.conn_limit_min.count());
  return std::chrono::milliseconds{shifted(cfg_.conn_limit_min.count(), n, cap)};
}

int64_t backoff::uniform(int64_t lo, int64_t hi) noexcept {
  if (hi <= lo) return lo;
  std::uniform_int_distribution<int64_t> d(lo, hi);
  return d(rng_);
}

std::chrono::milliseconds backoff::next(md_action a) noexcept {
  using std::chrono::milliseconds;
  if (a == md_action::reconnect_conn_limit) {
    const int64_t d = conn_limit_floor(conn_limit_attempt_).count();
    if (conn_limit_attempt_ < 62) ++conn_limit_attempt_;
    return milliseconds{d + uniform(0, d / 4)};
  }
  const int64_t full = uniform(0, ceiling(attempt_).count());
  if (attempt_ < 62) ++attempt_;
  if (a == md_action::reconnect_rate_limited)
    return milliseconds{std::max(full, cfg_.rate_limited_min.count())};
  return milliseconds{full};
}

void backoff::on_authenticated(int64_t now_ns) noexcept {
  if (cfg_.healthy_after.count() <= 0) {
    reset();
    healthy_since_ns_ = no_time;
    return;
  }
  healthy_since_ns_ = now_ns;
}

void backoff::on_trouble(int64_t now_ns) noexcept {
  if (healthy_since_ns_ != no_time) healthy_since_ns_ = now_ns;
}

bool backoff::on_connection_end(int64_t now_ns) noexcept {
  const int64_t since = healthy_since_ns_;
  healthy_since_ns_ = no_time;
  if (since == no_time) return false;
  const int64_t need = std::chrono::duration_cast<std::chrono::nanoseconds>(cfg_.healthy_after).count();
  if (now_ns < since || now_ns - since < need) return false;
  reset();
  return true;
}

std::string describe_bytes(size_t n) {
  constexpr size_t kib = 1024;
  constexpr size_t mib = kib * kib;
  if (n >= mib && n % mib == 0) return std::to_string(n / mib) + " MiB";
  if (n >= kib && n % kib == 0) return std::to_string(n / kib) + " KiB";
  return std::to_string(n) + " bytes";
}

// ---------------------------------------------------------------------------------------------

void merge_channels(channel_lists& state, const channel_lists& add) {
  for (size_t c = 0; c < subscription_channel_count; ++c) {
    auto& dst = state.symbols[c];
    for (const auto& s : add.symbols[c])
      if (std::find(dst.begin(), dst.end(), s) == dst.end()) dst.push_back(s);
  }
}

void remove_channels(channel_lists& state, const channel_lists& remove) {
  for (size_t c = 0; c < subscription_channel_count; ++c) {
    auto& dst = state.symbols[c];
    for (const auto& s : remove.symbols[c]) std::erase(dst, s);
  }
}

void channels_from_control(const control_message& m, channel_lists& out) {
  for (size_t c = 0; c < subscription_channel_count; ++c) {
    auto& dst = out.symbols[c];
    dst.clear();
    for (const auto sv : m.channels[c]) dst.emplace_back(sv);
  }
}

channel_lists request_channels(const channel_lists& state) {
  channel_lists r;
  for (size_t c = 0; c < request_channel_count; ++c) r.symbols[c] = state.symbols[c];
  return r;
}

bool same_channels(const channel_lists& a, const channel_lists& b) {
  for (size_t c = 0; c < subscription_channel_count; ++c) {
    auto x = a.symbols[c];
    auto y = b.symbols[c];
    std::sort(x.begin(), x.end());
    std::sort(y.begin(), y.end());
    if (x != y) return false;
  }
  return true;
}

std::string describe_difference(const channel_lists& wanted, const channel_lists& reported) {
  std::string out;
  for (size_t c = 0; c < request_channel_count; ++c) {
    const auto& w = wanted.symbols[c];
    const auto& r = reported.symbols[c];
    std::string part;
    for (const auto& s : r)
      if (std::find(w.begin(), w.end(), s) == w.end()) part += " +" + s;
    for (const auto& s : w)
      if (std::find(r.begin(), r.end(), s) == r.end()) part += " -" + s;
    if (part.empty()) continue;
    if (!out.empty()) out += "; ";
    out += to_string(static_cast<subscription_channel>(c));
    out += part;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------

std::string printable_excerpt(std::string_view s) {
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  out.reserve(s.size() + 2);
  out += '\'';
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      out += ch;
    } else {
      out += "\\x";
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  out += '\'';
  return out;
}

std::string excerpt_for_log(std::string_view frame, std::string_view excerpt, std::string_view key_id,
                            std::string_view secret) {
  const auto has = [&](std::string_view needle) {
    return !needle.empty() && frame.find(needle) != std::string_view::npos;
  };
  const auto has_nocase = [&](std::string_view needle) {
    return std::search(frame.begin(), frame.end(), needle.begin(), needle.end(), [](char a, char b) {
             return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
           }) != frame.end();
  };
  if (has(secret) || has(key_id) || has_nocase("auth") || has_nocase("secret"))
    return "(excerpt withheld: the frame may carry credentials)";
  return printable_excerpt(excerpt);
}

std::string decode_error_reporter::describe(const decode_error_context& c, std::string_view frame,
                                            std::string_view key_id, std::string_view secret) {
  const std::string type = c.message_type().empty() ? std::string("(unknown)") : printable_excerpt(c.message_type());
  return "frame #" + std::to_string(c.frame_number) + " (" + std::to_string(c.frame_size) + " bytes), message " +
         std::to_string(c.message_index) + " of type " + type + " at byte " + std::to_string(c.byte_offset) + ": " +
         excerpt_for_log(frame, c.excerpt(), key_id, secret);
}

void decode_error_reporter::collect(const decode_stats& stats, first_fn first, forget_fn forget,
                                    std::string_view frame, bool in_frame, int64_t now_ns, std::string_view key_id,
                                    std::string_view secret, std::vector<std::string>& lines) {
  for (size_t i = 1; i < decode_error_count; ++i) {
    const auto k = static_cast<decode_error>(i);
    const uint64_t total = stats.count(k);
    if (total <= reported_[i]) continue;
    const decode_error_context& ctx = first(k);
    // The context is only meaningful with its frame at hand (the excerpt check needs it).
    const bool ctx_here = in_frame && ctx.has_error() && ctx.frame_number == stats.frames;
    if (!context_logged_[i]) {
      if (!ctx_here) continue;
      context_logged_[i] = true;
      reported_[i] = total;
      last_log_ns_[i] = now_ns;
      lines.push_back("decode error " + std::string(to_string(k)) + " on " + connection_ + ": " +
                      describe(ctx, frame, key_id, secret) + " (the first; later ones are counted every " +
                      std::to_string(period_ns_ / 1'000'000'000) + " s)");
      forget(k);
      continue;
    }
    if (now_ns - last_log_ns_[i] < period_ns_) {
      forget(k);  // keep the next one's context, so a count line can show the latest
      continue;
    }
    const uint64_t more = total - reported_[i];
    reported_[i] = total;
    last_log_ns_[i] = now_ns;
    std::string line = std::to_string(more) + " more " + std::string(to_string(k)) + " decode errors on " + connection_;
    if (ctx_here) line += "; the latest: " + describe(ctx, frame, key_id, secret);
    lines.push_back(std::move(line));
    forget(k);
  }
}

// ---------------------------------------------------------------------------------------------

size_t lag_gauge::bucket_of(int64_t lag_ns) noexcept {
  if (lag_ns < 1000) return 0;
  const auto us = static_cast<uint64_t>(lag_ns / 1000);  // >= 1
  const auto width = static_cast<size_t>(std::bit_width(us));  // us in [2^(w-1), 2^w)
  return std::min(width, bucket_count - 1);
}

int64_t lag_gauge::bucket_upper_ns(size_t i) noexcept {
  if (i >= bucket_count - 1) return INT64_MAX;
  return (int64_t{1} << i) * 1000;
}

void lag_gauge::record(int64_t lag_ns) noexcept {
  constexpr auto r = std::memory_order_relaxed;
  samples_.store(samples_.load(r) + 1, r);
  if (lag_ns < 0) negative_.store(negative_.load(r) + 1, r);
  last_.store(lag_ns, r);
  // Saturating: a feed with implausible stamps (lags near 2^63 ns) must not overflow the sum.
  int64_t sum = 0;
  if (__builtin_add_overflow(sum_.load(r), lag_ns, &sum))
    sum = lag_ns > 0 ? std::numeric_limits<int64_t>::max() : std::numeric_limits<int64_t>::min();
  sum_.store(sum, r);
  if (lag_ns > max_.load(r)) max_.store(lag_ns, r);
  auto& b = buckets_[bucket_of(lag_ns)];
  b.store(b.load(r) + 1, r);
}

lag_gauge::snapshot lag_gauge::read() const noexcept {
  constexpr auto r = std::memory_order_relaxed;
  snapshot s;
  s.samples = samples_.load(r);
  s.negative = negative_.load(r);
  s.last_ns = last_.load(r);
  s.max_ns = max_.load(r);
  s.sum_ns = sum_.load(r);
  for (size_t i = 0; i < bucket_count; ++i) s.buckets[i] = buckets_[i].load(r);
  return s;
}

void lag_gauge::reset() noexcept {
  constexpr auto r = std::memory_order_relaxed;
  samples_.store(0, r);
  negative_.store(0, r);
  last_.store(0, r);
  max_.store(0, r);
  sum_.store(0, r);
  for (auto& b : buckets_) b.store(0, r);
}

int64_t lag_gauge::snapshot::quantile_upper_ns(double q) const noexcept {
  uint64_t total = 0;
  for (const auto b : buckets) total += b;
  if (total == 0) return 0;
  q = std::clamp(q, 0.0, 1.0);
  auto rank = static_cast<uint64_t>(q * static_cast<double>(total));
  if (rank == 0) rank = 1;
  uint64_t seen = 0;
  for (size_t i = 0; i < bucket_count; ++i) {
    seen += buckets[i];
    if (seen >= rank) return bucket_upper_ns(i);
  }
  return bucket_upper_ns(bucket_count - 1);
}

bool lag_applies(market_event_kind k) noexcept {
  switch (k) {
    case market_event_kind::trade:
    case market_event_kind::quote:
    case market_event_kind::status:
    case market_event_kind::correction:
    case market_event_kind::cancel_error:
    case market_event_kind::luld:
    case market_event_kind::imbalance: return true;
    default: return false;
  }
}

// ---------------------------------------------------------------------------------------------

std::string_view to_string(md_feed f) noexcept {
  switch (f) {
    case md_feed::iex: return "iex";
    case md_feed::sip: return "sip";
    case md_feed::delayed_sip: return "delayed_sip";
    case md_feed::test: return "test";
  }
  return "iex";
}

std::optional<md_feed> parse_feed(std::string_view s) noexcept {
  if (s == "iex") return md_feed::iex;
  if (s == "sip") return md_feed::sip;
  if (s == "delayed_sip") return md_feed::delayed_sip;
  if (s == "test") return md_feed::test;
  return std::nullopt;
}

std::string make_stream_url(std::string_view base, md_feed feed) {
  while (!base.empty() && base.back() == '/') base.remove_suffix(1);
  std::string u(base);
  u += "/v2/";
  u += to_string(feed);
  return u;
}

}  // namespace torghut::adapters
