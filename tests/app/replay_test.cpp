// Replays are deterministic: the same recording gives a byte-identical decision log, through the
// real replay driver (pinned hot thread, CAF-supervised write-behind writer).
#include "torghut/app/replay_runtime.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "torghut/adapters/synth.hpp"

using namespace torghut;

namespace {

std::string slurp(const std::string& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string tmp(const std::string& name) {
  return (std::filesystem::temp_directory_path() / ("torghut_" + std::to_string(::getpid()) + "_" + name)).string();
}

}  // namespace

TEST(replay, the_same_recording_gives_a_byte_identical_decision_log) {
  const std::string rec = tmp("det.rec");
  adapters::synth_config sc;
  sc.seed = 2024;
  sc.symbol_count = 5;
  sc.duration = duration_ns{8 * 60 * ns_per_second};
  ASSERT_GT(adapters::generate_recording(sc, rec).frames, 0u);

  app::replay_options o;
  o.recording = rec;
  o.config = default_config({});
  o.config.symbol_capacity = 256;
  o.decision_log = tmp("a.jsonl");
  auto a = app::run_replay(o);
  o.decision_log = tmp("b.jsonl");
  o.config.idle = idle_kind::busy_spin;  // a different idle strategy must not change decisions
  auto b = app::run_replay(o);

  const std::string la = slurp(tmp("a.jsonl")), lb = slurp(tmp("b.jsonl"));
  EXPECT_GT(a.decisions, 0u);
  EXPECT_GT(a.fills, 0u);
  EXPECT_FALSE(la.empty());
  EXPECT_EQ(la, lb);
  EXPECT_EQ(a.realized_pnl, b.realized_pnl);
  EXPECT_EQ(a.audit_rows, b.audit_rows);
  EXPECT_EQ(a.audit_dropped, 0u);
  std::filesystem::remove(rec);
  std::filesystem::remove(tmp("a.jsonl"));
  std::filesystem::remove(tmp("b.jsonl"));
}

TEST(replay, a_different_recording_gives_a_different_decision_log) {
  const std::string r1 = tmp("s1.rec"), r2 = tmp("s2.rec");
  adapters::synth_config sc;
  sc.symbol_count = 3;
  sc.duration = duration_ns{5 * 60 * ns_per_second};
  sc.seed = 1;
  (void)adapters::generate_recording(sc, r1);
  sc.seed = 2;
  (void)adapters::generate_recording(sc, r2);
  app::replay_options o;
  o.config = default_config({});
  o.config.symbol_capacity = 64;
  o.recording = r1;
  o.decision_log = tmp("s1.jsonl");
  (void)app::run_replay(o);
  o.recording = r2;
  o.decision_log = tmp("s2.jsonl");
  (void)app::run_replay(o);
  EXPECT_NE(slurp(tmp("s1.jsonl")), slurp(tmp("s2.jsonl")));
  for (const auto& p : {r1, r2, tmp("s1.jsonl"), tmp("s2.jsonl")}) std::filesystem::remove(p);
}

TEST(replay, reports_a_missing_recording_clearly) {
  app::replay_options o;
  o.recording = "/nonexistent/market.rec";
  o.config = default_config({});
  try {
    (void)app::run_replay(o);
    FAIL() << "expected an error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/market.rec"), std::string::npos);
  }
}

