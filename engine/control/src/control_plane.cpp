#include "torghut/control/control_plane.hpp"

#include <caf/all.hpp>
#include <deque>
#include <mutex>
#include <unordered_map>
#include <vector>

namespace torghut {

/// CAF serialisation of the control-plane message types (CAF 0.17 needs one per custom type).
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, engine_status& x) {
  return f(caf::meta::type_name("torghut.engine_status"), x.request_id, x.state, x.kill_switch,
           x.events_in, x.events_dropped, x.decisions, x.rejections, x.orders, x.fills,
           x.realized_pnl.raw, x.unrealized_pnl.raw, x.last_event_time.ns);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, risk_limits& x) {
  return f(caf::meta::type_name("torghut.risk_limits"), x.max_notional_per_order.raw,
           x.max_position_pct_equity, x.max_order_qty.raw, x.orders_per_minute, x.order_burst,
           x.price_collar_pct, x.daily_loss_limit.raw);
}

namespace {

using kill_atom = caf::atom_constant<caf::atom("kill")>;
using state_atom = caf::atom_constant<caf::atom("state")>;
using status_atom = caf::atom_constant<caf::atom("status")>;
using reload_atom = caf::atom_constant<caf::atom("reload")>;
using shutdown_atom = caf::atom_constant<caf::atom("shutdown")>;
using cancel_all_atom = caf::atom_constant<caf::atom("cancelall")>;
using poll_atom = caf::atom_constant<caf::atom("poll")>;
using tick_atom = caf::atom_constant<caf::atom("tick")>;
using stop_atom = caf::atom_constant<caf::atom("stop")>;
using spawn_atom = caf::atom_constant<caf::atom("spawnw")>;

struct worker_spec {
  std::string name;
  std::function<void()> tick;
  std::chrono::microseconds period;
};
using worker_spec_ptr = std::shared_ptr<worker_spec>;

}  // namespace
}  // namespace torghut

// Local-only message (never serialised): the spec of a supervised worker.
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(torghut::worker_spec_ptr)

