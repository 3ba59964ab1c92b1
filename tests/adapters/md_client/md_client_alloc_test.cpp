// The read path on the thread that polls the socket (the hot thread, in `torghut run`'s default
// mode) makes no heap allocation per frame after warm-up: Beast's read buffer, Asio's handler
// memory and the decoders are all reused. Only the polling thread is counted; the in-process
// server and the publisher thread allocate as they like.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "md_client_test_util.hpp"
#include "torghut/test/allocations.hpp"

namespace torghut::adapters {
namespace {

struct counting_sink final : md_event_sink {
  uint64_t n = 0;
  void on_market_event(const market_event& e) noexcept override {
    if (e.kind == market_event_kind::quote) ++n;
  }
};

market_event quote_at(int64_t t) {
  market_event e{};
  e.kind = market_event_kind::quote;
  e.event_time.ns = t;
  e.recv_time.ns = t;
  e.u.quote.bid_px = price::from_raw(100'120'000'000);
  e.u.quote.ask_px = price::from_raw(100'130'000'000);
  e.u.quote.bid_size = quantity::from_raw(3'000'000'000);
  e.u.quote.ask_size = quantity::from_raw(5'000'000'000);
  e.u.quote.bid_exchange = 'V';
  e.u.quote.ask_exchange = 'Q';
  e.u.quote.tape = 'C';
  return e;
}

void publish_quotes(md_server& srv, uint64_t count) {
  std::thread t([&] {
    for (uint64_t i = 0; i < count; ++i) {
      while (!srv.try_publish(quote_at(1'763'700'000'000'000'000 + static_cast<int64_t>(i)), "AAA"))
        std::this_thread::yield();
    }
  });
  t.join();
}

class md_client_alloc : public ::testing::TestWithParam<wire_format> {};

TEST_P(md_client_alloc, frames_read_and_decoded_on_the_polling_thread_allocate_nothing) {
  md_server srv;
  std::string err;
  ASSERT_TRUE(srv.start(err)) << err;
  boost::asio::io_context io;
  symbol_table symbols{64};
  counting_sink sink;
  auto cfg = testing::config_for(srv, GetParam());
  cfg.use_registry = false;
  cfg.subscriptions[subscription_channel::quotes] = {"AAA"};
  md_client client(io, cfg, symbols, sink);
  ASSERT_TRUE(client.start(err)) << err;
  ASSERT_TRUE(testing::run_until(io, [&] { return client.state() == md_client_state::live; }));

  // Warm-up: buffers grow to their working size, the symbol is interned. The warm-up is the
  // same burst as the measured stretch: a slow reader (a sanitizer build) gets bigger batched
  // frames from a burst than from a trickle, and the read buffer grows to the largest frame it
  // has seen (growth after warm-up would be an allocation the test is not about).
  publish_quotes(srv, 20'000);
  ASSERT_TRUE(testing::run_until(io, [&] { return sink.n >= 20'000; }));

  const uint64_t frames_before = client.stats().frames;
  publish_quotes(srv, 20'000);  // queued at the server, sent while we poll below
  torghut::test::start_counting_allocations_on_this_thread();
  const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (sink.n < 40'000 && std::chrono::steady_clock::now() < end) (void)io.poll();
  const uint64_t allocations = torghut::test::stop_counting_allocations();

  EXPECT_EQ(sink.n, 40'000u);
  EXPECT_GT(client.stats().frames, frames_before + 10);  // many frames, not one big one
  EXPECT_EQ(allocations, 0u) << "heap allocations on the polling thread while reading "
                             << client.stats().frames - frames_before << " frames";
  testing::stop_and_drain(client, io);
}

std::string format_name(const ::testing::TestParamInfo<wire_format>& p) { return std::string(to_string(p.param)); }
INSTANTIATE_TEST_SUITE_P(formats, md_client_alloc, ::testing::Values(wire_format::json, wire_format::msgpack),
                         format_name);

int* volatile keep_alive = nullptr;  // so the compiler cannot elide a new/delete pair

TEST(allocation_counter, counts_only_the_thread_that_started_it) {
  std::atomic<int> step{0};
  std::thread other([&] {
    while (step.load() != 1) std::this_thread::yield();
    keep_alive = new int(1);  // another thread while counting: not counted
    delete keep_alive;
    step.store(2);
  });
  torghut::test::start_counting_allocations_on_this_thread();
  step.store(1);
  while (step.load() != 2) std::this_thread::yield();
  keep_alive = new int(2);  // this thread: counted
  const uint64_t n = torghut::test::stop_counting_allocations();
  delete keep_alive;
  other.join();
  EXPECT_EQ(n, 1u);
}

}  // namespace
}  // namespace torghut::adapters
