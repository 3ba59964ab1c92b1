#include "torghut/persistence/copy_batch.hpp"

#include <charconv>
#include <cstring>

#include <xxhash.h>

#include "torghut/core/decision_hash.hpp"

namespace torghut::persistence {
namespace {

constexpr std::array<table_def, table_count> k_tables{{
    {"engine_runs",
     "id,mode,account_label,host,version,config_json,pid,status,started_at,heartbeat_at,ended_at,events,decisions,"
     "orders,fills",
     "INSERT INTO engine_runs (id,mode,account_label,host,version,config_json,pid,status,started_at,heartbeat_at,"
     "ended_at,events,decisions,orders,fills) SELECT DISTINCT ON (id) id,mode,account_label,host,version,"
     "config_json,pid,status,started_at,heartbeat_at,ended_at,events,decisions,orders,fills FROM stg_engine_runs "
     "ORDER BY id, heartbeat_at DESC, events DESC ON CONFLICT (id) DO UPDATE SET "
     "heartbeat_at = GREATEST(engine_runs.heartbeat_at, EXCLUDED.heartbeat_at), "
     "ended_at = COALESCE(EXCLUDED.ended_at, engine_runs.ended_at), "
     "status = CASE WHEN EXCLUDED.ended_at IS NOT NULL THEN EXCLUDED.status ELSE engine_runs.status END, "
     "events = GREATEST(engine_runs.events, EXCLUDED.events), "
     "decisions = GREATEST(engine_runs.decisions, EXCLUDED.decisions), "
     "orders = GREATEST(engine_runs.orders, EXCLUDED.orders), "
     "fills = GREATEST(engine_runs.fills, EXCLUDED.fills)",
     ""},
    {"trade_decisions",
     "id,strategy_id,engine_strategy_id,alpaca_account_label,symbol,timeframe,decision_json,rationale,status,"
     "decision_hash,engine_run_id,audit_seq,created_at",
     "INSERT INTO trade_decisions (id,strategy_id,engine_strategy_id,alpaca_account_label,symbol,timeframe,"
     "decision_json,rationale,status,decision_hash,engine_run_id,audit_seq,created_at) SELECT id,strategy_id,"
     "engine_strategy_id,alpaca_account_label,symbol,timeframe,decision_json,rationale,status,decision_hash,"
     "engine_run_id,audit_seq,created_at FROM stg_trade_decisions ON CONFLICT DO NOTHING",
     ""},
    {"risk_verdicts",
     "id,trade_decision_id,alpaca_account_label,decision_hash,approved,reason,trading_state,verdict_json,"
     "engine_run_id,audit_seq,decided_at",
     "INSERT INTO risk_verdicts (id,trade_decision_id,alpaca_account_label,decision_hash,approved,reason,"
     "trading_state,verdict_json,engine_run_id,audit_seq,decided_at) SELECT id,trade_decision_id,"
     "alpaca_account_label,decision_hash,approved,reason,trading_state,verdict_json,engine_run_id,audit_seq,"
     "decided_at FROM stg_risk_verdicts ON CONFLICT DO NOTHING",
     "UPDATE trade_decisions d SET status = CASE WHEN s.approved THEN 'approved' ELSE 'rejected' END "
     "FROM stg_risk_verdicts s WHERE d.id = s.trade_decision_id AND d.status = 'planned'"},
    {"executions",
     "id,trade_decision_id,alpaca_account_label,client_order_id,symbol,side,order_type,time_in_force,"
     "submitted_qty,limit_price,stop_price,status,execution_correlation_id,execution_idempotency_key,raw_order,"
     "engine_order_id,engine_run_id,created_at",
     "INSERT INTO executions (id,trade_decision_id,alpaca_account_label,client_order_id,symbol,side,order_type,"
     "time_in_force,submitted_qty,limit_price,stop_price,status,execution_correlation_id,"
     "execution_idempotency_key,raw_order,engine_order_id,engine_run_id,created_at) SELECT id,"
     "trade_decision_id,alpaca_account_label,client_order_id,symbol,side,order_type,time_in_force,"
     "submitted_qty,limit_price,stop_price,status,execution_correlation_id,execution_idempotency_key,raw_order,"
     "engine_order_id,engine_run_id,created_at FROM stg_executions ON CONFLICT DO NOTHING",
     ""},
    {"execution_order_events",
     "event_fingerprint,source_topic,source_partition,source_offset,feed_seq,event_ts,event_type,"
     "alpaca_account_label,symbol,alpaca_order_id,client_order_id,status,qty,filled_qty,avg_fill_price,"
     "last_fill_qty,last_fill_price,raw_event,execution_id,trade_decision_id",
     "INSERT INTO execution_order_events (event_fingerprint,source_topic,source_partition,source_offset,"
     "feed_seq,event_ts,event_type,alpaca_account_label,symbol,alpaca_order_id,client_order_id,status,qty,"
     "filled_qty,avg_fill_price,last_fill_qty,last_fill_price,raw_event,execution_id,trade_decision_id) SELECT "
     "event_fingerprint,source_topic,source_partition,source_offset,feed_seq,event_ts,event_type,"
     "alpaca_account_label,symbol,alpaca_order_id,client_order_id,status,qty,filled_qty,avg_fill_price,"
     "last_fill_qty,last_fill_price,raw_event,execution_id,trade_decision_id FROM stg_execution_order_events "
     "ON CONFLICT DO NOTHING",
     // The broker's order id from any event that carries it (the POST's answer, trade_updates,
     // a reconciliation), the order's latest state from its newest event (never regressing to an
     // older one), and the decision's first fill.
     "UPDATE executions e SET alpaca_order_id = s.alpaca_order_id, updated_at = now() FROM (SELECT DISTINCT ON "
     "(execution_id) execution_id, alpaca_order_id FROM stg_execution_order_events WHERE alpaca_order_id IS NOT "
     "NULL ORDER BY execution_id, feed_seq DESC) s WHERE e.id = s.execution_id AND e.alpaca_order_id IS NULL; "
     "UPDATE executions e SET status = s.status, filled_qty = s.filled_qty, avg_fill_price = s.avg_fill_price, "
     "order_feed_last_event_ts = s.event_ts, order_feed_last_seq = s.feed_seq, last_update_at = s.event_ts, "
     "updated_at = now() FROM (SELECT DISTINCT ON (execution_id) execution_id, status, filled_qty, "
     "avg_fill_price, event_ts, feed_seq FROM stg_execution_order_events WHERE status IS NOT NULL "
     "ORDER BY execution_id, feed_seq DESC) s WHERE e.id = s.execution_id AND "
     "(e.order_feed_last_seq IS NULL OR e.order_feed_last_seq < s.feed_seq); "
     "UPDATE trade_decisions d SET status = 'executed', executed_at = s.first_fill FROM (SELECT "
     "trade_decision_id, min(event_ts) AS first_fill FROM stg_execution_order_events WHERE last_fill_qty > 0 "
     "GROUP BY trade_decision_id) s WHERE d.id = s.trade_decision_id AND d.executed_at IS NULL"},
    {"position_snapshots",
     "alpaca_account_label,as_of,equity,cash,buying_power,positions,engine_run_id",
     "INSERT INTO position_snapshots (alpaca_account_label,as_of,equity,cash,buying_power,positions,"
     "engine_run_id) SELECT alpaca_account_label,as_of,equity,cash,buying_power,positions,engine_run_id "
     "FROM stg_position_snapshots ON CONFLICT DO NOTHING",
     ""},
    {"engine_run_events",
     "engine_run_id,audit_seq,kind,event_ts,symbol,payload",
     "INSERT INTO engine_run_events (engine_run_id,audit_seq,kind,event_ts,symbol,payload) SELECT "
     "engine_run_id,audit_seq,kind,event_ts,symbol,payload FROM stg_engine_run_events ON CONFLICT DO NOTHING",
     ""},
    {"strategies",
     "id,name,description,enabled,base_timeframe,universe_type,universe_symbols,max_position_pct_equity,"
     "max_notional_per_trade,engine_strategy_id",
     "INSERT INTO strategies (id,name,description,enabled,base_timeframe,universe_type,universe_symbols,"
     "max_position_pct_equity,max_notional_per_trade,engine_strategy_id) SELECT DISTINCT ON (id) id,name,"
     "description,enabled,base_timeframe,universe_type,universe_symbols,max_position_pct_equity,"
     "max_notional_per_trade,engine_strategy_id FROM stg_strategies ON CONFLICT (id) DO UPDATE SET "
     "name = EXCLUDED.name, description = EXCLUDED.description, enabled = EXCLUDED.enabled, "
     "base_timeframe = EXCLUDED.base_timeframe, universe_type = EXCLUDED.universe_type, "
     "universe_symbols = EXCLUDED.universe_symbols, max_position_pct_equity = EXCLUDED.max_position_pct_equity, "
     "max_notional_per_trade = EXCLUDED.max_notional_per_trade, updated_at = now()",
     ""},
}};

// Field writers: each appends a tab first unless it is the first field of the line.
struct line {
  std::string& out;
  bool first = true;
  void sep() {
    if (!first) out += '\t';
    first = false;
  }
  line& text(std::string_view v) {
    sep();
    append_copy_escaped(out, v);
    return *this;
  }
  line& null() {
    sep();
    out += "\\N";
    return *this;
  }
  line& u64(uint64_t v) {
    sep();
    char b[24];
    auto [e, ec] = std::to_chars(b, b + sizeof b, v);
    (void)ec;
    out.append(b, static_cast<size_t>(e - b));
    return *this;
  }
  line& id(uuid u) {
    sep();
    char b[36];
    format_uuid(u, b);
    out.append(b, sizeof b);
    return *this;
  }
  line& ts(timestamp t) {
    sep();
    append_rfc3339(out, t);
    return *this;
  }
  template <class Fixed>
  line& dec(Fixed v) {
    sep();
    char b[40];
    out.append(b, format_decimal(v, b));
    return *this;
  }
  line& boolean(bool v) {
    sep();
    out += v ? 't' : 'f';
    return *this;
  }
  line& hash(decision_hash h) {
    sep();
    char b[32];
    to_hex(h, b);
    out.append(b, sizeof b);
    return *this;
  }
};

void put_u32(std::string& out, uint32_t v) {
  char b[4];
  std::memcpy(b, &v, 4);
  out.append(b, 4);
}
uint32_t get_u32(const char* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

}  // namespace

const table_def& definition(table_id t) noexcept { return k_tables[static_cast<size_t>(t)]; }

std::string_view to_string(run_mode m) noexcept {
  switch (m) {
    case run_mode::live: return "live";
    case run_mode::paper: return "paper";
    case run_mode::shadow: return "shadow";
    case run_mode::replay: return "replay";
  }
  return "paper";
}

void append_copy_escaped(std::string& out, std::string_view v) {
  for (char c : v) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '\t': out += "\\t"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      default: out += c;
    }
  }
}

