#include "torghut/adapters/md_subscriptions.hpp"

#include <algorithm>

namespace torghut::adapters {

std::optional<subscription_channel> channel_of(market_event_kind k) noexcept {
  switch (k) {
    case market_event_kind::trade:
    case market_event_kind::correction:
    case market_event_kind::cancel_error: return subscription_channel::trades;
    case market_event_kind::quote: return subscription_channel::quotes;
    case market_event_kind::bar: return subscription_channel::bars;
    case market_event_kind::daily_bar: return subscription_channel::daily_bars;
    case market_event_kind::updated_bar: return subscription_channel::updated_bars;
    case market_event_kind::status: return subscription_channel::statuses;
    case market_event_kind::luld: return subscription_channel::lulds;
    case market_event_kind::imbalance: return subscription_channel::imbalances;
    case market_event_kind::microbar:
    case market_event_kind::gap: return std::nullopt;
  }
  return std::nullopt;
}

bool subscription_set::apply(bool subscribe, const channel_lists& request, size_t max_symbols) {
  auto next = lists_;
  for (size_t c = 0; c < request_channel_count; ++c) {
    auto& list = next[c];
    for (const std::string& s : request.symbols[c]) {
      const auto it = std::find(list.begin(), list.end(), s);
      if (subscribe) {
        if (it == list.end()) list.push_back(s);
      } else if (it != list.end()) {
        list.erase(it);
      }
    }
  }
  if (max_symbols != 0) {
    size_t n = 0;
    for (const auto& l : next) n += l.size();
    if (n > max_symbols) return false;
  }
  if (next != lists_) {
    lists_ = std::move(next);
    ++version_;
  }
  return true;
}

channel_lists subscription_set::reply_state() const {
  channel_lists out;
  for (size_t c = 0; c < request_channel_count; ++c) out.symbols[c] = lists_[c];
  out[subscription_channel::corrections] = lists_[static_cast<size_t>(subscription_channel::trades)];
  out[subscription_channel::cancel_errors] = lists_[static_cast<size_t>(subscription_channel::trades)];
  return out;
}

bool subscription_set::matches(subscription_channel channel, std::string_view symbol) const noexcept {
  const auto c = static_cast<size_t>(channel);
  if (c >= request_channel_count) return false;
  for (const std::string& s : lists_[c])
    if (s == "*" || s == symbol) return true;
  return false;
}

size_t subscription_set::symbol_count() const noexcept {
  size_t n = 0;
  for (const auto& l : lists_) n += l.size();
  return n;
}

bool subscription_set::empty() const noexcept { return symbol_count() == 0; }

bool match_cache::matches(const subscription_set& subs, subscription_channel channel, uint32_t symbol,
                          std::string_view name) {
  if (version_ != subs.version()) {
    for (auto& k : known_) std::fill(k.begin(), k.end(), int8_t{-1});
    version_ = subs.version();
  }
  const auto c = static_cast<size_t>(channel);
  if (c >= request_channel_count) return false;
  auto& k = known_[c];
  if (symbol >= k.size()) k.resize(std::max<size_t>(size_t{symbol} + 1, k.size() * 2), int8_t{-1});
  int8_t& v = k[symbol];
  if (v < 0) v = subs.matches(channel, name) ? 1 : 0;
  return v == 1;
}

}  // namespace torghut::adapters
