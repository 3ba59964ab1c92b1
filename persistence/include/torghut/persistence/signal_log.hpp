#pragma once
/// `--signals FILE`: every closed bar's indicator snapshot as one CSV row with the columns of the
/// seed design's `ta_signals` table. The hot thread only queues rows (core's signal_queue); this
/// writer drains the queue on its own thread, formats the rows and writes the file through a
/// 1 MiB buffer (flushed when full and at most `flush_interval` after a row arrived).
///
/// Columns, in order (`signal_csv_header`): symbol, event_ts (the bar start), seq (per symbol,
/// from 1), ingest_ts (the engine clock when the bar closed: the frame's receive time in a
/// replay, so two replays give the same bytes; the wall clock live), is_final (1), source
/// ("torghut"), window_size and window_step ("PT1S"), window_start (= event_ts), window_end (bar
/// start + 1 s), version (1), then the indicators. Timestamps are RFC 3339 UTC with milliseconds.
/// An indicator whose `ready_mask` bit is clear (or that is not a finite number) is an empty
/// field (NULL); a ready one is written with the shortest text that reads back as the same double
/// (std::to_chars); the quote sizes are whole numbers (UInt64 in the seed).

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <thread>

#include "torghut/core/signal_queue.hpp"
#include "torghut/core/symbol_table.hpp"

namespace torghut::persistence {

/// The header line (without the newline): the `ta_signals` columns of the seed design, in order.
inline constexpr std::string_view signal_csv_header =
    "symbol,event_ts,seq,ingest_ts,is_final,source,window_size,window_step,window_start,window_end,"
    "version,macd,macd_signal,macd_hist,ema12,ema26,rsi14,boll_mid,boll_upper,boll_lower,"
    "vwap_session,vwap_w5m,imbalance_spread,imbalance_bid_px,imbalance_ask_px,imbalance_bid_sz,"
    "imbalance_ask_sz,vol_realized_w60s";

/// Appends one row (with its trailing newline) for `r`, whose symbol's name is `symbol`.
/// Deterministic: the same row always gives the same bytes.
void append_signal_csv(std::string& out, const signal_row& r, std::string_view symbol);

class signal_log {
 public:
  /// Opens `path` for writing (truncating it) and writes the header. Throws std::runtime_error
  /// naming the path and the reason when the file cannot be opened or written.
  signal_log(const std::string& path, signal_queue& queue, const symbol_table& symbols,
             std::chrono::milliseconds flush_interval = std::chrono::milliseconds(100));
  signal_log(const signal_log&) = delete;
  signal_log& operator=(const signal_log&) = delete;
  ~signal_log();

  /// Starts the writer thread.
  void start();
  /// Drains every queued row, flushes and closes the file, joins the thread. Call after the
  /// producer (the hot thread) has stopped. Idempotent.
  void stop();

  [[nodiscard]] const std::string& path() const noexcept { return path_; }
  /// Rows in the file (flushed).
  [[nodiscard]] uint64_t rows() const noexcept { return written_.load(std::memory_order_relaxed); }
  /// Rows the hot thread could not queue (live runs only: a replay waits instead).
  [[nodiscard]] uint64_t dropped() const noexcept { return queue_.dropped(); }
  /// Rows taken from the queue but not written because a write failed (then error() says why).
  [[nodiscard]] uint64_t lost() const noexcept { return lost_.load(std::memory_order_relaxed); }
  /// The first write failure, "" when none (read after stop()).
  [[nodiscard]] const std::string& error() const noexcept { return error_; }

 private:
  void run();
  void consume(const signal_row& r);
  void flush();

  std::string path_;
  signal_queue& queue_;
  const symbol_table& symbols_;
  std::chrono::milliseconds flush_interval_;
  std::FILE* file_ = nullptr;
  std::string buf_;
  uint64_t buffered_rows_ = 0;
  std::chrono::steady_clock::time_point first_buffered_{};
  std::string error_;
  std::atomic<uint64_t> written_{0};
  std::atomic<uint64_t> lost_{0};
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace torghut::persistence