std::string_view copy_batch::row(table_id t, size_t i) const noexcept {
  const auto& tr = tables_[static_cast<size_t>(t)];
  const size_t b = i == 0 ? 0 : tr.ends[i - 1];
  return std::string_view(tr.data).substr(b, tr.ends[i] - b - 1);
}

void copy_batch::add_line(table_id t, std::string_view l) {
  begin(t) += l;
  end();
}

void copy_batch::clear() noexcept {
  for (auto& t : tables_) {
    t.data.clear();
    t.ends.clear();
  }
  rows_ = 0;
}

void copy_batch::serialize(std::string& out) const {
  for (size_t t = 0; t < table_count; ++t) {
    const auto& tr = tables_[t];
    if (tr.ends.empty()) continue;
    out += static_cast<char>(t);
    put_u32(out, static_cast<uint32_t>(tr.ends.size()));
    put_u32(out, static_cast<uint32_t>(tr.data.size()));
    out += tr.data;
  }
}

bool copy_batch::deserialize(std::string_view in) {
  clear();
  size_t p = 0;
  while (p < in.size()) {
    if (in.size() - p < 9) return false;
    const auto t = static_cast<uint8_t>(in[p]);
    const uint32_t n = get_u32(in.data() + p + 1);
    const uint32_t bytes = get_u32(in.data() + p + 5);
    p += 9;
    if (t >= table_count || in.size() - p < bytes) return false;
    auto& tr = tables_[t];
    const std::string_view data = in.substr(p, bytes);
    size_t start = 0;
    for (uint32_t i = 0; i < n; ++i) {
      const size_t nl = data.find('\n', start);
      if (nl == std::string_view::npos) return false;
      tr.data.append(data.data() + start, nl + 1 - start);
      tr.ends.push_back(static_cast<uint32_t>(tr.data.size()));
      start = nl + 1;
    }
    if (start != data.size()) return false;
    rows_ += n;
    p += bytes;
  }
  return true;
}

