// The pure parts of md_server: subscription state and routing rules, and the data sources.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "torghut/adapters/md_server.hpp"
#include "torghut/adapters/md_sources.hpp"
#include "torghut/adapters/md_subscriptions.hpp"
#include "torghut/adapters/recording.hpp"

namespace torghut::adapters {
namespace {

channel_lists lists(std::initializer_list<std::pair<subscription_channel, std::vector<std::string>>> l) {
  channel_lists out;
  for (const auto& [c, v] : l) out[c] = v;
  return out;
}

TEST(md_subscriptions, routes_corrections_and_cancel_errors_with_trades_and_skips_internal_kinds) {
  EXPECT_EQ(channel_of(market_event_kind::trade), subscription_channel::trades);
  EXPECT_EQ(channel_of(market_event_kind::correction), subscription_channel::trades);
  EXPECT_EQ(channel_of(market_event_kind::cancel_error), subscription_channel::trades);
  EXPECT_EQ(channel_of(market_event_kind::quote), subscription_channel::quotes);
  EXPECT_EQ(channel_of(market_event_kind::updated_bar), subscription_channel::updated_bars);
  EXPECT_EQ(channel_of(market_event_kind::daily_bar), subscription_channel::daily_bars);
  EXPECT_EQ(channel_of(market_event_kind::imbalance), subscription_channel::imbalances);
  EXPECT_FALSE(channel_of(market_event_kind::microbar));
  EXPECT_FALSE(channel_of(market_event_kind::gap));
}

TEST(md_subscriptions, subscribe_adds_unsubscribe_removes_and_star_matches_all) {
  subscription_set s;
  EXPECT_TRUE(s.empty());
  ASSERT_TRUE(s.apply(true, lists({{subscription_channel::trades, {"AAPL", "AAPL", "MSFT"}},
                                  {subscription_channel::quotes, {"*"}}})));
  EXPECT_TRUE(s.matches(subscription_channel::trades, "AAPL"));
  EXPECT_FALSE(s.matches(subscription_channel::trades, "AMD"));
  EXPECT_TRUE(s.matches(subscription_channel::quotes, "ANYTHING"));
  EXPECT_FALSE(s.matches(subscription_channel::bars, "AAPL"));
  auto r = s.reply_state();
  EXPECT_EQ(r[subscription_channel::trades], (std::vector<std::string>{"AAPL", "MSFT"}));
  EXPECT_EQ(r[subscription_channel::corrections], (std::vector<std::string>{"AAPL", "MSFT"}));
  EXPECT_EQ(r[subscription_channel::cancel_errors], (std::vector<std::string>{"AAPL", "MSFT"}));
  const uint64_t v = s.version();
  ASSERT_TRUE(s.apply(false, lists({{subscription_channel::trades, {"AAPL", "NOTTHERE"}}})));
  EXPECT_GT(s.version(), v);
  EXPECT_FALSE(s.matches(subscription_channel::trades, "AAPL"));
  EXPECT_EQ(s.symbol_count(), 2u);
}

TEST(md_subscriptions, a_limit_refuses_the_change_whole) {
  subscription_set s;
  ASSERT_TRUE(s.apply(true, lists({{subscription_channel::trades, {"A", "B"}}}), 3));
  EXPECT_FALSE(s.apply(true, lists({{subscription_channel::quotes, {"C", "D"}}}), 3));
  EXPECT_FALSE(s.matches(subscription_channel::quotes, "C"));
  EXPECT_EQ(s.symbol_count(), 2u);
}

TEST(md_subscriptions, the_match_cache_follows_changes) {
  subscription_set s;
  match_cache c;
  ASSERT_TRUE(s.apply(true, lists({{subscription_channel::trades, {"AAPL"}}})));
  EXPECT_TRUE(c.matches(s, subscription_channel::trades, 7, "AAPL"));
  EXPECT_FALSE(c.matches(s, subscription_channel::trades, 8, "MSFT"));
  ASSERT_TRUE(s.apply(true, lists({{subscription_channel::trades, {"MSFT"}}})));
  EXPECT_TRUE(c.matches(s, subscription_channel::trades, 8, "MSFT"));
  ASSERT_TRUE(s.apply(false, lists({{subscription_channel::trades, {"AAPL"}}})));
  EXPECT_FALSE(c.matches(s, subscription_channel::trades, 7, "AAPL"));
}

TEST(md_sources, synth_script_decodes_every_generated_message) {
  synth_config c = synth_config_for_rate({"AAA", "FAKEPACA"}, 2000, duration_ns{2 * ns_per_second}, 3);
  md_script s = synth_script(c);
  EXPECT_EQ(s.skipped_messages, 0u);
  // About 2000 messages/s for 2 s (per-symbol rates vary 0.5x..1.5x).
  EXPECT_GT(s.events.size(), 1000u);
  EXPECT_LT(s.events.size(), 12000u);
  bool fakepaca = false;
  for (size_t i = 1; i < s.events.size(); ++i) {
    EXPECT_LE(s.events[i - 1].event.recv_time, s.events[i].event.recv_time);
    fakepaca = fakepaca || s.events[i].symbol.view() == "FAKEPACA";
  }
  EXPECT_TRUE(fakepaca);
}

TEST(md_sources, recordings_load_and_scripts_merge_in_receive_order) {
  const auto path = std::filesystem::temp_directory_path() / ("md_sources_" + std::to_string(::getpid()) + ".rec");
  {
    recording_writer w;
    ASSERT_TRUE(w.open(path.string()));
    w.write(timestamp{100}, R"([{"T":"success","msg":"connected"}])");
    w.write(timestamp{200}, R"([{"T":"t","S":"AAPL","i":1,"x":"V","p":185.12,"s":100,"c":["@"],"t":"2024-03-04T14:30:00.1Z","z":"C"}])");
    w.write(timestamp{400}, R"([{"T":"q","S":"AAPL","bx":"V","bp":185.1,"bs":1,"ax":"V","ap":185.2,"as":2,"c":["R"],"t":"2024-03-04T14:30:00.3Z","z":"C"},{"T":"t","S":"AAPL","i":2,"x":"V","p":"x","s":1,"t":"2024-03-04T14:30:00.3Z","z":"C"}])");
    ASSERT_TRUE(w.close());
  }
  md_script s;
  std::string err;
  ASSERT_TRUE(load_recording_script(path.string(), s, err)) << err;
  std::filesystem::remove(path);
  ASSERT_EQ(s.events.size(), 2u);
  EXPECT_EQ(s.skipped_messages, 1u);  // the price that is not a number
  EXPECT_EQ(s.events[0].symbol.view(), "AAPL");
  EXPECT_EQ(s.events[0].event.u.trade.px.raw, 185'120'000'000);
  md_script extra;
  md_published_event e{};
  e.event.kind = market_event_kind::status;
  e.event.recv_time = timestamp{300};
  e.symbol.assign("FAKEPACA");
  extra.events.push_back(e);
  merge_scripts(s, extra);
  ASSERT_EQ(s.events.size(), 3u);
  EXPECT_EQ(s.events[1].symbol.view(), "FAKEPACA");
  EXPECT_FALSE(load_recording_script("/nonexistent/x.rec", s, err));
}

TEST(md_sources, the_runner_publishes_everything_in_fast_mode_and_loops_with_rising_times) {
  md_server_options o;
  o.publish_queue_capacity = 1024;  // small: the runner must wait, never drop
  md_server srv(o);
  std::string err;
  ASSERT_TRUE(srv.start(err)) << err;
  auto script = std::make_shared<md_script>(
      synth_script(synth_config_for_rate({"AAA", "BBB"}, 5000, duration_ns{ns_per_second}, 9)));
  ASSERT_GT(script->events.size(), 2000u);
  md_source_runner r;
  md_source_options so;
  so.pace = md_pace::fast;
  r.start(srv, script, so);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!r.done() && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(std::chrono::milliseconds(2));
  ASSERT_TRUE(r.done());
  srv.sync();
  EXPECT_EQ(r.published(), script->events.size());
  EXPECT_EQ(srv.stats().events_published, script->events.size());
  EXPECT_EQ(srv.stats().events_drained, script->events.size());
  EXPECT_EQ(srv.stats().queue_overflows, 0u);
  r.stop();

  md_source_runner looping;
  so.loop = true;
  looping.start(srv, script, so);
  while (looping.loops() < 2 && std::chrono::steady_clock::now() < deadline + std::chrono::seconds(5))
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  looping.stop();
  EXPECT_GE(looping.loops(), 2u);
  EXPECT_GE(looping.published(), 2 * script->events.size());
}

TEST(md_sources, restamping_keeps_bars_on_their_minute_and_times_rising) {
  constexpr int64_t minute = 60 * ns_per_second;
  const int64_t now = 1'763'700'000 * ns_per_second + 37'244'183'925;  // mid-minute, with nanoseconds
  market_event trade{};
  trade.kind = market_event_kind::trade;
  trade.event_time.ns = 1'709'562'600 * ns_per_second + 5;
  trade.recv_time.ns = trade.event_time.ns + 7'000'000;
  market_event bar = trade;
  bar.kind = market_event_kind::bar;
  bar.event_time.ns = 1'709'562'600 * ns_per_second;  // a minute start
  market_event daily = bar;
  daily.kind = market_event_kind::daily_bar;

  for (md_pace pace : {md_pace::rate, md_pace::fast}) {
    market_event t = trade, b = bar, d = daily;
    restamp_event(t, pace, now, 0);
    restamp_event(b, pace, now, 0);
    restamp_event(d, pace, now, 0);
    EXPECT_EQ(t.event_time.ns, now);  // the same instant for every event of a chunk: never backwards
    EXPECT_EQ(t.recv_time.ns, now);
    EXPECT_EQ(b.event_time.ns % minute, 0);  // the minute that just ended
    EXPECT_EQ(b.event_time.ns, now - now % minute - minute);
    EXPECT_EQ(d.event_time.ns % (86'400 * ns_per_second), 0);
  }
  // Recorded pace: a shift that is not a whole minute keeps the recorded spacing of trades but
  // puts bars back on their minute.
  const int64_t shift = now - trade.event_time.ns;
  market_event t = trade, b = bar;
  restamp_event(t, md_pace::recorded, now, shift);
  restamp_event(b, md_pace::recorded, now, shift);
  EXPECT_EQ(t.event_time.ns, now);
  EXPECT_EQ(t.recv_time.ns - t.event_time.ns, 7'000'000);
  EXPECT_EQ(b.event_time.ns % minute, 0);
  EXPECT_LE(b.event_time.ns, bar.event_time.ns + shift);
  EXPECT_GT(b.event_time.ns, bar.event_time.ns + shift - minute);
}

TEST(md_server_config, listen_addresses_parse_strictly) {
  std::string host;
  uint16_t port = 1;
  ASSERT_TRUE(parse_listen_address("127.0.0.1:8765", host, port));
  EXPECT_EQ(host, "127.0.0.1");
  EXPECT_EQ(port, 8765);
  ASSERT_TRUE(parse_listen_address("[::1]:0", host, port));
  EXPECT_EQ(host, "::1");
  EXPECT_EQ(port, 0);
  for (const char* bad : {"127.0.0.1", ":80", "127.0.0.1:", "127.0.0.1:abc", "127.0.0.1:65536", "h:-1", "h:123456"})
    EXPECT_FALSE(parse_listen_address(bad, host, port)) << bad;
}

}  // namespace
}  // namespace torghut::adapters
