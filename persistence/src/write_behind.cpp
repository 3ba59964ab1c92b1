#include "torghut/persistence/write_behind.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <stdexcept>

#include <pqxx/pqxx>
#include <spdlog/spdlog.h>

#include "torghut/core/clock.hpp"
#include "torghut/persistence/dsn.hpp"

namespace torghut::persistence {
/// Lines that are already COPY text (escaped by copy_batch). libpqxx 6.4 keeps
/// stream_to::write_raw_line private; its public operator<< renders each tuple field through
/// TypedCopyEscaper, which is specialised below to pass these lines through untouched.
struct raw_copy_lines {
  const std::string* text;
};
}  // namespace torghut::persistence

namespace pqxx::internal {
template <>
inline std::string TypedCopyEscaper::operator()<torghut::persistence::raw_copy_lines>(
    const torghut::persistence::raw_copy_lines* t) const {
  return *t->text;
}
}  // namespace pqxx::internal

namespace torghut::persistence {
namespace {

using steady = std::chrono::steady_clock;

const std::vector<std::string>& columns_of(table_id t) {
  static const auto all = [] {
    std::array<std::vector<std::string>, table_count> out;
    for (size_t i = 0; i < table_count; ++i) {
      std::string_view cols = definition(static_cast<table_id>(i)).columns;
      size_t p = 0;
      while (p <= cols.size()) {
        const size_t c = std::min(cols.find(',', p), cols.size());
        out[i].emplace_back(cols.substr(p, c - p));
        p = c + 1;
      }
    }
    return out;
  }();
  return all[static_cast<size_t>(t)];
}

enum class outcome : uint8_t { ok, poison, transient };

/// SQLSTATE classes that name the row rather than the server: data exceptions (22) and
/// integrity constraint violations (23). Everything else is retried.
bool is_row_error(const std::string& sqlstate) {
  return sqlstate.size() == 5 && sqlstate[0] == '2' && (sqlstate[1] == '2' || sqlstate[1] == '3');
}

}  // namespace

struct write_behind::pg {
  explicit pg(const std::string& dsn) : conn(dsn) {}
  pqxx::connection conn;
};

write_behind::write_behind(write_behind_config cfg, audit_sink& sink, const symbol_table& symbols, run_identity id)
    : cfg_(std::move(cfg)),
      sink_(sink),
      enc_(std::move(id), symbols),
      spool_(cfg_.spool_dir, cfg_.fsync),
      backoff_(cfg_.reconnect_min),
      syms_(symbols),
      cash_(cfg_.starting_cash) {
  last_snapshot_ = steady::now();
  if (cfg_.batch_rows == 0) cfg_.batch_rows = 1;
  const auto& rec = spool_.recovered();
  m_torn_.store(rec.torn_bytes);
  replaying_earlier_ = rec.records > 0;
  earlier_records_left_ = rec.records;
  m_spool_bytes_.store(spool_.pending_bytes());
  m_spool_records_.store(spool_.pending_records());
  rate_t0_ = steady::now();
  spdlog::info("write-behind: {} (batch {} rows / {} us, fsync {}, spool {})",
               cfg_.dsn.empty() ? std::string("no DB_DSN: spool only") : "database " + redact_dsn(cfg_.dsn),
               cfg_.batch_rows, cfg_.batch_interval.count(), to_string(cfg_.fsync), spool_.path());
}

write_behind::~write_behind() {
  if (thread_.joinable()) stop();
}

void write_behind::start() {
  stop_.store(false);
  thread_ = std::thread([this] { run(); });
}

void write_behind::run() {
  while (!stop_.load(std::memory_order_relaxed)) {
    try {
      if (!tick()) std::this_thread::sleep_for(cfg_.idle_sleep);
    } catch (const std::exception& e) {
      spdlog::error("write-behind: {} (rows stay queued or spooled; retrying)", scrub(e.what(), cfg_.dsn));
      std::this_thread::sleep_for(cfg_.reconnect_min);
    }
  }
}

void write_behind::stop() {
  stop_.store(true);
  if (thread_.joinable()) thread_.join();
  // Final drain: everything queued goes to the spool; one attempt to ship it.
  try {
    next_connect_ = {};
    flush();
    for (;;) {
      const bool got = drain_input();
      seal();
      if (!got || !cur_.empty()) break;  // drained, or the spool refuses: nothing more to do here
    }
    if (cfg_.position_snapshots && snapshot(snapshot_now())) {  // the state at the end of the run
      m_rows_in_.fetch_add(1, std::memory_order_relaxed);
      seal();
    }
    if (tick_hook_) tick_hook_();
    next_connect_ = {};
    ship_pending(SIZE_MAX);
  } catch (const std::exception& e) {
    spdlog::error("write-behind: final flush: {}", scrub(e.what(), cfg_.dsn));
  }
  const auto m = metrics();
  spdlog::info("write-behind: stopped; {} rows in, {} committed, {} dead letters, {} spool records pending",
               m.rows_in, m.rows_committed, m.dead_letters, m.spool_records);
}

void write_behind::post(const position_snapshot_row& p) {
  std::lock_guard lk(posted_mu_);
  posted_snapshots_.push_back(p);
}
void write_behind::post(const run_heartbeat& h) {
  std::lock_guard lk(posted_mu_);
  posted_heartbeats_.push_back(h);
}
void write_behind::post(const strategy_row& s) {
  std::lock_guard lk(posted_mu_);
  posted_strategies_.push_back(s);
}

void write_behind::book_fill(const execution_report& e) {
  if (!e.symbol.valid()) return;
  if (book_.size() <= e.symbol.value) book_.resize(e.symbol.value + 1);
  auto& b = book_[e.symbol.value];
  const auto notional = checked_notional(e.last_px, e.last_qty);
  const bool buy = e.order_side == side::buy;
  if (const auto q = buy ? checked_add(b.qty, e.last_qty) : checked_sub(b.qty, e.last_qty)) b.qty = *q;
  if (notional)
    if (const auto c = buy ? checked_sub(cash_, *notional) : checked_add(cash_, *notional)) cash_ = *c;
  b.last_px = e.last_px;
  book_dirty_ = true;
  last_fill_time_ = std::max(last_fill_time_, e.time);
}

timestamp write_behind::snapshot_now() const {
  return cfg_.snapshot_wall_clock ? system_clock{}.now() : last_row_time_;
}

bool write_behind::snapshot(timestamp as_of) {
  last_snapshot_ = steady::now();
  const bool changed = book_dirty_;
  book_dirty_ = false;
  if (as_of <= last_snapshot_as_of_) {
    // A fill stamped before the last (wall-clock) snapshot still gets its own, just after it;
    // an unchanged book at an already snapshotted time is already there.
    if (!changed) return false;
    as_of = timestamp{last_snapshot_as_of_.ns + 1};
  }
  if (as_of.ns == 0) return false;
  last_snapshot_as_of_ = as_of;
  position_snapshot_row row;
  row.as_of = as_of;
  money equity = cash_;
  positions_json_ = "[";
  for (uint32_t i = 0; i < book_.size(); ++i) {
    const auto& b = book_[i];
    if (b.qty.is_zero()) continue;
    const auto value = checked_notional(b.last_px, b.qty);
    if (value)
      if (const auto e = checked_add(equity, *value)) equity = *e;
    if (positions_json_.size() > 1) positions_json_ += ',';
    json_object o(positions_json_);
    o.str("symbol", syms_.name(symbol_id{i})).dec("qty", b.qty).dec("last_fill_price", b.last_px);
    if (value) o.dec("market_value", *value);
    o.close();
  }
  positions_json_ += ']';
  row.equity = equity;
  row.cash = cash_;
  row.buying_power = cash_;  // no margin is modelled
  row.positions_json = positions_json_;
  enc_.encode(row, cur_);
  return true;
}

bool write_behind::drain_input() {
  const size_t before = cur_.rows();
  {
    std::lock_guard lk(posted_mu_);
    for (const auto& h : posted_heartbeats_) enc_.encode(h, cur_);
    for (const auto& p : posted_snapshots_) enc_.encode(p, cur_);
    for (const auto& s : posted_strategies_) enc_.encode(s, cur_);
    posted_heartbeats_.clear();
    posted_snapshots_.clear();
    posted_strategies_.clear();
  }
  audit_row r;
  while (cur_.rows() < cfg_.batch_rows && sink_.pop(r)) {
    if (tee_) tee_(r);
    enc_.encode(r, cur_);
    if (!cfg_.position_snapshots) continue;
    last_row_time_ = std::max(last_row_time_, r.time);
    if (r.kind == audit_kind::execution && r.body.execution.last_qty.is_positive()) book_fill(r.body.execution);
  }
  if (cfg_.position_snapshots) {
    if (book_dirty_) (void)snapshot(last_fill_time_);
    else if (steady::now() - last_snapshot_ >= cfg_.snapshot_interval) (void)snapshot(snapshot_now());
  }
  const size_t added = cur_.rows() - before;
  if (added > 0) {
    if (before == 0) cur_started_ = steady::now();
    m_rows_in_.fetch_add(added, std::memory_order_relaxed);
  }
  return added > 0;
}

void write_behind::seal() {
  if (cur_.empty()) return;
  payload_.clear();
  cur_.serialize(payload_);
  spool_.append(payload_);  // throws: the batch stays in memory and is retried
  m_rows_spooled_.fetch_add(cur_.rows(), std::memory_order_relaxed);
  cur_.clear();
  m_spool_bytes_.store(spool_.pending_bytes(), std::memory_order_relaxed);
  m_spool_records_.store(spool_.pending_records(), std::memory_order_relaxed);
}

bool write_behind::tick() {
  watch_backpressure();
  bool did = drain_input();
  if (!cur_.empty() && (cur_.rows() >= cfg_.batch_rows || steady::now() - cur_started_ >= cfg_.batch_interval)) {
    seal();
    did = true;
  }
  did |= ship_pending(cfg_.max_records_per_tick);
  watch_backpressure();
  if (tick_hook_) tick_hook_();
  const auto now = steady::now();
  if (now - rate_t0_ >= std::chrono::seconds(1)) {
    const uint64_t c = m_rows_committed_.load(std::memory_order_relaxed);
    m_rate_.store(static_cast<double>(c - rate_rows0_) / std::chrono::duration<double>(now - rate_t0_).count(),
                  std::memory_order_relaxed);
    rate_t0_ = now;
    rate_rows0_ = c;
  }
  return did;
}

bool write_behind::flush() {
  for (;;) {
    const bool got = drain_input();
    seal();
    if (!got || !cur_.empty()) break;
  }
  next_connect_ = {};
  ship_pending(SIZE_MAX);
  return spool_.pending_records() == 0;
}

void write_behind::watch_backpressure() {
  const bool bp = sink_.backpressured();
  if (bp == was_backpressured_) return;
  was_backpressured_ = bp;
  m_bp_.store(bp, std::memory_order_relaxed);
  if (bp) {
    m_bp_episodes_.fetch_add(1, std::memory_order_relaxed);
    spdlog::warn("write-behind: audit queue back-pressured (depth {}, dropped {}): risk refuses new risk "
                 "(AUDIT_BACKPRESSURE) until it drains",
                 sink_.size_approx(), sink_.dropped());
  } else {
    spdlog::info("write-behind: audit queue drained (depth {}): risk may open risk again", sink_.size_approx());
  }
}

bool write_behind::ensure_connected() {
  if (pg_) return true;
  if (cfg_.dsn.empty()) return false;
  const auto now = steady::now();
  if (now < next_connect_) return false;
  try {
    auto p = std::make_unique<pg>(cfg_.dsn);
    pqxx::nontransaction nt(p->conn);
    nt.exec("SET client_min_messages = warning");
    nt.exec("SET statement_timeout = " + std::to_string(cfg_.statement_timeout.count()));
    for (size_t i = 0; i < table_count; ++i) {
      const auto name = std::string(definition(static_cast<table_id>(i)).name);
      nt.exec("CREATE TEMP TABLE IF NOT EXISTS stg_" + name + " (LIKE " + name +
              " INCLUDING DEFAULTS) ON COMMIT DELETE ROWS");
    }
    pg_ = std::move(p);
    backoff_ = cfg_.reconnect_min;
    m_connects_.fetch_add(1, std::memory_order_relaxed);
    m_connected_.store(true, std::memory_order_relaxed);
    spdlog::info("write-behind: connected to {}{}", redact_dsn(cfg_.dsn),
                 spool_.pending_records() > 1 || earlier_records_left_ > 0
                     ? " (shipping " + std::to_string(spool_.pending_records()) + " spooled batches in order)"
                     : std::string());
    return true;
  } catch (const std::exception& e) {
    m_conn_fail_.fetch_add(1, std::memory_order_relaxed);
    next_connect_ = now + backoff_;
    spdlog::warn("write-behind: cannot use {}: {}; batches go to the spool, retry in {} ms", redact_dsn(cfg_.dsn),
                 scrub(e.what(), cfg_.dsn), backoff_.count());
    backoff_ = std::min(backoff_ * 2, cfg_.reconnect_max);
    return false;
  }
}

void write_behind::disconnect(const std::string& why) {
  if (!pg_) return;
  spdlog::warn("write-behind: lost the database ({}); batches go to the spool until it returns", why);
  pg_.reset();
  m_connected_.store(false, std::memory_order_relaxed);
  m_conn_fail_.fetch_add(1, std::memory_order_relaxed);
  next_connect_ = steady::now() + backoff_;
  backoff_ = std::min(backoff_ * 2, cfg_.reconnect_max);
}

bool write_behind::ship_pending(size_t max_records) {
  bool did = false;
  for (size_t n = 0; n < max_records; ++n) {
    if (spool_.pending_records() == 0) break;
    if (!ensure_connected()) break;
    if (!spool_.peek(payload_)) break;
    if (!shipping_.deserialize(payload_)) {
      // Checksummed but not a batch: a bug, never silently dropped.
      dead_letter(shipping_, item{table_id::engine_runs, 0}, "XX000", "spool record is not a valid batch");
      spool_.ack();
      continue;
    }
    const auto t0 = steady::now();
    if (ship_batch(shipping_) != ship_result::ok) break;
    const auto dt = std::chrono::duration_cast<std::chrono::nanoseconds>(steady::now() - t0).count();
    spool_.ack();
    did = true;
    m_commit_last_.store(dt, std::memory_order_relaxed);
    if (dt > m_commit_max_.load(std::memory_order_relaxed)) m_commit_max_.store(dt, std::memory_order_relaxed);
    m_rows_committed_.fetch_add(shipping_.rows(), std::memory_order_relaxed);
    m_batches_.fetch_add(1, std::memory_order_relaxed);
    m_last_batch_.store(shipping_.rows(), std::memory_order_relaxed);
    if (earlier_records_left_ > 0) {
      m_replayed_.fetch_add(1, std::memory_order_relaxed);
      if (--earlier_records_left_ == 0) {
        replaying_earlier_ = false;
        spdlog::info("write-behind: spool of the earlier run replayed ({} batches)", m_replayed_.load());
      }
    }
  }
  m_spool_bytes_.store(spool_.pending_bytes(), std::memory_order_relaxed);
  m_spool_records_.store(spool_.pending_records(), std::memory_order_relaxed);
  return did;
}

void write_behind::commit_items(const copy_batch& b, const std::vector<item>& items) {
  pqxx::work tx(pg_->conn);
  std::string data;
  for (size_t t = 0; t < table_count; ++t) {
    const auto tid = static_cast<table_id>(t);
    const auto& tr = b.of(tid);
    if (tr.ends.empty()) continue;
    data.clear();
    for (const auto& it : items) {
      if (it.table != tid) continue;
      data += b.row(tid, it.row);
      data += '\n';
    }
    if (data.empty()) continue;
    data.pop_back();  // write_raw_line adds the last newline
    const auto& def = definition(tid);
    // Fast path for plain-insert tables: COPY straight into the table under a savepoint. A
    // duplicate (a replayed row) fails it with unique_violation; then the rows go the slow way,
    // through the staging table and INSERT ... ON CONFLICT DO NOTHING.
    if (def.after.empty() && tid != table_id::engine_runs && tid != table_id::strategies) {  // upserts
      bool direct = false;
      try {
        pqxx::subtransaction sub(tx, "direct_copy");
        {
          pqxx::stream_to s(sub, std::string(def.name), columns_of(tid));
          s << std::make_tuple(raw_copy_lines{&data});
          s.complete();
        }
        sub.commit();
        direct = true;
      } catch (const pqxx::sql_error& e) {
        if (e.sqlstate() != "23505") throw;
      }
      if (direct) continue;
    }
    {
      pqxx::stream_to s(tx, "stg_" + std::string(def.name), columns_of(tid));
      s << std::make_tuple(raw_copy_lines{&data});
      s.complete();
    }
    tx.exec(std::string(def.merge));
    if (!def.after.empty()) tx.exec(std::string(def.after));
  }
  tx.commit();
}

write_behind::ship_result write_behind::ship_batch(const copy_batch& b) {
  std::vector<item> items;
  items.reserve(b.rows());
  for (size_t t = 0; t < table_count; ++t)
    for (size_t i = 0; i < b.of(static_cast<table_id>(t)).ends.size(); ++i)
      items.push_back({static_cast<table_id>(t), static_cast<uint32_t>(i)});
  std::string state, msg;
  try {
    commit_items(b, items);
    return ship_result::ok;
  } catch (const pqxx::sql_error& e) {
    state = e.sqlstate();
    msg = e.what();
  } catch (const std::exception& e) {
    msg = e.what();
  }
  if (!is_row_error(state)) {
    disconnect(scrub(msg, cfg_.dsn));
    return ship_result::transient;
  }
  spdlog::warn("write-behind: Postgres rejected a row of a {}-row batch ({}): bisecting to isolate it", b.rows(),
               state);
  return bisect(b, std::move(items), msg);
}

write_behind::ship_result write_behind::bisect(const copy_batch& b, std::vector<item> items, const std::string& error) {
  if (items.empty()) return ship_result::ok;
  if (items.size() == 1) {
    // Confirm on its own (the error may have come from a neighbour), then dead-letter it.
    std::string state, msg;
    try {
      commit_items(b, items);
      return ship_result::ok;
    } catch (const pqxx::sql_error& e) {
      state = e.sqlstate();
      msg = e.what();
    } catch (const std::exception& e) {
      msg = e.what();
    }
    if (!is_row_error(state)) {
      disconnect(scrub(msg, cfg_.dsn));
      return ship_result::transient;
    }
    dead_letter(b, items[0], state, msg);
    return ship_result::ok;
  }
  const size_t half = items.size() / 2;
  std::vector<item> parts[2] = {std::vector<item>(items.begin(), items.begin() + static_cast<std::ptrdiff_t>(half)),
                                std::vector<item>(items.begin() + static_cast<std::ptrdiff_t>(half), items.end())};
  for (auto& part : parts) {
    std::string state, msg;
    try {
      commit_items(b, part);
      continue;
    } catch (const pqxx::sql_error& e) {
      state = e.sqlstate();
      msg = e.what();
    } catch (const std::exception& e) {
      msg = e.what();
    }
    if (!is_row_error(state)) {
      disconnect(scrub(msg, cfg_.dsn));
      return ship_result::transient;
    }
    if (bisect(b, std::move(part), msg) != ship_result::ok) return ship_result::transient;
  }
  (void)error;
  return ship_result::ok;
}

void write_behind::dead_letter(const copy_batch& b, const item& it, const std::string& sqlstate,
                               const std::string& error) {
  std::string line;
  json_object o(line);
  o.ts("at", system_clock{}.now());
  o.str("table", definition(it.table).name);
  o.str("sqlstate", sqlstate);
  o.str("error", scrub(error, cfg_.dsn));
  if (it.row < b.of(it.table).ends.size()) o.str("copy_row", b.row(it.table, it.row));
  o.id("engine_run_id", enc_.identity().run_id);
  o.close();
  line += '\n';
  const std::string path = dead_letter_path();
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) throw std::runtime_error("cannot open dead-letter file '" + path + "'");
  const ssize_t w = ::write(fd, line.data(), line.size());
  ::fdatasync(fd);
  ::close(fd);
  if (w != static_cast<ssize_t>(line.size())) throw std::runtime_error("cannot write dead-letter file '" + path + "'");
  m_dead_.fetch_add(1, std::memory_order_relaxed);
  spdlog::error("write-behind: dead letter: a {} row was rejected by Postgres ({}); written to {}",
                definition(it.table).name, sqlstate, path);
}

write_behind_metrics write_behind::metrics() const {
  write_behind_metrics m;
  constexpr auto r = std::memory_order_relaxed;
  m.queue_depth = sink_.size_approx();
  m.rows_in = m_rows_in_.load(r);
  m.rows_spooled = m_rows_spooled_.load(r);
  m.rows_committed = m_rows_committed_.load(r);
  m.batches_committed = m_batches_.load(r);
  m.last_batch_rows = m_last_batch_.load(r);
  m.rows_per_second = m_rate_.load(r);
  m.commit_latency_last_ns = m_commit_last_.load(r);
  m.commit_latency_max_ns = m_commit_max_.load(r);
  m.spool_bytes = m_spool_bytes_.load(r);
  m.spool_records = m_spool_records_.load(r);
  m.dead_letters = m_dead_.load(r);
  m.connects = m_connects_.load(r);
  m.connection_failures = m_conn_fail_.load(r);
  m.backpressure_episodes = m_bp_episodes_.load(r);
  m.torn_bytes_cut = m_torn_.load(r);
  m.replayed_records = m_replayed_.load(r);
  m.connected = m_connected_.load(r);
  m.backpressured = m_bp_.load(r);
  return m;
}

}  // namespace torghut::persistence
