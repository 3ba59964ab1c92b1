#pragma once
/// One connection's subscription state and the event → channel routing rules of the Alpaca
/// market-data protocol. Pure (no I/O), used by md_server and unit-tested on its own.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "torghut/adapters/alpaca_wire.hpp"
#include "torghut/core/messages.hpp"

namespace torghut::adapters {

/// The request channel an event travels on (corrections and cancel/errors follow `trades`);
/// nullopt for kinds Alpaca never sends (microbar, gap).
[[nodiscard]] std::optional<subscription_channel> channel_of(market_event_kind k) noexcept;

/// The symbols a connection subscribed to, per request channel, in the order first added.
/// `*` is kept as a member and matches every symbol.
class subscription_set {
 public:
  /// Adds (subscribe) or removes (unsubscribe) the request channels of `request`. Returns false,
  /// leaving the set unchanged, when the result would hold more than `max_symbols` entries over
  /// all channels (0: no limit): the caller answers 405.
  [[nodiscard]] bool apply(bool subscribe, const channel_lists& request, size_t max_symbols = 0);
  /// The whole state as a reply lists it: corrections and cancelErrors mirror trades.
  [[nodiscard]] channel_lists reply_state() const;
  /// Whether `symbol` on `channel` is subscribed (by name or `*`). Not cached: see match_cache.
  [[nodiscard]] bool matches(subscription_channel channel, std::string_view symbol) const noexcept;
  /// Distinct symbol entries over all request channels (`*` counts as one).
  [[nodiscard]] size_t symbol_count() const noexcept;
  [[nodiscard]] bool empty() const noexcept;
  /// Bumped on every change (lets callers invalidate caches).
  [[nodiscard]] uint64_t version() const noexcept { return version_; }

 private:
  std::array<std::vector<std::string>, request_channel_count> lists_;
  uint64_t version_ = 0;
};

/// A per-connection cache of subscription_set::matches by (channel, server symbol id): O(1) after
/// the first look-up of each pair; cleared when the set's version changes.
class match_cache {
 public:
  [[nodiscard]] bool matches(const subscription_set& subs, subscription_channel channel,
                             uint32_t symbol, std::string_view name);

 private:
  uint64_t version_ = ~uint64_t{0};
  std::array<std::vector<int8_t>, request_channel_count> known_;  // -1 unknown, 0 no, 1 yes
};

}  // namespace torghut::adapters
