// The Alpaca codec, measured: decoding one trade frame into an engine event (JSON and msgpack),
// a batch of 100 quotes, and the encoders. The reference for the hand-written msgpack decoder is
// msgpack-cxx parsing the same bytes into a msgpack::object_handle (a generic tree: no field
// lookup, no fixed-point conversion, no symbol interning), when its headers are available.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "torghut/adapters/alpaca_wire.hpp"
#include "torghut/adapters/frame_decoder.hpp"
#include "torghut/adapters/json_decoder.hpp"
#include "torghut/adapters/msgpack_decoder.hpp"
#include "torghut/core/rfc3339.hpp"

#if defined(TORGHUT_HAVE_MSGPACK_CXX)
#include <msgpack.hpp>
#endif

using namespace torghut;
using namespace torghut::adapters;

namespace {

/// Alpaca's documented trade: {"T":"t","S":"AAPL","i":52983525029461,"x":"K","p":126.55,...}
market_event sample_trade() {
  market_event e{};
  e.kind = market_event_kind::trade;
  e.event_time = *parse_rfc3339("2021-02-22T15:51:44.208Z");
  e.u.trade = trade_payload{};
  e.u.trade.id.value = 52983525029461;
  e.u.trade.px = price::from_raw(126'550'000'000);
  e.u.trade.size = quantity::from_raw(1'000'000'000);
  e.u.trade.conditions = {'@', 'I', '\0', '\0'};
  e.u.trade.n_conditions = 2;
  e.u.trade.exchange = 'K';
  e.u.trade.tape = 'C';
  return e;
}

/// Quote i of a batch: prices and times vary so nothing is constant-folded.
market_event sample_quote(int i) {
  market_event e{};
  e.kind = market_event_kind::quote;
  e.event_time = timestamp{*parse_rfc3339("2021-02-22T15:51:45Z") + duration_ns{i * 1'234'567}};
  e.u.quote = quote_payload{};
  e.u.quote.bid_exchange = 'U';
  e.u.quote.bid_px = price::from_raw(87'660'000'000 + i * 10'000'000);
  e.u.quote.bid_size = quantity::from_raw(int64_t{1 + i % 7} * 1'000'000'000);
  e.u.quote.ask_exchange = 'Q';
  e.u.quote.ask_px = price::from_raw(87'680'000'000 + i * 10'000'000);
  e.u.quote.ask_size = quantity::from_raw(int64_t{1 + i % 5} * 1'000'000'000);
  e.u.quote.tape = 'C';
  return e;
}

const char* const symbols8[] = {"AAPL", "AMD", "MSFT", "NVDA", "TSLA", "SPY", "QQQ", "META"};

std::string trade_frame(wire_format f) {
  frame_encoder enc(f);
  std::string out;
  enc.begin(out);
  (void)enc.add(out, sample_trade(), "AAPL");
  enc.finish(out);
  return out;
}

std::string quotes_frame(wire_format f, int n) {
  frame_encoder enc(f);
  std::string out;
  enc.begin(out);
  for (int i = 0; i < n; ++i) (void)enc.add(out, sample_quote(i), symbols8[i % 8]);
  enc.finish(out);
  return out;
}

template <class Decoder>
void run_decode(benchmark::State& state, const std::string& frame, int64_t per_frame) {
  symbol_table symbols(64);
  Decoder decoder(symbols);
  int64_t sink = 0;
  int64_t recv = 0;
  auto on_event = [&](const market_event& e) noexcept { sink += e.event_time.ns; };
  for (auto _ : state) {
    const auto r = decoder.decode(frame, timestamp{++recv}, on_event);
    benchmark::DoNotOptimize(r);
  }
  benchmark::DoNotOptimize(sink);
  if (decoder.stats().events != static_cast<uint64_t>(per_frame) * decoder.stats().frames)
    state.SkipWithError("decoder did not deliver every event");
  state.SetItemsProcessed(state.iterations() * per_frame);
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(frame.size()));
  state.counters["frame_bytes"] = static_cast<double>(frame.size());
}

void BM_decode_trade_json(benchmark::State& state) {
  run_decode<json_decoder>(state, trade_frame(wire_format::json), 1);
}
void BM_decode_trade_msgpack(benchmark::State& state) {
  run_decode<msgpack_decoder>(state, trade_frame(wire_format::msgpack), 1);
}
void BM_decode_100_quotes_json(benchmark::State& state) {
  run_decode<json_decoder>(state, quotes_frame(wire_format::json, 100), 100);
}
void BM_decode_100_quotes_msgpack(benchmark::State& state) {
  run_decode<msgpack_decoder>(state, quotes_frame(wire_format::msgpack, 100), 100);
}
void BM_decode_trade_frame_decoder_msgpack(benchmark::State& state) {
  const std::string frame = trade_frame(wire_format::msgpack);
  symbol_table symbols(64);
  frame_decoder decoder(symbols, wire_format::msgpack);
  int64_t sink = 0;
  for (auto _ : state) {
    const auto r = decoder.decode(frame, timestamp{1}, [&](const market_event& e) noexcept { sink += e.u.trade.px.raw; });
    benchmark::DoNotOptimize(r);
  }
  benchmark::DoNotOptimize(sink);
  state.SetItemsProcessed(state.iterations());
}

#if defined(TORGHUT_HAVE_MSGPACK_CXX)
void run_msgpack_cxx(benchmark::State& state, const std::string& frame, int64_t per_frame) {
  for (auto _ : state) {
    msgpack::object_handle oh = msgpack::unpack(frame.data(), frame.size());
    benchmark::DoNotOptimize(oh.get().via.array.size);
  }
  state.SetItemsProcessed(state.iterations() * per_frame);
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(frame.size()));
}
void BM_reference_msgpack_cxx_trade(benchmark::State& state) {
  run_msgpack_cxx(state, trade_frame(wire_format::msgpack), 1);
}
void BM_reference_msgpack_cxx_100_quotes(benchmark::State& state) {
  run_msgpack_cxx(state, quotes_frame(wire_format::msgpack, 100), 100);
}
#endif

void run_encode(benchmark::State& state, wire_format f, int n) {
  std::vector<market_event> evs;
  if (n == 1)
    evs.push_back(sample_trade());
  else
    for (int i = 0; i < n; ++i) evs.push_back(sample_quote(i));
  frame_encoder enc(f);
  std::string out;
  for (auto _ : state) {
    enc.begin(out);
    for (size_t i = 0; i < evs.size(); ++i) (void)enc.add(out, evs[i], symbols8[i % 8]);
    enc.finish(out);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations() * n);
  state.counters["frame_bytes"] = static_cast<double>(out.size());
}
void BM_encode_trade_json(benchmark::State& state) { run_encode(state, wire_format::json, 1); }
void BM_encode_trade_msgpack(benchmark::State& state) { run_encode(state, wire_format::msgpack, 1); }
void BM_encode_100_quotes_json(benchmark::State& state) { run_encode(state, wire_format::json, 100); }
void BM_encode_100_quotes_msgpack(benchmark::State& state) { run_encode(state, wire_format::msgpack, 100); }

void BM_encode_subscription_json(benchmark::State& state) {
  channel_lists s;
  for (const char* sym : symbols8) s[subscription_channel::trades].emplace_back(sym);
  s[subscription_channel::quotes] = s[subscription_channel::trades];
  std::string out;
  for (auto _ : state) {
    encode_subscription(wire_format::json, s, out);
    benchmark::DoNotOptimize(out.data());
  }
}

}  // namespace

BENCHMARK(BM_decode_trade_json);
BENCHMARK(BM_decode_trade_msgpack);
BENCHMARK(BM_decode_trade_frame_decoder_msgpack);
BENCHMARK(BM_decode_100_quotes_json);
BENCHMARK(BM_decode_100_quotes_msgpack);
#if defined(TORGHUT_HAVE_MSGPACK_CXX)
BENCHMARK(BM_reference_msgpack_cxx_trade);
BENCHMARK(BM_reference_msgpack_cxx_100_quotes);
#endif
BENCHMARK(BM_encode_trade_json);
BENCHMARK(BM_encode_trade_msgpack);
BENCHMARK(BM_encode_100_quotes_json);
BENCHMARK(BM_encode_100_quotes_msgpack);
BENCHMARK(BM_encode_subscription_json);

BENCHMARK_MAIN();
