// What the hot thread runs (engine/app/src/hot_agents.hpp): nothing it catches is silent.
#include "hot_agents.hpp"

#include <gtest/gtest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>

#include <stdexcept>

namespace torghut::app {
namespace {

TEST(hot_agents, an_exception_from_an_io_handler_is_counted_and_its_text_kept) {
  boost::asio::io_context io(1);
  // As in the live runtime: a work guard keeps the io_context from stopping when it runs dry.
  auto guard = boost::asio::make_work_guard(io);
  hot_faults faults;
  EXPECT_EQ(faults.caught(), 0u);
  EXPECT_EQ(faults.first(), "");
  boost::asio::post(io, [] { throw std::runtime_error("handler failed: boom"); });
  EXPECT_EQ(poll_guarded(io, faults), 1u) << "a caught exception counts as work done";
  EXPECT_EQ(faults.caught(), 1u);
  EXPECT_EQ(faults.first(), "handler failed: boom");
  boost::asio::post(io, [] { throw 42; });  // not a std::exception
  (void)poll_guarded(io, faults);
  EXPECT_EQ(faults.caught(), 2u);
  EXPECT_EQ(faults.first(), "handler failed: boom") << "the first one's text stays";
  int ran = 0;
  boost::asio::post(io, [&] { ++ran; });
  EXPECT_EQ(poll_guarded(io, faults), 1u);
  EXPECT_EQ(ran, 1);
  EXPECT_EQ(faults.caught(), 2u) << "a handler that returns normally is not a fault";
}

TEST(hot_agents, a_long_exception_text_is_cut_to_the_fixed_storage) {
  hot_faults faults;
  const std::string long_text(1000, 'x');
  faults.record(long_text.c_str());
  EXPECT_EQ(faults.first().size(), 159u);
  faults.record(nullptr);
  EXPECT_EQ(faults.caught(), 2u);
}

}  // namespace
}  // namespace torghut::app
