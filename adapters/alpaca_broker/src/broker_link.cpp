#include "torghut/adapters/broker_link.hpp"

#include <spdlog/spdlog.h>

#include <chrono>

#include "torghut/actors/order_router.hpp"
#include "torghut/core/clock.hpp"
#include "torghut/adapters/rest_policy.hpp"

namespace torghut::adapters {
namespace {

constexpr size_t broker_id_slots = 1u << 14;

/// The broker event for a trade_updates event; nullopt for events that change nothing here.
std::optional<broker_event_kind> kind_of(adapters::trade_event e) noexcept {
  using te = adapters::trade_event;
  switch (e) {
    case te::new_order: return broker_event_kind::new_order;
    case te::fill: return broker_event_kind::fill;
    case te::partial_fill: return broker_event_kind::partial_fill;
    case te::canceled: return broker_event_kind::canceled;
    case te::expired: return broker_event_kind::expired;
    case te::replaced: return broker_event_kind::replaced;
    case te::accepted: return broker_event_kind::accepted;
    case te::rejected: return broker_event_kind::rejected;
    case te::pending_new: return broker_event_kind::pending_new;
    case te::pending_cancel: return broker_event_kind::pending_cancel;
    // No state change the engine tracks: the order stays open (done_for_day: no more fills
    // today; stopped/calculated/suspended/pending_replace: broker-side states; the two
    // *_rejected events leave the order as it was).
    case te::done_for_day:
    case te::stopped:
    case te::pending_replace:
    case te::calculated:
    case te::suspended:
    case te::order_replace_rejected:
    case te::order_cancel_rejected:
      return std::nullopt;
  }
  return std::nullopt;
}

}  // namespace

broker_link::broker_link(boost::asio::io_context& io, const trading_config& cfg, std::string key_id,
                         std::string secret, actors::hot_path& hp, const symbol_table& symbols)
    : io_(io), cfg_(cfg), hp_(hp), symbols_(symbols), retry_timer_(io), broker_ids_(broker_id_slots) {
  adapters::trading_rest_config rc;
  rc.base_url = cfg.rest_url;
  rc.key_id = key_id;
  rc.secret = secret;
  rc.ca_file = cfg.ca_file;
  rc.connections = cfg.connections;
  rc.request_timeout = std::chrono::milliseconds(cfg.request_timeout_ms);
  rc.max_retries = cfg.max_retries;
  rc.rate_limit_per_minute = cfg.rate_limit_per_minute;
  rc.max_order_age = std::chrono::milliseconds(cfg.max_order_age_ms);
  rc.max_limit_order_age = std::chrono::milliseconds(cfg.max_limit_order_age_ms);
  rest_ = std::make_unique<adapters::trading_rest_client>(io, std::move(rc), *this);

  adapters::trade_stream_config sc;
  sc.url = cfg.stream_url;
  sc.key_id = std::move(key_id);
  sc.secret = std::move(secret);
  sc.auth = cfg.stream_auth == stream_auth_form::legacy ? adapters::trade_stream_auth::legacy : adapters::trade_stream_auth::action;
  sc.ca_file = cfg.ca_file;
  stream_ = std::make_unique<adapters::trade_stream_client>(io, std::move(sc), *this);
  waiting_cancels_.reserve(64);
}

broker_link::~broker_link() = default;

bool broker_link::start(std::string& error) {
  if (!rest_->start(error)) {
    error = "trading REST: " + error;
    return false;
  }
  if (!stream_->start(error)) {
    error = "trade_updates: " + error;
    rest_->stop();
    return false;
  }
  spdlog::info("broker: orders to {} ({} keep-alive connections), order events from {}; no trading "
               "until start-up reconciliation has succeeded",
               cfg_.rest_url, cfg_.connections, cfg_.stream_url);
  return true;
}

void broker_link::stop() {
  stopping_ = true;
  retry_timer_.cancel();
  stream_->stop();
  rest_->stop();
}

bool broker_link::stopped() const {
  const auto s = stream_->state();
  return s == adapters::trade_stream_state::stopped || s == adapters::trade_stream_state::failed ||
         s == adapters::trade_stream_state::idle;
}

std::string broker_link::stream_failure() const {
  return stream_->state() == adapters::trade_stream_state::failed ? stream_->failure() : std::string();
}

std::string broker_link::last_reconcile_error() const {
  std::lock_guard<std::mutex> lock(recon_error_mutex_);
  return recon_error_;
}

// ---- orders -------------------------------------------------------------------------------------

void broker_link::remember_broker_id(order_id id, const fixed_string<36>& broker_id) noexcept {
  if (id.value == 0 || broker_id.empty()) return;
  broker_id_slot& s = broker_ids_[id.value % broker_ids_.size()];
  s.id = id;
  s.broker_id = broker_id;
  // A cancel that waited for this id goes out now.
  for (size_t i = 0; i < waiting_cancels_.size(); ++i) {
    if (waiting_cancels_[i].id != id) continue;
    const order_command c = waiting_cancels_[i];
    waiting_cancels_.erase(waiting_cancels_.begin() + static_cast<std::ptrdiff_t>(i));
    if (!rest_->cancel(c, broker_id.view())) spdlog::warn("broker: cancel of {} refused (queue full)", c.coid.view());
    break;
  }
}

const fixed_string<36>* broker_link::broker_id_of(order_id id) const noexcept {
  const broker_id_slot& s = broker_ids_[id.value % broker_ids_.size()];
  return s.id == id && !s.broker_id.empty() ? &s.broker_id : nullptr;
}

void broker_link::reject(const order_command& c, uint16_t code, bool inside_pump) noexcept {
  broker_event ev;
  ev.kind = broker_event_kind::rejected;
  ev.id = c.id;
  ev.coid = c.coid;
  ev.reject_code = code;
  status_.rejections.fetch_add(1, std::memory_order_relaxed);
  status_.last_reject_code.store(code, std::memory_order_relaxed);
  if (inside_pump) (void)hp_.post_broker_event(ev);
  else hp_.on_broker_event(ev);
}

void broker_link::send(const order_command& c) noexcept {
  struct send_scope {
    bool& flag;
    explicit send_scope(bool& f) noexcept : flag(f) { flag = true; }
    ~send_scope() { flag = false; }
  } scope(in_send_);
  if (c.kind == order_command_kind::submit) {
    if (!rest_->submit(c, symbols_.name(c.symbol))) reject(c, actors::reject_codes::gateway_queue_full, true);
    return;
  }
  if (const fixed_string<36>* bid = broker_id_of(c.id)) {
    if (!rest_->cancel(c, bid->view())) spdlog::warn("broker: cancel of {} refused (queue full)", c.coid.view());
    return;
  }
  if (waiting_cancels_.size() == waiting_cancels_.capacity()) {
    // Cancels of orders that closed without a broker id (refused, stale, never received) wait
    // for nothing: make room.
    std::erase_if(waiting_cancels_, [this](const order_command& w) {
      const std::optional<order_status> st = hp_.router().status_of(w.id);
      return !st || is_terminal(*st);
    });
  }
  if (waiting_cancels_.size() < waiting_cancels_.capacity()) {
    waiting_cancels_.push_back(c);  // the POST is still in flight: cancel once its id is known
  } else {
    spdlog::warn("broker: cancel of {} dropped ({} cancels wait for a broker id)", c.coid.view(),
                 waiting_cancels_.size());
  }
}

void broker_link::on_submit_accepted(const order_command& cmd, const adapters::order_view& o) noexcept {
  remember_broker_id(cmd.id, o.id);
  const std::optional<broker_event_kind> k =
      o.status_known ? actors::event_for_status(o.status) : std::optional<broker_event_kind>{};
  if (!k) {  // the stream will say where it is; the broker's id goes to the audit trail now
    (void)hp_.learn_broker_id(cmd.id, o.id);
    return;
  }
  broker_event ev;
  ev.kind = *k;
  ev.id = cmd.id;
  ev.coid = cmd.coid;
  ev.cum_qty = o.filled_qty;
  ev.avg_px = o.filled_avg_price.value_or(price{});
  if (o.updated_at) ev.time = *o.updated_at;
  ev.broker_id = o.id;
  if (in_send_) (void)hp_.post_broker_event(ev);
  else hp_.on_broker_event(ev);
}

void broker_link::on_submit_rejected(const order_command& cmd, unsigned http_status,
                                     const adapters::api_error_view& err) noexcept {
  const uint16_t code = http_status == 0 ? actors::reject_codes::gateway_unavailable
                                         : static_cast<uint16_t>(http_status);
  spdlog::warn("broker: order {} refused: {} {} (code {}: {})", cmd.coid.view(), http_status,
               actors::reject_code_name(code), err.code, err.message.view());
  reject(cmd, code, in_send_);
}

void broker_link::on_submit_stale(const order_command& cmd, std::chrono::milliseconds age) noexcept {
  // Never sent: close it here as canceled with its reason, so risk releases the exposure, the
  // strategy may decide again, and the audit trail says why.
  status_.stale_orders.fetch_add(1, std::memory_order_relaxed);
  status_.last_reject_code.store(actors::reject_codes::order_stale, std::memory_order_relaxed);
  spdlog::warn("broker: order {} canceled unsent: {} ms after its decision (ORDER_STALE)", cmd.coid.view(),
               age.count());
  broker_event ev;
  ev.kind = broker_event_kind::canceled;
  ev.id = cmd.id;
  ev.coid = cmd.coid;
  ev.reject_code = actors::reject_codes::order_stale;
  if (in_send_) (void)hp_.post_broker_event(ev);
  else hp_.on_broker_event(ev);
}

void broker_link::on_cancel_result(const order_command& cmd, unsigned http_status,
                                   const adapters::api_error_view& err) noexcept {
  if (http_status == 204 || http_status == 200) return;  // the stream reports `canceled`
  spdlog::info("broker: cancel of {} answered {} ({})", cmd.coid.view(), http_status, err.message.view());
}

// ---- trade_updates ------------------------------------------------------------------------------

void broker_link::on_trade_update(const adapters::trade_update_view& u) noexcept {
  const std::optional<broker_event_kind> k = kind_of(u.event);
  if (!k) {
    status_.ignored_events.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  if (const std::optional<order_id> id = hp_.router().find_by_coid(u.order.coid)) remember_broker_id(*id, u.order.id);
  broker_event ev;
  ev.kind = *k;
  ev.coid = u.order.coid;
  ev.last_qty = u.qty.value_or(quantity{});
  ev.last_px = u.px.value_or(price{});
  ev.cum_qty = u.order.filled_qty;
  ev.avg_px = u.order.filled_avg_price.value_or(price{});
  ev.time = u.time.value_or(timestamp{});
  ev.broker_id = u.order.id;
  if (*k == broker_event_kind::rejected) {
    ev.reject_code = actors::reject_codes::broker_rejected;
    status_.rejections.fetch_add(1, std::memory_order_relaxed);
    status_.last_reject_code.store(ev.reject_code, std::memory_order_relaxed);
  }
  status_.events.fetch_add(1, std::memory_order_relaxed);
  hp_.on_broker_event(ev);
}

void broker_link::on_listening(bool reconnect) noexcept {
  spdlog::info("broker: trade_updates {}; reconciling with REST", reconnect ? "back after a reconnect" : "listening");
  reconcile();
}

void broker_link::on_disconnected() noexcept {
  if (!stopping_) spdlog::warn("broker: trade_updates disconnected; events will be reconciled after the reconnect");
}

// ---- reconciliation -----------------------------------------------------------------------------

bool broker_link::to_state(const adapters::order_view& o, actors::broker_order_state& out) const {
  out.coid = o.coid;
  out.symbol = symbols_.find(o.symbol.view());
  out.order_side = o.order_side;
  out.type = o.type;
  out.tif = o.tif;
  // Statuses the engine does not track are open orders (done_for_day, stopped, suspended, ...).
  out.status = o.status_known ? o.status : order_status::new_order;
  out.qty = o.qty.value_or(quantity{});
  out.filled_qty = o.filled_qty;
  out.filled_avg_px = o.filled_avg_price.value_or(price{});
  out.limit_px = o.limit_price.value_or(price{});
  out.stop_px = o.stop_price.value_or(price{});
  out.broker_id = o.id;
  return out.symbol.valid() && out.qty.is_positive();
}

void broker_link::reconcile() {
  if (stopping_) return;
  if (recon_running_) {
    recon_again_ = true;
    return;
  }
  recon_running_ = true;
  recon_again_ = false;
  const uint64_t gen = ++recon_generation_;
  snap_ = actors::broker_snapshot{};
  asked_.clear();
  rest_->get("/v2/orders?status=open&limit=500&direction=asc", [this, gen](unsigned st, std::string_view body) {
    if (gen != recon_generation_ || stopping_) return;
    if (st != 200) return reconcile_failed("GET /v2/orders?status=open answered " + std::to_string(st));
    std::vector<adapters::order_view> orders;
    if (const auto r = adapters::parse_order_list(body, orders); !r.ok())
      return reconcile_failed("open orders: " + std::string(adapters::to_string(r.error)) + " at '" +
                              std::string(r.field) + "'");
    for (const auto& o : orders) {
      actors::broker_order_state s;
      if (to_state(o, s)) snap_.open_orders.push_back(s);
      else status_.foreign_orders.fetch_add(1, std::memory_order_relaxed);
    }
    asked_ = hp_.missing_at_broker(snap_.open_orders);
    recon_pending_queries_ = asked_.size();
    if (asked_.empty()) return fetch_positions_and_account();
    for (const client_order_id& c : asked_) {
      char target[256];
      const size_t n = adapters::write_coid_query_target(c.view(), target);
      rest_->get(std::string(target, n),
                 [this, gen](unsigned qs, std::string_view qbody) {
                   if (gen != recon_generation_ || stopping_) return;
                   if (qs == 200) {
                     adapters::order_view o;
                     actors::broker_order_state s;
                     if (adapters::parse_order(qbody, o).ok() && to_state(o, s)) snap_.queried_orders.push_back(s);
                   } else if (qs != 404) {
                     return reconcile_failed("GET by_client_order_id answered " + std::to_string(qs));
                   }
                   if (--recon_pending_queries_ == 0) fetch_positions_and_account();
                 });
    }
  });
}

void broker_link::fetch_positions_and_account() {
  const uint64_t gen = recon_generation_;
  rest_->get("/v2/positions", [this, gen](unsigned st, std::string_view body) {
    if (gen != recon_generation_ || stopping_) return;
    if (st != 200) return reconcile_failed("GET /v2/positions answered " + std::to_string(st));
    std::vector<adapters::position_view> positions;
    if (const auto r = adapters::parse_positions(body, positions); !r.ok())
      return reconcile_failed("positions: " + std::string(adapters::to_string(r.error)));
    for (const auto& p : positions) {
      const symbol_id s = symbols_.find(p.symbol.view());
      if (!s.valid()) {
        status_.foreign_positions.fetch_add(1, std::memory_order_relaxed);
        spdlog::warn("broker: position in {} ({}) is outside the allow-list: not tracked by risk",
                     p.symbol.view(), decimal_string(p.qty));
        continue;
      }
      snap_.positions.push_back({s, p.qty, p.avg_entry_price});
    }
    rest_->get("/v2/account", [this, gen](unsigned ast, std::string_view abody) {
      if (gen != recon_generation_ || stopping_) return;
      if (ast != 200) return reconcile_failed("GET /v2/account answered " + std::to_string(ast));
      adapters::account_view acct;
      if (const auto r = adapters::parse_account(abody, acct); !r.ok())
        return reconcile_failed("account: " + std::string(adapters::to_string(r.error)));
      if (acct.trading_blocked || acct.account_blocked)
        spdlog::error("broker: the account is blocked (trading_blocked={}, account_blocked={})",
                      acct.trading_blocked, acct.account_blocked);
      snap_.equity = acct.equity;
      apply_reconciliation();
    });
  });
}

void broker_link::apply_reconciliation() {
  const bool first = !status_.reconciled.load(std::memory_order_relaxed);
  const actors::reconcile_result r = hp_.reconcile(snap_, asked_);
  // The broker's ids of the orders it holds, adopted ones included: a cancel of one of them needs
  // no stream event first (and one that waited for its id goes out now).
  for (const auto* list : {&snap_.open_orders, &snap_.queried_orders})
    for (const actors::broker_order_state& o : *list)
      if (const std::optional<order_id> id = hp_.router().find_by_coid(o.coid); id && !is_terminal(o.status))
        remember_broker_id(*id, o.broker_id);
  const uint64_t diffs = r.orders_adopted + r.orders_advanced + r.orders_vanished + r.positions_adjusted;
  status_.differences.fetch_add(diffs, std::memory_order_relaxed);
  status_.reconciliations.fetch_add(1, std::memory_order_relaxed);
  status_.last_reconcile_ns.store(wall_ns(), std::memory_order_relaxed);
  {
    std::lock_guard<std::mutex> lock(recon_error_mutex_);
    recon_error_.clear();
  }
  spdlog::info("broker: reconciled ({}): {} open orders at the broker, {} adopted, {} advanced, {} "
               "never reached it, {} positions adjusted, equity {}",
               first ? "start-up" : "after reconnect", snap_.open_orders.size(), r.orders_adopted,
               r.orders_advanced, r.orders_vanished, r.positions_adjusted,
               snap_.equity ? decimal_string(*snap_.equity) : std::string("?"));
  if (first) {
    hp_.set_reconciled(true);
    status_.reconciled.store(true, std::memory_order_release);
    spdlog::info("broker: trading enabled");
  }
  recon_running_ = false;
  if (recon_again_) reconcile();
}

void broker_link::reconcile_failed(const std::string& why) {
  recon_running_ = false;
  {
    std::lock_guard<std::mutex> lock(recon_error_mutex_);
    recon_error_ = why;
  }
  status_.reconcile_failures.fetch_add(1, std::memory_order_relaxed);
  spdlog::warn("broker: reconciliation failed ({}); retrying in 1 s", why);
  ++recon_generation_;  // answers still in flight belong to the failed run
  retry_timer_.expires_after(std::chrono::seconds(1));
  retry_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec && !stopping_) reconcile();
  });
}

}  // namespace torghut::adapters
