#include "torghut/persistence/signal_log.hpp"

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <stdexcept>

#include "torghut/core/rfc3339.hpp"

namespace torghut::persistence {
namespace {

constexpr size_t buffer_bytes = 1u << 20;

/// RFC 3339 UTC with milliseconds ("2024-01-02T14:30:00.123Z"), truncated (never rounded up).
void append_ts_ms(std::string& out, timestamp t) {
  char b[32];
  const size_t n = format_rfc3339(t, b, rfc3339_fraction::nine);  // "...:SS.nnnnnnnnnZ"
  if (n < 24) {  // cannot happen with nine digits; keep whatever was written
    out.append(b, n);
    return;
  }
  out.append(b, 23);  // "YYYY-MM-DDTHH:MM:SS.mmm"
  out += 'Z';
}

void append_uint(std::string& out, uint64_t v) {
  char b[24];
  const auto r = std::to_chars(b, b + sizeof b, v);
  out.append(b, r.ptr);
}

/// ",value" or "," (NULL) when not ready or not finite.
void field(std::string& out, double v, bool ready) {
  out += ',';
  if (!ready || !std::isfinite(v)) return;
  char b[32];
  const auto r = std::to_chars(b, b + sizeof b, v);  // shortest text that reads back exactly
  out.append(b, r.ptr);
}

/// A quote size (UInt64 in the seed): a whole number, NULL when not ready or not representable.
void size_field(std::string& out, double v, bool ready) {
  out += ',';
  if (!ready || !std::isfinite(v) || v < 0 || v >= 9.2e18) return;  // llround's range
  append_uint(out, static_cast<uint64_t>(std::llround(v)));
}

/// The symbol as one CSV field (RFC 4180 quoting when it holds a comma, a quote or a newline).
void symbol_field(std::string& out, std::string_view s) {
  if (s.find_first_of(",\"\r\n") == std::string_view::npos) {
    out.append(s);
    return;
  }
  out += '"';
  for (const char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
}

}  // namespace

void append_signal_csv(std::string& out, const signal_row& r, std::string_view symbol) {
  const indicator_snapshot& x = r.sig.ind;
  const uint32_t m = x.ready_mask;
  auto on = [m](uint32_t bit) { return (m & bit) != 0; };
  symbol_field(out, symbol);
  out += ',';
  append_ts_ms(out, r.sig.event_time);
  out += ',';
  append_uint(out, r.seq);
  out += ',';
  append_ts_ms(out, r.ingest_time);
  out += ",1,torghut,PT1S,PT1S,";
  append_ts_ms(out, r.sig.event_time);
  out += ',';
  append_ts_ms(out, timestamp{r.sig.event_time.ns + ns_per_second});
  out += ",1";
  field(out, x.macd, on(indicator_bit::macd));
  field(out, x.macd_signal, on(indicator_bit::macd_signal));
  field(out, x.macd_hist, on(indicator_bit::macd_signal));  // MACD minus its signal: needs both
  field(out, x.ema12, on(indicator_bit::ema12));
  field(out, x.ema26, on(indicator_bit::ema26));
  field(out, x.rsi14, on(indicator_bit::rsi14));
  field(out, x.boll_mid, on(indicator_bit::bollinger));
  field(out, x.boll_upper, on(indicator_bit::bollinger));
  field(out, x.boll_lower, on(indicator_bit::bollinger));
  field(out, x.vwap_session, on(indicator_bit::vwap_session));
  field(out, x.vwap_w5m, on(indicator_bit::vwap_w5m));
  field(out, x.imbalance_spread, on(indicator_bit::quote));
  field(out, x.imbalance_bid_px, on(indicator_bit::quote));
  field(out, x.imbalance_ask_px, on(indicator_bit::quote));
  size_field(out, x.imbalance_bid_sz, on(indicator_bit::quote));
  size_field(out, x.imbalance_ask_sz, on(indicator_bit::quote));
  field(out, x.vol_realized_w60s, on(indicator_bit::vol_realized));
  out += '\n';
}

signal_log::signal_log(const std::string& path, signal_queue& queue, const symbol_table& symbols,
                       std::chrono::milliseconds flush_interval)
    : path_(path), queue_(queue), symbols_(symbols), flush_interval_(flush_interval) {
  file_ = std::fopen(path.c_str(), "wb");
  if (file_ == nullptr)
    throw std::runtime_error("cannot open signals file '" + path + "' for writing: " + std::strerror(errno));
  std::setvbuf(file_, nullptr, _IONBF, 0);  // buf_ is the buffer
  buf_.reserve(buffer_bytes + 4096);
  buf_.append(signal_csv_header);
  buf_ += '\n';
  flush();
  if (!error_.empty()) {
    std::fclose(file_);
    file_ = nullptr;
    throw std::runtime_error("cannot write signals file '" + path + "': " + error_);
  }
}

signal_log::~signal_log() { stop(); }

void signal_log::start() {
  if (thread_.joinable()) return;
  thread_ = std::thread([this] { run(); });
}

void signal_log::stop() {
  stop_.store(true, std::memory_order_release);
  if (thread_.joinable()) {
    thread_.join();
  } else if (file_ != nullptr) {  // never started: drain here
    signal_row r;
    while (queue_.pop(r)) consume(r);
    flush();
  }
  if (file_ != nullptr) {
    if (std::fclose(file_) != 0 && error_.empty()) error_ = std::strerror(errno);
    file_ = nullptr;
  }
}

void signal_log::run() {
  signal_row r;
  for (;;) {
    const bool last = stop_.load(std::memory_order_acquire);  // the producer has stopped: drain all
    size_t n = 0;
    while ((last || n < 4096) && queue_.pop(r)) {
      consume(r);
      ++n;
    }
    if (last) break;
    if (buffered_rows_ != 0 && std::chrono::steady_clock::now() - first_buffered_ >= flush_interval_) flush();
    if (n == 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  flush();
}

void signal_log::consume(const signal_row& r) {
  if (!error_.empty()) {  // a write failed: keep draining (a replay's producer may be waiting)
    lost_.store(lost_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    return;
  }
  if (buffered_rows_ == 0) first_buffered_ = std::chrono::steady_clock::now();
  append_signal_csv(buf_, r, symbols_.name(r.sig.symbol));
  ++buffered_rows_;
  if (buf_.size() >= buffer_bytes) flush();
}

void signal_log::flush() {
  if (buf_.empty() || file_ == nullptr) return;
  if (error_.empty()) {
    if (std::fwrite(buf_.data(), 1, buf_.size(), file_) == buf_.size()) {
      written_.store(written_.load(std::memory_order_relaxed) + buffered_rows_, std::memory_order_relaxed);
    } else {
      error_ = std::strerror(errno);
      lost_.store(lost_.load(std::memory_order_relaxed) + buffered_rows_, std::memory_order_relaxed);
    }
  }
  buf_.clear();
  buffered_rows_ = 0;
}

}  // namespace torghut::persistence