TEST(replay, counts_and_skips_bad_frames_without_stopping) {
  const std::string rec = tmp("bad.rec");
  {
    std::ofstream out(rec);
    out << "1700000000000000000\t[{\"T\":\"t\",\"S\":\"AAPL\",\"i\":1,\"x\":\"V\",\"p\":100.5,\"s\":10,\"t\":\"2023-11-14T22:13:20Z\",\"z\":\"C\"}]\n";
    out << "1700000000100000000\t[{\"T\":\"t\",\"S\":\"AAPL\",\"i\":2,\"p\":\"x\",\"s\":10,\"t\":\"2023-11-14T22:13:20.1Z\"}]\n";
    out << "1700000000200000000\t[{\"T\":\"t\",\"S\":\"AAPL\",\"i\":3,\"p\":100.6,\"s\":5,\"t\":\"2023-11-14T22:13:20.2Z\"\n";
    out << "not a line at all\n";
    out << "1700000000300000000\t[{\"T\":\"zz\",\"S\":\"AAPL\"}]\n";
    out << "1700000000400000000\t[{\"T\":\"t\",\"S\":\"AAPL\",\"i\":4,\"x\":\"V\",\"p\":100.7,\"s\":10,\"t\":\"2023-11-14T22:13:20.4Z\",\"z\":\"C\"}]\n";
  }
  app::replay_options o;
  o.recording = rec;
  o.config = default_config({});
  o.config.symbol_capacity = 16;
  auto r = app::run_replay(o);
  EXPECT_EQ(r.frames, 5u);
  EXPECT_EQ(r.bad_lines, 1u);
  EXPECT_EQ(r.events, 2u);
  EXPECT_GE(r.decode_skipped, 3u);
  EXPECT_FALSE(r.first_decode_error.empty());
  std::filesystem::remove(rec);
}

TEST(replay, signals_have_one_row_per_closed_bar_the_same_bytes_every_time_and_leave_the_log_alone) {
  const std::string rec = tmp("sig.rec");
  adapters::synth_config sc;
  sc.seed = 2024;
  sc.symbol_count = 5;
  sc.duration = duration_ns{8 * 60 * ns_per_second};
  ASSERT_GT(adapters::generate_recording(sc, rec).frames, 0u);

  app::replay_options o;
  o.recording = rec;
  o.config = default_config({});
  o.config.symbol_capacity = 256;
  o.decision_log = tmp("sig0.jsonl");
  const auto plain = app::run_replay(o);
  o.decision_log = tmp("sig1.jsonl");
  o.signals = tmp("sig1.csv");
  const auto a = app::run_replay(o);
  o.decision_log = tmp("sig2.jsonl");
  o.signals = tmp("sig2.csv");
  const auto b = app::run_replay(o);

  EXPECT_GT(a.strategy_bars, 0u);
  EXPECT_EQ(a.signal_rows, a.strategy_bars);
  EXPECT_EQ(a.signal_dropped, 0u);
  EXPECT_EQ(a.signal_lost, 0u);
  EXPECT_EQ(a.signal_error, "");
  const std::string csv = slurp(tmp("sig1.csv"));
  EXPECT_EQ(static_cast<uint64_t>(std::count(csv.begin(), csv.end(), '\n')), a.strategy_bars + 1);  // + header
  EXPECT_EQ(csv, slurp(tmp("sig2.csv")));
  EXPECT_EQ(b.signal_rows, a.signal_rows);
  // Writing signals changes no decision.
  EXPECT_EQ(plain.signal_rows, 0u);
  EXPECT_EQ(slurp(tmp("sig0.jsonl")), slurp(tmp("sig1.jsonl")));
  EXPECT_EQ(plain.decisions, a.decisions);
  for (const auto& p : {rec, tmp("sig0.jsonl"), tmp("sig1.jsonl"), tmp("sig2.jsonl"), tmp("sig1.csv"), tmp("sig2.csv")})
    std::filesystem::remove(p);
}

TEST(replay, an_unwritable_signals_path_is_refused_before_the_replay_runs) {
  const std::string rec = tmp("sig_bad.rec");
  adapters::synth_config sc;
  sc.symbol_count = 2;
  sc.duration = duration_ns{60 * ns_per_second};
  ASSERT_GT(adapters::generate_recording(sc, rec).frames, 0u);
  app::replay_options o;
  o.recording = rec;
  o.config = default_config({});
  o.config.symbol_capacity = 16;
  o.signals = "/nonexistent/dir/signals.csv";
  try {
    (void)app::run_replay(o);
    FAIL() << "expected an error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/dir/signals.csv"), std::string::npos) << e.what();
  }
  std::filesystem::remove(rec);
}
