// msgpack_decoder (and frame_decoder in either format) allocate nothing per frame after
// construction: the global operator new/delete of this test binary count allocations.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "event_samples.hpp"
#include "torghut/adapters/alpaca_wire.hpp"
#include "torghut/adapters/frame_decoder.hpp"
#include "torghut/adapters/msgpack_decoder.hpp"
#include "torghut/test/allocations.hpp"

namespace torghut::adapters {
namespace {

using test::allocation_scope;

/// Valid frames of every kind plus bad ones, in `f`.
std::vector<std::string> frames_for(wire_format f) {
  std::vector<std::string> frames;
  const auto evs = testing::sample_events();
  frame_encoder enc(f);
  std::string out;
  enc.begin(out);
  for (const auto& [e, s] : evs) (void)enc.add(out, e, s);
  enc.finish(out);
  frames.push_back(out);
  enc.begin(out);
  (void)enc.add(out, evs[0].first, evs[0].second);
  enc.finish(out);
  frames.push_back(out);
  encode_success(f, "authenticated", out);
  frames.push_back(out);
  encode_error(f, 406, error_message(406), out);
  frames.push_back(out);
  channel_lists s;
  s[subscription_channel::trades] = {"AAPL", "MSFT"};
  s[subscription_channel::bars] = {"*"};
  encode_subscription(f, s, out);
  frames.push_back(out);
  // truncated, not an array, garbage
  frames.push_back(frames[0].substr(0, frames[0].size() / 2));
  frames.push_back(f == wire_format::json ? std::string(R"({"T":"t"})") : std::string("\x81\xa1T\xa1t", 5));
  frames.push_back(std::string("\xc1\xff\x00garbage", 10));
  return frames;
}

template <class Decoder>
void expect_no_allocation(Decoder& decoder, const std::vector<std::string>& frames) {
  uint64_t events = 0, controls = 0;
  auto on_event = [&](const market_event&) noexcept { ++events; };
  auto on_control = [&](const control_message&) noexcept { ++controls; };
  for (const auto& f : frames) (void)decoder.decode(f, timestamp{1}, on_event, on_control);
  const uint64_t warm_events = events, warm_controls = controls;
  ASSERT_GT(warm_events, 0u);
  ASSERT_EQ(warm_controls, 3u);
  uint64_t allocations = 0;
  {
    allocation_scope counter;
    for (int round = 0; round < 100; ++round)
      for (const auto& f : frames) (void)decoder.decode(f, timestamp{round}, on_event, on_control);
    allocations = counter.count();
  }
  EXPECT_EQ(allocations, 0u);
  EXPECT_EQ(events, warm_events * 101);
  EXPECT_EQ(controls, warm_controls * 101);
}

TEST(msgpack_decoder_alloc, decode_allocates_nothing_after_construction) {
  symbol_table symbols(64);
  msgpack_decoder decoder(symbols, 1 << 16);
  expect_no_allocation(decoder, frames_for(wire_format::msgpack));
}

TEST(frame_decoder, dispatches_on_format_without_allocating) {
  symbol_table symbols(64);
  frame_decoder decoder(symbols, wire_format::msgpack, 1 << 16);
  expect_no_allocation(decoder, frames_for(wire_format::msgpack));
  EXPECT_GT(decoder.stats().events, 0u);
  EXPECT_EQ(decoder.json().stats().frames, 0u);
  decoder.set_format(wire_format::json);
  EXPECT_EQ(decoder.format(), wire_format::json);
  expect_no_allocation(decoder, frames_for(wire_format::json));
  EXPECT_EQ(decoder.stats().frames, decoder.json().stats().frames);
  EXPECT_GT(decoder.json().stats().frames, 0u);
}

}  // namespace
}  // namespace torghut::adapters
