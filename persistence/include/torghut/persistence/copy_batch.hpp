#pragma once
/// Audit rows as Postgres COPY text lines, grouped by table: the unit the write-behind spools,
/// ships in one transaction and bisects when Postgres rejects a row. A row is rendered once, on
/// the writer thread, into self-contained text (symbol names, not ids), so a spooled row can be
/// replayed by another process.

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "torghut/core/fixed_point.hpp"
#include "torghut/core/messages.hpp"
#include "torghut/core/symbol_table.hpp"
#include "torghut/persistence/audit_json.hpp"

namespace torghut::persistence {

/// The tables the write-behind writes, in the order a batch writes them (parents first).
enum class table_id : uint8_t {
  engine_runs,
  trade_decisions,
  risk_verdicts,
  executions,
  execution_order_events,
  position_snapshots,
  engine_run_events,
  strategies,  ///< the configured strategies (upserted by id at start)
};
inline constexpr size_t table_count = static_cast<size_t>(table_id::strategies) + 1;  // from the last, never by hand

struct table_def {
  std::string_view name;
  std::string_view columns;  ///< the COPY column list, comma separated
  std::string_view merge;    ///< SQL moving staged rows into the table ("" = COPY directly)
  std::string_view after;    ///< SQL run after the merge (derived updates), may be ""
};
[[nodiscard]] const table_def& definition(table_id t) noexcept;

/// Engine run modes of the `engine_runs` ledger.
enum class run_mode : uint8_t { live, paper, shadow, replay };
[[nodiscard]] std::string_view to_string(run_mode m) noexcept;

/// Who is writing: the account and run every row is attributed to.
struct run_identity {
  uuid run_id;
  run_mode mode = run_mode::paper;
  std::string account_label = "paper";
  std::string host;
  std::string version;
  std::string config_json;  ///< the effective configuration, secrets excluded ("" = NULL)
  int64_t pid = 0;          ///< this process (0 = NULL)
  timestamp started_at;
};

/// One configured strategy as a row of the reference's `strategies` table. Its id is
/// row_encoder::strategy_uuid(engine_strategy_id), the one trade_decisions.strategy_id names.
struct strategy_row {
  uint64_t engine_strategy_id = 0;
  std::string name;
  std::string description;  ///< the rule it runs (e.g. "macd_rsi")
  bool enabled = true;
  std::string base_timeframe = "1Sec";
  std::string universe_symbols_json = "[]";  ///< a JSON array of symbol names
  std::string max_position_pct_equity;       ///< decimal text ("" = NULL)
  money max_notional_per_trade;
};

/// A periodic account snapshot (position_snapshots). `positions_json` comes from json_object.
struct position_snapshot_row {
  timestamp as_of;
  money equity, cash, buying_power;
  std::string positions_json = "[]";
};
/// The run ledger's heartbeat (engine_runs): counts so far; `final` marks the run's end.
struct run_heartbeat {
  timestamp at;
  uint64_t events = 0, decisions = 0, orders = 0, fills = 0;
  bool final = false;
};

/// COPY text lines per table. Each line ends with '\n'; `ends[i]` is the end offset of row i.
class copy_batch {
 public:
  struct table_rows {
    std::string data;
    std::vector<uint32_t> ends;
  };
  [[nodiscard]] size_t rows() const noexcept { return rows_; }
  [[nodiscard]] bool empty() const noexcept { return rows_ == 0; }
  [[nodiscard]] const table_rows& of(table_id t) const noexcept { return tables_[static_cast<size_t>(t)]; }
  [[nodiscard]] std::string_view row(table_id t, size_t i) const noexcept;
  /// Appends one complete line (without the newline).
  void add_line(table_id t, std::string_view line);
  /// Line building: begin, fields, end.
  std::string& begin(table_id t) noexcept {
    cur_ = t;
    return tables_[static_cast<size_t>(t)].data;
  }
  void end() {
    auto& tr = tables_[static_cast<size_t>(cur_)];
    tr.data += '\n';
    tr.ends.push_back(static_cast<uint32_t>(tr.data.size()));
    ++rows_;
  }
  void clear() noexcept;

  /// Spool payload: [u8 table][u32 rows][u32 bytes][bytes] per non-empty table.
  void serialize(std::string& out) const;
  /// Inverse of serialize; false when the payload is malformed.
  bool deserialize(std::string_view in);

 private:
  std::array<table_rows, table_count> tables_;
  size_t rows_ = 0;
  table_id cur_ = table_id::engine_runs;
};

/// Renders rows into a copy_batch. Reuses its buffers: no allocation per row once warm.
class row_encoder {
 public:
  row_encoder(run_identity id, const symbol_table& symbols);
  void encode(const audit_row& r, copy_batch& out);
  void encode(const position_snapshot_row& p, copy_batch& out);
  void encode(const run_heartbeat& h, copy_batch& out);
  void encode(const strategy_row& s, copy_batch& out);
  [[nodiscard]] const run_identity& identity() const noexcept { return id_; }

  /// Deterministic ids, shared with anyone who must join on them.
  [[nodiscard]] static uuid strategy_uuid(uint64_t engine_strategy_id) noexcept;
  [[nodiscard]] uuid decision_uuid(decision_hash h) const noexcept;
  [[nodiscard]] uuid execution_uuid(std::string_view client_order_id) const noexcept;

 private:
  run_identity id_;
  const symbol_table& syms_;
  std::string json_, scratch_;
  char run_text_[36];
};

/// COPY text escaping of one field value (backslash, tab, newline, carriage return).
void append_copy_escaped(std::string& out, std::string_view v);

}  // namespace torghut::persistence
