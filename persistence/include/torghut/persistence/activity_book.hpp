#pragma once
/// The recent activity the control API serves (GET /trading/decisions, /trading/executions,
/// /trading/orders): fed with every audit row on the audit writer's side (decision_log_writer::
/// consume, with or without a database), never by the hot thread. Bounded: the latest
/// `capacity` decisions and execution reports, the open orders (up to `max_open`) and the latest
/// `capacity` finished ones. Thread-safe: the writer adds under a mutex, the API thread reads
/// under it (neither is the hot thread).
///
/// Rows are kept as rows and formatted on request with the audit serializer
/// (persistence::append_audit_json), so an API answer has the decision log's exact fields.

#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "torghut/core/messages.hpp"
#include "torghut/core/symbol_table.hpp"

namespace torghut::persistence {

/// `symbol=&since=&limit=` of the API's list endpoints.
struct activity_query {
  std::string symbol;  ///< "" = every symbol
  timestamp since{};   ///< rows stamped at or after this (0 = no bound)
  size_t limit = 100;
};

inline constexpr size_t order_status_count = static_cast<size_t>(order_status::replaced) + 1;

class activity_book {
 public:
  explicit activity_book(const symbol_table& symbols, size_t capacity = 1024, size_t max_open = 65'536);

  /// Every audit row, in order (the audit writer's thread). Decisions, executions and orders are
  /// kept; other kinds are ignored.
  void add(const audit_row& r);

  /// JSON arrays, newest first (at most q.limit entries, and never more than capacity).
  [[nodiscard]] std::string decisions_json(const activity_query& q) const;
  [[nodiscard]] std::string executions_json(const activity_query& q) const;
  /// Orders newest first: the open ones (when `open`), then the finished ones (when `finished`).
  [[nodiscard]] std::string orders_json(const activity_query& q, bool open, bool finished) const;

  /// Execution reports seen, by status (/metrics: orders by status).
  [[nodiscard]] std::array<uint64_t, order_status_count> reports_by_status() const;
  [[nodiscard]] size_t open_orders() const;

 private:
  struct order_view {
    order_id id;
    client_order_id coid;
    broker_order_id broker_id;
    strategy_id strategy;
    symbol_id symbol;
    side order_side = side::buy;
    order_type type = order_type::market;
    time_in_force tif = time_in_force::day;
    quantity qty, filled;
    price avg_px;
    order_status status = order_status::pending_new;
    timestamp submitted_at, updated_at;
    uint16_t reject_code = 0;
  };
  /// A fixed ring of rows, oldest overwritten.
  class ring {
   public:
    explicit ring(size_t capacity) : rows_(capacity) {}
    void push(const audit_row& r) {
      rows_[next_] = r;
      next_ = next_ + 1 == rows_.size() ? 0 : next_ + 1;
      if (size_ < rows_.size()) ++size_;
    }
    /// The i-th newest row (0 = the latest), i < size().
    [[nodiscard]] const audit_row& newest(size_t i) const {
      return rows_[(next_ + rows_.size() - 1 - i) % rows_.size()];
    }
    [[nodiscard]] size_t size() const noexcept { return size_; }

   private:
    std::vector<audit_row> rows_;
    size_t next_ = 0, size_ = 0;
  };

  [[nodiscard]] bool wanted(const activity_query& q, symbol_id s, timestamp t) const;
  [[nodiscard]] std::string rows_json(const ring& r, const activity_query& q) const;
  void append_order(std::string& out, const order_view& o) const;

  const symbol_table& syms_;
  size_t capacity_, max_open_;
  mutable std::mutex mu_;
  ring decisions_, executions_;
  std::unordered_map<uint64_t, order_view> open_;  ///< by order id
  std::deque<order_view> finished_;                ///< newest at the back
  std::array<uint64_t, order_status_count> by_status_{};
};

}  // namespace torghut::persistence
