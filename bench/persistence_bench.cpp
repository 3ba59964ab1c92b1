// Persistence, measured against the real local Postgres (scripts/pg.sh; DB_DSN wins):
//  - rows/s through the write-behind (encode + spool + COPY into staging + INSERT ... ON
//    CONFLICT DO NOTHING, one transaction per batch) beside per-row INSERT and multi-row INSERT
//    of the same rows, measured in the same run;
//  - tick-to-order p99 of the hot path with persistence off (audit drained in-line), on (the
//    write-behind thread shipping to Postgres) and spooling (Postgres unreachable).
#include <benchmark/benchmark.h>

#include <pthread.h>
#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <random>
#include <stdexcept>
#include <thread>

#include <pqxx/pqxx>
#include <spdlog/spdlog.h>

#include "torghut/actors/hot_path.hpp"
#include "torghut/adapters/json_decoder.hpp"
#include "torghut/adapters/synth.hpp"
#include "torghut/core/decision_hash.hpp"
#include "torghut/core/run_loop.hpp"
#include "torghut/persistence/migrations.hpp"
#include "torghut/persistence/write_behind.hpp"

using namespace torghut;
namespace p = torghut::persistence;

namespace {

std::string run_capture(const std::string& cmd) {
  std::string out;
  FILE* f = ::popen(cmd.c_str(), "r");
  if (!f) throw std::runtime_error("popen");
  char buf[512];
  while (size_t n = std::fread(buf, 1, sizeof buf, f)) out.append(buf, n);
  if (::pclose(f) != 0) throw std::runtime_error("failed: " + cmd + "\n" + out);
  return out;
}

const std::string& base_dsn() {
  static const std::string dsn = [] {
    if (const char* e = std::getenv("DB_DSN"); e && *e) return std::string(e);
    run_capture(TORGHUT_SOURCE_DIR "/scripts/pg.sh start 2>&1");
    const std::string s = run_capture(TORGHUT_SOURCE_DIR "/scripts/pg.sh env");
    return s.substr(s.find('\'') + 1, s.rfind('\'') - s.find('\'') - 1);
  }();
  return dsn;
}

std::string with_database(const std::string& dsn, const std::string& db) {
  if (dsn.find("://") != std::string::npos) {
    const size_t start = dsn.find("://") + 3;
    const size_t slash = dsn.find('/', start);
    const size_t q = dsn.find('?', start);
    return dsn.substr(0, slash + 1) + db + (q == std::string::npos ? "" : dsn.substr(q));
  }
  return dsn + " dbname=" + db;
}

/// A fresh migrated database for one benchmark.
struct bench_db {
  bench_db() {
    static int n = 0;
    name = "bench_" + std::to_string(::getpid()) + "_" + std::to_string(n++);
    pqxx::connection c(base_dsn());
    pqxx::nontransaction nt(c);
    nt.exec("CREATE DATABASE " + name);
    dsn = with_database(base_dsn(), name);
    p::migrate_up(dsn, p::load_migrations(TORGHUT_SOURCE_DIR "/migrations"));
  }
  ~bench_db() {
    try {
      pqxx::connection c(base_dsn());
      pqxx::nontransaction nt(c);
      nt.exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
    } catch (...) {
    }
  }
  std::string name, dsn;
};

std::string spool_dir(const char* tag) {
  return "/tmp/torghut-bench-" + std::string(tag) + "-" + std::to_string(::getpid());
}

constexpr int64_t t0 = 1'700'000'000'000'000'000;
audit_row decision_row(symbol_id sym, uint64_t i, uint64_t salt) {
  audit_row r;
  r.kind = audit_kind::decision;
  r.time = timestamp{t0 + static_cast<int64_t>(i) * 1000};
  order_intent& d = r.body.decision;
  d.strategy = strategy_id{1};
  d.symbol = sym;
  d.type = order_type::limit;
  d.qty = quantity::from_raw(static_cast<int64_t>(1 + i % 100) * quantity::scale);
  d.limit_px = price::from_raw(100'000'000'000 + static_cast<int64_t>(i % 1000) * 10'000'000);
  d.reference_px = d.limit_px;
  d.event_time = r.time;
  d.hash = decision_hash{salt, i};
  return r;
}

/// The rows of the comparison, as COPY lines of trade_decisions (what every method inserts).
std::vector<std::vector<std::string>> decision_fields(size_t n, uint64_t salt) {
  symbol_table syms(4);
  const auto sym = syms.intern("AAPL");
  p::run_identity id;
  id.run_id = p::derive_uuid("bench");
  p::row_encoder enc(id, syms);
  p::copy_batch b;
  for (size_t i = 0; i < n; ++i) enc.encode(decision_row(sym, i, salt), b);
  std::vector<std::vector<std::string>> out;
  for (size_t i = 0; i < n; ++i) {
    const auto line = b.row(p::table_id::trade_decisions, i);
    std::vector<std::string> f;
    size_t s = 0;
    while (true) {
      const size_t t = line.find('\t', s);
      f.emplace_back(line.substr(s, t == std::string_view::npos ? std::string_view::npos : t - s));
      if (t == std::string_view::npos) break;
      s = t + 1;
    }
    out.push_back(std::move(f));
  }
  return out;
}

constexpr std::string_view k_insert_head =
    "INSERT INTO trade_decisions (id,strategy_id,engine_strategy_id,alpaca_account_label,symbol,timeframe,"
    "decision_json,rationale,status,decision_hash,engine_run_id,audit_seq,created_at) VALUES ";

std::string values_tuple(pqxx::transaction_base& tx, const std::vector<std::string>& f) {
  std::string v = "(";
  for (size_t i = 0; i < f.size(); ++i) {
    if (i) v += ',';
    v += f[i] == "\\N" ? std::string("NULL") : tx.quote(f[i]);
  }
  return v + ")";
}

constexpr size_t k_rows = 100'000;
constexpr size_t k_batch = 1024;

// Through the write-behind: rows queued in the audit sink, then drained, encoded, spooled and
// shipped (the same thread, so the time is the writer's whole cost per row).
void write_behind_rows(benchmark::State& state) {
  const auto batch = static_cast<size_t>(state.range(0));
  spdlog::set_level(spdlog::level::warn);
  uint64_t salt = 1, rows = 0;
  for (auto _ : state) {
    state.PauseTiming();
    bench_db db;
    symbol_table syms(4);
    const auto sym = syms.intern("AAPL");
    audit_sink sink(k_rows + 16);
    for (size_t i = 0; i < k_rows; ++i) sink.emit(decision_row(sym, i, salt));
    ++salt;
    p::write_behind_config cfg;
    cfg.dsn = db.dsn;
    cfg.spool_dir = spool_dir("wb");
    cfg.batch_rows = batch;
    cfg.fsync = p::fsync_policy::batch;
    std::filesystem::remove_all(cfg.spool_dir);
    p::run_identity id;
    id.run_id = p::derive_uuid("bench");
    auto wb = std::make_unique<p::write_behind>(cfg, sink, syms, id);
    state.ResumeTiming();
    if (!wb->flush()) state.SkipWithError("write-behind could not ship");
    state.PauseTiming();
    rows += wb->metrics().rows_committed;
    wb.reset();
    std::filesystem::remove_all(cfg.spool_dir);
    state.ResumeTiming();
  }
  state.SetItemsProcessed(static_cast<int64_t>(rows));
  state.counters["batch_rows"] = static_cast<double>(batch);
}
BENCHMARK(write_behind_rows)->Arg(1024)->Arg(8192)->Unit(benchmark::kMillisecond)->Iterations(2)->UseRealTime();

// One INSERT statement per row (prepared), committed every 1,024 rows.
void per_row_insert(benchmark::State& state) {
  const size_t n = 10'000;
  uint64_t salt = 1000;
  for (auto _ : state) {
    state.PauseTiming();
    bench_db db;
    const auto rows = decision_fields(n, salt++);
    pqxx::connection c(db.dsn);
    std::string sql(k_insert_head);
    sql += "($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13) ON CONFLICT DO NOTHING";
    c.prepare("ins", sql);
    state.ResumeTiming();
    for (size_t i = 0; i < n; i += k_batch) {
      pqxx::work tx(c);
      for (size_t j = i; j < std::min(n, i + k_batch); ++j) {
        const auto& f = rows[j];
        tx.exec_prepared("ins", f[0], f[1], f[2], f[3], f[4], f[5], f[6], f[7], f[8], f[9], f[10], f[11], f[12]);
      }
      tx.commit();
    }
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(n));
}
BENCHMARK(per_row_insert)->Unit(benchmark::kMillisecond)->Iterations(2)->UseRealTime();

// One multi-row INSERT ... VALUES (...),(...) of 1,024 rows per transaction.
void multi_row_insert(benchmark::State& state) {
  uint64_t salt = 2000;
  for (auto _ : state) {
    state.PauseTiming();
    bench_db db;
    const auto rows = decision_fields(k_rows, salt++);
    pqxx::connection c(db.dsn);
    state.ResumeTiming();
    for (size_t i = 0; i < k_rows; i += k_batch) {
      pqxx::work tx(c);
      std::string sql(k_insert_head);
      for (size_t j = i; j < std::min(k_rows, i + k_batch); ++j) {
        if (j != i) sql += ',';
        sql += values_tuple(tx, rows[j]);
      }
      sql += " ON CONFLICT DO NOTHING";
      tx.exec(sql);
      tx.commit();
    }
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(k_rows));
}
BENCHMARK(multi_row_insert)->Unit(benchmark::kMillisecond)->Iterations(2)->UseRealTime();

// Hot path with persistence off / on / spooling. ------------------------------------------

const std::vector<std::pair<timestamp, std::string>>& market() {
  static const auto frames = [] {
    adapters::synth_config sc;
    sc.seed = 42;
    sc.symbol_count = 8;
    sc.duration = duration_ns{20 * 60 * ns_per_second};
    return adapters::generate_frames(sc);
  }();
  return frames;
}

engine_config bench_config() {
  auto c = default_config(adapters::default_symbol_names(8));
  c.symbol_capacity = 256;
  c.mailbox_capacity = 4096;
  c.limits.orders_per_minute = 1'000'000;
  c.limits.order_burst = 1'000'000;
  c.limits.daily_loss_limit = money::from_raw(1'000'000'000 * money::scale);
  return c;
}

int64_t pct(std::vector<int64_t>& v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(q * static_cast<double>(v.size() - 1) + 0.5))];
}

enum class persistence_mode : int { off = 0, on = 1, spooling = 2 };

/// The deployment's thread layout: the hot thread alone on the last core,
/// everything else (the write-behind thread; scripts/bench.sh pins the local Postgres there too,
/// `pg.sh pin`) on the others. Unpinned, three busy threads on two cores measure the kernel's
/// scheduler, not whether the hot path waits on persistence. No-op on a one-core machine.
struct thread_layout {
  thread_layout() {
    ncpu = static_cast<int>(sysconf(_SC_NPROCESSORS_ONLN));
    pthread_getaffinity_np(pthread_self(), sizeof saved, &saved);
  }
  ~thread_layout() { pthread_setaffinity_np(pthread_self(), sizeof saved, &saved); }
  /// Threads started after this call land on the cores other than the hot one.
  void others() const {
    if (ncpu >= 2) (void)keep_off_cpu(ncpu - 1);
  }
  void hot() const {
    if (ncpu >= 2) (void)pin_current_thread(ncpu - 1);
  }
  int ncpu = 1;
  cpu_set_t saved{};
};

/// Tick-to-order as bench_hot_path measures it, with the audit trail handled per `mode`.
void tick_to_order_persistence(benchmark::State& state) {
  const auto mode = static_cast<persistence_mode>(state.range(0));
  spdlog::set_level(spdlog::level::err);
  const auto& frames = market();
  std::vector<int64_t> lat;
  lat.reserve(1 << 20);
  std::unique_ptr<bench_db> db;
  if (mode == persistence_mode::on) db = std::make_unique<bench_db>();
  uint64_t committed = 0, spooled = 0;
  for (auto _ : state) {
    state.PauseTiming();
    const auto cfg = bench_config();
    symbol_table symbols(cfg.symbol_capacity);
    audit_sink audit(1 << 20);
    manual_clock clk;
    adapters::json_decoder decoder(symbols);
    auto hp = std::make_unique<actors::hot_path>(cfg, symbols, audit, clk);
    hp->set_order_probe(true);
    std::unique_ptr<p::write_behind> wb;
    p::write_behind_config wcfg;
    wcfg.spool_dir = spool_dir("hot");
    wcfg.fsync = p::fsync_policy::batch;
    std::filesystem::remove_all(wcfg.spool_dir);
    if (mode == persistence_mode::on) wcfg.dsn = db->dsn;
    if (mode == persistence_mode::spooling) wcfg.dsn = with_database(base_dsn(), "no_such_database_here");
    p::run_identity id;
    id.run_id = p::derive_uuid("bench-hot-" + std::to_string(lat.size()));
    thread_layout layout;
    layout.others();
    if (mode != persistence_mode::off) {
      wb = std::make_unique<p::write_behind>(wcfg, audit, symbols, id);
      wb->start();
    }
    layout.hot();
    state.ResumeTiming();
    for (const auto& f : frames) {
      const int64_t t_start = monotonic_ns();
      clk.set(f.first);
      hp->on_time(f.first);
      (void)decoder.decode(f.second, f.first, [&](const market_event& ev) noexcept { hp->on_market_event(ev); });
      if (const int64_t t = hp->take_first_order_mono_ns(); t != 0) lat.push_back(t - t_start);
      if (mode == persistence_mode::off && audit.size_approx() > 4096) {
        audit_row r;
        while (audit.pop(r)) {
        }
      }
    }
    state.PauseTiming();
    if (wb) {
      wb->stop();
      committed += wb->metrics().rows_committed;
      spooled += wb->metrics().rows_spooled;
    }
    if (audit.dropped() != 0) state.SkipWithError("audit rows dropped");
    wb.reset();
    std::filesystem::remove_all(wcfg.spool_dir);
    state.ResumeTiming();
  }
  state.counters["orders"] = static_cast<double>(lat.size());
  state.counters["p50_ns"] = static_cast<double>(pct(lat, 0.50));
  state.counters["p90_ns"] = static_cast<double>(pct(lat, 0.90));
  state.counters["p99_ns"] = static_cast<double>(pct(lat, 0.99));
  state.counters["p999_ns"] = static_cast<double>(pct(lat, 0.999));
  state.counters["rows_committed"] = static_cast<double>(committed);
  state.counters["rows_spooled"] = static_cast<double>(spooled);
}
BENCHMARK(tick_to_order_persistence)
    ->ArgName("mode")
    ->Arg(0)
    ->Arg(1)
    ->Arg(2)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(3);

}  // namespace

BENCHMARK_MAIN();
