#pragma once
/// Alpaca market-data wire encoding, both directions, both encodings (JSON and MessagePack):
/// - server → client frames: data batches from `market_event`s, and the control messages
///   (`success`, `error`, `subscription`). Used by the simulator and the relay.
/// - client → server actions: `auth`, `subscribe`, `unsubscribe`. Encoded by the adapter,
///   parsed by the simulator and the relay.
///
/// Encoders append to a caller-owned std::string, so a reused buffer stops allocating once its
/// capacity has grown (the relay's per-message path relies on that). Parsing client actions
/// allocates (it is not on any hot path).

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "torghut/adapters/json_decoder.hpp"  // subscription_channel, control_message
#include "torghut/core/messages.hpp"

namespace torghut::adapters {

/// The encoding of a market-data connection: JSON text frames, or MessagePack binary frames
/// (chosen by the client's `Content-Type: application/msgpack` on the upgrade request).
enum class wire_format : uint8_t { json, msgpack };
[[nodiscard]] std::string_view to_string(wire_format f) noexcept;

/// The channels a client may name in a subscribe/unsubscribe request (the first eight
/// subscription_channel values; `corrections` and `cancelErrors` only appear in replies and
/// follow `trades`).
inline constexpr size_t request_channel_count = 8;

/// The symbols of each channel; "*" means every symbol. Indexed by subscription_channel.
struct channel_lists {
  std::array<std::vector<std::string>, subscription_channel_count> symbols;

  [[nodiscard]] std::vector<std::string>& operator[](subscription_channel c) noexcept {
    return symbols[static_cast<size_t>(c)];
  }
  [[nodiscard]] const std::vector<std::string>& operator[](subscription_channel c) const noexcept {
    return symbols[static_cast<size_t>(c)];
  }
  [[nodiscard]] bool empty() const noexcept {
    for (const auto& v : symbols)
      if (!v.empty()) return false;
    return true;
  }
};

// ---------------------------------------------------------------------------------------------
// Server → client
// ---------------------------------------------------------------------------------------------

/// Builds one data frame (an array of data messages) in `out`.
///
///   frame_encoder enc(wire_format::msgpack);
///   enc.begin(buf);                       // clears buf
///   enc.add(buf, event, "AAPL");           // any number of times
///   enc.finish(buf);                       // closes the array (patches the msgpack count)
///
/// Every market_event_kind Alpaca sends is encoded with Alpaca's keys (`T` first in every map,
/// as the Go SDK requires); `microbar` and `gap` are engine-internal and are skipped (add returns
/// false). Prices and sizes are written from fixed point: JSON numbers with no trailing zeros,
/// msgpack float64 prices and integer (or float64 when fractional) sizes; `t` is RFC 3339 with
/// trailing zeros trimmed (JSON) or the msgpack Timestamp extension (type -1) in the smallest
/// form that holds the value, as the msgpack spec says: 32-bit for whole seconds below 2^32,
/// 64-bit while the seconds fit in 34 bits, 96-bit otherwise (int64 nanoseconds stay below
/// 2^34 s, so in practice only times before the epoch take the 96-bit form).
/// Fields the engine does not keep are written as Alpaca's neutral values (conditions from the
/// kept characters, quote/correction conditions `[]`, status texts `sm`/`rm` "", a missing
/// exchange or tape ""); a bar whose VWAP is 0 omits `vw`.
/// Key order is that of Alpaca's documented examples: t: T S i x p s c t z; q: T S bx bp bs ax
/// ap as t c z; b/d/u: T S o h l c v t n vw; s: T S sc sm rc rm t z; c: T S x oi op os oc ci cp
/// cs cc t z; x: T S i x p s a t z; l: T S u d i t z; i: T S p z t.
/// begin() and finish() only append to `out`; they are noexcept because a reused buffer has the
/// capacity already (an allocation failure on first use terminates).
class frame_encoder {
 public:
  explicit frame_encoder(wire_format f) noexcept : format_(f) {}
  void begin(std::string& out) noexcept;
  bool add(std::string& out, const market_event& e, std::string_view symbol);
  void finish(std::string& out) noexcept;
  [[nodiscard]] uint32_t count() const noexcept { return count_; }
  [[nodiscard]] wire_format format() const noexcept { return format_; }

 private:
  wire_format format_;
  uint32_t count_ = 0;
  size_t header_at_ = 0;
};

/// `[{"T":"success","msg":"<msg>"}]` (clears `out` first; same for the two below).
void encode_success(wire_format f, std::string_view msg, std::string& out);
/// `[{"T":"error","code":<code>,"msg":"<msg>"}]`
void encode_error(wire_format f, int code, std::string_view msg, std::string& out);
/// `[{"T":"subscription","trades":[...],...}]`: the whole state. The nine keys of the protocol
/// reference's example are always present, in its order: trades quotes bars updatedBars
/// dailyBars statuses lulds corrections cancelErrors; `imbalances` follows only when it is not
/// empty (the example has no such key, so a reply is byte-identical to it in the usual case).
void encode_subscription(wire_format f, const channel_lists& state, std::string& out);

/// Alpaca's message text for an error code ("auth failed" for 402, ...; "" if unknown).
[[nodiscard]] std::string_view error_message(int code) noexcept;

// ---------------------------------------------------------------------------------------------
// Client → server
// ---------------------------------------------------------------------------------------------

enum class client_action_type : uint8_t { auth, subscribe, unsubscribe, unknown };

struct client_action {
  client_action_type type = client_action_type::unknown;
  std::string action;  ///< the `action` text as sent (for "unknown" replies and logs)
  std::string key;     ///< auth only
  std::string secret;  ///< auth only: never log it
  channel_lists channels;  ///< subscribe/unsubscribe: only the request channels are filled
};

/// Parses one client frame (a JSON object, or a msgpack map). Returns false with `error` set to a
/// short reason when the frame is not a well-formed action (the server then answers 400).
[[nodiscard]] bool parse_client_action(wire_format f, std::string_view frame, client_action& out,
                                       std::string& error);

/// `{"action":"auth","key":"...","secret":"..."}` (clears `out`).
void encode_auth(wire_format f, std::string_view key, std::string_view secret, std::string& out);
/// `{"action":"subscribe"|"unsubscribe","trades":[...],...}`: only non-empty request channels
/// are written (clears `out`).
void encode_subscribe(wire_format f, bool subscribe, const channel_lists& channels,
                      std::string& out);

}  // namespace torghut::adapters
