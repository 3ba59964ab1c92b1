#pragma once
/// Where the strategy actor hands each closed bar's indicator snapshot (the `ta_signals` row of
/// seed 004) when signals are being written out (`--signals FILE`). The hot thread calls
/// `on_signal` once per closed final microbar per symbol; an implementation must not block,
/// allocate or do I/O on that thread (it queues the row for a writer elsewhere, or counts it as
/// dropped). Off by default: with no sink the strategy actor skips the call entirely.

#include "torghut/core/messages.hpp"

namespace torghut {

class signal_sink {
 public:
  virtual ~signal_sink() = default;
  /// One closed bar's snapshot. `s.event_time` is the bar start; never blocks.
  virtual void on_signal(const signal& s) noexcept = 0;
};

}  // namespace torghut