namespace torghut {
namespace {

void push_command(control_channel* ch, const control_command& c) {
  // ConcurrentQueue::enqueue may allocate a block on this (control) thread; never on the hot one.
  ch->commands.enqueue(c);
}

// --- controller: turns CAF messages into hot-loop commands, and status requests into replies ---

struct controller_state {
  struct pending_request {
    caf::typed_response_promise<engine_status> promise;
    std::chrono::steady_clock::time_point deadline;
  };
  uint64_t next_id = 1;
  std::unordered_map<uint64_t, pending_request> pending;
  bool polling = false;
  static inline const char* name = "torghut.controller";
};

caf::behavior controller(caf::stateful_actor<controller_state>* self, control_channel* ch) {
  return {
      [=](kill_atom, bool on) {
        control_command c;
        c.kind = on ? control_kind::kill_switch_on : control_kind::kill_switch_off;
        push_command(ch, c);
      },
      [=](state_atom, uint8_t s) {
        control_command c;
        c.kind = control_kind::set_trading_state;
        c.state = static_cast<trading_state>(s);
        push_command(ch, c);
      },
      [=](reload_atom, const risk_limits& l) {
        control_command c;
        c.kind = control_kind::reload_risk_limits;
        c.limits = l;
        push_command(ch, c);
      },
      [=](shutdown_atom) {
        control_command c;
        c.kind = control_kind::shutdown;
        push_command(ch, c);
      },
      [=](cancel_all_atom) {
        control_command c;
        c.kind = control_kind::cancel_all_orders;
        push_command(ch, c);
      },
      [=](status_atom) -> caf::result<engine_status> {
        auto& st = self->state;
        const uint64_t id = st.next_id++;
        control_command c;
        c.kind = control_kind::status_snapshot;
        c.request_id = id;
        push_command(ch, c);
        auto rp = self->make_response_promise<engine_status>();
        st.pending.emplace(id, controller_state::pending_request{
                                   rp, std::chrono::steady_clock::now() + std::chrono::seconds(10)});
        if (!st.polling) {
          st.polling = true;
          self->send(self, poll_atom::value);
        }
        return rp;
      },
      [=](poll_atom) {
        auto& st = self->state;
        engine_status s;
        while (ch->statuses.try_dequeue(s)) {
          auto it = st.pending.find(s.request_id);
          if (it != st.pending.end()) {
            it->second.promise.deliver(s);
            st.pending.erase(it);
          }
        }
        const auto now = std::chrono::steady_clock::now();
        for (auto it = st.pending.begin(); it != st.pending.end();) {
          if (it->second.deadline < now) {
            it->second.promise.deliver(caf::make_error(caf::sec::request_timeout));
            it = st.pending.erase(it);
          } else {
            ++it;
          }
        }
        if (st.pending.empty()) {
          st.polling = false;
        } else {
          self->delayed_send(self, std::chrono::microseconds(200), poll_atom::value);
        }
      },
  };
}

// --- supervised periodic workers ---

caf::behavior worker(caf::event_based_actor* self, worker_spec_ptr spec) {
  self->send(self, tick_atom::value);
  return {
      [=](tick_atom) {
        spec->tick();  // an exception here kills this actor; the supervisor restarts it
        self->delayed_send(self, spec->period, tick_atom::value);
      },
      [=](stop_atom) {
        spec->tick();  // final drain
        self->quit();
      },
  };
}

struct supervisor_state {
  std::unordered_map<caf::actor_addr, std::pair<caf::actor, worker_spec_ptr>> workers;
  std::deque<std::chrono::steady_clock::time_point> recent_restarts;
  bool stopping = false;
  std::vector<caf::response_promise> stop_waiters;
  static inline const char* name = "torghut.supervisor";
};

struct shared_counters {
  std::atomic<uint64_t> restarts{0};
  std::atomic<uint64_t> escalations{0};
};

caf::behavior supervisor(caf::stateful_actor<supervisor_state>* self, control_channel* ch,
                         control_plane_options opts, std::shared_ptr<shared_counters> counters) {
  auto start = [=](const worker_spec_ptr& spec) {
    auto w = self->spawn(worker, spec);
    self->monitor(w);
    self->state.workers.emplace(w.address(), std::make_pair(w, spec));
  };
  self->set_down_handler([=](caf::down_msg& dm) {
    auto& st = self->state;
    auto it = st.workers.find(dm.source);
    if (it == st.workers.end()) return;
    worker_spec_ptr spec = it->second.second;
    st.workers.erase(it);
    if (st.stopping) {
      if (st.workers.empty()) {
        for (auto& rp : st.stop_waiters) rp.deliver(caf::unit);
        st.stop_waiters.clear();
      }
      return;
    }
    const auto now = std::chrono::steady_clock::now();
    st.recent_restarts.push_back(now);
    while (!st.recent_restarts.empty() && now - st.recent_restarts.front() > opts.restart_window)
      st.recent_restarts.pop_front();
    counters->restarts.fetch_add(1);
    if (static_cast<int>(st.recent_restarts.size()) > opts.max_restarts) {
      // A worker that keeps dying (the audit consumer, say): stop trading, keep it running.
      control_command c;
      c.kind = control_kind::set_trading_state;
      c.state = trading_state::halted;
      push_command(ch, c);
      counters->escalations.fetch_add(1);
      st.recent_restarts.clear();
    }
    start(spec);
  });
  return {
      [=](spawn_atom, worker_spec_ptr spec) { start(spec); },
      [=](stop_atom) -> caf::result<caf::unit_t> {
        auto& st = self->state;
        st.stopping = true;
        if (st.workers.empty()) return caf::unit;
        for (auto& kv : st.workers) self->send(kv.second.first, stop_atom::value);
        auto rp = self->make_response_promise();
        st.stop_waiters.push_back(rp);
        return caf::delegated<caf::unit_t>{};
      },
  };
}

}  // namespace

struct control_plane::impl {
  static caf::actor_system_config make_config(const control_plane_options& o) {
    caf::actor_system_config cfg;
    cfg.set("scheduler.max-threads", static_cast<size_t>(o.workers));
    // An idle CAF 0.17 worker polls its queue 100 times, then sleeps 50 µs at a time for 500
    // more polls before it finally blocks: with a periodic 5 ms tick it never got that far and woke
    // ~20,000 times a second, preempting whatever shared its core (the wire-to-wire harness saw
    // the simulator's latency tail go to milliseconds). The control plane needs no such haste:
    // block after one empty poll in each phase.
    cfg.set("work-stealing.aggressive-poll-attempts", size_t{1});
    cfg.set("work-stealing.moderate-poll-attempts", size_t{1});
    cfg.add_message_type<engine_status>("torghut.engine_status");
    cfg.add_message_type<risk_limits>("torghut.risk_limits");
    return cfg;
  }
  impl(control_channel& c, control_plane_options o)
      : ch(&c), opts(o), cfg(make_config(o)), sys(cfg),
        counters(std::make_shared<shared_counters>()) {
    ctl = sys.spawn(controller, ch);
    sup = sys.spawn(supervisor, ch, opts, counters);
  }
  control_channel* ch;
  control_plane_options opts;
  caf::actor_system_config cfg;
  caf::actor_system sys;
  std::shared_ptr<shared_counters> counters;
  caf::actor ctl;
  caf::actor sup;
  bool workers_stopped = false;
};

control_plane::control_plane(control_channel& channel, control_plane_options opts)
    : impl_(std::make_unique<impl>(channel, opts)) {}

control_plane::~control_plane() {
  stop_workers();
  caf::anon_send_exit(impl_->ctl, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(impl_->sup, caf::exit_reason::user_shutdown);
}

void control_plane::kill_switch(bool on) { caf::anon_send(impl_->ctl, kill_atom::value, on); }
void control_plane::set_trading_state(trading_state s) {
  caf::anon_send(impl_->ctl, state_atom::value, static_cast<uint8_t>(s));
}
void control_plane::reload_limits(const risk_limits& limits) {
  caf::anon_send(impl_->ctl, reload_atom::value, limits);
}
void control_plane::cancel_all_orders() { caf::anon_send(impl_->ctl, cancel_all_atom::value); }
void control_plane::shutdown_hot_loop() { caf::anon_send(impl_->ctl, shutdown_atom::value); }

std::optional<engine_status> control_plane::status(std::chrono::milliseconds timeout) {
  caf::scoped_actor self{impl_->sys};
  std::optional<engine_status> out;
  self->request(impl_->ctl, timeout, status_atom::value)
      .receive([&](const engine_status& s) { out = s; }, [&](const caf::error&) {});
  return out;
}

void control_plane::supervise(std::string name, std::function<void()> tick,
                              std::chrono::microseconds period) {
  auto spec = std::make_shared<worker_spec>(worker_spec{std::move(name), std::move(tick), period});
  caf::anon_send(impl_->sup, spawn_atom::value, spec);
}

void control_plane::stop_workers() {
  if (impl_->workers_stopped) return;
  impl_->workers_stopped = true;
  caf::scoped_actor self{impl_->sys};
  self->request(impl_->sup, std::chrono::seconds(30), stop_atom::value)
      .receive([](caf::unit_t) {}, [](const caf::error&) {});
}

supervision_stats control_plane::stats() const noexcept {
  return {impl_->counters->restarts.load(), impl_->counters->escalations.load()};
}

size_t control_plane::scheduler_workers() const noexcept {
  return impl_->sys.scheduler().num_workers();
}

}  // namespace torghut
