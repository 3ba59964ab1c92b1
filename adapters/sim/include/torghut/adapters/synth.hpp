#pragma once
/// A deterministic synthetic market: Alpaca v2 stock frames (quotes, trades, minute bars,
/// optional halts) for several symbols, with the receive times a client would see. Same config
/// and seed → byte-identical output on any platform (own PRNG, own normal variates, own log/exp:
/// no std distributions and no libm transcendental functions).

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "torghut/core/types.hpp"

namespace torghut::adapters {

/// What to generate. Defaults give 8 symbols for 10 minutes from a Monday's open.
struct synth_config {
  uint64_t seed = 1;
  /// Symbol names; when empty, `symbol_count` names SYM000, SYM001, ... are made.
  std::vector<std::string> symbols;
  uint32_t symbol_count = 8;
  /// Market time of the first event (default 2024-03-04T14:30:00Z, the US open).
  timestamp start{1'709'562'600LL * ns_per_second};
  /// Generation stops at start + duration...
  duration_ns duration{10LL * 60 * ns_per_second};
  /// ...or once this many data messages were produced (0: no limit), whichever comes first.
  uint64_t max_messages = 0;
  /// Mean rates per symbol (scaled per symbol by 0.5x..1.5x, and up when volatility is high).
  double trades_per_second = 1.2;
  double quotes_per_second = 2.5;
  /// Long-run annualised volatility (each symbol gets 0.5x..1.5x of it); GARCH(1,1) clusters it.
  double annual_volatility = 0.35;
  /// Trading halts (status `s` H then T) per symbol per hour; 0 disables them.
  double halts_per_symbol_hour = 0.0;
  duration_ns halt_length{5LL * 60 * ns_per_second};
  /// Emit minute bars (`b`) aggregated from the trades.
  bool minute_bars = true;
  /// Start with the control frames a real session records (connected, authenticated,
  /// subscription), before the first data frame.
  bool control_frames = true;
  /// Batching: messages whose send times fall within `batch_window` of a frame's first message
  /// share that frame, up to `max_batch` messages.
  uint32_t max_batch = 16;
  duration_ns batch_window{5'000'000};
  /// Receive time = last message's send time + latency_base + exponential(latency_jitter_mean).
  duration_ns latency_base{400'000};
  duration_ns latency_jitter_mean{1'200'000};
};

/// Counts of what was generated.
struct synth_result {
  bool ok = true;
  std::string error;  ///< why !ok (I/O)
  uint64_t frames = 0;
  uint64_t messages = 0;  ///< data messages (controls not counted)
  uint64_t trades = 0;
  uint64_t quotes = 0;
  uint64_t bars = 0;
  uint64_t statuses = 0;
};

/// Frame sink: receive time and the frame text (valid during the call only).
using synth_sink = std::function<void(timestamp recv_time, std::string_view frame)>;

/// The names the generator gives its symbols when `synth_config::symbols` is empty:
/// SYM000, SYM001, ... (`count` of them).
[[nodiscard]] std::vector<std::string> default_symbol_names(uint32_t count);

/// Generates the market described by `config`, calling `sink` for each frame in receive order.
synth_result generate(const synth_config& config, const synth_sink& sink);

/// Generates into memory: (receive time, frame) pairs in order. For tests and benchmarks.
[[nodiscard]] std::vector<std::pair<timestamp, std::string>> generate_frames(const synth_config& config);

/// Generates into a recording file at `path` (see docs/RECORDING.md), replacing it.
synth_result generate_recording(const synth_config& config, const std::string& path);

/// The configuration of the bundled `data/sample.rec`: 8 fictional symbols, 10 minutes from the
/// 2024-03-04 open, seed 20240304, halts at 0.75 per symbol-hour. See docs/RECORDING.md.
[[nodiscard]] synth_config sample_config();

/// Deterministic math used by the generator, exposed for tests: natural log and exp computed
/// with IEEE arithmetic only (+ - * / and frexp/ldexp), so every platform agrees bit for bit.
[[nodiscard]] double det_log(double x) noexcept;
[[nodiscard]] double det_exp(double x) noexcept;

}  // namespace torghut::adapters
