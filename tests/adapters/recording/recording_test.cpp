// recording_writer / recording_reader: round trip, malformed lines, edge cases.

#include "torghut/adapters/recording.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace torghut::adapters {
namespace {

std::string temp_path(const std::string& name) { return ::testing::TempDir() + "torghut_" + name; }

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(recording, round_trip_preserves_times_and_frames_exactly) {
  const std::string path = temp_path("round_trip.rec");
  const std::vector<std::pair<timestamp, std::string>> frames = {
      {timestamp{1614009104208000000}, R"([{"T":"success","msg":"connected"}])"},
      {timestamp{1614009104208000001}, R"([{"T":"t","S":"AAPL","i":1,"p":1.5,"s":1,"t":"2021-02-22T15:51:44.208Z"}])"},
      {timestamp{0}, "[]"},
      {timestamp{9223372036854775807}, std::string(3 << 20, 'x')},  // larger than the buffer
      {timestamp{5}, "tab\tinside \"quoted\" \\ text"},
  };
  {
    recording_writer w;
    ASSERT_TRUE(w.open(path, false, 4096));
    for (const auto& [t, f] : frames) EXPECT_TRUE(w.write(t, f));
    EXPECT_EQ(w.frames_written(), frames.size());
    EXPECT_TRUE(w.close());
  }
  recording_reader r;
  ASSERT_TRUE(r.open(path)) << r.error();
  recording_entry e;
  for (size_t i = 0; i < frames.size(); ++i) {
    ASSERT_TRUE(r.next(e)) << i;
    EXPECT_EQ(e.recv_time, frames[i].first);
    EXPECT_EQ(e.frame, frames[i].second);
    EXPECT_EQ(e.line, i + 1);
  }
  EXPECT_FALSE(r.next(e));
  EXPECT_EQ(r.malformed_lines(), 0u);
  std::remove(path.c_str());
}

TEST(recording, line_format_is_time_tab_frame_newline) {
  const std::string path = temp_path("format.rec");
  {
    recording_writer w;
    ASSERT_TRUE(w.open(path));
    (void)w.write(timestamp{123}, "[1]");
    (void)w.write(timestamp{4567}, "[2]");
  }  // destructor flushes
  EXPECT_EQ(slurp(path), "123\t[1]\n4567\t[2]\n");
  std::remove(path.c_str());
}

TEST(recording, append_mode_adds_to_an_existing_file) {
  const std::string path = temp_path("append.rec");
  {
    recording_writer w;
    ASSERT_TRUE(w.open(path));
    (void)w.write(timestamp{1}, "[1]");
  }
  {
    recording_writer w;
    ASSERT_TRUE(w.open(path, true));
    (void)w.write(timestamp{2}, "[2]");
  }
  EXPECT_EQ(slurp(path), "1\t[1]\n2\t[2]\n");
  std::remove(path.c_str());
}

TEST(recording, frames_with_raw_newlines_are_sanitized_to_spaces) {
  const std::string path = temp_path("sanitize.rec");
  recording_writer w;
  ASSERT_TRUE(w.open(path));
  (void)w.write(timestamp{1}, "[\n{\"T\":\"success\"}\r\n]");
  EXPECT_EQ(w.frames_sanitized(), 1u);
  ASSERT_TRUE(w.close());
  EXPECT_EQ(slurp(path), "1\t[ {\"T\":\"success\"}  ]\n");
  std::remove(path.c_str());
}

TEST(recording, malformed_lines_are_counted_with_line_numbers_and_skipped) {
  const std::string text =
      "# torghut recording\n"  // 1: comment
      "100\t[1]\n"             // 2
      "no tab here\n"          // 3: malformed
      "\n"                     // 4: malformed (empty)
      "-5\t[x]\n"              // 5: malformed (negative)
      "12a\t[x]\n"             // 6: malformed
      "99999999999999999999\t[x]\n"  // 7: malformed (overflow)
      "\t[x]\n"                // 8: malformed (no time)
      "200\t[2]\r\n"           // 9: CRLF tolerated
      "300\t\n"                // 10: empty frame is well-formed
      "400\t[4]";              // 11: no final newline
  recording_reader r;
  r.open_memory(text);
  std::vector<recording_entry> got;
  (void)r.for_each([&](const recording_entry& e) { got.push_back(e); });
  ASSERT_EQ(got.size(), 4u);
  EXPECT_EQ(got[0].recv_time.ns, 100);
  EXPECT_EQ(got[0].frame, "[1]");
  EXPECT_EQ(got[0].line, 2u);
  EXPECT_EQ(got[1].frame, "[2]");
  EXPECT_EQ(got[1].line, 9u);
  EXPECT_EQ(got[2].frame, "");
  EXPECT_EQ(got[3].recv_time.ns, 400);
  EXPECT_EQ(got[3].frame, "[4]");
  EXPECT_EQ(got[3].line, 11u);
  EXPECT_EQ(r.malformed_lines(), 6u);
  const auto bad = r.malformed_line_numbers();
  EXPECT_EQ(std::vector<uint64_t>(bad.begin(), bad.end()), (std::vector<uint64_t>{3, 4, 5, 6, 7, 8}));
  EXPECT_EQ(r.lines_read(), 11u);
  r.rewind();
  recording_entry e;
  ASSERT_TRUE(r.next(e));
  EXPECT_EQ(e.line, 2u);
}

TEST(recording, empty_and_missing_files) {
  const std::string path = temp_path("empty.rec");
  { std::ofstream out(path); }
  recording_reader r;
  ASSERT_TRUE(r.open(path));
  recording_entry e;
  EXPECT_FALSE(r.next(e));
  std::remove(path.c_str());
  EXPECT_FALSE(r.open(temp_path("does_not_exist.rec")));
  EXPECT_FALSE(r.error().empty());
  recording_writer w;
  EXPECT_FALSE(w.write(timestamp{1}, "[]"));  // not open
  EXPECT_FALSE(w.open("/nonexistent_dir_torghut/x.rec"));
}

TEST(recording, parse_recv_time_accepts_only_decimal_int64) {
  timestamp t;
  EXPECT_TRUE(parse_recv_time("0", t));
  EXPECT_EQ(t.ns, 0);
  EXPECT_TRUE(parse_recv_time("9223372036854775807", t));
  EXPECT_EQ(t.ns, 9223372036854775807);
  EXPECT_FALSE(parse_recv_time("9223372036854775808", t));
  EXPECT_FALSE(parse_recv_time("", t));
  EXPECT_FALSE(parse_recv_time("+1", t));
  EXPECT_FALSE(parse_recv_time("1.5", t));
}

}  // namespace
}  // namespace torghut::adapters
