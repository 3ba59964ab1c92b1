#pragma once
/// The write-behind audit writer: drains the hot path's audit_sink on its own thread, batches
/// rows by size and by time, appends each batch to the local spool (write-ahead), then ships it
/// to Postgres in one transaction: COPY (pqxx::stream_to) into a temporary staging table per
/// table, then INSERT ... ON CONFLICT DO NOTHING into the real table, so a replayed row is never
/// doubled. The hot path never waits: when this writer falls behind, the audit_sink fills and
/// risk refuses new risk (AUDIT_BACKPRESSURE) until it drains.
///
/// Nothing is lost:
///  - Postgres down, slow (statement_timeout) or failing: batches stay in the spool and are
///    shipped in order when it returns (reconnect with backoff); at start-up the spool of an
///    earlier (crashed) run is shipped first.
///  - A row Postgres rejects (SQLSTATE class 22 data exception / 23 integrity violation) is
///    isolated by bisecting its batch and goes to `dead_letter.jsonl` with the error; the rest of
///    the batch lands.
///  - The DSN's password never appears in a log line.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "torghut/core/audit_sink.hpp"
#include "torghut/persistence/copy_batch.hpp"
#include "torghut/persistence/spool.hpp"

namespace torghut::persistence {

struct write_behind_config {
  std::string dsn;                                   ///< DB_DSN; empty = spool only
  std::string spool_dir = "var/spool";               ///< spool.log and dead_letter.jsonl
  size_t batch_rows = 1024;                          ///< seal a batch at this many rows...
  std::chrono::microseconds batch_interval{10'000};  ///< ...or when its first row is this old
  fsync_policy fsync = fsync_policy::batch;
  std::chrono::milliseconds reconnect_min{100};
  std::chrono::milliseconds reconnect_max{2'000};
  std::chrono::milliseconds statement_timeout{10'000};  ///< a slower commit counts as a failure
  std::chrono::microseconds idle_sleep{200};            ///< loop sleep when there is nothing to do
  size_t max_records_per_tick = 64;  ///< spool records shipped per loop turn (keeps draining)
  /// position_snapshots from the fills passing through (off the hot path: the writer keeps its
  /// own book from the execution rows): one after every drained batch that holds a fill, stamped
  /// with the last fill's time, one every `snapshot_interval`, and one at stop().
  bool position_snapshots = false;
  money starting_cash = money::from_raw(100'000 * money::scale);
  std::chrono::milliseconds snapshot_interval{60'000};
  /// as_of of the interval and final snapshots: the wall clock (live), or the newest row's time
  /// (a replay, whose rows carry the recording's time).
  bool snapshot_wall_clock = true;
};

/// A snapshot of the writer's metrics (every field read from one atomic each).
struct write_behind_metrics {
  uint64_t queue_depth = 0;        ///< audit_sink rows waiting
  uint64_t rows_in = 0;            ///< rows taken from the sink (and posted)
  uint64_t rows_spooled = 0;       ///< rows made durable in the spool
  uint64_t rows_committed = 0;     ///< rows committed to Postgres (including absorbed duplicates)
  uint64_t batches_committed = 0;
  uint64_t last_batch_rows = 0;
  double rows_per_second = 0;      ///< committed rows/s over the last second or so
  int64_t commit_latency_last_ns = 0;
  int64_t commit_latency_max_ns = 0;
  uint64_t spool_bytes = 0;        ///< spooled, not yet acknowledged
  uint64_t spool_records = 0;
  uint64_t dead_letters = 0;
  uint64_t connects = 0;
  uint64_t connection_failures = 0;
  uint64_t backpressure_episodes = 0;  ///< times the sink turned back-pressured
  uint64_t torn_bytes_cut = 0;
  uint64_t replayed_records = 0;       ///< spool records of an earlier run shipped
  bool connected = false;
  bool backpressured = false;
};

class write_behind {
 public:
  /// Opens the spool (cutting a torn tail). Throws std::runtime_error if the spool cannot be
  /// opened. Does not connect yet.
  write_behind(write_behind_config cfg, audit_sink& sink, const symbol_table& symbols, run_identity id);
  ~write_behind();
  write_behind(const write_behind&) = delete;
  write_behind& operator=(const write_behind&) = delete;

  /// Runs the loop on its own thread until stop().
  void start();
  /// Drains the sink, seals and ships what it can (one attempt if Postgres is down: the rest
  /// stays in the spool for the next start), joins the thread.
  void stop();

  /// One turn of the loop (tests drive it directly instead of start()). Returns true when it did
  /// some work.
  bool tick();
  /// Seals the current batch now and tries to ship everything pending. True when the spool is
  /// empty afterwards.
  bool flush();

  /// Low-rate rows from other threads (control plane): thread-safe, never from the hot path.
  void post(const position_snapshot_row& p);
  void post(const run_heartbeat& h);
  void post(const strategy_row& s);
  /// Called on the writer thread for every row taken from the sink (e.g. the decision log).
  void set_tee(std::function<void(const audit_row&)> tee) { tee_ = std::move(tee); }
  /// Called on the writer thread at the end of every loop turn and after the final drain (e.g.
  /// to flush the decision log the tee fills on a short interval).
  void set_tick_hook(std::function<void()> hook) { tick_hook_ = std::move(hook); }

  [[nodiscard]] write_behind_metrics metrics() const;
  [[nodiscard]] const row_encoder& encoder() const noexcept { return enc_; }
  [[nodiscard]] std::string dead_letter_path() const { return cfg_.spool_dir + "/dead_letter.jsonl"; }

 private:
  enum class ship_result : uint8_t { ok, transient };
  struct item {
    table_id table;
    uint32_t row;
  };
  bool drain_input();
  void seal();
  bool ship_pending(size_t max_records);
  bool ensure_connected();
  void disconnect(const std::string& why);
  ship_result ship_batch(const copy_batch& b);
  /// Commits `items` of `b` in one transaction; throws what Postgres threw.
  void commit_items(const copy_batch& b, const std::vector<item>& items);
  ship_result bisect(const copy_batch& b, std::vector<item> items, const std::string& first_error);
  void dead_letter(const copy_batch& b, const item& it, const std::string& sqlstate, const std::string& error);
  void watch_backpressure();
  void run();
  void book_fill(const execution_report& e);
  /// Encodes a snapshot of the book at `as_of` (just after the last one when the book changed but
  /// `as_of` is not newer; nothing when it did not change). True if it did.
  bool snapshot(timestamp as_of);
  [[nodiscard]] timestamp snapshot_now() const;

  write_behind_config cfg_;
  audit_sink& sink_;
  row_encoder enc_;
  spool spool_;
  std::function<void(const audit_row&)> tee_;
  std::function<void()> tick_hook_;

  copy_batch cur_;
  std::chrono::steady_clock::time_point cur_started_{};
  std::string payload_;
  copy_batch shipping_;

  struct pg;  // the connection and its prepared staging tables
  std::unique_ptr<pg> pg_;
  std::chrono::steady_clock::time_point next_connect_{};
  std::chrono::milliseconds backoff_;
  bool replaying_earlier_ = false;
  uint64_t earlier_records_left_ = 0;

  std::mutex posted_mu_;
  std::vector<position_snapshot_row> posted_snapshots_;
  std::vector<run_heartbeat> posted_heartbeats_;
  std::vector<strategy_row> posted_strategies_;

  // The position book behind position_snapshots (writer thread only).
  struct book_entry {
    quantity qty;
    price last_px;
  };
  const symbol_table& syms_;
  std::vector<book_entry> book_;  ///< by symbol id
  money cash_;
  bool book_dirty_ = false;
  timestamp last_row_time_, last_fill_time_, last_snapshot_as_of_;
  std::chrono::steady_clock::time_point last_snapshot_{};
  std::string positions_json_;

  std::thread thread_;
  std::atomic<bool> stop_{false};
  bool was_backpressured_ = false;

  // Metrics (written by the writer thread, read by anyone).
  std::atomic<uint64_t> m_rows_in_{0}, m_rows_spooled_{0}, m_rows_committed_{0}, m_batches_{0}, m_last_batch_{0};
  std::atomic<int64_t> m_commit_last_{0}, m_commit_max_{0};
  std::atomic<uint64_t> m_spool_bytes_{0}, m_spool_records_{0}, m_dead_{0}, m_connects_{0}, m_conn_fail_{0};
  std::atomic<uint64_t> m_bp_episodes_{0}, m_torn_{0}, m_replayed_{0};
  std::atomic<bool> m_connected_{false}, m_bp_{false};
  std::atomic<double> m_rate_{0};
  std::chrono::steady_clock::time_point rate_t0_{};
  uint64_t rate_rows0_ = 0;
};

}  // namespace torghut::persistence
