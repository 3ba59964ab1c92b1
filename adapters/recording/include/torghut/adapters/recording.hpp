#pragma once
/// Recordings: raw market-data frames with their receive timestamps, one per line
/// (`<recv_time_ns>\t<frame>\n`, see docs/RECORDING.md). Replay and the simulator read them.

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "torghut/core/types.hpp"

namespace torghut::adapters {

/// Appends frames to a recording file through a large buffer; flushes when full and on close.
///
/// A frame that contains a raw CR or LF (legal only as JSON whitespace; Alpaca never sends one)
/// is written with those bytes replaced by spaces, so the line format holds and the JSON means
/// the same; such frames are counted in frames_sanitized().
class recording_writer {
 public:
  static constexpr size_t default_buffer_bytes = size_t{1} << 20;

  recording_writer() = default;
  ~recording_writer();
  recording_writer(const recording_writer&) = delete;
  recording_writer& operator=(const recording_writer&) = delete;
  recording_writer(recording_writer&& other) noexcept;
  recording_writer& operator=(recording_writer&& other) noexcept;

  /// Opens `path` for writing (truncating, or appending when `append`). False on failure
  /// (see error()). An already open file is closed first.
  [[nodiscard]] bool open(const std::string& path, bool append = false,
                          size_t buffer_bytes = default_buffer_bytes);
  /// Appends one line. False when the file is not open or a write failed.
  bool write(timestamp recv_time, std::string_view frame) noexcept;
  /// Writes the buffer out to the OS. False on a write error.
  bool flush() noexcept;
  /// Flushes and closes. False when anything failed since open(). Idempotent.
  bool close() noexcept;

  [[nodiscard]] bool is_open() const noexcept { return file_ != nullptr; }
  [[nodiscard]] uint64_t frames_written() const noexcept { return frames_; }
  [[nodiscard]] uint64_t frames_sanitized() const noexcept { return sanitized_; }
  [[nodiscard]] uint64_t bytes_written() const noexcept { return bytes_; }
  /// The last error's description ("" when none).
  [[nodiscard]] const std::string& error() const noexcept { return error_; }

 private:
  void put(const char* p, size_t n) noexcept;
  std::FILE* file_ = nullptr;
  std::vector<char> buf_;
  size_t used_ = 0;
  uint64_t frames_ = 0;
  uint64_t sanitized_ = 0;
  uint64_t bytes_ = 0;
  bool failed_ = false;
  std::string error_;
};

/// One recorded frame. `frame` points into the reader's buffer and lives as long as the reader.
struct recording_entry {
  timestamp recv_time;
  std::string_view frame;
  uint64_t line = 0;  ///< 1-based line number in the file
};

/// Reads a recording: the whole file is mapped (or, for in-memory text, borrowed) once; next()
/// then yields one entry per line without allocating.
///
/// Lines starting with `#` are comments and skipped silently. Malformed lines (no tab, a receive
/// time that is not a non-negative decimal integer) are skipped and counted; the first
/// `max_kept_malformed_lines` line numbers are kept. A trailing CR before the LF is ignored; the
/// last line may lack its LF.
class recording_reader {
 public:
  static constexpr size_t max_kept_malformed_lines = 64;

  recording_reader() = default;
  ~recording_reader();
  recording_reader(const recording_reader&) = delete;
  recording_reader& operator=(const recording_reader&) = delete;
  recording_reader(recording_reader&& other) noexcept;
  recording_reader& operator=(recording_reader&& other) noexcept;

  /// Maps `path` read-only. False on failure (see error()).
  [[nodiscard]] bool open(const std::string& path);
  /// Reads recording text held by the caller, who keeps it alive while the reader is used.
  void open_memory(std::string_view text) noexcept;

  /// The next well-formed line, or false at the end.
  [[nodiscard]] bool next(recording_entry& out) noexcept;
  /// Starts again from the first line (counters are reset too).
  void rewind() noexcept;

  /// Reads every remaining entry, calling `f(const recording_entry&)`. Returns the count.
  template <class F>
  uint64_t for_each(F&& f) noexcept(noexcept(f(std::declval<const recording_entry&>()))) {
    uint64_t n = 0;
    recording_entry e;
    while (next(e)) {
      f(static_cast<const recording_entry&>(e));
      ++n;
    }
    return n;
  }

  [[nodiscard]] uint64_t lines_read() const noexcept { return line_; }
  [[nodiscard]] uint64_t malformed_lines() const noexcept { return malformed_; }
  /// Line numbers of the first malformed lines (at most max_kept_malformed_lines).
  [[nodiscard]] std::span<const uint64_t> malformed_line_numbers() const noexcept {
    return {bad_lines_.data(), static_cast<size_t>(malformed_ < bad_lines_.size() ? malformed_ : bad_lines_.size())};
  }
  /// The whole recording text.
  [[nodiscard]] std::string_view text() const noexcept { return {data_, size_}; }
  [[nodiscard]] const std::string& error() const noexcept { return error_; }

 private:
  void unmap() noexcept;
  const char* data_ = nullptr;
  size_t size_ = 0;
  size_t pos_ = 0;
  void* map_ = nullptr;  // non-null when data_ is an mmap of map_size_ bytes
  size_t map_size_ = 0;
  uint64_t line_ = 0;
  uint64_t malformed_ = 0;
  std::array<uint64_t, max_kept_malformed_lines> bad_lines_{};
  std::string error_;
};

/// Parses the receive-time field of a line: decimal digits only, fitting int64.
[[nodiscard]] bool parse_recv_time(std::string_view s, timestamp& out) noexcept;

}  // namespace torghut::adapters
