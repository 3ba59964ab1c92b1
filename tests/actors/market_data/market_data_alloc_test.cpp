// market_data allocates only in its constructor: the per-event path never touches the heap.

#include <gtest/gtest.h>

#include "torghut/actors/market_data.hpp"
#include "torghut/test/allocations.hpp"

namespace torghut::actors {
namespace {

void* volatile sink = nullptr;

TEST(market_data_alloc, the_counter_sees_heap_allocations) {
  test::start_counting_allocations();
  auto* p = new int(7);
  sink = p;
  delete p;
  EXPECT_EQ(test::stop_counting_allocations(), 1u);
}

TEST(market_data_alloc, on_event_on_time_and_on_gap_allocate_nothing_after_construction) {
  constexpr uint32_t symbols = 64;
  mailbox<market_event> out{1 << 12};
  audit_sink audit{1 << 12};
  market_data_config cfg;
  market_data md{cfg, symbols, out, audit};
  constexpr int64_t t0 = 1'700'000'000 * ns_per_second;
  constexpr int64_t step = 7'000'000;  // 7 ms

  test::start_counting_allocations();
  market_event drained;
  int64_t t = t0;
  for (int i = 0; i < 20'000; ++i) {
    t += step;
    const auto sym = static_cast<uint32_t>(i) % (symbols + 1);  // one id past capacity: invalid
    market_event e;
    e.symbol = symbol_id{sym};
    e.event_time = timestamp{i % 97 == 0 ? t - 3 * ns_per_second : t};  // some late ones
    e.recv_time = timestamp{t};
    switch (i % 5) {
      case 0:
      case 1:
        e.kind = market_event_kind::trade;
        e.u.trade = trade_payload{trade_id{i % 17 == 0 ? i - 65 : i},  // some duplicates
                                  price::from_raw(100'000'000'000 + i), quantity::from_raw(1'000'000'000),
                                  {}, 0, 'V', 'C'};
        break;
      case 2:
        e.kind = market_event_kind::quote;
        e.u.quote = quote_payload{price::from_raw(99'000'000'000), quantity::from_raw(1),
                                  price::from_raw(i % 11 == 0 ? -1 : 101'000'000'000),
                                  quantity::from_raw(1), 'V', 'V', 'C'};
        break;
      case 3: {
        e.kind = market_event_kind::status;
        status_payload sp{};
        sp.status_code.assign(i % 2 == 0 ? "H" : "T");
        e.u.status = sp;
        break;
      }
      default:
        e.kind = market_event_kind::bar;
        e.u.bar = bar_payload{price::from_raw(1), price::from_raw(2), price::from_raw(1),
                              price::from_raw(2), quantity::from_raw(5), price::from_raw(1), 3};
        break;
    }
    md.on_market_event(e);
    if (i % 10 == 0) md.on_time(timestamp{t});
    if (i % 5000 == 4999) md.on_gap(timestamp{t}, duration_ns{1});
    if (i == 10'000) t += 10 * ns_per_second;  // feed silence: an automatic gap
    while (out.pop(drained)) {
    }
    while (audit.size_approx() > 0) {
      audit_row r;
      if (!audit.pop(r)) break;
    }
  }
  const uint64_t allocations = test::stop_counting_allocations();
  EXPECT_EQ(allocations, 0u);
  const auto& st = md.stats();
  EXPECT_GT(st.microbars, 0u);
  EXPECT_GT(st.duplicates, 0u);
  EXPECT_GT(st.invalid, 0u);
  EXPECT_GT(st.out_of_order, 0u);
  EXPECT_GT(st.stale, 0u);
  EXPECT_GT(st.halts, 0u);
  EXPECT_GE(st.gaps, 5u);
  EXPECT_EQ(st.back_pressured, 0u);
}

}  // namespace
}  // namespace torghut::actors
