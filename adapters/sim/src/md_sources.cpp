#include "torghut/adapters/md_sources.hpp"

#include <algorithm>
#include <chrono>
#include <ctime>

#include "torghut/adapters/json_decoder.hpp"
#include "torghut/adapters/recording.hpp"
#include "torghut/core/clock.hpp"
#include "torghut/core/symbol_table.hpp"

namespace torghut::adapters {

namespace {
constexpr bool is_bar(market_event_kind k) noexcept {
  return k == market_event_kind::bar || k == market_event_kind::updated_bar ||
         k == market_event_kind::daily_bar;
}
constexpr int64_t bar_period(market_event_kind k) noexcept {
  return k == market_event_kind::daily_bar ? 86'400 * ns_per_second : 60 * ns_per_second;
}
constexpr int64_t floor_to(int64_t t, int64_t period) noexcept {
  const int64_t r = t % period;
  return r < 0 ? t - r - period : t - r;
}
}  // namespace

void restamp_event(market_event& e, md_pace pace, int64_t wall_now_ns, int64_t shift_ns) noexcept {
  if (pace == md_pace::rate || pace == md_pace::fast) {
    // Compressed or stretched time: every event of a chunk happens now, so a symbol's times
    // never go backwards (per-event recorded lags would reorder them). A bar covers the period
    // that just ended.
    e.event_time.ns = wall_now_ns;
    e.recv_time.ns = wall_now_ns;
    if (is_bar(e.kind)) e.event_time.ns = wall_now_ns - bar_period(e.kind);
  } else {
    e.event_time.ns += shift_ns;
    e.recv_time.ns += shift_ns;
  }
  // Alpaca's bar `t` is the start of its minute (or day): keep it on the boundary.
  if (is_bar(e.kind)) e.event_time.ns = floor_to(e.event_time.ns, bar_period(e.kind));
}




namespace {

void decode_into(md_script& script, symbol_table& symbols, json_decoder& dec, timestamp recv,
                 std::string_view frame) {
  ++script.frames;
  const decode_result r = dec.decode(frame, recv, [&](const market_event& e) noexcept {
    md_published_event p{e, {}};
    p.symbol.assign(symbols.name(e.symbol));
    script.events.push_back(p);
  });
  script.skipped_messages += r.skipped;
}


}  // namespace

void append_frames(md_script& script, const std::vector<std::pair<timestamp, std::string>>& frames) {
  symbol_table symbols(1u << 16);
  json_decoder dec(symbols);
  for (const auto& [t, f] : frames) decode_into(script, symbols, dec, t, f);
}

bool load_recording_script(const std::string& path, md_script& out, std::string& error) {
  recording_reader reader;
  if (!reader.open(path)) {
    error = reader.error();
    return false;
  }
  symbol_table symbols(1u << 16);
  json_decoder dec(symbols);
  recording_entry e;
  while (reader.next(e)) decode_into(out, symbols, dec, e.recv_time, e.frame);
  return true;
}

md_script synth_script(const synth_config& config) {
  md_script s;
  symbol_table symbols(1u << 16);
  json_decoder dec(symbols);
  const synth_result r = generate(config, [&](timestamp t, std::string_view frame) {
    decode_into(s, symbols, dec, t, frame);
  });
  (void)r;
  return s;
}

synth_config synth_config_for_rate(std::vector<std::string> symbols, double rate, duration_ns duration,
                                   uint64_t seed) {
  synth_config c;
  c.seed = seed;
  c.symbol_count = static_cast<uint32_t>(symbols.size());
  c.symbols = std::move(symbols);
  const double per_symbol = rate / static_cast<double>(std::max<size_t>(c.symbols.size(), 1));
  c.trades_per_second = per_symbol / 3.0;
  c.quotes_per_second = per_symbol * 2.0 / 3.0;
  c.duration = duration;
  c.control_frames = false;
  c.halts_per_symbol_hour = 0.0;
  c.max_batch = 64;
  return c;
}

void merge_scripts(md_script& script, md_script extra) {
  const size_t mid = script.events.size();
  script.events.insert(script.events.end(), extra.events.begin(), extra.events.end());
  std::inplace_merge(script.events.begin(), script.events.begin() + static_cast<ptrdiff_t>(mid),
                     script.events.end(), [](const md_published_event& a, const md_published_event& b) {
                       return a.event.recv_time < b.event.recv_time;
                     });
  script.frames += extra.frames;
  script.skipped_messages += extra.skipped_messages;
}

void md_source_runner::start(md_server& server, std::shared_ptr<const md_script> script,
                             md_source_options options) {
  stop();
  stop_.store(false);
  done_.store(false);
  thread_ = std::thread([this, &server, script = std::move(script), options]() mutable {
    run(server, std::move(script), options);
  });
}

void md_source_runner::stop() {
  stop_.store(true);
  if (thread_.joinable()) thread_.join();
}

void md_source_runner::run(md_server& server, std::shared_ptr<const md_script> script,
                           md_source_options o) {
  using clock = std::chrono::steady_clock;
  const auto& ev = script->events;
  if (ev.empty()) {
    done_.store(true, std::memory_order_release);
    return;
  }
  const int64_t first = script->first_recv().ns;
  const int64_t span = script->last_recv().ns - first + 1'000'000;  // one loop, +1 ms
  const int64_t wall0 = wall_ns();
  const auto t0 = clock::now();
  std::vector<md_published_event> chunk;
  chunk.reserve(512);
  uint64_t global = 0;  // events published over all loops (rate pacing)
  for (uint64_t loop = 0; !stop_.load(std::memory_order_relaxed); ++loop) {
    const int64_t loop_off = static_cast<int64_t>(loop) * span;
    size_t i = 0;
    while (i < ev.size() && !stop_.load(std::memory_order_relaxed)) {
      // How many events are due now?
      const auto now = clock::now();
      const int64_t elapsed = std::chrono::duration_cast<std::chrono::nanoseconds>(now - t0).count();
      size_t due_end = i;
      int64_t wait_ns = 0;
      switch (o.pace) {
        case md_pace::fast: due_end = std::min(ev.size(), i + 512); break;
        case md_pace::recorded: {
          while (due_end < ev.size() && due_end - i < 512 &&
                 ev[due_end].event.recv_time.ns - first + loop_off <= elapsed)
            ++due_end;
          if (due_end == i) wait_ns = ev[i].event.recv_time.ns - first + loop_off - elapsed;
          break;
        }
        case md_pace::rate: {
          const double r = o.rate > 0 ? o.rate : 1.0;
          const auto allowed = static_cast<uint64_t>(static_cast<double>(elapsed) * r / 1e9) + 1;
          const uint64_t n = allowed > global ? std::min<uint64_t>(allowed - global, 512) : 0;
          due_end = std::min(ev.size(), i + static_cast<size_t>(n));
          if (due_end == i) wait_ns = static_cast<int64_t>(1e9 / r);
          break;
        }
      }
      if (due_end == i) {
        const int64_t w = std::clamp<int64_t>(wait_ns, 20'000, 10'000'000);
        std::this_thread::sleep_for(std::chrono::nanoseconds(w));
        continue;
      }
      chunk.assign(ev.begin() + static_cast<ptrdiff_t>(i), ev.begin() + static_cast<ptrdiff_t>(due_end));
      if (o.restamp) {
        const int64_t wnow = wall0 + elapsed;
        for (auto& p : chunk) restamp_event(p.event, o.pace, wnow, wall0 - first + loop_off);
      }
      size_t sent = 0;
      while (sent < chunk.size() && !stop_.load(std::memory_order_relaxed)) {
        const size_t n = server.try_publish_bulk(std::span<const md_published_event>(chunk).subspan(sent));
        if (o.tee && n > 0) o.tee(std::span<const md_published_event>(chunk).subspan(sent, n));
        sent += n;
        if (sent < chunk.size()) std::this_thread::sleep_for(std::chrono::microseconds(50));
      }
      published_.fetch_add(sent, std::memory_order_relaxed);
      global += sent;
      i += sent;
    }
    loops_.fetch_add(1, std::memory_order_relaxed);
    if (!o.loop) break;
  }
  done_.store(true, std::memory_order_release);
}

}  // namespace torghut::adapters
