// The market-data server's protocol decisions without a socket (md_protocol.hpp): the upgrade,
// greeting, auth by message and by headers, the auth deadline, subscriptions, every error code the
// server sends and when, one connection per (key, path) with the slot held after a drop, 407.
// Wire bytes are pinned against docs/alpaca-protocol.md §1.

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "torghut/adapters/alpaca_wire.hpp"
#include "torghut/adapters/md_protocol.hpp"

namespace torghut::adapters {
namespace {

constexpr std::string_view key1 = md_default_key;
constexpr std::string_view secret1 = md_default_secret;
constexpr std::string_view key2 = "second-key";
constexpr std::string_view secret2 = "second-secret";
constexpr int64_t sec = 1'000'000'000;
constexpr int64_t t0 = 1'000 * sec;

md_protocol_config test_config() {
  md_protocol_config c;
  c.credentials.push_back({std::string(key2), std::string(secret2)});
  c.auth_timeout_ns = 10 * sec;
  return c;
}

std::string auth_frame(std::string_view key, std::string_view secret, wire_format f = wire_format::json) {
  std::string s;
  encode_auth(f, key, secret, s);
  return s;
}

std::string sub_frame(bool subscribe, subscription_channel c, std::vector<std::string> symbols,
                      wire_format f = wire_format::json) {
  channel_lists l;
  l[c] = std::move(symbols);
  std::string s;
  encode_subscribe(f, subscribe, l, s);
  return s;
}

std::string error_bytes(int code) {
  return "[{\"T\":\"error\",\"code\":" + std::to_string(code) + ",\"msg\":\"" + std::string(md_error_text(code)) +
         "\"}]";
}

/// A session that has been greeted and authenticated with key1 on `feed`.
void open_and_auth(md_protocol_session& s, std::string_view key = key1, std::string_view secret = secret1) {
  (void)s.open(t0);
  const md_step st = s.on_frame(auth_frame(key, secret), t0 + 1);
  ASSERT_EQ(st.outcome, md_outcome::authenticated) << st.frame;
}

// --- the upgrade ------------------------------------------------------------------------------

TEST(md_protocol_upgrade, only_the_four_v2_feeds_are_market_data_paths) {
  EXPECT_EQ(md_feed_of_target("/v2/iex"), "iex");
  EXPECT_EQ(md_feed_of_target("/v2/sip?x=y"), "sip");
  EXPECT_EQ(md_feed_of_target("/v2/delayed_sip"), "delayed_sip");
  EXPECT_EQ(md_feed_of_target("/v2/test"), "test");
  for (std::string_view t : {"", "/", "/v2/", "/v2/crypto", "/v1/iex", "/v2/iex/", "/v2/iexx", "v2/iex",
                             "/v1beta3/crypto/us", "/V2/iex"}) {
    EXPECT_TRUE(md_feed_of_target(t).empty()) << t;
  }
}

TEST(md_protocol_upgrade, msgpack_is_chosen_by_the_content_type_in_any_case) {
  EXPECT_EQ(md_format_of_content_type("application/msgpack"), wire_format::msgpack);
  EXPECT_EQ(md_format_of_content_type("Application/MsgPack; charset=binary"), wire_format::msgpack);
  EXPECT_EQ(md_format_of_content_type("application/json"), wire_format::json);
  EXPECT_EQ(md_format_of_content_type("application/msg"), wire_format::json);
  EXPECT_EQ(md_format_of_content_type(""), wire_format::json);
}

TEST(md_protocol_errors, every_code_the_server_sends_has_alpacas_text) {
  const std::pair<int, std::string_view> table[] = {
      {400, "invalid syntax"},        {401, "not authenticated"},        {402, "auth failed"},
      {403, "already authenticated"}, {404, "auth timeout"},             {405, "symbol limit exceeded"},
      {406, "connection limit exceeded"}, {407, "slow client"},         {409, "insufficient subscription"},
      {410, "invalid subscribe action for this feed"}, {500, "internal error"},
  };
  for (const auto& [code, text] : table) EXPECT_EQ(md_error_text(code), text) << code;
  EXPECT_EQ(md_error_text(408), "internal error");  // unknown codes read as an internal error
  EXPECT_EQ(md_error_text(0), "internal error");
}

// --- greeting and auth ------------------------------------------------------------------------

TEST(md_protocol_session, greets_then_authenticates_with_the_auth_message) {
  md_protocol p(test_config());
  md_protocol_session s(p, "iex", wire_format::json);
  const md_step hello = s.open(t0);
  EXPECT_EQ(hello.frame, R"([{"T":"success","msg":"connected"}])");
  EXPECT_FALSE(hello.close);
  EXPECT_EQ(hello.outcome, md_outcome::none);
  EXPECT_TRUE(s.awaiting_auth());

  const md_step st = s.on_frame(auth_frame(key1, secret1), t0 + sec);
  EXPECT_EQ(st.frame, R"([{"T":"success","msg":"authenticated"}])");
  EXPECT_EQ(st.error_code, 0);
  EXPECT_FALSE(st.close);
  EXPECT_TRUE(st.dialed);
  EXPECT_EQ(st.outcome, md_outcome::authenticated);
  EXPECT_TRUE(s.authed());
  EXPECT_TRUE(s.holds_slot());
  EXPECT_FALSE(s.awaiting_auth());
  EXPECT_EQ(s.key(), key1);
  EXPECT_EQ(p.slots().owner("iex", key1), &s);
}

TEST(md_protocol_session, authenticates_with_upgrade_headers) {
  md_protocol p(test_config());
  md_protocol_session s(p, "sip", wire_format::json);
  (void)s.open(t0);
  const md_step st = s.header_auth(key2, secret2, t0);
  EXPECT_EQ(st.outcome, md_outcome::authenticated);
  EXPECT_TRUE(st.dialed);
  EXPECT_EQ(st.frame, R"([{"T":"success","msg":"authenticated"}])");
  EXPECT_EQ(s.key(), key2);
  // An auth message after header auth is a second auth.
  const md_step again = s.on_frame(auth_frame(key2, secret2), t0 + 1);
  EXPECT_EQ(again.error_code, 403);
  EXPECT_EQ(again.frame, error_bytes(403));
  EXPECT_FALSE(again.close);
  EXPECT_FALSE(again.dialed);
  EXPECT_TRUE(s.authed());
}

TEST(md_protocol_session, wrong_secret_gets_402_and_a_close_and_nothing_after_it_is_answered) {
  md_protocol p(test_config());
  md_protocol_session s(p, "iex", wire_format::json);
  (void)s.open(t0);
  const md_step st = s.on_frame(auth_frame(key1, "wrong"), t0);
  EXPECT_EQ(st.frame, R"([{"T":"error","code":402,"msg":"auth failed"}])");
  EXPECT_EQ(st.error_code, 402);
  EXPECT_TRUE(st.close);
  EXPECT_TRUE(st.dialed);  // a failed attempt is still a dial
  EXPECT_EQ(st.outcome, md_outcome::auth_failed);
  EXPECT_FALSE(s.authed());
  EXPECT_FALSE(s.holds_slot());
  EXPECT_TRUE(s.closing());
  EXPECT_EQ(s.key(), key1);  // the attempted key: fault switches and dial counts find it
  EXPECT_EQ(p.slots().size(), 0u);
  EXPECT_TRUE(s.on_frame(auth_frame(key1, secret1), t0 + 1).empty());
  EXPECT_TRUE(s.on_auth_timer(t0 + 20 * sec).empty());
}

TEST(md_protocol_session, wrong_or_missing_header_credentials_get_402) {
  md_protocol p(test_config());
  md_protocol_session a(p, "iex", wire_format::json);
  (void)a.open(t0);
  const md_step st = a.header_auth(key1, "", t0);
  EXPECT_EQ(st.error_code, 402);
  EXPECT_TRUE(st.close);
  EXPECT_EQ(st.outcome, md_outcome::auth_failed);

  md_protocol_session b(p, "iex", wire_format::json);
  (void)b.open(t0);
  EXPECT_EQ(b.header_auth("", secret1, t0).error_code, 402);
}

TEST(md_protocol_session, only_the_first_attempt_counts_as_a_dial) {
  md_protocol p(test_config());
  md_protocol_session s(p, "iex", wire_format::json);
  (void)s.open(t0);
  EXPECT_TRUE(s.on_frame(auth_frame(key1, secret1), t0).dialed);
  EXPECT_FALSE(s.on_frame(auth_frame(key1, secret1), t0).dialed);  // 403
}

TEST(md_protocol_session, no_auth_by_the_deadline_gets_404_and_a_close) {
  md_protocol p(test_config());
  md_protocol_session s(p, "iex", wire_format::json);
  (void)s.open(t0);
  EXPECT_EQ(s.auth_deadline_ns(), t0 + 10 * sec);
  // A timer that fires early decides nothing; the deadline still matters.
  EXPECT_TRUE(s.on_auth_timer(t0 + 10 * sec - 1).empty());
  EXPECT_TRUE(s.awaiting_auth());
  const md_step st = s.on_auth_timer(t0 + 10 * sec);
  EXPECT_EQ(st.frame, R"([{"T":"error","code":404,"msg":"auth timeout"}])");
  EXPECT_TRUE(st.close);
  EXPECT_EQ(st.outcome, md_outcome::auth_timeout);
  EXPECT_FALSE(s.awaiting_auth());
  EXPECT_TRUE(s.on_auth_timer(t0 + 11 * sec).empty());  // once
  EXPECT_TRUE(s.on_frame(auth_frame(key1, secret1), t0 + 11 * sec).empty());
}

TEST(md_protocol_session, an_authenticated_session_never_times_out) {
  md_protocol p(test_config());
  md_protocol_session s(p, "iex", wire_format::json);
  open_and_auth(s);
  EXPECT_FALSE(s.awaiting_auth());
  EXPECT_TRUE(s.on_auth_timer(t0 + 60 * sec).empty());
  EXPECT_FALSE(s.closing());
}

// --- actions ----------------------------------------------------------------------------------

TEST(md_protocol_session, subscribe_before_auth_gets_401_and_the_connection_stays) {
  md_protocol p(test_config());
  md_protocol_session s(p, "iex", wire_format::json);
  (void)s.open(t0);
  const md_step st = s.on_frame(sub_frame(true, subscription_channel::trades, {"AAPL"}), t0);
  EXPECT_EQ(st.frame, R"([{"T":"error","code":401,"msg":"not authenticated"}])");
  EXPECT_FALSE(st.close);
  EXPECT_FALSE(s.closing());
  EXPECT_EQ(s.on_frame(sub_frame(false, subscription_channel::trades, {"AAPL"}), t0).error_code, 401);
  EXPECT_EQ(s.on_frame(auth_frame(key1, secret1), t0).outcome, md_outcome::authenticated);
}

TEST(md_protocol_session, malformed_and_unknown_actions_get_400_and_the_connection_stays) {
  md_protocol p(test_config());
  md_protocol_session s(p, "iex", wire_format::json);
  (void)s.open(t0);
  for (std::string_view bad : {"not json", "[]", R"({"action":"dance"})", R"({"nothing":1})", ""}) {
    const md_step st = s.on_frame(bad, t0);
    EXPECT_EQ(st.frame, R"([{"T":"error","code":400,"msg":"invalid syntax"}])") << bad;
    EXPECT_FALSE(st.close) << bad;
  }
  client_action unknown;
  unknown.type = client_action_type::unknown;
  EXPECT_EQ(s.on_action(unknown, t0).error_code, 400);
  EXPECT_FALSE(s.closing());
  EXPECT_EQ(s.on_frame(auth_frame(key1, secret1), t0).outcome, md_outcome::authenticated);
}

TEST(md_protocol_session, subscription_replies_carry_the_whole_state_with_every_key) {
  md_protocol p(test_config());
  md_protocol_session s(p, "iex", wire_format::json);
  open_and_auth(s);
  const md_step st = s.on_frame(sub_frame(true, subscription_channel::trades, {"AAPL"}), t0);
  EXPECT_EQ(st.frame,
            R"([{"T":"subscription","trades":["AAPL"],"quotes":[],"bars":[],"updatedBars":[],"dailyBars":[],)"
            R"("statuses":[],"lulds":[],"corrections":["AAPL"],"cancelErrors":["AAPL"]}])");
  EXPECT_EQ(st.error_code, 0);
  EXPECT_FALSE(st.close);

  // Additive: a second subscribe adds; the reply is the whole state.
  const md_step more = s.on_frame(sub_frame(true, subscription_channel::quotes, {"AMD", "*"}), t0);
  channel_lists want;
  want[subscription_channel::trades] = {"AAPL"};
  want[subscription_channel::quotes] = {"AMD", "*"};
  want[subscription_channel::corrections] = {"AAPL"};
  want[subscription_channel::cancel_errors] = {"AAPL"};
  std::string expected;
  encode_subscription(wire_format::json, want, expected);
  EXPECT_EQ(more.frame, expected);

  // Unsubscribe removes.
  const md_step less = s.on_frame(sub_frame(false, subscription_channel::trades, {"AAPL"}), t0);
  want[subscription_channel::trades] = {};
  want[subscription_channel::corrections] = {};
  want[subscription_channel::cancel_errors] = {};
  encode_subscription(wire_format::json, want, expected);
  EXPECT_EQ(less.frame, expected);
  EXPECT_EQ(s.subscriptions().symbol_count(), 2u);
}

TEST(md_protocol_session, symbol_limit_gets_405_and_leaves_the_state_unchanged) {
  md_protocol_config c = test_config();
  c.max_symbols_per_connection = 2;
  md_protocol p(c);
  md_protocol_session s(p, "iex", wire_format::json);
  open_and_auth(s);
  EXPECT_EQ(s.on_frame(sub_frame(true, subscription_channel::trades, {"AAPL", "AMD"}), t0).error_code, 0);
  const md_step st = s.on_frame(sub_frame(true, subscription_channel::quotes, {"MSFT"}), t0);
  EXPECT_EQ(st.frame, R"([{"T":"error","code":405,"msg":"symbol limit exceeded"}])");
  EXPECT_FALSE(st.close);
  EXPECT_EQ(s.subscriptions().symbol_count(), 2u);
  EXPECT_FALSE(s.subscriptions().matches(subscription_channel::quotes, "MSFT"));
  // Room again after an unsubscribe.
  EXPECT_EQ(s.on_frame(sub_frame(false, subscription_channel::trades, {"AMD"}), t0).error_code, 0);
  EXPECT_EQ(s.on_frame(sub_frame(true, subscription_channel::quotes, {"MSFT"}), t0).error_code, 0);
}

TEST(md_protocol_session, a_msgpack_session_answers_in_msgpack) {
  md_protocol p(test_config());
  md_protocol_session s(p, "iex", wire_format::msgpack);
  std::string expected;
  encode_success(wire_format::msgpack, "connected", expected);
  EXPECT_EQ(s.open(t0).frame, expected);
  const md_step st = s.on_frame(auth_frame(key1, secret1, wire_format::msgpack), t0);
  EXPECT_EQ(st.outcome, md_outcome::authenticated);
  encode_success(wire_format::msgpack, "authenticated", expected);
  EXPECT_EQ(st.frame, expected);
  // A JSON frame is not a msgpack action.
  const md_step bad = s.on_frame(auth_frame(key1, secret1, wire_format::json), t0);
  EXPECT_EQ(bad.error_code, 400);
  encode_error(wire_format::msgpack, 400, "invalid syntax", expected);
  EXPECT_EQ(bad.frame, expected);
}

// --- data -------------------------------------------------------------------------------------

TEST(md_protocol_session, data_goes_only_to_authenticated_subscribed_open_sessions) {
  md_protocol p(test_config());
  md_protocol_session s(p, "iex", wire_format::json);
  (void)s.open(t0);
  EXPECT_FALSE(s.accepts_data());
  open_and_auth(s);
  EXPECT_FALSE(s.accepts_data());  // nothing subscribed
  (void)s.on_frame(sub_frame(true, subscription_channel::trades, {"AAPL"}), t0);
  EXPECT_TRUE(s.accepts_data());
  EXPECT_TRUE(s.wants(subscription_channel::trades, 1, "AAPL", false));
  EXPECT_FALSE(s.wants(subscription_channel::trades, 2, "AMD", false));
  EXPECT_FALSE(s.wants(subscription_channel::quotes, 1, "AAPL", false));
  // The cache follows the subscription.
  (void)s.on_frame(sub_frame(false, subscription_channel::trades, {"AAPL"}), t0);
  (void)s.on_frame(sub_frame(true, subscription_channel::trades, {"AMD"}), t0);
  EXPECT_FALSE(s.wants(subscription_channel::trades, 1, "AAPL", false));
  EXPECT_TRUE(s.wants(subscription_channel::trades, 2, "AMD", false));
  (void)s.fail(500);
  EXPECT_FALSE(s.accepts_data());
}

TEST(md_protocol_session, fakepaca_flows_on_the_test_feed_only_and_only_it_there) {
  md_protocol p(test_config());
  md_protocol_session iex(p, "iex", wire_format::json);
  md_protocol_session test(p, "test", wire_format::json);
  open_and_auth(iex);
  open_and_auth(test);
  (void)iex.on_frame(sub_frame(true, subscription_channel::trades, {"*"}), t0);
  (void)test.on_frame(sub_frame(true, subscription_channel::trades, {"*"}), t0);
  EXPECT_TRUE(iex.wants(subscription_channel::trades, 1, "AAPL", false));
  EXPECT_FALSE(iex.wants(subscription_channel::trades, 2, "FAKEPACA", true));
  EXPECT_TRUE(test.wants(subscription_channel::trades, 2, "FAKEPACA", true));
  EXPECT_FALSE(test.wants(subscription_channel::trades, 1, "AAPL", false));
}

// --- one connection per (key, path) -----------------------------------------------------------

TEST(md_protocol_slots, a_second_connection_with_the_same_key_and_path_gets_406) {
  md_protocol p(test_config());
  md_protocol_session first(p, "iex", wire_format::json);
  open_and_auth(first);
  md_protocol_session second(p, "iex", wire_format::json);
  (void)second.open(t0);
  const md_step st = second.on_frame(auth_frame(key1, secret1), t0 + 1);
  EXPECT_EQ(st.frame, R"([{"T":"error","code":406,"msg":"connection limit exceeded"}])");
  EXPECT_TRUE(st.close);
  EXPECT_TRUE(st.dialed);
  EXPECT_EQ(st.outcome, md_outcome::connection_limit);
  EXPECT_FALSE(second.authed());
  EXPECT_FALSE(second.holds_slot());
  EXPECT_EQ(p.slots().owner("iex", key1), &first);
  // Its end does not free the holder's slot.
  EXPECT_TRUE(second.end(md_end::unclean, t0 + 2));
  EXPECT_EQ(p.slots().owner("iex", key1), &first);

  // Another path, or another key, is another slot.
  md_protocol_session sip(p, "sip", wire_format::json);
  open_and_auth(sip);
  md_protocol_session other_key(p, "iex", wire_format::json);
  open_and_auth(other_key, key2, secret2);

  // A clean close frees the slot at once.
  EXPECT_TRUE(first.end(md_end::clean, t0 + 3));
  EXPECT_FALSE(first.end(md_end::clean, t0 + 3));  // once
  md_protocol_session third(p, "iex", wire_format::json);
  open_and_auth(third);
}

TEST(md_protocol_slots, an_unclean_drop_holds_the_slot_when_configured) {
  md_protocol_config c = test_config();
  c.slot_hold_after_drop_ns = 90 * sec;
  md_protocol p(c);
  for (const md_end how : {md_end::unclean, md_end::dropped}) {
    md_protocol_session first(p, "iex", wire_format::json);
    open_and_auth(first);
    const int64_t t_drop = t0 + 5 * sec;
    EXPECT_TRUE(first.end(how, t_drop));
    EXPECT_EQ(p.slots().owner("iex", key1), nullptr);
    EXPECT_EQ(p.slots().size(), 1u);  // held, ownerless

    md_protocol_session quick(p, "iex", wire_format::json);
    (void)quick.open(t_drop + sec);
    EXPECT_EQ(quick.on_frame(auth_frame(key1, secret1), t_drop + 90 * sec - 1).error_code, 406);

    md_protocol_session later(p, "iex", wire_format::json);
    (void)later.open(t_drop + 90 * sec);
    EXPECT_EQ(later.on_frame(auth_frame(key1, secret1), t_drop + 90 * sec).outcome, md_outcome::authenticated);
    EXPECT_TRUE(later.end(md_end::clean, t_drop + 91 * sec));
    EXPECT_EQ(p.slots().size(), 0u);
  }
}

TEST(md_protocol_slots, a_clean_close_or_a_close_the_server_decided_holds_nothing) {
  md_protocol_config c = test_config();
  c.slot_hold_after_drop_ns = 90 * sec;
  md_protocol p(c);
  md_protocol_session clean(p, "iex", wire_format::json);
  open_and_auth(clean);
  EXPECT_TRUE(clean.end(md_end::clean, t0));
  EXPECT_EQ(p.slots().size(), 0u);

  // An injected error, then the grace runs out (unclean): the server closed it, no hold.
  md_protocol_session failed(p, "iex", wire_format::json);
  open_and_auth(failed);
  const md_step st = failed.fail(500);
  EXPECT_EQ(st.frame, R"([{"T":"error","code":500,"msg":"internal error"}])");
  EXPECT_TRUE(st.close);
  EXPECT_EQ(st.outcome, md_outcome::none);
  EXPECT_TRUE(failed.end(md_end::unclean, t0 + 1));
  EXPECT_EQ(p.slots().size(), 0u);

  // But a fault-switch drop holds even a closing session's slot.
  md_protocol_session dropped(p, "iex", wire_format::json);
  open_and_auth(dropped);
  (void)dropped.fail(409);
  EXPECT_TRUE(dropped.end(md_end::dropped, t0 + 2));
  EXPECT_EQ(p.slots().size(), 1u);
}

TEST(md_protocol_slots, no_hold_configured_frees_the_slot_at_once_and_held_slots_can_be_released) {
  md_protocol p(test_config());  // slot_hold_after_drop 0
  md_protocol_session a(p, "iex", wire_format::json);
  open_and_auth(a);
  EXPECT_TRUE(a.end(md_end::unclean, t0));
  EXPECT_EQ(p.slots().size(), 0u);

  md_slots slots;
  int owner1 = 0;
  int owner2 = 0;
  EXPECT_TRUE(slots.acquire("iex", "k", &owner1, t0));
  EXPECT_TRUE(slots.acquire("iex", "k", &owner1, t0));  // already its own
  EXPECT_FALSE(slots.acquire("iex", "k", &owner2, t0));
  slots.release("iex", "k", &owner2, t0, 0);  // not the owner: nothing
  EXPECT_EQ(slots.owner("iex", "k"), &owner1);
  slots.release("iex", "k", &owner1, t0, 90 * sec);
  EXPECT_FALSE(slots.acquire("iex", "k", &owner2, t0 + sec));
  slots.release_held();
  EXPECT_EQ(slots.size(), 0u);
  EXPECT_TRUE(slots.acquire("iex", "k", &owner2, t0 + sec));
  EXPECT_EQ(slots.owner("iex", "k"), &owner2);
  EXPECT_EQ(slots.owner("sip", "k"), nullptr);
}

// --- slow clients and injected errors ---------------------------------------------------------

TEST(md_protocol_session, a_connection_past_either_bound_is_a_slow_client_and_gets_407_once) {
  md_protocol_config c = test_config();
  c.max_queued_bytes = 1000;
  c.max_queued_frames = 10;
  md_protocol p(c);
  EXPECT_FALSE(p.slow_client(1000, 10));
  EXPECT_TRUE(p.slow_client(1001, 1));
  EXPECT_TRUE(p.slow_client(1, 11));

  md_protocol_session s(p, "iex", wire_format::json);
  open_and_auth(s);
  (void)s.on_frame(sub_frame(true, subscription_channel::trades, {"*"}), t0);
  const md_step st = s.on_slow_client();
  EXPECT_EQ(st.frame, R"([{"T":"error","code":407,"msg":"slow client"}])");
  EXPECT_TRUE(st.close);
  EXPECT_EQ(st.outcome, md_outcome::slow_client);
  EXPECT_FALSE(s.accepts_data());
  EXPECT_TRUE(s.on_slow_client().empty());
  EXPECT_TRUE(s.fail(409).empty());
}

TEST(md_protocol_session, injected_errors_are_sent_with_their_text_and_close) {
  md_protocol p(test_config());
  for (const int code : {402, 406, 409, 410, 500, 499}) {
    md_protocol_session s(p, "iex", wire_format::json);
    (void)s.open(t0);
    const md_step st = s.fail(code);
    EXPECT_EQ(st.frame, error_bytes(code)) << code;
    EXPECT_EQ(st.error_code, code);
    EXPECT_TRUE(st.close);
    EXPECT_EQ(st.outcome, md_outcome::none);  // not counted as an auth failure, a limit, ...
    EXPECT_TRUE(s.closing());
  }
  EXPECT_NE(error_bytes(499).find("internal error"), std::string::npos);
  md_protocol_session ended(p, "iex", wire_format::json);
  (void)ended.open(t0);
  EXPECT_TRUE(ended.end(md_end::clean, t0));
  EXPECT_TRUE(ended.fail(500).empty());
  EXPECT_TRUE(ended.on_frame(auth_frame(key1, secret1), t0).empty());
}

}  // namespace
}  // namespace torghut::adapters
