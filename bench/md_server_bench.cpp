// md_server: the sustained rate the server pushes to one loopback client. A publisher thread
// queues quotes as fast as the queue takes them; a plain Beast client reads and counts messages
// (no decoding: this measures the server's drain + filter + encode + write path). One iteration =
// `batch` events published and all of them received. Compare JSON and msgpack, and batch sizes.
#include <benchmark/benchmark.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>

#include <atomic>
#include <cstring>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "torghut/adapters/alpaca_wire.hpp"
#include "torghut/adapters/md_server.hpp"

namespace {

namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using namespace torghut;
using namespace torghut::adapters;

/// Messages in one frame without decoding it.
size_t count_messages(std::string_view f, bool msgpack) {
  if (f.empty()) return 0;
  if (!msgpack) {
    size_t n = 0;
    for (size_t p = f.find("{\"T\":"); p != std::string_view::npos; p = f.find("{\"T\":", p + 5)) ++n;
    return n;
  }
  const auto b = static_cast<unsigned char>(f[0]);
  if ((b & 0xf0u) == 0x90u) return b & 0x0fu;
  if (b == 0xdc && f.size() >= 3)
    return (static_cast<size_t>(static_cast<unsigned char>(f[1])) << 8) | static_cast<unsigned char>(f[2]);
  if (b == 0xdd && f.size() >= 5) {
    size_t n = 0;
    for (int i = 1; i <= 4; ++i) n = (n << 8) | static_cast<unsigned char>(f[static_cast<size_t>(i)]);
    return n;
  }
  return 0;
}

void BM_push_to_one_client(benchmark::State& state) {
  const bool msgpack = state.range(0) != 0;
  md_server_options o;
  o.max_batch = static_cast<uint32_t>(state.range(1));
  o.idle_timeout = std::chrono::milliseconds(0);
  md_server srv(o);
  std::string err;
  if (!srv.start(err)) {
    state.SkipWithError(err.c_str());
    return;
  }
  net::io_context ioc;
  websocket::stream<beast::tcp_stream> ws(ioc);
  beast::get_lowest_layer(ws).connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), srv.port()));
  ws.set_option(websocket::stream_base::decorator([msgpack](websocket::request_type& r) {
    if (msgpack) r.set("Content-Type", "application/msgpack");
  }));
  ws.read_message_max(size_t{64} << 20);
  ws.handshake("localhost", "/v2/sip");
  ws.binary(msgpack);
  const wire_format f = msgpack ? wire_format::msgpack : wire_format::json;
  beast::flat_buffer buf;
  ws.read(buf);  // connected
  buf.clear();
  std::string msg;
  encode_auth(f, md_default_key, md_default_secret, msg);
  ws.write(net::buffer(msg));
  ws.read(buf);  // authenticated
  buf.clear();
  channel_lists l;
  l[subscription_channel::quotes] = {"*"};
  encode_subscribe(f, true, l, msg);
  ws.write(net::buffer(msg));
  ws.read(buf);  // subscription
  buf.clear();

  // 100 symbols, realistic quotes.
  std::vector<md_published_event> events(1000);
  for (size_t i = 0; i < events.size(); ++i) {
    market_event& e = events[i].event;
    e.kind = market_event_kind::quote;
    e.event_time = timestamp{1'709'562'600'123'456'789LL + static_cast<int64_t>(i) * 1000};
    e.u.quote = quote_payload{price::from_raw(185'120'000'000 + static_cast<int64_t>(i) * 10'000'000),
                              quantity::from_raw(300'000'000'000),
                              price::from_raw(185'130'000'000 + static_cast<int64_t>(i) * 10'000'000),
                              quantity::from_raw(100'000'000'000), 'V', 'Q', 'C'};
    events[i].symbol.assign("SYM" + std::to_string(i % 100));
  }
  const size_t batch = 100'000;
  uint64_t total = 0;
  uint64_t bytes = 0;
  for (auto _ : state) {
    std::thread pub([&] {
      size_t sent = 0;
      while (sent < batch) {
        const size_t want = std::min(events.size(), batch - sent);
        const size_t n = srv.try_publish_bulk(std::span<const md_published_event>(events.data(), want));
        sent += n;
        if (n < want) std::this_thread::yield();
      }
    });
    size_t got = 0;
    while (got < batch) {
      ws.read(buf);
      const auto d = buf.cdata();
      got += count_messages(std::string_view(static_cast<const char*>(d.data()), d.size()), msgpack);
      bytes += d.size();
      buf.clear();
    }
    pub.join();
    total += got;
  }
  state.SetItemsProcessed(static_cast<int64_t>(total));
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
  state.counters["overflows"] = static_cast<double>(srv.stats().queue_overflows);
  beast::error_code ec;
  ws.close(websocket::close_code::normal, ec);
}
BENCHMARK(BM_push_to_one_client)
    ->ArgNames({"msgpack", "max_batch"})
    ->Args({0, 1000})
    ->Args({1, 1000})
    ->Args({0, 100})
    ->Args({0, 1})
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
