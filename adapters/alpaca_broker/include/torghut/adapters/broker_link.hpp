#pragma once
/// The engine's link to Alpaca's trading side (or the simulator's): the hot path's order gateway
/// on top of the REST client, the trade_updates stream feeding broker events back, and the
/// reconciler that runs at start-up and after every stream reconnect.
///
/// Threading: everything here runs on the hot thread (the REST client and the stream client are
/// on an io_context the hot loop polls), so it calls the hot path directly. Only the atomics in
/// `broker_link_status` are read from other threads.
///
/// Orders: `send` (inside the hot path's pump) writes the POST inline; a refusal (queue full)
/// becomes a `rejected` event posted into the running pump. The broker's order id arrives with
/// the POST's answer, the first stream event or a reconciliation (adopted orders too); a cancel
/// that comes before it waits for it (room for 64; cancels of orders closed since are dropped
/// when it is full).
///
/// Reconciliation (start-up, and every `on_listening(reconnect=true)`): GET open orders; ask
/// by_client_order_id about every order open here but not there; GET positions, GET account;
/// then hot_path::reconcile. The stream is listening before the snapshot is taken, so no event
/// after it is lost. Until the start-up run succeeds, risk rejects every new order
/// (AWAITING_RECONCILIATION); a failed run is retried every second.

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "torghut/actors/hot_path.hpp"
#include "torghut/adapters/trade_stream.hpp"
#include "torghut/adapters/trading_rest.hpp"
#include "torghut/core/config.hpp"
#include "torghut/core/symbol_table.hpp"

namespace torghut::adapters {

struct broker_link_status {
  std::atomic<bool> reconciled{false};
  std::atomic<uint64_t> reconciliations{0};     ///< successful runs
  std::atomic<uint64_t> reconcile_failures{0};  ///< runs that failed (retried)
  std::atomic<uint64_t> differences{0};         ///< adopted + advanced + vanished + positions
  std::atomic<uint64_t> rejections{0};          ///< orders the broker (or the gateway) refused
  std::atomic<uint64_t> stale_orders{0};        ///< orders canceled here unsent (past their maximum age)
  std::atomic<uint64_t> events{0};              ///< trade_updates events applied
  std::atomic<uint64_t> ignored_events{0};      ///< events with no state change here (done_for_day...)
  std::atomic<uint64_t> foreign_positions{0};   ///< broker positions in symbols outside the allow-list
  std::atomic<uint64_t> foreign_orders{0};      ///< open broker orders outside it (or notional-only)
  std::atomic<uint16_t> last_reject_code{0};
  std::atomic<int64_t> last_reconcile_ns{0};    ///< wall time of the last successful run (0: none yet)
};

class broker_link final : public actors::order_gateway,
                          public adapters::trading_rest_sink,
                          public adapters::trade_stream_sink {
 public:
  broker_link(boost::asio::io_context& io, const trading_config& cfg, std::string key_id,
              std::string secret, actors::hot_path& hp, const symbol_table& symbols);
  ~broker_link() override;

  /// Validates and starts both clients (the REST pool dials and warms; the stream connects).
  [[nodiscard]] bool start(std::string& error);
  /// Stops both clients; the caller keeps polling the io_context until they are done.
  void stop();
  [[nodiscard]] bool stopped() const;

  // actors::order_gateway (hot thread, inside pump)
  void send(const order_command& c) noexcept override;
  // adapters::trading_rest_sink
  void on_submit_accepted(const order_command& cmd, const adapters::order_view& order) noexcept override;
  void on_submit_rejected(const order_command& cmd, unsigned http_status,
                          const adapters::api_error_view& err) noexcept override;
  void on_cancel_result(const order_command& cmd, unsigned http_status,
                        const adapters::api_error_view& err) noexcept override;
  void on_submit_stale(const order_command& cmd, std::chrono::milliseconds age) noexcept override;
  // adapters::trade_stream_sink
  void on_trade_update(const adapters::trade_update_view& u) noexcept override;
  void on_listening(bool reconnect) noexcept override;
  void on_disconnected() noexcept override;

  [[nodiscard]] const broker_link_status& status() const noexcept { return status_; }
  [[nodiscard]] adapters::trading_rest_stats rest_stats() const { return rest_->stats(); }
  [[nodiscard]] adapters::trade_stream_stats stream_stats() const { return stream_->stats(); }
  /// Why the stream stopped for good ("" while it has not).
  [[nodiscard]] std::string stream_failure() const;
  /// The last reconciliation failure ("" after a success).
  [[nodiscard]] std::string last_reconcile_error() const;

 private:
  struct broker_id_slot {
    order_id id;
    fixed_string<36> broker_id;
  };
  void remember_broker_id(order_id id, const fixed_string<36>& broker_id) noexcept;
  [[nodiscard]] const fixed_string<36>* broker_id_of(order_id id) const noexcept;
  void reject(const order_command& c, uint16_t code, bool inside_pump) noexcept;
  [[nodiscard]] bool to_state(const adapters::order_view& o, actors::broker_order_state& out) const;

  void reconcile();
  void reconcile_failed(const std::string& why);
  void fetch_positions_and_account();
  void apply_reconciliation();

  boost::asio::io_context& io_;
  trading_config cfg_;
  actors::hot_path& hp_;
  const symbol_table& symbols_;
  std::unique_ptr<adapters::trading_rest_client> rest_;
  std::unique_ptr<adapters::trade_stream_client> stream_;
  boost::asio::steady_timer retry_timer_;
  std::vector<broker_id_slot> broker_ids_;  // ring by order id
  std::vector<order_command> waiting_cancels_;  // cancels whose broker id is not known yet
  broker_link_status status_;

  // reconciliation in progress
  bool recon_running_ = false;
  bool recon_again_ = false;
  uint64_t recon_generation_ = 0;
  size_t recon_pending_queries_ = 0;
  actors::broker_snapshot snap_;
  std::vector<client_order_id> asked_;
  mutable std::mutex recon_error_mutex_;  // recon_error_ is read by the supervisor thread
  std::string recon_error_;
  bool stopping_ = false;
  bool in_send_ = false;  // inside send(), i.e. inside the hot path's pump: events are posted
};

}  // namespace torghut::adapters
