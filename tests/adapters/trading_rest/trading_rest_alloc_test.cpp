// The hot path allocates nothing once warm: 1000 submits written to the socket and their 200
// responses read, parsed and delivered on the polling thread, without a heap allocation. Only the
// polling thread is counted; the scripted server's threads allocate as they like.

#include <gtest/gtest.h>

#include "torghut/test/scripted_server.hpp"
#include "torghut/test/allocations.hpp"

namespace torghut::adapters {
namespace {

using testing::http_reply;
using testing::http_request;

struct counting_sink final : trading_rest_sink {
  uint64_t accepted = 0, other = 0;
  void on_submit_accepted(const order_command&, const order_view& o) noexcept override {
    if (!o.id.empty()) ++accepted;
  }
  void on_submit_rejected(const order_command&, unsigned, const api_error_view&) noexcept override { ++other; }
  void on_cancel_result(const order_command&, unsigned, const api_error_view&) noexcept override { ++other; }
};

TEST(trading_rest_alloc, submits_and_responses_on_the_polling_thread_allocate_nothing) {
  testing::scripted_server srv([](const http_request& r) {
    if (r.method == "POST") return http_reply::json(200, testing::order_json("tg-0123456789abcdef0123456789abcdef"));
    if (r.method == "DELETE") return http_reply::json(204, "");
    return http_reply::json(404, "{}");
  });
  boost::asio::io_context io;
  counting_sink sink;
  auto cfg = testing::config_for(srv, 2);
  cfg.request_timeout = std::chrono::milliseconds(5000);
  cfg.rate_limit_per_minute = 100'000;  // the budget is checked per request, but never binds here
  trading_rest_client c(io, cfg, sink);
  std::string err;
  ASSERT_TRUE(c.start(err)) << err;
  ASSERT_TRUE(testing::poll_until(io, [&] { return c.stats().warm_connections == 2; }));

  auto cmd = testing::limit_buy("tg-0123456789abcdef0123456789abcdef");
  auto run = [&](uint64_t n, uint64_t& done) {
    for (uint64_t i = 0; i < n; ++i) {
      const uint64_t before = sink.accepted + sink.other;
      if (!c.submit(cmd, "AAPL")) return false;
      if (i % 4 == 0 && !c.cancel(cmd, "61e69015-8549-4bfd-b9c3-01e75843f47d")) return false;
      const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(10);
      const uint64_t want = before + (i % 4 == 0 ? 2 : 1);
      while (sink.accepted + sink.other < want) {
        (void)io.poll();
        if (std::chrono::steady_clock::now() > end) {
          const auto st = c.stats();
          ADD_FAILURE() << "stalled at " << i << ": accepted " << sink.accepted << " other " << sink.other
                        << " requests " << st.requests << " responses " << st.responses << " in_flight "
                        << st.in_flight << " queued " << st.queued << " lost " << st.lost_responses
                        << " 2xx " << st.responses_2xx << " gave_up " << st.gave_up << " " << c.last_error();
          return false;
        }
      }
      ++done;
    }
    return true;
  };
  uint64_t warm = 0;
  ASSERT_TRUE(run(200, warm));  // warm-up: buffers reach their working size, handler memory recycles

  uint64_t done = 0;
  const uint64_t requests_before = c.stats().requests;
  torghut::test::start_counting_allocations_on_this_thread();
  const bool ok = run(1000, done);
  const uint64_t allocations = torghut::test::stop_counting_allocations();
  ASSERT_TRUE(ok) << "stalled after " << done;
  EXPECT_EQ(done, 1000u);
  EXPECT_EQ(c.stats().requests - requests_before, 1250u);  // 1000 POSTs and 250 DELETEs
  EXPECT_EQ(sink.other, 50u + 250u);                      // the cancels (warm-up and counted)
  EXPECT_EQ(allocations, 0u) << "heap allocations on the polling thread for 1000 submits + 250 cancels";
  c.stop();
  testing::poll_for(io, std::chrono::milliseconds(10));
}

}  // namespace
}  // namespace torghut::adapters
