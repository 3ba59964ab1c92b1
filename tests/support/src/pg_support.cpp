#include "torghut/test/pg_support.hpp"

#include <netinet/in.h>
#include <sys/socket.h>

#include <filesystem>

namespace torghut::test {

int free_port() {
  const int s = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  ::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(s, reinterpret_cast<sockaddr*>(&a), &len);
  const int port = ntohs(a.sin_port);
  ::close(s);
  return port;
}

std::string scratch_dir(const std::string& tag) {
  static std::atomic<int> n{0};
  std::random_device rd;
  const std::string d = "/tmp/torghut-" + tag + "-" + std::to_string(::getpid()) + "-" + std::to_string(n++) + "-" +
                        std::to_string(rd() % 1000000);
  std::filesystem::remove_all(d);
  return d;
}

}  // namespace torghut::test

// libpq/libpqxx 6.4 leak one PGresult (two allocations, ~2 KB) when a connection breaks in the
// middle of a COPY (the zero-loss test stops Postgres with -m immediate). The leak is inside the
// third-party library's error path; suppress exactly those frames so LeakSanitizer still reports
// every leak of our own (an allocation from our code has no libpq frame in its stack).
extern "C" const char* __lsan_default_suppressions();
extern "C" const char* __lsan_default_suppressions() { return "leak:libpq.so.5\nleak:libpqxx-6.4.so\n"; }
