// One connection per stream slot: the in-process registry, the lock-file lease across processes
// (fork), and the Postgres advisory-lock lease when a server is reachable (DB_DSN).

#include <gtest/gtest.h>

#include <cstdio>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "torghut/adapters/md_lease.hpp"

namespace torghut::adapters {
namespace {

stream_slot iex_slot() { return {"stream.data.alpaca.markets", "/v2/iex", "PKTEST"}; }

std::string temp_dir() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "torghut-lease-XXXXXX").string();
  char* d = ::mkdtemp(tmpl.data());
  return d != nullptr ? std::string(d) : std::string();
}

TEST(md_registry, refuses_a_second_registration_of_the_same_slot) {
  connection_registry reg;
  std::string err;
  auto a = reg.try_register(iex_slot(), err);
  ASSERT_TRUE(a);
  EXPECT_TRUE(reg.contains(iex_slot()));
  auto b = reg.try_register(iex_slot(), err);
  EXPECT_FALSE(b);
  EXPECT_NE(err.find("already has a market-data connection"), std::string::npos) << err;
  EXPECT_NE(err.find("stream.data.alpaca.markets/v2/iex"), std::string::npos) << err;
}

TEST(md_registry, other_endpoints_and_keys_are_separate_slots) {
  connection_registry reg;
  std::string err;
  auto a = reg.try_register(iex_slot(), err);
  auto sip = reg.try_register({"stream.data.alpaca.markets", "/v2/sip", "PKTEST"}, err);
  auto other_key = reg.try_register({"stream.data.alpaca.markets", "/v2/iex", "PKOTHER"}, err);
  EXPECT_TRUE(a && sip && other_key);
  EXPECT_EQ(reg.size(), 3u);
}

TEST(md_registry, releasing_frees_the_slot) {
  connection_registry reg;
  std::string err;
  {
    auto a = reg.try_register(iex_slot(), err);
    ASSERT_TRUE(a);
    auto moved = std::move(*a);  // ownership moves with the registration
    EXPECT_TRUE(moved.held());
    EXPECT_FALSE(reg.try_register(iex_slot(), err));
  }
  EXPECT_FALSE(reg.contains(iex_slot()));
  auto again = reg.try_register(iex_slot(), err);
  EXPECT_TRUE(again);
  again->release();
  EXPECT_EQ(reg.size(), 0u);
}

TEST(md_lease, slot_hash_is_stable_and_separates_fields) {
  EXPECT_EQ(iex_slot().hash(), iex_slot().hash());
  const stream_slot a{"h", "/ab", "c"}, b{"h", "/a", "bc"};
  EXPECT_NE(a.hash(), b.hash());
  EXPECT_NE(iex_slot().hash(), (stream_slot{"stream.data.alpaca.markets", "/v2/sip", "PKTEST"}).hash());
}

TEST(md_lease, lock_file_name_holds_neither_the_key_nor_anything_secret) {
  const auto p = stream_lease::lock_file_path("/tmp/x", iex_slot());
  EXPECT_EQ(p.rfind("/tmp/x/torghut-md-", 0), 0u) << p;
  EXPECT_EQ(p.find("PKTEST"), std::string::npos);
  EXPECT_EQ(p.size(), std::string("/tmp/x/torghut-md-").size() + 16 + 5);
}

TEST(md_lease, none_is_always_held) {
  std::string err;
  auto l = stream_lease::acquire(lease_config{lease_kind::none, "", ""}, iex_slot(), err);
  ASSERT_TRUE(l);
  EXPECT_TRUE(l->still_held(err));
  auto l2 = stream_lease::acquire(lease_config{lease_kind::none, "", ""}, iex_slot(), err);
  EXPECT_TRUE(l2);
}

TEST(md_lease, a_second_lock_file_lease_in_the_same_process_is_refused_until_released) {
  const auto dir = temp_dir();
  ASSERT_FALSE(dir.empty());
  const lease_config cfg{lease_kind::file, dir + "/sub", ""};  // the directory is created
  std::string err;
  auto a = stream_lease::acquire(cfg, iex_slot(), err);
  ASSERT_TRUE(a) << err;
  EXPECT_TRUE(a->still_held(err));
  EXPECT_NE(a->description().find("lock file"), std::string::npos);
  auto b = stream_lease::acquire(cfg, iex_slot(), err);
  EXPECT_FALSE(b);
  EXPECT_NE(err.find("pid=" + std::to_string(::getpid())), std::string::npos) << err;
  auto other = stream_lease::acquire(cfg, {"stream.data.alpaca.markets", "/v2/sip", "PKTEST"}, err);
  EXPECT_TRUE(other) << err;
  a->release();
  auto c = stream_lease::acquire(cfg, iex_slot(), err);
  EXPECT_TRUE(c) << err;
  std::filesystem::remove_all(dir);
}

