#pragma once
/// The local append-only spool: every batch is framed and appended here before it is shipped to
/// Postgres (write-ahead), so a batch survives Postgres being down, slow or failing, and the
/// writer process being killed. Frame: magic "TGS1", u32 payload length, u64 XXH3-64 of the
/// payload, payload. Records are shipped in order from the acknowledged offset; when every
/// record is acknowledged the file is truncated to zero.
///
/// Opening scans the file: a torn tail (a frame cut short, or one whose checksum fails) is cut
/// with a log line, and the cut bytes are kept in `spool.torn.<unix-ns>` beside it, never
/// silently discarded. The file is flock()ed: one writer per spool.

#include <cstdint>
#include <string>

namespace torghut::persistence {

enum class fsync_policy : uint8_t {
  none,    ///< the OS decides (survives a process crash, not a power cut)
  batch,   ///< fdatasync after every appended batch
  always,  ///< also after every acknowledgement truncation (the strictest)
};
[[nodiscard]] const char* to_string(fsync_policy p) noexcept;
/// "none" | "batch" | "always"; false for anything else.
bool parse_fsync_policy(std::string_view s, fsync_policy& out) noexcept;

class spool {
 public:
  struct recovery {
    uint64_t records = 0;     ///< valid records found (all unacknowledged after a restart)
    uint64_t bytes = 0;       ///< their size
    uint64_t torn_bytes = 0;  ///< cut from the tail (0 when the tail was clean)
    std::string torn_file;    ///< where the cut bytes were kept
  };

  /// Opens (creating) `dir`/spool.log. Throws std::runtime_error when the folder cannot be used or
  /// another process holds the spool.
  spool(const std::string& dir, fsync_policy policy);
  ~spool();
  spool(const spool&) = delete;
  spool& operator=(const spool&) = delete;

  [[nodiscard]] const recovery& recovered() const noexcept { return rec_; }

  /// Appends one record (and syncs per the policy). Throws std::runtime_error on I/O failure,
  /// after truncating any partial frame it wrote.
  void append(std::string_view payload);

  /// Reads the oldest unacknowledged record into `payload`; false when there is none.
  bool peek(std::string& payload);
  /// Acknowledges the record peek() returned. Truncates the file when nothing is left.
  void ack();

  [[nodiscard]] uint64_t pending_bytes() const noexcept { return end_ - ack_; }
  [[nodiscard]] uint64_t pending_records() const noexcept { return pending_records_; }
  [[nodiscard]] uint64_t file_bytes() const noexcept { return end_; }
  [[nodiscard]] const std::string& path() const noexcept { return path_; }

  static constexpr uint32_t header_bytes = 16;

 private:
  void scan_and_repair();
  std::string path_;
  int fd_ = -1;
  fsync_policy policy_;
  uint64_t end_ = 0;       // end of the last valid record
  uint64_t ack_ = 0;       // start of the oldest unacknowledged record
  uint64_t peeked_end_ = 0;
  uint64_t pending_records_ = 0;
  recovery rec_;
};

}  // namespace torghut::persistence
