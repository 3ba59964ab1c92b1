// The Alpaca market-data WebSocket client. See md_client.hpp for the contract.
//
// The only Beast translation unit of the client. One `ws_connection<Tls, impl>` (adapters/net)
// per dial owns the socket stack and reports to the client's `impl` through a generation number: callbacks from a
// connection that is no longer current are ignored, so a reconnect never races an old socket.

#include "torghut/adapters/md_client.hpp"
#include "torghut/adapters/tls.hpp"
#include "torghut/adapters/ws_connection.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <deque>
#include <mutex>
#include <random>

#include "torghut/adapters/json_decoder.hpp"
#include "torghut/adapters/msgpack_decoder.hpp"
#include "torghut/adapters/recording.hpp"

#include "torghut/core/counter.hpp"
#include "torghut/core/secrets.hpp"

namespace torghut::adapters {

namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
namespace beast = boost::beast;
namespace websocket = boost::beast::websocket;
using tcp = boost::asio::ip::tcp;
using error_code = boost::system::error_code;

std::string_view to_string(md_client_state s) noexcept {
  switch (s) {
    case md_client_state::idle: return "idle";
    case md_client_state::connecting: return "connecting";
    case md_client_state::authenticating: return "authenticating";
    case md_client_state::subscribing: return "subscribing";
    case md_client_state::live: return "live";
    case md_client_state::backing_off: return "backing_off";
    case md_client_state::failed: return "failed";
    case md_client_state::stopped: return "stopped";
  }
  return "unknown";
}

void mailbox_event_sink::on_market_event(const market_event& e) noexcept {
  if (owe_gap_) {
    market_event g{};
    g.kind = market_event_kind::gap;
    g.event_time = e.recv_time;
    g.recv_time = e.recv_time;
    g.u.gap.length = e.recv_time - first_drop_;
    if (mb_.push(g) != push_result::ok) {
      dropped_.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    owe_gap_ = false;
  }
  if (mb_.push(e) != push_result::ok) {
    dropped_.fetch_add(1, std::memory_order_relaxed);
    owe_gap_ = true;
    first_drop_ = e.recv_time;
  }
}

void load_credentials_from_env(md_client_config& cfg) { credentials_from_env(cfg.key_id, cfg.secret); }

std::string effective_url(const md_client_config& cfg) {
  return cfg.url.empty() ? make_stream_url(cfg.base, cfg.feed) : cfg.url;
}

// ---------------------------------------------------------------------------------------------

namespace {

/// Single-writer counters, readable from any thread.
using counter = relaxed_counter;


}  // namespace

struct md_client::impl : ws_client_core<md_client_state>, std::enable_shared_from_this<md_client::impl> {
  impl(net::io_context& io_, md_client_config c, symbol_table& syms, md_event_sink& s)
      : ws_client_core(io_),
        cfg(std::move(c)),
        symbols(syms),
        sink(s),
        clk(cfg.clk != nullptr ? cfg.clk : &own_clock),
        bo(cfg.backoff, cfg.rng_seed != 0 ? cfg.rng_seed : std::random_device{}()) {}

  // --- configuration and collaborators (I/O thread only after start); the endpoint, TLS,
  // connection, liveness, reconnect timer and state are ws_client_core's ---
  md_client_config cfg;
  symbol_table& symbols;
  md_event_sink& sink;
  system_clock own_clock;
  const clock* clk;
  stream_slot slot;
  std::optional<connection_registry::registration> reg;
  std::optional<stream_lease> lease;
  backoff bo;
  std::unique_ptr<json_decoder> json;
  std::unique_ptr<msgpack_decoder> mp;
  recording_writer rec;
  bool recording = false;

  // --- protocol state (I/O thread only) ---
  bool conn_authenticated = false;
  bool ever_authenticated = false;
  bool gap_pending = false;
  timestamp gap_start{};
  timestamp last_frame{};
  int outstanding_subs = 0;
  /// What the engine wants: the configured subscriptions plus subscribe() minus unsubscribe().
  /// Never taken from a server reply: a reconnect re-subscribes exactly this.
  channel_lists desired;
  /// Per unanswered subscribe/unsubscribe, in order: the symbols it added to `desired` (so a
  /// refusal with 405 takes back exactly those).
  std::deque<channel_lists> pending_added;
  /// The last disagreement between a reply and `desired` that was logged ("" = none).
  std::string logged_disagreement;
  bool unsolicited_logged = false;  ///< per connection: a server spamming replies logs once
  /// Decode errors: the first of each kind with context, then a count at most every 10 s.
  decode_error_reporter decode_report{""};
  std::vector<std::string> report_lines;
  std::optional<md_action> pending_reconnect;
  bool conn_limit_logged = false;
  std::string out_buf;

  // --- readable from any thread ---
  mutable std::mutex mu;  ///< confirmed
  channel_lists confirmed;
  lag_gauge lag;
  counter dials, upgrades, authenticated, reconnects, disconnects, frames, bytes, events, controls,
      decode_errors, gaps, subscription_replies, pings_sent, pongs, pong_timeouts, error_messages, conn_limit,
      slow_client, auth_failed, alarms, alerts, bugs, upgrade_refused, rate_limited, tls_failures, frames_recorded,
      oversized_frames, healthy_resets, unsolicited_replies, subscription_disagreements;
  std::atomic<uint32_t> backoff_attempt{0};
  std::atomic<int> last_error_code{0};

  // --- lifecycle -----------------------------------------------------------------------------
  void dial();

  /// How each connection dials: the key headers only in `headers` auth mode, msgpack's
  /// Content-Type and binary frames in msgpack mode.
  [[nodiscard]] ws_dial_options dial_options() const {
    ws_dial_options o;
    o.connect_timeout = cfg.connect_timeout;
    o.verify_peer = cfg.verify_peer;
    o.max_frame_bytes = cfg.max_frame_bytes;
    o.user_agent = "torghut-md-client";
    const bool msgpack = cfg.format == wire_format::msgpack;
    if (msgpack) o.content_type = "application/msgpack";
    o.binary = msgpack;
    if (cfg.auth == md_auth_mode::headers) {
      o.key_id = cfg.key_id;
      o.secret = cfg.secret;
    }
    return o;
  }
  void release_slot() noexcept {
    lease.reset();
    reg.reset();
    if (recording) rec.flush();
  }
  void teardown_connection(bool graceful) { close_connection(graceful); }
  void fail(std::string reason) {
    if (finished()) return;
    spdlog::error("[{}] market-data client stopped for good: {}", cfg.name, reason);
    set_failure(std::move(reason));
    set_state(md_client_state::failed);
    teardown_connection(true);
    reconnect_timer.cancel();
    release_slot();
  }
  void stop_now() {
    if (finished()) return;
    set_state(md_client_state::stopped);
    teardown_connection(true);
    reconnect_timer.cancel();
    release_slot();
    if (recording) rec.close();
  }
  void schedule_reconnect(md_action a) {
    if (finished()) return;
    if (bo.on_connection_end(steady_ns())) {
      healthy_resets.inc();
      spdlog::info("[{}] the connection had been healthy for at least {} ms: backoff starts again", cfg.name,
                   bo.config().healthy_after.count());
    }
    const auto delay = bo.next(a);
    backoff_attempt.store(bo.attempt(), std::memory_order_relaxed);
    last_backoff_ms.store(delay.count(), std::memory_order_relaxed);
    set_state(md_client_state::backing_off);
    spdlog::info("[{}] reconnecting to {} in {} ms ({})", cfg.name, slot.text(), delay.count(), to_string(a));
    reconnect_timer.expires_after(delay);
    reconnect_timer.async_wait([self = shared_from_this()](const error_code& ec) {
      if (ec || self->st.load(std::memory_order_relaxed) != md_client_state::backing_off) return;
      self->dial();
    });
  }

  // --- connection callbacks ------------------------------------------------------------------
  void on_open(uint64_t g) {
    if (!current(g)) return;
    upgrades.inc();
    conn_authenticated = false;
    outstanding_subs = 0;
    pending_added.clear();
    unsolicited_logged = false;
    pending_reconnect.reset();
    set_state(md_client_state::authenticating);
    keepalive.arm(shared_from_this(), g, cfg.ping_interval, cfg.pong_timeout);
  }

  void on_connect_failed(uint64_t g, ws_fail_stage stage, const error_code& ec, int http_status,
                         std::string_view detail) {
    if (!current(g)) return;
    conn.reset();
    disconnects.inc();
    note_gap_start();
    if (stage == ws_fail_stage::upgrade && http_status != 0) {
      upgrade_refused.inc();
      const auto d = decide_on_upgrade_status(http_status);
      if (d.action == md_action::reconnect_rate_limited) rate_limited.inc();
      if (d.action == md_action::stop) {
        fail(std::string(d.reason) + " (HTTP " + std::to_string(http_status) + " from " + url.host_header() +
             url.path + ")");
        return;
      }
      spdlog::warn("[{}] upgrade refused with HTTP {}: {}", cfg.name, http_status, d.reason);
      schedule_reconnect(d.action);
      return;
    }
    if (stage == ws_fail_stage::tls && !detail.empty()) {
      tls_failures.inc();
      fail("TLS: " + std::string(detail));
      return;
    }
    if (stage == ws_fail_stage::tls) tls_failures.inc();
    spdlog::warn("[{}] {} to {} failed: {}", cfg.name, to_string(stage), url.host_header(),
                 ec.message());
    schedule_reconnect(md_action::reconnect);
  }

  void note_gap_start() {
    if (!ever_authenticated || gap_pending) return;
    gap_pending = true;
    gap_start = last_frame.ns != 0 ? last_frame : clk->now();
  }

  void on_closed(uint64_t g, const error_code& ec, std::string_view reason) {
    if (!current(g)) return;
    conn.reset();
    keepalive.cancel();
    disconnects.inc();
    note_gap_start();
    conn_authenticated = false;
    if (finished()) return;
    const md_action a = pending_reconnect.value_or(md_action::reconnect);
    pending_reconnect.reset();
    if (ec == websocket::error::message_too_big) {
      oversized_frames.inc();
      spdlog::warn("[{}] connection to {} ended: the server sent a frame that exceeds the {} limit "
                   "(max_frame_bytes); the connection was closed with 1009 (message too big)",
                   cfg.name, slot.text(), describe_bytes(cfg.max_frame_bytes));
    } else {
      spdlog::warn("[{}] connection to {} ended: {}{}{}", cfg.name, slot.text(), ec.message(),
                   reason.empty() ? "" : " / ", reason);
    }
    schedule_reconnect(a);
  }

  void on_pong(uint64_t g) {
    if (!current(g)) return;
    pongs.inc();
    keepalive.pong();
  }
  // ws_keepalive's notes
  void on_ping_sent() {
    report_decode_errors({}, false);  // counts still owed by the rate limit
    pings_sent.inc();
  }
  void on_pong_timeout() {
    pong_timeouts.inc();
    spdlog::warn("[{}] no pong from {} within {} ms: dropping the connection", cfg.name, slot.text(),
                 cfg.pong_timeout.count());
  }

  void send_auth() {
    encode_auth(cfg.format, cfg.key_id, cfg.secret, out_buf);
    if (conn) conn->send(out_buf);
  }
  /// `added`: the symbols this request added to `desired` (taken back if it is refused).
  void send_subscribe(bool sub, const channel_lists& ch, channel_lists added = {}) {
    encode_subscribe(cfg.format, sub, ch, out_buf);
    if (conn) conn->send(out_buf);
    ++outstanding_subs;  // subscribe and unsubscribe are both answered with the whole state
    pending_added.push_back(std::move(added));
  }

  void emit_gap(timestamp now) {
    market_event e{};
    e.kind = market_event_kind::gap;
    e.event_time = now;
    e.recv_time = now;
    e.u.gap.length = now - gap_start;
    gap_pending = false;
    gaps.inc();
    spdlog::info("[{}] feed gap of {} ms on {}", cfg.name, e.u.gap.length.ns / 1'000'000, slot.text());
    sink.on_market_event(e);
  }

  void on_frame(uint64_t g, std::string_view frame, bool /*binary*/) {
    if (!current(g)) return;
    const timestamp now = clk->now();
    frames.inc();
    bytes.add(frame.size());
    last_frame = now;
    if (recording && rec.write(now, frame)) frames_recorded.inc();
    auto on_event = [this, now](const market_event& e) noexcept {
      if (lag_applies(e.kind)) lag.record(now.ns - e.event_time.ns);
      events.inc();
      sink.on_market_event(e);
    };
    auto on_ctl = [this, g](const control_message& m) noexcept {
      if (!current(g)) return;
      controls.inc();
      try {
        on_control(m);
      } catch (const std::exception& ex) {
        spdlog::error("[{}] handling a control message failed: {}", cfg.name, ex.what());
      }
    };
    const decode_result r = cfg.format == wire_format::json ? json->decode(frame, now, on_event, on_ctl)
                                                            : mp->decode(frame, now, on_event, on_ctl);
    if (r.skipped != 0 || r.frame_error != decode_error::none) {
      decode_errors.add(r.skipped + (r.frame_error != decode_error::none ? 1u : 0u));
      bo.on_trouble(steady_ns());  // not healthy: the backoff's healthy period starts again
      report_decode_errors(frame, true);
    }
  }

  // --- decode error reports (error path only: may allocate) ----------------------------------
  /// Logs what `decode_report` decides (error path only: may allocate).
  void report_decode_errors(std::string_view frame, bool in_frame) {
    if (!json && !mp) return;
    const decode_stats& ds = json ? json->stats() : mp->stats();
    auto first = [this](decode_error k) -> const decode_error_context& {
      return json ? json->first_error(k) : mp->first_error(k);
    };
    auto forget = [this](decode_error k) {
      if (json)
        json->reset_first_error(k);
      else
        mp->reset_first_error(k);
    };
    report_lines.clear();
    decode_report.collect(ds, first, forget, frame, in_frame, steady_ns(), cfg.key_id, cfg.secret, report_lines);
    for (const auto& l : report_lines) spdlog::warn("[{}] {}", cfg.name, l);
  }

  [[nodiscard]] static int64_t steady_ns() noexcept {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
  }

  void on_control(const control_message& m) {
    switch (m.type) {
      case control_type::success:
        if (m.msg == "connected") {
          if (cfg.auth == md_auth_mode::message) send_auth();
        } else if (m.msg == "authenticated") {
          on_authenticated();
        }
        return;
      case control_type::subscription: {
        subscription_replies.inc();
        channel_lists reply;
        channels_from_control(m, reply);
        {
          const std::lock_guard lock(mu);
          confirmed = reply;  // what the server says it sends; never what we ask for next time
        }
        if (outstanding_subs > 0) {
          --outstanding_subs;
          if (!pending_added.empty()) pending_added.pop_front();
        } else {
          unsolicited_replies.inc();
          if (!unsolicited_logged)
            spdlog::warn("[{}] {} sent a subscription reply we did not ask for (logged once per connection)",
                         cfg.name, slot.text());
          unsolicited_logged = true;
        }
        if (outstanding_subs == 0) {
          check_agreement(reply);
          if (conn_authenticated) go_live();
        }
        return;
      }
      case control_type::error: on_error(m.code, m.msg); return;
    }
  }

  void on_authenticated() {
    if (conn_authenticated) return;
    conn_authenticated = true;
    ever_authenticated = true;
    authenticated.inc();
    bo.on_authenticated(steady_ns());  // the backoff resets only once this connection proves healthy
    conn_limit_logged = false;
    spdlog::info("[{}] authenticated on {}", cfg.name, slot.text());
    const channel_lists req = request_channels(desired);
    if (!req.empty()) {
      set_state(md_client_state::subscribing);
      send_subscribe(true, req);
    } else {
      go_live();
    }
  }

  void go_live() {
    set_state(md_client_state::live);
    if (gap_pending) emit_gap(clk->now());
  }

  /// With every request answered: logs (once per distinct difference) a reply whose state
  /// differs from `desired`. `desired` stays as it is: it is what the next connection asks for.
  void check_agreement(const channel_lists& reply) {
    std::string diff = describe_difference(desired, reply);
    if (diff == logged_disagreement) return;
    logged_disagreement = diff;
    if (diff.empty()) return;
    subscription_disagreements.inc();
    spdlog::warn("[{}] {} reports subscriptions that differ from ours ({}); ours are kept and re-sent on "
                 "reconnect", cfg.name, slot.text(), diff);
  }

  void on_error(int code, std::string_view msg) {
    error_messages.inc();
    last_error_code.store(code, std::memory_order_relaxed);
    const md_decision d = decide_on_error(code);
    const std::string what = "code " + std::to_string(code) + " '" + std::string(msg) + "'";
    switch (d.action) {
      case md_action::ignore: spdlog::debug("[{}] ignoring {}", cfg.name, what); return;
      case md_action::log_bug:
        bugs.inc();
        spdlog::error("[{}] BUG: the server answered {}: {}", cfg.name, what, d.reason);
        return;
      case md_action::alert:
        alerts.inc();
        spdlog::error("[{}] ALERT: {}: {}", cfg.name, what, d.reason);
        if (outstanding_subs > 0) --outstanding_subs;
        if (!pending_added.empty()) {
          // The refused request's new symbols are no longer wanted (a resend would be refused
          // again, and would take the rest of the request with it).
          remove_channels(desired, pending_added.front());
          pending_added.pop_front();
        }
        if (outstanding_subs == 0 && conn_authenticated) go_live();
        return;
      case md_action::stop:
        if (code == 402) auth_failed.inc();
        fail(std::string(d.reason) + " (" + what + " from " + slot.text() + ")"); return;
      case md_action::reconnect:
      case md_action::reconnect_rate_limited:
      case md_action::reconnect_conn_limit:
        if (code == 406) {
          conn_limit.inc();
          if (!conn_limit_logged) {
            conn_limit_logged = true;
            spdlog::error("[{}] {}: {} (first retry in at least {} ms; logged once until authenticated)",
                          cfg.name, what, d.reason, bo.conn_limit_floor(bo.conn_limit_attempt()).count());
          }
        } else if (code == 407) {
          slow_client.inc();
        }
        if (d.alarm) {
          alarms.inc();
          spdlog::error("[{}] ALARM: {}: {}", cfg.name, what, d.reason);
        } else if (code != 406) {
          spdlog::warn("[{}] {}: {}", cfg.name, what, d.reason);
        }
        pending_reconnect = d.action;
        if (conn) conn->abort();  // on_closed reconnects with pending_reconnect's backoff
        return;
    }
  }
};

void md_client::impl::dial() {
  if (finished()) return;
  std::string err;
  if (lease && !lease->still_held(err)) {
    fail("lost the market-data lease before dialing: " + err);
    return;
  }
  ++gen;
  dials.inc();
  if (dials.get() > 1) reconnects.inc();
  set_state(md_client_state::connecting);
  conn = make_ws_connection(shared_from_this(), gen, dial_options());
  conn->run();
}

// ---------------------------------------------------------------------------------------------

md_client::md_client(net::io_context& io, md_client_config cfg, symbol_table& symbols, md_event_sink& sink)
    : impl_(std::make_shared<impl>(io, std::move(cfg), symbols, sink)) {
  std::string err;
  if (auto u = parse_ws_url(effective_url(impl_->cfg), err)) impl_->url = std::move(*u);
  impl_->slot = stream_slot{impl_->url.host, impl_->url.path, impl_->cfg.key_id};
}

md_client::~md_client() {
  // The io_context is not running (contract): stale handlers it still holds keep impl alive and
  // see a finished state if they ever run.
  auto& im = *impl_;
  if (!im.finished()) {
    im.set_state(md_client_state::stopped);
    im.teardown_connection(false);
    im.reconnect_timer.cancel();
    im.release_slot();
    if (im.recording) im.rec.close();
  }
}

bool md_client::start(std::string& error) {
  auto& im = *impl_;
  auto refuse = [&](std::string e) {
    error = std::move(e);
    im.set_failure(error);
    im.set_state(md_client_state::failed);
    return false;
  };
  if (im.st.load() != md_client_state::idle) return refuse("start() called twice");
  std::string url_err;
  if (!parse_ws_url(effective_url(im.cfg), url_err)) return refuse("bad market-data URL: " + url_err);
  if (im.cfg.key_id.empty() || im.cfg.secret.empty())
    return refuse("no Alpaca credentials: set APCA_API_KEY_ID and APCA_API_SECRET_KEY");
  if (im.cfg.ping_interval.count() <= 0 || im.cfg.pong_timeout.count() <= 0)
    return refuse("ping_interval and pong_timeout must be positive");

  if (im.cfg.use_registry) {
    auto r = connection_registry::global().try_register(im.slot, error);
    if (!r) return refuse(error);
    im.reg = std::move(r);
  }
  {
    auto l = stream_lease::acquire(im.cfg.lease, im.slot, error);
    if (!l) {
      im.reg.reset();
      return refuse(error);
    }
    im.lease = std::move(l);
  }
  try {
    if (im.url.tls) {
      im.ssl_ctx = tls::make_client_context(im.cfg.verify_peer, im.cfg.ca_file);
      if (!im.cfg.verify_peer) {
        spdlog::warn("[{}] TLS peer verification is OFF for {}", im.cfg.name, im.slot.text());
      }
    }
    if (im.cfg.format == wire_format::json)
      im.json = std::make_unique<json_decoder>(im.symbols, im.cfg.max_frame_bytes);
    else
      im.mp = std::make_unique<msgpack_decoder>(im.symbols, im.cfg.max_frame_bytes);
  } catch (const std::exception& e) {
    im.lease.reset();
    im.reg.reset();
    return refuse(std::string("cannot set up the market-data client: ") + e.what());
  }
  if (!im.cfg.record_path.empty()) {
    if (im.cfg.format != wire_format::json) {
      spdlog::warn("[{}] recording is JSON only: frames of the msgpack connection are not recorded", im.cfg.name);
    } else if (!im.rec.open(im.cfg.record_path, true)) {
      im.lease.reset();
      im.reg.reset();
      return refuse("cannot open the recording " + im.cfg.record_path + ": " + im.rec.error());
    } else {
      im.recording = true;
    }
  }
  im.desired = request_channels(im.cfg.subscriptions);
  im.decode_report = decode_error_reporter(effective_url(im.cfg) + " (" + im.slot.text() + ")");
  im.set_state(md_client_state::connecting);
  spdlog::info("[{}] market-data client for {} ({}, {} auth, lease: {})", im.cfg.name, im.slot.text(),
               to_string(im.cfg.format), im.cfg.auth == md_auth_mode::message ? "message" : "header",
               im.lease->description());
  net::post(im.io, [self = impl_] { self->dial(); });
  return true;
}

void md_client::subscribe(const channel_lists& add) {
  net::post(impl_->io, [self = impl_, add] {
    if (self->finished()) return;
    channel_lists added = request_channels(add);
    remove_channels(added, self->desired);  // only what is new
    merge_channels(self->desired, request_channels(add));
    if (self->conn_authenticated && self->conn) {
      self->set_state(md_client_state::subscribing);
      self->send_subscribe(true, request_channels(add), std::move(added));
    }
  });
}

void md_client::unsubscribe(const channel_lists& remove) {
  net::post(impl_->io, [self = impl_, remove] {
    if (self->finished()) return;
    remove_channels(self->desired, request_channels(remove));
    if (self->conn_authenticated && self->conn) {
      self->set_state(md_client_state::subscribing);
      self->send_subscribe(false, request_channels(remove));
    }
  });
}

void md_client::stop() {
  net::post(impl_->io, [self = impl_] { self->stop_now(); });
}

md_client_state md_client::state() const noexcept { return impl_->st.load(std::memory_order_relaxed); }

std::string md_client::failure() const { return impl_->failure(); }

channel_lists md_client::subscriptions() const {
  const std::lock_guard lock(impl_->mu);
  return impl_->confirmed;
}

const stream_slot& md_client::slot() const noexcept { return impl_->slot; }

md_client_stats md_client::stats() const {
  const auto& im = *impl_;
  md_client_stats s;
  s.state = im.st.load(std::memory_order_relaxed);
  s.dials = im.dials.get();
  s.upgrades = im.upgrades.get();
  s.authenticated = im.authenticated.get();
  s.reconnects = im.reconnects.get();
  s.disconnects = im.disconnects.get();
  s.frames = im.frames.get();
  s.bytes = im.bytes.get();
  s.events = im.events.get();
  s.controls = im.controls.get();
  s.decode_errors = im.decode_errors.get();
  s.gaps = im.gaps.get();
  s.subscription_replies = im.subscription_replies.get();
  s.pings_sent = im.pings_sent.get();
  s.pongs = im.pongs.get();
  s.pong_timeouts = im.pong_timeouts.get();
  s.error_messages = im.error_messages.get();
  s.conn_limit = im.conn_limit.get();
  s.slow_client = im.slow_client.get();
  s.auth_failed = im.auth_failed.get();
  s.alarms = im.alarms.get();
  s.alerts = im.alerts.get();
  s.bugs = im.bugs.get();
  s.upgrade_refused = im.upgrade_refused.get();
  s.rate_limited = im.rate_limited.get();
  s.tls_failures = im.tls_failures.get();
  s.frames_recorded = im.frames_recorded.get();
  s.oversized_frames = im.oversized_frames.get();
  s.healthy_resets = im.healthy_resets.get();
  s.unsolicited_replies = im.unsolicited_replies.get();
  s.subscription_disagreements = im.subscription_disagreements.get();
  s.backoff_attempt = im.backoff_attempt.load(std::memory_order_relaxed);
  s.last_error_code = im.last_error_code.load(std::memory_order_relaxed);
  s.last_backoff_ms = im.last_backoff_ms.load(std::memory_order_relaxed);
  s.lag = im.lag.read();
  return s;
}

}  // namespace torghut::adapters
