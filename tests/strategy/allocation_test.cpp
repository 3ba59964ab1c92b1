// Proves the strategy hot path allocates nothing after construction: every global operator new
// of this test executable goes through a counter that is switched on around the measured calls.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>

#include "torghut/actors/strategy.hpp"

using namespace torghut;
using namespace torghut::actors;

namespace {

std::atomic<bool> counting{false};
std::atomic<uint64_t> allocations{0};

void* counted_alloc(std::size_t n) {
  if (counting.load(std::memory_order_relaxed)) allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}

void* counted_aligned_alloc(std::size_t n, std::align_val_t al) {
  if (counting.load(std::memory_order_relaxed)) allocations.fetch_add(1, std::memory_order_relaxed);
  const auto a = static_cast<std::size_t>(al);
  const std::size_t size = (n + a - 1) / a * a;  // aligned_alloc wants a multiple of the alignment
  if (void* p = std::aligned_alloc(a, size == 0 ? a : size)) return p;
  throw std::bad_alloc();
}

/// Counts allocations made between construction and count().
class allocation_probe {
 public:
  allocation_probe() noexcept {
    allocations.store(0);
    counting.store(true);
  }
  ~allocation_probe() { counting.store(false); }
  uint64_t count() noexcept {
    counting.store(false);
    return allocations.load();
  }
  allocation_probe(const allocation_probe&) = delete;
  allocation_probe& operator=(const allocation_probe&) = delete;
};

}  // namespace

// The replaceable global allocation functions (all of them, so nothing slips past the count).
void* operator new(std::size_t n) {
  return counted_alloc(n);
}
void* operator new[](std::size_t n) {
  return counted_alloc(n);
}
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
  try {
    return counted_alloc(n);
  } catch (...) {
    return nullptr;
  }
}
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept {
  try {
    return counted_alloc(n);
  } catch (...) {
    return nullptr;
  }
}
void* operator new(std::size_t n, std::align_val_t al) {
  return counted_aligned_alloc(n, al);
}
void* operator new[](std::size_t n, std::align_val_t al) {
  return counted_aligned_alloc(n, al);
}
void operator delete(void* p) noexcept {
  std::free(p);
}
void operator delete[](void* p) noexcept {
  std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
  std::free(p);
}
void operator delete[](void* p, std::size_t) noexcept {
  std::free(p);
}
void operator delete(void* p, std::align_val_t) noexcept {
  std::free(p);
}
void operator delete[](void* p, std::align_val_t) noexcept {
  std::free(p);
}
void operator delete(void* p, std::size_t, std::align_val_t) noexcept {
  std::free(p);
}
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept {
  std::free(p);
}

namespace {

market_event microbar(symbol_id s, int64_t second, double close, uint8_t flags = 0) {
  market_event ev;
  ev.kind = market_event_kind::microbar;
  ev.flags = static_cast<uint8_t>(event_flags::final_bar | flags);
  ev.symbol = s;
  ev.event_time = timestamp{second * ns_per_second};
  ev.u.bar = bar_payload{};
  ev.u.bar.close = price::from_double(close).value();
  ev.u.bar.volume = quantity::from_units(100).value();
  ev.u.bar.vwap = ev.u.bar.close;
  return ev;
}

}  // namespace

TEST(strategy_allocation, the_counter_sees_an_allocation) {
  allocation_probe probe;
  auto* p = new int(7);
  const uint64_t n = probe.count();
  delete p;
  EXPECT_EQ(n, 1u);
}

TEST(strategy_allocation,
     on_market_on_verdict_and_on_execution_allocate_nothing_after_construction) {
  engine_config cfg = default_config({"AAPL", "MSFT"});
  symbol_table symbols(64);
  const symbol_id aapl = symbols.intern("AAPL");
  mailbox<order_intent> out(4096);
  audit_sink audit(4096);
  manual_clock clk;
  strategy_engine engine(cfg, symbols, out, audit, clk);

  allocation_probe probe;
  int64_t t = 1710513000;
  uint64_t intents = 0;
  order_intent in;
  symbol_id msft;
  for (int round = 0; round < 3; ++round) {
    // Range-bound, then a drop below the band (bollinger buys), a fill, a recovery (sells).
    for (int i = 0; i < 40; ++i) engine.on_market(microbar(aapl, t++, i % 2 == 0 ? 100.0 : 100.1));
    market_event q;
    q.kind = market_event_kind::quote;
    q.symbol = aapl;
    q.u.quote = quote_payload{};
    q.u.quote.bid_px = price::from_units(99).value();
    q.u.quote.ask_px = price::from_units(101).value();
    engine.on_market(q);
    engine.on_market(microbar(aapl, t++, 99.0));
    while (out.pop(in)) {
      ++intents;
      risk_verdict v;
      v.intent = in;
      engine.on_verdict(v);
      execution_report r;
      r.strategy = in.strategy;
      r.symbol = in.symbol;
      r.order_side = in.order_side;
      r.status = order_status::filled;
      r.last_qty = in.qty;
      engine.on_execution(r);
    }
    // Down then up: the MACD strategy sells or buys too; a halted bar in the middle.
    for (int i = 0; i < 40; ++i) engine.on_market(microbar(aapl, t++, 100.0 - 0.1 * i));
    engine.on_market(microbar(aapl, t++, 96.0, event_flags::halted));
    for (int i = 0; i < 30; ++i) engine.on_market(microbar(aapl, t++, 96.0 + 0.1 * i));
    while (out.pop(in)) {
      ++intents;
      risk_verdict v;
      v.intent = in;
      v.reason = risk_reason::price_outside_collar;
      engine.on_verdict(v);
    }
    // A symbol interned after construction (resolved lazily), then a gap resets everything.
    if (round == 0) msft = symbols.intern("MSFT");  // interning is the market_data's cost
    engine.on_market(microbar(msft, t++, 50.0));
    market_event gap;
    gap.kind = market_event_kind::gap;
    engine.on_market(gap);
  }
  const uint64_t n = probe.count();
  EXPECT_EQ(n, 0u);
  EXPECT_GT(intents, 3u) << "the measured path must include decisions";
  EXPECT_EQ(engine.stats().gaps, 3u);
}
