#pragma once
/// Plain configuration structs with defaults. Each is validated once, before anything starts,
/// and validation reports every violation together rather than stopping at the first.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "torghut/core/messages.hpp"
#include "torghut/core/named_enum.hpp"
#include "torghut/core/url.hpp"

namespace torghut {

/// One parameter of a strategy as written in its `[[strategies]]` table (a key that is not one
/// of the common settings). The strategy's declaration decides what it must be (sdk/params.hpp);
/// the config layer only keeps what the file said.
struct strategy_param {
  enum class kind : uint8_t { boolean, integer, number, text };
  std::string key;
  kind type = kind::number;
  bool boolean = false;
  int64_t integer = 0;
  double number = 0;
  std::string text;
  [[nodiscard]] static strategy_param of(std::string k, double v) {
    strategy_param p;
    p.key = std::move(k);
    p.type = kind::number;
    p.number = v;
    return p;
  }
};

/// One row of the `strategies` table, plus the strategy's own parameters.
struct strategy_config {
  strategy_id id{1};
  std::string name = "macd_rsi";
  /// The strategy's kind: a built-in (`macd_rsi`, `bollinger_reversion`, `tick_probe`) or the
  /// name a shared library's strategy declares (with `library`).
  std::string kind = "macd_rsi";
  /// Path of a shared library built against the installed SDK (empty: a built-in kind).
  std::string library;
  bool enabled = true;
  /// The bars the strategy gets: 1Sec, 5Sec, 1Min, 5Min, 15Min, 1Hour or 1Day, built by the
  /// engine from trades.
  std::string base_timeframe = "1Sec";
  /// Also deliver Alpaca's own minute, daily and updated bars (when the feed subscribes them).
  bool alpaca_bars = false;
  std::vector<std::string> universe_symbols;  ///< empty = every symbol in the allow-list
  double max_position_pct_equity = 0.05;
  money max_notional_per_trade = money::from_raw(5'000 * money::scale);
  /// Minimum closed bars before the strategy may act (warm-up of its indicators).
  uint32_t warmup_bars = 35;
  /// The strategy's own parameters, validated against its declaration (default: every default).
  std::vector<strategy_param> params;
  /// A callback that takes more actions than this is stopped (a runaway loop, not a strategy).
  uint32_t max_actions_per_callback = 64;
};

/// True for the seven bar timeframes a strategy may ask for (Alpaca's spelling).
[[nodiscard]] bool is_timeframe(std::string_view tf) noexcept;

struct market_data_config {
  /// An event whose recv_time - event_time exceeds this is flagged stale.
  int64_t stale_after_ns = 2 * ns_per_second;
  /// Remembered trade ids per symbol for duplicate detection.
  uint32_t dedupe_window = 64;
  /// A silence longer than this on the whole feed produces a gap event.
  int64_t gap_after_ns = 5 * ns_per_second;
  /// An event stamped more than this after its receive time is implausible: dropped, counted
  /// (`implausible_time`), audited, and never the symbol's ordering reference. 0: no check.
  int64_t max_future_skew_ns = 5 * ns_per_second;
  /// A trade or quote stamped more than this before its receive time is implausible (the same
  /// treatment). Bars are not checked (their `t` is the start of their minute or day). 0: no check.
  int64_t max_past_age_ns = 24 * 3600 * ns_per_second;
};

/// The market-data wire format (`feed.format`).
enum class feed_format : uint8_t { json, msgpack };
constexpr std::array<enum_name<feed_format>, 2> enum_names(feed_format) {
  return {{{feed_format::json, "json"}, {feed_format::msgpack, "msgpack"}}};
}
static_assert(names_every_value<feed_format, feed_format::msgpack>());

/// How the market-data connection authenticates (`feed.auth`): the auth action after the
/// greeting, or the key headers on the upgrade.
enum class feed_auth : uint8_t { message, headers };
constexpr std::array<enum_name<feed_auth>, 2> enum_names(feed_auth) {
  return {{{feed_auth::message, "message"}, {feed_auth::headers, "headers"}}};
}
static_assert(names_every_value<feed_auth, feed_auth::headers>());

/// Where orders go (`trading.broker`).
enum class broker_kind : uint8_t { paper, alpaca };
constexpr std::array<enum_name<broker_kind>, 2> enum_names(broker_kind) {
  return {{{broker_kind::paper, "paper"}, {broker_kind::alpaca, "alpaca"}}};
}
static_assert(names_every_value<broker_kind, broker_kind::alpaca>());

/// The trade_updates auth message (`trading.stream_auth`): `{"action":"auth"}` or the legacy
/// `{"action":"authenticate"}`.
enum class stream_auth_form : uint8_t { action, legacy };
constexpr std::array<enum_name<stream_auth_form>, 2> enum_names(stream_auth_form) {
  return {{{stream_auth_form::action, "action"}, {stream_auth_form::legacy, "legacy"}}};
}
static_assert(names_every_value<stream_auth_form, stream_auth_form::legacy>());

/// The market-data connection (the WebSocket adapter): where to connect, how, and what to do
/// when another process holds this key's one connection.
struct feed_config {
  /// `wss://stream.data.alpaca.markets/v2/{iex|sip|delayed_sip|test}`, or `ws://` to the simulator
  /// or a relay on loopback (plain `ws://` to any other host is refused).
  std::string url = "wss://stream.data.alpaca.markets/v2/iex";
  feed_format format = feed_format::json;
  feed_auth auth = feed_auth::message;
  /// Channels to subscribe; empty trades and quotes = every allowed symbol.
  std::vector<std::string> trades, quotes, bars;
  std::string ca_file;  ///< extra CA bundle for wss:// (system store otherwise)
  std::string lease_dir = "var/lease";  ///< lock files of the one-connection lease (one host)
  /// Serve the normalised feed to local consumers on this address ("127.0.0.1:PORT"; "" = off).
  std::string relay_listen;
  /// When another process holds the lease: read from this relay instead ("" = stop and say so).
  std::string relay_url;
  std::string record;  ///< record every raw frame with its receive time here ("" = off)
  /// The reconnect backoff starts again only after a connection was authenticated and received
  /// without error this long (a server that accepts and then drops us at once is not dialled in
  /// a tight loop). 0: after every successful authentication.
  uint32_t healthy_after_ms = 30'000;
};

/// Where orders go. `paper` (the default): the engine's internal paper broker, nothing leaves the
/// process. `alpaca`: Alpaca's trading API (REST v2 + the trade_updates stream) at these URLs: the
/// paper API by default, `torghut sim`'s on loopback, or the live API (which needs both
/// TRADING_MODE=live and TRADING_LIVE_ENABLED=true).
struct trading_config {
  broker_kind broker = broker_kind::paper;  ///< paper: the internal paper broker
  std::string rest_url = "https://paper-api.alpaca.markets";  ///< http:// only to loopback
  std::string stream_url = "wss://paper-api.alpaca.markets/stream";  ///< ws:// only to loopback
  stream_auth_form stream_auth = stream_auth_form::action;
  std::string ca_file;                 ///< extra CA bundle for https:// and wss://
  uint32_t connections = 2;            ///< keep-alive REST connections, warmed at start
  uint32_t request_timeout_ms = 2000;  ///< no response this long: lost (asked by client_order_id)
  uint32_t max_retries = 3;            ///< 5xx, lost responses, 429
  uint32_t rate_limit_per_minute = 200;  ///< client-side request budget (Alpaca allows 200)
  /// Start-up reconciliation must succeed within this long, or the run stops (exit 6).
  uint32_t reconcile_timeout_ms = 30'000;
  /// An order that has not reached the broker this long after its decision is canceled here
  /// (reason ORDER_STALE), never sent late: market and stop orders. 0: no bound.
  uint32_t max_order_age_ms = 500;
  uint32_t max_limit_order_age_ms = 5'000;  ///< the same for limit and stop-limit orders
};

/// The live trading API host (orders there are real).
inline constexpr std::string_view alpaca_live_trading_host = "api.alpaca.markets";


/// The operator's HTTP API (status, health, metrics, controls: engine/app/src/control_api.hpp).
struct control_config {
  /// HOST:PORT; "" = off. Loopback by default; any other address needs TORGHUT_CONTROL_TOKEN
  /// set (checked when the run starts). When the default address is taken (another engine on
  /// this host), the run goes on without the API and says so; an address set explicitly that
  /// cannot be bound stops the run.
  std::string listen = "127.0.0.1:8787";
  bool listen_explicit = false;  ///< set from the config file or --control-listen
};

enum class idle_kind : uint8_t { busy_spin, backoff };
constexpr std::array<enum_name<idle_kind>, 2> enum_names(idle_kind) {
  return {{{idle_kind::busy_spin, "busy-spin"}, {idle_kind::backoff, "backoff"}}};
}
static_assert(names_every_value<idle_kind, idle_kind::backoff>());

struct engine_config {
  std::string account_label = "paper";
  money starting_equity = money::from_raw(100'000 * money::scale);
  risk_limits limits;
  std::vector<std::string> allowed_symbols;  ///< the risk allow-list
  std::vector<strategy_config> strategies;
  market_data_config market_data;
  feed_config feed;
  trading_config trading;
  control_config control;
  /// Per hot mailbox. The depth-first pump keeps them nearly empty: the largest burst is one
  /// time step closing every symbol's microbar.
  uint32_t mailbox_capacity = 4096;
  /// Audit rows in flight to the writer (168 bytes each): drained every millisecond.
  uint32_t audit_capacity = 1 << 16;
  uint32_t symbol_capacity = 1024;  ///< per-symbol state is ~10 KB (indicator rings)
  int cpu = -1;  ///< pin the hot loop to this core; -1 = do not pin
  idle_kind idle = idle_kind::backoff;
};

/// Every violation in `c`, one human-readable line each; empty when the config is valid.
[[nodiscard]] std::vector<std::string> validate(const engine_config& c);

/// The default paper configuration: both bundled strategies over the given symbols.
[[nodiscard]] engine_config default_config(const std::vector<std::string>& symbols);

}  // namespace torghut
