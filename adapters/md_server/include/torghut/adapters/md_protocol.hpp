#pragma once
/// The market-data server's protocol (docs/alpaca-protocol.md §1) without sockets, timers or
/// threads: which upgrade paths are market data, the per-connection state machine (greeting, auth
/// by message or by upgrade headers, the auth deadline, subscribe/unsubscribe, which error code
/// answers what), and one authenticated connection per (key id, path) with the slot held after
/// an unclean drop (406), the slow-client verdict (407).
///
/// md_server.cpp keeps the sockets, timers, write queues and the server thread; it hands each
/// client action, timer expiry and connection end to an md_protocol_session and carries out the
/// md_step it gets back (queue the frame, count, close). Time is passed in (steady clock, ns);
/// nothing here reads a clock. Unit-tested directly (tests/adapters/md_server/md_protocol_test.cpp).

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "torghut/adapters/alpaca_wire.hpp"
#include "torghut/adapters/md_subscriptions.hpp"

namespace torghut::adapters {

/// The simulator's default credentials (tests and `torghut sim` without --key/--secret).
inline constexpr std::string_view md_default_key = "torghut-test-key";
inline constexpr std::string_view md_default_secret = "torghut-test-secret";

struct md_credentials {
  std::string key;
  std::string secret;  ///< never logged
};

// ---------------------------------------------------------------------------------------------
// The upgrade request
// ---------------------------------------------------------------------------------------------

/// The feed of a market-data upgrade target: "/v2/iex?x=y" → "iex" (iex, sip, delayed_sip, test);
/// empty when the target is not a market-data path (the server answers HTTP 404).
[[nodiscard]] std::string_view md_feed_of_target(std::string_view target) noexcept;
/// The connection's encoding from the upgrade's Content-Type: msgpack when it starts with
/// `application/msgpack` (any case), JSON otherwise (also when there is none).
[[nodiscard]] wire_format md_format_of_content_type(std::string_view content_type) noexcept;
/// Alpaca's text for an error code (the codec's table); an unknown code reads as "internal error".
[[nodiscard]] std::string_view md_error_text(int code) noexcept;

// ---------------------------------------------------------------------------------------------
// Slots: one authenticated connection per (feed, key id)
// ---------------------------------------------------------------------------------------------

/// Who holds each (feed, key id) slot. An owner is any stable address (the server passes its
/// md_protocol_session). After an unclean drop the slot may stay held, ownerless, until a time.
class md_slots {
 public:
  /// Takes the slot for `owner`: false when another owner has it, or when it is held after a drop
  /// until a time later than `now_ns`. Taking a slot one already owns succeeds.
  [[nodiscard]] bool acquire(std::string_view feed, std::string_view key, const void* owner, int64_t now_ns);
  /// Frees `owner`'s slot (nothing when it does not own it). `hold_ns` > 0: the slot stays held,
  /// without an owner, until now_ns + hold_ns; 0: free at once.
  void release(std::string_view feed, std::string_view key, const void* owner, int64_t now_ns, int64_t hold_ns);
  /// Frees every slot held without an owner (md_server::release_held_slots).
  void release_held();
  void clear() { slots_.clear(); }
  /// The owner of a slot, nullptr when none.
  [[nodiscard]] const void* owner(std::string_view feed, std::string_view key) const;
  /// Slots known: owned or held.
  [[nodiscard]] size_t size() const noexcept { return slots_.size(); }

 private:
  struct slot {
    const void* owner = nullptr;
    int64_t held_until_ns = 0;
  };
  [[nodiscard]] static std::string key_of(std::string_view feed, std::string_view key);
  std::unordered_map<std::string, slot> slots_;
};

// ---------------------------------------------------------------------------------------------
// The server-wide part: configuration, credentials, slots
// ---------------------------------------------------------------------------------------------

struct md_protocol_config {
  /// Accepted key pairs. An auth with any other pair gets 402.
  std::vector<md_credentials> credentials{{std::string(md_default_key), std::string(md_default_secret)}};
  /// No successful auth this long after the greeting: 404 `auth timeout` and close.
  int64_t auth_timeout_ns = 10'000'000'000;
  /// After an unclean drop the (key, path) slot stays held this long (406 to a reconnect); 0: none.
  int64_t slot_hold_after_drop_ns = 0;
  /// Most symbols one connection may subscribe to, all channels together (405 past it); 0: no limit.
  size_t max_symbols_per_connection = 0;
  /// A connection with more than this queued for it is a slow client (407).
  size_t max_queued_bytes = size_t{64} << 20;
  size_t max_queued_frames = 100'000;
};

/// Shared by every session of one server (one thread: the server's).
class md_protocol {
 public:
  explicit md_protocol(md_protocol_config cfg) : cfg_(std::move(cfg)) {}

  [[nodiscard]] const md_protocol_config& config() const noexcept { return cfg_; }
  [[nodiscard]] bool credentials_ok(std::string_view key, std::string_view secret) const noexcept;
  /// Whether a connection with this much queued for it has fallen behind (407).
  [[nodiscard]] bool slow_client(size_t queued_bytes, size_t queued_frames) const noexcept {
    return queued_bytes > cfg_.max_queued_bytes || queued_frames > cfg_.max_queued_frames;
  }
  [[nodiscard]] md_slots& slots() noexcept { return slots_; }
  [[nodiscard]] const md_slots& slots() const noexcept { return slots_; }