row_encoder::row_encoder(run_identity id, const symbol_table& symbols) : id_(std::move(id)), syms_(symbols) {
  format_uuid(id_.run_id, run_text_);
  json_.reserve(1024);
  scratch_.reserve(256);
}

uuid row_encoder::strategy_uuid(uint64_t engine_strategy_id) noexcept {
  char b[40];
  const int n = std::snprintf(b, sizeof b, "torghut/strategy/%llu", static_cast<unsigned long long>(engine_strategy_id));
  return derive_uuid(std::string_view(b, static_cast<size_t>(n)));
}
uuid row_encoder::decision_uuid(decision_hash h) const noexcept {
  char hx[32];
  to_hex(h, hx);
  std::string s = "torghut/decision/";
  s += id_.account_label;
  s += '/';
  s.append(hx, 32);
  return derive_uuid(s);
}
uuid row_encoder::execution_uuid(std::string_view coid) const noexcept {
  std::string s = "torghut/execution/";
  s += id_.account_label;
  s += '/';
  s += coid;
  return derive_uuid(s);
}

void row_encoder::encode(const audit_row& r, copy_batch& out) {
  json_.clear();
  append_audit_json(json_, r, syms_);
  const std::string_view run(run_text_, 36);
  switch (r.kind) {
    case audit_kind::decision: {
      const auto& d = r.body.decision;
      line l{out.begin(table_id::trade_decisions)};
      l.id(decision_uuid(d.hash)).id(strategy_uuid(d.strategy.value)).u64(d.strategy.value);
      l.text(id_.account_label).text(syms_.name(d.symbol)).text("1Sec").text(json_).text(d.rationale.view());
      l.text("planned").hash(d.hash).text(run).u64(r.seq).ts(r.time);
      break;
    }
    case audit_kind::verdict: {
      const auto& v = r.body.verdict;
      char hx[32];
      to_hex(v.intent.hash, hx);
      scratch_ = "torghut/verdict/";
      scratch_ += id_.account_label;
      scratch_ += '/';
      scratch_.append(hx, 32);
      line l{out.begin(table_id::risk_verdicts)};
      l.id(derive_uuid(scratch_)).id(decision_uuid(v.intent.hash)).text(id_.account_label).hash(v.intent.hash);
      l.boolean(v.approved()).text(to_string(v.reason)).text(to_string(v.state)).text(json_);
      l.text(run).u64(r.seq).ts(r.time);
      break;
    }
    case audit_kind::order: {
      const auto& c = r.body.order;
      if (c.kind == order_command_kind::submit) {
        char hx[32];
        to_hex(c.hash, hx);
        line l{out.begin(table_id::executions)};
        l.id(execution_uuid(c.coid.view())).id(decision_uuid(c.hash)).text(id_.account_label);
        l.text(c.coid.view()).text(syms_.name(c.symbol)).text(to_string(c.order_side)).text(to_string(c.type));
        l.text(to_string(c.tif)).dec(c.qty);
        if (c.type == order_type::limit || c.type == order_type::stop_limit) l.dec(c.limit_px); else l.null();
        if (c.type == order_type::stop || c.type == order_type::stop_limit) l.dec(c.stop_px); else l.null();
        l.text("pending_new").text(c.coid.view()).text(std::string_view(hx, 32)).text(json_);
        l.u64(c.id.value).text(run).ts(r.time);
      } else {
        // A cancel request is an event of the order it targets.
        scratch_ = "cancel_requested/";
        scratch_ += id_.account_label;
        scratch_ += '/';
        scratch_ += c.coid.view();
        scratch_ += '/';
        scratch_ += std::to_string(r.time.ns);
        const XXH128_hash_t fp = XXH3_128bits(scratch_.data(), scratch_.size());
        line l{out.begin(table_id::execution_order_events)};
        l.hash(decision_hash{fp.high64, fp.low64});
        scratch_ = "torghut.engine.";
        scratch_.append(run_text_, 36);
        l.text(scratch_).u64(0).u64(r.seq).u64(r.seq).ts(r.time).text("cancel_requested");
        l.text(id_.account_label).text(syms_.name(c.symbol)).null().text(c.coid.view()).null();
        l.dec(c.qty).null().null().null().null().text(json_);
        l.id(execution_uuid(c.coid.view())).id(decision_uuid(c.hash));
      }
      break;
    }
    case audit_kind::execution: {
      const auto& e = r.body.execution;
      // The fingerprint names the event by what it says, so the same broker event reported
      // twice is absorbed even under another audit sequence number.
      scratch_ = id_.account_label;
      scratch_ += '/';
      scratch_ += e.coid.view();
      scratch_ += '/';
      scratch_ += to_string(e.status);
      char nums[96];
      const int n = std::snprintf(nums, sizeof nums, "/%lld/%lld/%lld/%lld", static_cast<long long>(e.cum_qty.raw),
                                  static_cast<long long>(e.last_qty.raw), static_cast<long long>(e.last_px.raw),
                                  static_cast<long long>(e.time.ns));
      scratch_.append(nums, static_cast<size_t>(n));
      const XXH128_hash_t fp = XXH3_128bits(scratch_.data(), scratch_.size());
      line l{out.begin(table_id::execution_order_events)};
      l.hash(decision_hash{fp.high64, fp.low64});
      scratch_ = "torghut.engine.";
      scratch_.append(run_text_, 36);
      l.text(scratch_).u64(0).u64(r.seq).u64(r.seq).ts(e.time).text(to_string(e.status));
      l.text(id_.account_label).text(syms_.name(e.symbol));
      if (e.broker_id.empty()) l.null(); else l.text(e.broker_id.view());
      l.text(e.coid.view()).text(to_string(e.status));
      l.dec(e.order_qty).dec(e.cum_qty);
      if (e.cum_qty.is_zero()) l.null(); else l.dec(e.avg_px);
      if (e.last_qty.is_zero()) l.null().null(); else l.dec(e.last_qty).dec(e.last_px);
      l.text(json_).id(execution_uuid(e.coid.view())).id(decision_uuid(e.hash));
      break;
    }
    case audit_kind::anomaly:
    case audit_kind::control: {
      line l{out.begin(table_id::engine_run_events)};
      l.text(run).u64(r.seq).text(to_string(r.kind)).ts(r.time);
      if (r.kind == audit_kind::anomaly && r.body.anomaly.symbol.valid()) l.text(syms_.name(r.body.anomaly.symbol)); else l.null();
      l.text(json_);
      break;
    }
  }
  out.end();
}

