#pragma once
/// The JSON-lines consumer of the audit trail (replays, and live runs without a database): drains
/// an audit_sink into a decision log file and keeps the first few rows of each interesting kind
/// for a human-readable summary.

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "torghut/core/audit_sink.hpp"
#include "torghut/core/symbol_table.hpp"
#include "torghut/persistence/activity_book.hpp"

namespace torghut::persistence {

class decision_log_writer {
 public:
  /// Opens `path` for writing (truncating it); an empty path drains without writing. Throws
  /// std::runtime_error when the file cannot be opened.
  decision_log_writer(const std::string& path, audit_sink& sink, const symbol_table& syms);
  /// Drains every queued row (runs on a supervised CAF worker). Throws on a write failure.
  void drain();
  /// One row taken from the sink by someone else (the Postgres write-behind's tee), on one
  /// thread at a time; flush() writes what is buffered.
  void consume(const audit_row& r);
  void flush();
  /// flush() when rows are buffered and the last flush is at least `interval` ago (the
  /// write-behind's tick hook: the log trails the audit queue by about one interval).
  void flush_if_due(std::chrono::milliseconds interval);
  [[nodiscard]] uint64_t rows() const noexcept { return rows_; }
  /// Every row consumed from now on is also added to `book` (the control API's recent
  /// activity); nullptr stops it. Set before rows flow.
  void tee_to(std::shared_ptr<activity_book> book) noexcept { book_ = std::move(book); }
  /// Human-readable lines for the first rows of each interesting kind (call after the drain).
  [[nodiscard]] std::vector<std::string> first_activity() const;

 private:
  static constexpr int keep_per_kind = 4;
  void keep_first(const audit_row& r);
  [[nodiscard]] std::string describe(const audit_row& r) const;

  std::vector<audit_row> kept_;
  std::array<int, 4> kept_count_{};
  audit_sink& sink_;
  const symbol_table& syms_;
  std::shared_ptr<activity_book> book_;
  std::ofstream out_;
  std::string line_, buf_;
  std::atomic<uint64_t> rows_{0};
  std::chrono::steady_clock::time_point last_flush_ = std::chrono::steady_clock::now();
};

}  // namespace torghut::persistence
