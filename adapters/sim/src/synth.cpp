// Deterministic synthetic Alpaca market. Model, per symbol:
//  - log mid price: a random walk on a 100 ms grid with GARCH(1,1) variance (volatility
//    clusters over minutes) and a very weak pull towards its opening level;
//  - quotes (Poisson arrivals, rate rising with volatility): bid/ask on the cent grid a few
//    ticks apart around the mid, round-lot sizes;
//  - trades (Poisson arrivals): at the bid, at the ask, or inside the spread (midpoint trades
//    give half cents), odd lots and round lots, increasing trade ids;
//  - minute bars from the trades, sent shortly after each minute closes;
//  - optional halts: status H, silence, status T and a fresh quote.
// Messages are batched into frames by send time; a frame's receive time adds a small latency.
// Randomness: xoshiro256** seeded by splitmix64, one stream per symbol plus one for the wire,
// normal variates by Marsaglia's polar method over det_log (no std distributions, no libm).

#include "torghut/adapters/synth.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>

#include "torghut/adapters/recording.hpp"
#include "torghut/core/rfc3339.hpp"
#include "torghut/core/fixed_point.hpp"

namespace torghut::adapters {

// ---------------------------------------------------------------------------------------------
// Deterministic math
// ---------------------------------------------------------------------------------------------

namespace {
constexpr double ln2 = 0.693147180559945309417232121458176568;
constexpr double sqrt_half = 0.707106781186547524400844362104849039;
}  // namespace

double det_log(double x) noexcept {
  if (!(x > 0)) return -1e308;
  int e = 0;
  double m = std::frexp(x, &e);  // x = m * 2^e, m in [0.5, 1): exact
  if (m < sqrt_half) {
    m *= 2;  // exact
    --e;
  }
  // log(m) = 2 atanh(s), s = (m-1)/(m+1), |s| < 0.1716
  const double s = (m - 1) / (m + 1);
  const double s2 = s * s;
  double term = s;
  double sum = 0;
  for (int k = 1; k <= 41; k += 2) {
    sum += term / k;
    term *= s2;
  }
  return static_cast<double>(e) * ln2 + 2 * sum;
}

double det_exp(double x) noexcept {
  if (x > 700) x = 700;
  if (x < -700) return 0;
  // x = k ln2 + r, |r| <= ln2/2
  const double kd = x / ln2;
  const auto k = static_cast<int>(kd < 0 ? kd - 0.5 : kd + 0.5);
  const double r = x - k * ln2;
  double term = 1;
  double sum = 1;
  for (int n = 1; n <= 22; ++n) {
    term = term * r / n;
    sum += term;
  }
  return std::ldexp(sum, k);  // exact scaling
}

namespace {

// ---------------------------------------------------------------------------------------------
// PRNG
// ---------------------------------------------------------------------------------------------

constexpr uint64_t splitmix64(uint64_t& s) noexcept {
  uint64_t z = (s += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

class rng {
 public:
  explicit rng(uint64_t seed) noexcept {
    uint64_t s = seed;
    for (auto& w : s_) w = splitmix64(s);
  }
  uint64_t next() noexcept {
    const uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }
  /// Uniform in [0, 1).
  double uniform() noexcept { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  /// Uniform in (0, 1].
  double uniform_pos() noexcept { return 1.0 - uniform(); }
  /// Uniform integer in [0, n).
  uint64_t below(uint64_t n) noexcept { return n == 0 ? 0 : next() % n; }
  /// Standard normal (Marsaglia polar method).
  double normal() noexcept {
    if (has_spare_) {
      has_spare_ = false;
      return spare_;
    }
    double u = 0, v = 0, s = 0;
    do {
      u = 2 * uniform() - 1;
      v = 2 * uniform() - 1;
      s = u * u + v * v;
    } while (s >= 1 || s == 0);
    const double f = std::sqrt(-2 * det_log(s) / s);  // sqrt is correctly rounded (IEEE)
    spare_ = v * f;
    has_spare_ = true;
    return u * f;
  }
  /// Exponential with the given mean.
  double exponential(double mean) noexcept { return -det_log(uniform_pos()) * mean; }

 private:
  static constexpr uint64_t rotl(uint64_t x, int k) noexcept { return (x << k) | (x >> (64 - k)); }
  std::array<uint64_t, 4> s_{};
  double spare_ = 0;
  bool has_spare_ = false;
};

// ---------------------------------------------------------------------------------------------
// Text
// ---------------------------------------------------------------------------------------------

void put_price(std::string& out, int64_t raw) {
  char buf[32];
  out.append(buf, format_decimal(price::from_raw(raw), buf));
}
void put_int(std::string& out, int64_t v) {
  char buf[24];
  auto [e, ec] = std::to_chars(buf, buf + sizeof buf, v);
  (void)ec;
  out.append(buf, static_cast<size_t>(e - buf));
}
void put_time(std::string& out, timestamp t) {
  char buf[32];
  out += '"';
  out.append(buf, format_rfc3339(t, buf));
  out += '"';
}
void put_str(std::string& out, std::string_view s) {
  out += '"';
  out += s;
  out += '"';
}

constexpr int64_t cent = price::scale / 100;   // raw units per cent
constexpr int64_t step_ns = 100'000'000;       // price grid: 100 ms
constexpr int64_t minute_ns = 60 * ns_per_second;
constexpr std::string_view exchanges = "VPQKZNHJUY";

struct minute_agg {
  int64_t open = 0, high = 0, low = 0, close = 0;  // price raw
  int64_t volume = 0;
  uint64_t count = 0;
  int128_t notional = 0;  // sum price raw * shares
};

struct symbol_state {
  std::string name;
  rng r{0};
  char tape = 'C';
  double logp = 0, logp0 = 0;
  double h = 0, h_bar = 0;  // per-step variance and its long-run mean
  double rate_scale = 1;
  int max_spread_ticks = 2;
  int64_t next_trade = 0, next_quote = 0;  // exact ns
  int64_t last_shown = 0;                  // last displayed `t` (monotonic per symbol)
  int64_t bid = 0, ask = 0;                // price raw, 0 = no quote yet
  int64_t trade_id = 0;
  int64_t halted_until = 0;                // exact ns; 0 = trading
  bool halted = false;
  minute_agg agg;
};

/// One message about to be framed: its send time and text.
struct pending_msg {
  int64_t send_ns;
  uint32_t order;  // generation order, tie-breaker
  std::string text;
};

class generator {
 public:
  generator(const synth_config& c, const synth_sink& sink) : c_(c), sink_(sink), wire_(c.seed ^ 0x5eed'0000'0000'0001ULL) {
    uint64_t s = c.seed;
    const uint32_t n = c.symbols.empty() ? c.symbol_count : static_cast<uint32_t>(c.symbols.size());
    syms_.resize(n);
    const double steps_per_year = 252.0 * 6.5 * 3600.0 * 1e9 / static_cast<double>(step_ns);
    const std::vector<std::string> names = c.symbols.empty() ? default_symbol_names(n) : c.symbols;
    for (uint32_t i = 0; i < n; ++i) {
      symbol_state& st = syms_[i];
      st.name = names[i];
      st.r = rng(splitmix64(s) ^ (0x9e37ULL * (i + 1)));
      st.tape = "ABC"[st.r.below(3)];
      st.logp0 = det_log(20.0) + st.r.uniform() * (det_log(500.0) - det_log(20.0));
      st.logp = st.logp0;
      const double vol = c.annual_volatility * (0.5 + st.r.uniform());
      st.h_bar = vol * vol / steps_per_year;
      st.h = st.h_bar * (0.5 + st.r.uniform());
      st.rate_scale = 0.5 + st.r.uniform();
      const double px = det_exp(st.logp);
      st.max_spread_ticks = px < 50 ? 2 : px < 200 ? 3 : 5;
      st.trade_id = 1000 + static_cast<int64_t>(st.r.below(5'000'000));
      st.next_quote = c.start.ns + gap(st, c.quotes_per_second);
      st.next_trade = c.start.ns + gap(st, c.trades_per_second);
      st.last_shown = c.start.ns;
    }
  }

  synth_result run() {
    const int64_t start = c_.start.ns;
    const int64_t end = start + c_.duration.ns;
    if (c_.control_frames) emit_controls(start);
    // Opening quotes for every symbol.
    for (uint32_t i = 0; i < syms_.size(); ++i) quote(i, start);
    flush_step();
    for (int64_t t0 = start - start % step_ns; t0 <= end && !done(); t0 += step_ns) {
      const int64_t t1 = t0 + step_ns;
      if (c_.minute_bars && t0 % minute_ns == 0 && t0 > start) bars(t0);
      if (t0 < end)
        for (uint32_t i = 0; i < syms_.size(); ++i) step_symbol(i, t0, std::min(t1, end));
      flush_step();
    }
    flush_frame();
    return result_;
  }

 private:
  [[nodiscard]] bool done() const noexcept {
    return c_.max_messages != 0 && result_.messages >= c_.max_messages;
  }

  int64_t gap(symbol_state& st, double rate) noexcept {
    const double mult = std::clamp(std::sqrt(st.h / st.h_bar), 0.5, 3.0) * st.rate_scale;
    const double mean_ns = 1e9 / std::max(rate * mult, 1e-9);
    return std::max<int64_t>(1, static_cast<int64_t>(st.r.exponential(mean_ns)));
  }

  /// The `t` shown for an event at exact time `ns`: trailing digits dropped as feeds do (ns,
  /// µs, ms or whole 100 ms), never before the symbol's previous shown time.
  int64_t shown_time(symbol_state& st, int64_t ns) noexcept {
    const double u = st.r.uniform();
    const int64_t unit = u < 0.55 ? 1 : u < 0.8 ? 1'000 : u < 0.95 ? 1'000'000 : step_ns;
    const int64_t t = std::max(ns - ns % unit, st.last_shown);
    st.last_shown = t;
    return t;
  }

  void step_symbol(uint32_t i, int64_t t0, int64_t t1) {
    symbol_state& st = syms_[i];
    // GARCH(1,1) on the 100 ms grid: h' = w + a e^2 + b h.
    constexpr double a = 0.01, b = 0.9898;
    const double eps = std::sqrt(st.h) * st.r.normal();
    st.h = st.h_bar * (1 - a - b) + a * eps * eps + b * st.h;
    st.logp += eps + 1e-5 * (st.logp0 - st.logp);
    st.logp = std::clamp(st.logp, det_log(1.0), det_log(10000.0));

    if (c_.halts_per_symbol_hour > 0) {
      if (st.halted && t0 >= st.halted_until) {
        st.halted = false;
        status(i, t0, false);
        quote(i, t0);
        st.next_quote = t0 + gap(st, c_.quotes_per_second);
        st.next_trade = t0 + gap(st, c_.trades_per_second);
      } else if (!st.halted && st.r.uniform() < c_.halts_per_symbol_hour * static_cast<double>(step_ns) / 3.6e12) {
        st.halted = true;
        st.halted_until = t0 + c_.halt_length.ns;
        status(i, t0, true);
      }
    }
    while (!done()) {
      const int64_t t = std::min(st.next_trade, st.next_quote);
      if (t >= t1) break;
      if (t == st.next_quote) {
        if (!st.halted) quote(i, t);
        st.next_quote = t + gap(st, c_.quotes_per_second);
      } else {
        if (!st.halted) trade(i, t);
        st.next_trade = t + gap(st, c_.trades_per_second);
      }
    }
  }

  void quote(uint32_t i, int64_t t) {
    symbol_state& st = syms_[i];
    const double mid_cents = det_exp(st.logp) * 100.0;
    const int spread = 1 + static_cast<int>(st.r.below(static_cast<uint64_t>(st.max_spread_ticks)));
    auto bid_c = static_cast<int64_t>(mid_cents - spread / 2.0);  // floor (positive)
    bid_c = std::max<int64_t>(bid_c, 1);
    st.bid = bid_c * cent;
    st.ask = (bid_c + spread) * cent;
    const auto lots = [&] { const double u = st.r.uniform(); return 1 + static_cast<int64_t>(u * u * 30); };
    std::string m;
    m.reserve(160);
    m += R"({"T":"q","S":)";
    put_str(m, st.name);
    m += R"(,"bx":")";
    m += exchanges[st.r.below(exchanges.size())];
    m += R"(","bp":)";
    put_price(m, st.bid);
    m += R"(,"bs":)";
    put_int(m, lots());
    m += R"(,"ax":")";
    m += exchanges[st.r.below(exchanges.size())];
    m += R"(","ap":)";
    put_price(m, st.ask);
    m += R"(,"as":)";
    put_int(m, lots());
    m += R"(,"c":["R"],"z":")";
    m += st.tape;
    m += R"(","t":)";
    put_time(m, timestamp{shown_time(st, t)});
    m += '}';
    push(t, std::move(m));
    ++result_.quotes;
  }

  void trade(uint32_t i, int64_t t) {
    symbol_state& st = syms_[i];
    if (st.bid == 0) return;
    const int64_t spread_c = (st.ask - st.bid) / cent;
    int64_t px = 0;
    const double u = st.r.uniform();
    if (u < 0.45) {
      px = st.bid;
    } else if (u < 0.9) {
      px = st.ask;
    } else if (spread_c >= 2) {
      px = st.bid + (1 + static_cast<int64_t>(st.r.below(static_cast<uint64_t>(spread_c - 1)))) * cent;
    } else {
      px = st.bid + cent / 2;  // midpoint: half a cent
    }
    int64_t size = 0;
    bool odd = false;
    const double v = st.r.uniform();
    if (v < 0.35) {
      size = 1 + static_cast<int64_t>(st.r.below(99));
      odd = true;
    } else {
      const double w = st.r.uniform();
      size = 100 * (1 + static_cast<int64_t>(w * w * w * 10));
    }
    st.trade_id += 1 + static_cast<int64_t>(st.r.below(4));
    std::string m;
    m.reserve(160);
    m += R"({"T":"t","S":)";
    put_str(m, st.name);
    m += R"(,"i":)";
    put_int(m, st.trade_id);
    m += R"(,"x":")";
    m += exchanges[st.r.below(exchanges.size())];
    m += R"(","p":)";
    put_price(m, px);
    m += R"(,"s":)";
    put_int(m, size);
    m += odd ? R"(,"c":["@","I"])" : (st.r.uniform() < 0.1 ? R"(,"c":["@","F"])" : R"(,"c":["@"])");
    m += R"(,"t":)";
    put_time(m, timestamp{shown_time(st, t)});
    m += R"(,"z":")";
    m += st.tape;
    m += R"("})";
    push(t, std::move(m));
    ++result_.trades;
    minute_agg& a = st.agg;
    if (a.count == 0) {
      a.open = a.high = a.low = px;
    }
    a.high = std::max(a.high, px);
    a.low = std::min(a.low, px);
    a.close = px;
    a.volume += size;
    ++a.count;
    a.notional += static_cast<int128_t>(px) * size;
  }

  void bars(int64_t boundary) {
    for (uint32_t i = 0; i < syms_.size(); ++i) {
      symbol_state& st = syms_[i];
      minute_agg& a = st.agg;
      if (a.count == 0) continue;
      // VWAP rounded half-up to 4 decimals (raw units of 1e-4 dollars = 100000 raw).
      constexpr int64_t unit = price::scale / 10'000;
      const int128_t q = a.notional / a.volume;
      const auto vw = static_cast<int64_t>((q + unit / 2) / unit * unit);
      std::string m;
      m.reserve(160);
      m += R"({"T":"b","S":)";
      put_str(m, st.name);
      m += R"(,"o":)";
      put_price(m, a.open);
      m += R"(,"h":)";
      put_price(m, a.high);
      m += R"(,"l":)";
      put_price(m, a.low);
      m += R"(,"c":)";
      put_price(m, a.close);
      m += R"(,"v":)";
      put_int(m, a.volume);
      m += R"(,"t":)";
      put_time(m, timestamp{boundary - minute_ns});
      m += R"(,"n":)";
      put_int(m, static_cast<int64_t>(a.count));
      m += R"(,"vw":)";
      put_price(m, vw);
      m += '}';
      push(boundary + 20'000'000 + static_cast<int64_t>(st.r.below(30'000'000)), std::move(m));
      ++result_.bars;
      a = minute_agg{};
    }
  }

  void status(uint32_t i, int64_t t, bool halt) {
    symbol_state& st = syms_[i];
    std::string m;
    m += R"({"T":"s","S":)";
    put_str(m, st.name);
    m += halt ? R"(,"sc":"H","sm":"Trading Halt","rc":"LUDP","rm":"Volatility Trading Pause")"
              : R"(,"sc":"T","sm":"Trading Resumption","rc":"LUDP","rm":"Volatility Trading Pause")";
    m += R"(,"t":)";
    put_time(m, timestamp{t});
    m += R"(,"z":")";
    m += st.tape;
    m += R"("})";
    st.last_shown = std::max(st.last_shown, t);
    push(t, std::move(m));
    ++result_.statuses;
  }

  void emit_controls(int64_t start) {
    std::string sub = R"([{"T":"subscription","trades":[)";
    std::string list;
    for (size_t i = 0; i < syms_.size(); ++i) {
      if (i) list += ',';
      put_str(list, syms_[i].name);
    }
    sub += list + R"(],"quotes":[)" + list + R"(],"bars":[)" + list +
           R"(],"updatedBars":[],"dailyBars":[],"statuses":[)" + list +
           R"(],"lulds":[],"corrections":[)" + list + R"(],"cancelErrors":[)" + list + "]}]";
    emit(timestamp{start - 300'000'000}, R"([{"T":"success","msg":"connected"}])");
    emit(timestamp{start - 250'000'000}, R"([{"T":"success","msg":"authenticated"}])");
    emit(timestamp{start - 200'000'000}, sub);
  }

  void push(int64_t send_ns, std::string text) {
    step_.push_back(pending_msg{send_ns, order_++, std::move(text)});
    ++result_.messages;
  }

  /// Sorts this step's messages by send time and appends them to frames.
  void flush_step() {
    std::stable_sort(step_.begin(), step_.end(), [](const pending_msg& x, const pending_msg& y) {
      return x.send_ns < y.send_ns;
    });
    for (pending_msg& m : step_) {
      if (frame_count_ > 0 && (m.send_ns - frame_first_ns_ > c_.batch_window.ns ||
                               frame_count_ >= std::max<uint32_t>(1, c_.max_batch)))
        flush_frame();
      if (frame_count_ == 0) {
        frame_ = "[";
        frame_first_ns_ = m.send_ns;
      } else {
        frame_ += ',';
      }
      frame_ += m.text;
      frame_last_ns_ = m.send_ns;
      ++frame_count_;
    }
    step_.clear();
  }

  void flush_frame() {
    if (frame_count_ == 0) return;
    frame_ += ']';
    const auto jitter = static_cast<int64_t>(
        std::min(wire_.exponential(static_cast<double>(c_.latency_jitter_mean.ns)), 50e6));
    emit(timestamp{frame_last_ns_ + c_.latency_base.ns + jitter}, frame_);
    frame_count_ = 0;
  }

  void emit(timestamp recv, const std::string& frame) {
    recv.ns = std::max(recv.ns, last_recv_);
    last_recv_ = recv.ns;
    sink_(recv, frame);
    ++result_.frames;
  }

  const synth_config& c_;
  const synth_sink& sink_;
  rng wire_;
  std::vector<symbol_state> syms_;
  std::vector<pending_msg> step_;
  uint32_t order_ = 0;
  std::string frame_;
  uint32_t frame_count_ = 0;
  int64_t frame_first_ns_ = 0;
  int64_t frame_last_ns_ = 0;
  int64_t last_recv_ = 0;
  synth_result result_;
};

}  // namespace

