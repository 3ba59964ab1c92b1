// json_decoder allocates nothing per frame after construction: this test binary's global
// operator new/delete count allocations (torghut/test/allocations.hpp), switched on around the
// decode calls.
// (Decode times are measured by bench_codec, not here: tests never depend on speed.)

#include <gtest/gtest.h>

#include <string>

#include "torghut/adapters/json_decoder.hpp"
#include "torghut/test/allocations.hpp"

namespace torghut::adapters {
namespace {

using test::allocation_scope;

const char* const one_trade =
    R"([{"T":"t","S":"AAPL","i":52983525029461,"x":"K","p":126.55,"s":1,"c":["@","I"],"t":"2021-02-22T15:51:44.208Z","z":"C"}])";

const char* const frames[] = {
    one_trade,
    R"([{"T":"q","S":"AMD","bx":"U","bp":87.66,"bs":1,"ax":"Q","ap":87.68,"as":4,"t":"2021-02-22T15:51:45.335689322Z","c":["R"],"z":"C"},{"T":"b","S":"SPY","o":388.985,"h":389.13,"l":388.975,"c":389.12,"v":49378,"t":"2021-02-22T19:15:00Z","n":461,"vw":389.062639}])",
    R"([{"T":"s","S":"AAPL","sc":"H","sm":"Trading Halt","rc":"T12","rm":"Halted","t":"2021-02-22T19:15:00Z","z":"C"},{"T":"c","S":"EEM","x":"N","oi":1716,"op":39.25,"os":100,"oc":[" ","F"],"ci":1722,"cp":39.26,"cs":150,"cc":[" ","F"],"t":"2021-02-22T15:51:44Z","z":"A"},{"T":"x","S":"AAPL","i":5,"x":"D","p":1,"s":2,"a":"E","t":"2021-02-22T15:51:44Z","z":"C"},{"T":"l","S":"IONM","u":5.3,"d":4.44,"i":"B","t":"2021-02-22T15:51:44Z","z":"C"},{"T":"i","S":"SPY","p":412.19,"z":"P","t":"2021-02-22T19:15:00Z"}])",
    R"([{"T":"success","msg":"authenticated"}])",
    R"([{"T":"error","code":406,"msg":"connection limit exceeded"}])",
    R"([{"T":"subscription","trades":["AAPL"],"quotes":["AMD","CLDR"],"bars":["*"],"updatedBars":[],"dailyBars":[],"statuses":[],"lulds":[],"corrections":["AAPL"],"cancelErrors":["AAPL"]}])",
    // bad input of every kind must not allocate either
    R"([{"T":"t","S":"X","i":1,"p":0,"s":-1,"t":"bad"},{"T":"zz"},5,{"S":"X"}])",
    R"([{"T":"t","S":"X)",
    R"({"T":"t"})",
};

TEST(json_decoder_alloc, decode_allocates_nothing_after_warm_up) {
  symbol_table symbols(64);
  json_decoder decoder(symbols, 1 << 16);
  uint64_t events = 0, controls = 0;
  auto on_event = [&](const market_event&) noexcept { ++events; };
  auto on_control = [&](const control_message& c) noexcept { controls += c.msg.size() > 0 || c.type == control_type::subscription; };
  for (const char* f : frames) (void)decoder.decode(f, timestamp{1}, on_event, on_control);  // warm-up
  const uint64_t warm_events = events;
  ASSERT_GT(warm_events, 0u);
  uint64_t allocations = 0;
  {
    allocation_scope counter;
    for (int round = 0; round < 100; ++round)
      for (const char* f : frames) (void)decoder.decode(f, timestamp{round}, on_event, on_control);
    allocations = counter.count();
  }
  EXPECT_EQ(allocations, 0u);
  EXPECT_EQ(events, warm_events * 101);
  EXPECT_GT(controls, 0u);
}

TEST(json_decoder_alloc, counting_operator_new_sees_allocations) {
  // Guards the test above against a counter that never counts.
  uint64_t n = 0;
  {
    allocation_scope counter;
    auto* s = new std::string(100, 'x');
    delete s;
    n = counter.count();
  }
  EXPECT_GE(n, 1u);
}

}  // namespace
}  // namespace torghut::adapters