TEST(md_lease, lock_file_excludes_another_process_and_names_its_pid) {
  const auto dir = temp_dir();
  ASSERT_FALSE(dir.empty());
  const lease_config cfg{lease_kind::file, dir, ""};
  int up[2], down[2];
  ASSERT_EQ(::pipe(up), 0);
  ASSERT_EQ(::pipe(down), 0);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    std::string e;
    auto l = stream_lease::acquire(cfg, iex_slot(), e);
    char c = l ? 'y' : 'n';
    (void)!::write(up[1], &c, 1);
    (void)!::read(down[0], &c, 1);  // hold until the parent says so
    ::_exit(0);
  }
  char c = 0;
  ASSERT_EQ(::read(up[0], &c, 1), 1);
  ASSERT_EQ(c, 'y') << "the child could not take the lease";

  std::string err;
  auto mine = stream_lease::acquire(cfg, iex_slot(), err);
  EXPECT_FALSE(mine);
  EXPECT_NE(err.find("held by another process"), std::string::npos) << err;
  EXPECT_NE(err.find("pid=" + std::to_string(child)), std::string::npos) << err;
  EXPECT_NE(err.find("not dialing"), std::string::npos) << err;

  c = 'x';
  ASSERT_EQ(::write(down[1], &c, 1), 1);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFEXITED(status));
  // The child's exit released the lock: now this process gets it.
  auto after = stream_lease::acquire(cfg, iex_slot(), err);
  EXPECT_TRUE(after) << err;
  // ...and the file now names this process.
  std::ifstream f(stream_lease::lock_file_path(dir, iex_slot()));
  std::stringstream ss;
  ss << f.rdbuf();
  EXPECT_NE(ss.str().find("pid=" + std::to_string(::getpid())), std::string::npos) << ss.str();
  for (int fd : {up[0], up[1], down[0], down[1]}) ::close(fd);
  std::filesystem::remove_all(dir);
}

TEST(md_lease, an_unusable_directory_is_a_clear_error) {
  std::string err;  // a "directory" under a regular file: fails even for root
  auto l = stream_lease::acquire(lease_config{lease_kind::file, "/dev/null/torghut", ""}, iex_slot(), err);
  EXPECT_FALSE(l);
  EXPECT_NE(err.find("cannot open the lease file"), std::string::npos) << err;
}

/// DB_DSN, or the project's throwaway cluster when it is running (scripts/pg.sh env).
const char* pg_dsn() {
  static const std::string dsn = [] {
    if (const char* d = std::getenv("DB_DSN"); d != nullptr && *d != '\0') return std::string(d);
    std::string out;
    const std::string cmd = std::string(TORGHUT_SOURCE_DIR) + "/scripts/pg.sh status >/dev/null 2>&1 && " +
                            TORGHUT_SOURCE_DIR + "/scripts/pg.sh env 2>/dev/null";
    if (FILE* f = ::popen(cmd.c_str(), "r")) {
      char buf[512];
      while (std::fgets(buf, sizeof buf, f) != nullptr) out += buf;
      ::pclose(f);
    }
    const size_t a = out.find('\''), b = out.rfind('\'');  // DB_DSN='...'
    return a != std::string::npos && b > a ? out.substr(a + 1, b - a - 1) : std::string();
  }();
  return dsn.empty() ? nullptr : dsn.c_str();
}

TEST(md_lease, postgres_advisory_lock_excludes_a_second_session) {
  const char* dsn = pg_dsn();
  if (dsn == nullptr)
    GTEST_SKIP() << "no Postgres: set DB_DSN to run the advisory-lock lease test (scripts/pg.sh start; "
                    "set -a; eval \"$(scripts/pg.sh env)\"; set +a)";
  const lease_config cfg{lease_kind::postgres, "", dsn};
  stream_slot slot = iex_slot();
  slot.key_id = "PK-" + std::to_string(::getpid());  // unique per run
  std::string err;
  auto a = stream_lease::acquire(cfg, slot, err);
  if (!a && err.find("cannot take") != std::string::npos) GTEST_SKIP() << "Postgres not reachable: " << err;
  ASSERT_TRUE(a) << err;
  EXPECT_TRUE(a->still_held(err)) << err;
  EXPECT_NE(a->description().find(std::to_string(stream_lease::advisory_key(slot))), std::string::npos);
  EXPECT_EQ(a->description().find(dsn), std::string::npos);  // the DSN is never echoed

  auto b = stream_lease::acquire(cfg, slot, err);
  EXPECT_FALSE(b);
  EXPECT_NE(err.find("held by another session"), std::string::npos) << err;
  EXPECT_NE(err.find("torghut-md pid=" + std::to_string(::getpid())), std::string::npos) << err;
  EXPECT_EQ(err.find(dsn), std::string::npos);

  a->release();
  auto c = stream_lease::acquire(cfg, slot, err);
  EXPECT_TRUE(c) << err;
}

TEST(md_lease, unreachable_postgres_is_a_clear_error_without_the_password) {
  const lease_config cfg{lease_kind::postgres, "",
                         "host=/nonexistent-torghut-socket port=1 user=u password=hunter2 connect_timeout=1"};
  std::string err;
  auto l = stream_lease::acquire(cfg, iex_slot(), err);
  EXPECT_FALSE(l);
  EXPECT_NE(err.find("cannot take the postgres advisory lease"), std::string::npos) << err;
  EXPECT_EQ(err.find("hunter2"), std::string::npos) << err;
}

}  // namespace
}  // namespace torghut::adapters