void row_encoder::encode(const position_snapshot_row& p, copy_batch& out) {
  line l{out.begin(table_id::position_snapshots)};
  l.text(id_.account_label).ts(p.as_of).dec(p.equity).dec(p.cash).dec(p.buying_power).text(p.positions_json);
  l.text(std::string_view(run_text_, 36));
  out.end();
}

void row_encoder::encode(const run_heartbeat& h, copy_batch& out) {
  line l{out.begin(table_id::engine_runs)};
  l.text(std::string_view(run_text_, 36)).text(to_string(id_.mode)).text(id_.account_label);
  if (id_.host.empty()) l.null(); else l.text(id_.host);
  if (id_.version.empty()) l.null(); else l.text(id_.version);
  if (id_.config_json.empty()) l.null(); else l.text(id_.config_json);
  if (id_.pid == 0) l.null(); else l.u64(static_cast<uint64_t>(id_.pid));
  l.text(h.final ? "finished" : "running");
  l.ts(id_.started_at).ts(h.at);
  if (h.final) l.ts(h.at); else l.null();
  l.u64(h.events).u64(h.decisions).u64(h.orders).u64(h.fills);
  out.end();
}

void row_encoder::encode(const strategy_row& s, copy_batch& out) {
  line l{out.begin(table_id::strategies)};
  l.id(strategy_uuid(s.engine_strategy_id)).text(s.name);
  if (s.description.empty()) l.null(); else l.text(s.description);
  l.boolean(s.enabled).text(s.base_timeframe).text("static").text(s.universe_symbols_json);
  if (s.max_position_pct_equity.empty()) l.null(); else l.text(s.max_position_pct_equity);
  l.dec(s.max_notional_per_trade).u64(s.engine_strategy_id);
  out.end();
}

}  // namespace torghut::persistence