 private:
  md_protocol_config cfg_;
  md_slots slots_;
};

// ---------------------------------------------------------------------------------------------
// One connection
// ---------------------------------------------------------------------------------------------

/// What a step meant, for the server's counters (md_server_stats).
enum class md_outcome : uint8_t {
  none,
  authenticated,     ///< auth_ok: the session holds its slot now (stop the auth timer)
  auth_failed,       ///< 402: credentials not accepted
  connection_limit,  ///< 406: another connection holds the (feed, key) slot
  auth_timeout,      ///< 404: no successful auth by the deadline
  slow_client,       ///< 407: first drop what is queued, except a frame being written
};
[[nodiscard]] std::string_view to_string(md_outcome o) noexcept;

/// What the server does after one input: count, queue `frame` (a control message, alone in its
/// frame, in the session's encoding), then close when `close` (a close handshake once the frame
/// is written; a hard close if that takes longer than the grace).
struct md_step {
  std::string frame;    ///< empty: nothing to send
  int error_code = 0;   ///< `frame` is an error with this code (0: success or subscription)
  bool close = false;   ///< the session is done: close after the frame
  bool dialed = false;  ///< the connection's first auth attempt: count a dial of the session's key()
  md_outcome outcome = md_outcome::none;

  [[nodiscard]] bool empty() const noexcept { return frame.empty() && !close && !dialed && outcome == md_outcome::none; }
};

/// How a connection ended.
enum class md_end : uint8_t {
  clean,    ///< a WebSocket close handshake
  unclean,  ///< a socket error, an idle timeout, or the grace after an error ran out
  dropped,  ///< dropped by the server (a fault switch, stop()): counts as the client's drop
};

/// The protocol state of one market-data connection. Its address is its slot identity: it must
/// not move while it may hold a slot (end() releases it).
class md_protocol_session {
 public:
  md_protocol_session(md_protocol& protocol, std::string_view feed, wire_format format);
  ~md_protocol_session() = default;
  md_protocol_session(const md_protocol_session&) = delete;
  md_protocol_session& operator=(const md_protocol_session&) = delete;

  /// The upgrade completed at `now_ns`: the greeting; the auth deadline starts.
  [[nodiscard]] md_step open(int64_t now_ns);
  /// Credentials sent as upgrade headers (APCA-API-KEY-ID / APCA-API-SECRET-KEY, either present;
  /// a missing one is empty): authenticate with them, after open().
  [[nodiscard]] md_step header_auth(std::string_view key, std::string_view secret, int64_t now_ns);
  /// One client message as received: parsed and answered (400 when it is not an action).
  [[nodiscard]] md_step on_frame(std::string_view data, int64_t now_ns);
  /// One parsed client action: auth (403 when already authenticated), subscribe/unsubscribe (401
  /// before auth, 405 past the symbol limit, else the whole state), unknown (400).
  [[nodiscard]] md_step on_action(const client_action& action, int64_t now_ns);
  /// The auth timer fired at `now_ns`: 404 and close when the deadline has passed without auth.
  [[nodiscard]] md_step on_auth_timer(int64_t now_ns);
  /// Whether the auth deadline still matters (not authenticated, not closing, not ended): the
  /// server keeps (or re-arms) its timer for auth_deadline_ns() while this holds.
  [[nodiscard]] bool awaiting_auth() const noexcept { return !authed_ && !closing_ && !ended_; }
  [[nodiscard]] int64_t auth_deadline_ns() const noexcept { return auth_deadline_ns_; }
  /// The server found this connection's queue past the bounds (md_protocol::slow_client): 407.
  [[nodiscard]] md_step on_slow_client();
  /// Sends error `code` and closes (md_server::inject_error).
  [[nodiscard]] md_step fail(int code);
  /// The connection ended: releases the slot, held for slot_hold_after_drop when the client went
  /// away uncleanly (or was dropped) and the server had not already decided to close it. False
  /// when it had ended already (nothing done).
  bool end(md_end how, int64_t now_ns);

  /// Whether events should be offered to wants(): authenticated, open and subscribed to something.
  [[nodiscard]] bool accepts_data() const noexcept { return authed_ && !closing_ && !ended_ && !subs_.empty(); }
  /// Whether the connection is sent this event: FAKEPACA on /v2/test only (and only it there),
  /// then the subscription on `channel` (cached per server symbol id `symbol`).
  [[nodiscard]] bool wants(subscription_channel channel, uint32_t symbol, std::string_view name, bool fakepaca) {
    if (fakepaca != test_feed_) return false;
    return cache_.matches(subs_, channel, symbol, name);
  }
  /// An error that ends the connection was sent (or is queued): nothing more is read or delivered.
  [[nodiscard]] bool closing() const noexcept { return closing_; }
  [[nodiscard]] bool ended() const noexcept { return ended_; }
  [[nodiscard]] bool authed() const noexcept { return authed_; }
  /// The key of the first auth attempt, then the authenticated key (empty before any attempt).
  [[nodiscard]] const std::string& key() const noexcept { return key_; }
  [[nodiscard]] const std::string& feed() const noexcept { return feed_; }
  [[nodiscard]] wire_format format() const noexcept { return format_; }
  [[nodiscard]] bool holds_slot() const noexcept { return holds_slot_; }
  [[nodiscard]] const subscription_set& subscriptions() const noexcept { return subs_; }

 private:
  [[nodiscard]] md_step authenticate(std::string_view key, std::string_view secret, int64_t now_ns);
  [[nodiscard]] md_step error(int code) const;
  [[nodiscard]] md_step fail(int code, md_outcome outcome);

  md_protocol& protocol_;
  std::string feed_;
  wire_format format_;
  bool test_feed_;
  std::string key_;
  int64_t auth_deadline_ns_ = 0;
  bool authed_ = false;
  bool dial_counted_ = false;
  bool holds_slot_ = false;
  bool closing_ = false;
  bool ended_ = false;
  subscription_set subs_;
  match_cache cache_;
};

}  // namespace torghut::adapters