synth_config sample_config() {
  synth_config c;
  c.seed = 20240304;
  c.symbols = {"ALFA", "BRVO", "CHRL", "DLTA", "ECHO", "FXTR", "GOLF", "HOTL"};  // fictional
  c.halts_per_symbol_hour = 0.75;
  return c;
}

std::vector<std::string> default_symbol_names(uint32_t count) {
  std::vector<std::string> names;
  names.reserve(count);
  for (uint32_t i = 0; i < count; ++i) {
    char name[16];
    std::snprintf(name, sizeof name, "SYM%03u", i);
    names.emplace_back(name);
  }
  return names;
}

synth_result generate(const synth_config& config, const synth_sink& sink) {
  generator g(config, sink);
  return g.run();
}

std::vector<std::pair<timestamp, std::string>> generate_frames(const synth_config& config) {
  std::vector<std::pair<timestamp, std::string>> out;
  (void)generate(config, [&](timestamp t, std::string_view f) { out.emplace_back(t, std::string(f)); });
  return out;
}

synth_result generate_recording(const synth_config& config, const std::string& path) {
  recording_writer w;
  if (!w.open(path)) {
    synth_result r;
    r.ok = false;
    r.error = w.error();
    return r;
  }
  bool ok = true;
  synth_result r = generate(config, [&](timestamp t, std::string_view f) { ok = w.write(t, f) && ok; });
  if (!w.close()) ok = false;
  if (!ok) {
    r.ok = false;
    r.error = w.error().empty() ? "write failed" : w.error();
  }
  return r;
}

}  // namespace torghut::adapters
