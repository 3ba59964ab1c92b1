#include "torghut/persistence/spool.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <string_view>

#include <spdlog/spdlog.h>
#include <xxhash.h>

namespace torghut::persistence {
namespace {

constexpr char k_magic[4] = {'T', 'G', 'S', '1'};

std::runtime_error io_error(const std::string& what, const std::string& path) {
  return std::runtime_error("spool: " + what + " '" + path + "': " + std::strerror(errno));
}

bool pread_all(int fd, char* buf, size_t n, uint64_t off) {
  while (n > 0) {
    const ssize_t r = ::pread(fd, buf, n, static_cast<off_t>(off));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    buf += r;
    n -= static_cast<size_t>(r);
    off += static_cast<uint64_t>(r);
  }
  return true;
}
bool pwrite_all(int fd, const char* buf, size_t n, uint64_t off) {
  while (n > 0) {
    const ssize_t r = ::pwrite(fd, buf, n, static_cast<off_t>(off));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    buf += r;
    n -= static_cast<size_t>(r);
    off += static_cast<uint64_t>(r);
  }
  return true;
}

}  // namespace

const char* to_string(fsync_policy p) noexcept {
  switch (p) {
    case fsync_policy::none: return "none";
    case fsync_policy::batch: return "batch";
    case fsync_policy::always: return "always";
  }
  return "?";
}
bool parse_fsync_policy(std::string_view s, fsync_policy& out) noexcept {
  if (s == "none") out = fsync_policy::none;
  else if (s == "batch") out = fsync_policy::batch;
  else if (s == "always") out = fsync_policy::always;
  else return false;
  return true;
}

spool::spool(const std::string& dir, fsync_policy policy) : policy_(policy) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  path_ = dir + "/spool.log";
  fd_ = ::open(path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd_ < 0) throw io_error("cannot open", path_);
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    ::close(fd_);
    fd_ = -1;
    throw std::runtime_error("spool: '" + path_ + "' is in use by another writer");
  }
  scan_and_repair();
}

spool::~spool() {
  if (fd_ >= 0) ::close(fd_);
}

void spool::scan_and_repair() {
  struct stat st{};
  if (::fstat(fd_, &st) != 0) throw io_error("cannot stat", path_);
  const auto size = static_cast<uint64_t>(st.st_size);
  uint64_t off = 0;
  std::string buf;
  while (size - off >= header_bytes) {
    char h[header_bytes];
    if (!pread_all(fd_, h, header_bytes, off)) break;
    if (std::memcmp(h, k_magic, 4) != 0) break;
    uint32_t len;
    uint64_t sum;
    std::memcpy(&len, h + 4, 4);
    std::memcpy(&sum, h + 8, 8);
    if (size - off - header_bytes < len) break;
    buf.resize(len);
    if (!pread_all(fd_, buf.data(), len, off + header_bytes)) break;
    if (XXH3_64bits(buf.data(), len) != sum) break;
    off += header_bytes + len;
    ++rec_.records;
  }
  rec_.bytes = off;
  if (off < size) {
    // Keep the torn bytes for inspection, then cut them.
    rec_.torn_bytes = size - off;
    rec_.torn_file = path_ + ".torn." + std::to_string(std::chrono::system_clock::now().time_since_epoch().count());
    std::string tail(static_cast<size_t>(rec_.torn_bytes), '\0');
    if (pread_all(fd_, tail.data(), tail.size(), off)) {
      const int t = ::open(rec_.torn_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
      if (t >= 0) {
        (void)pwrite_all(t, tail.data(), tail.size(), 0);
        ::close(t);
      }
    }
    if (::ftruncate(fd_, static_cast<off_t>(off)) != 0) throw io_error("cannot cut torn tail of", path_);
    ::fdatasync(fd_);
    spdlog::warn("spool: torn tail in {} at offset {}: cut {} bytes after {} valid records (kept in {})", path_, off,
                 rec_.torn_bytes, rec_.records, rec_.torn_file);
  }
  end_ = off;
  ack_ = 0;
  pending_records_ = rec_.records;
  if (rec_.records > 0)
    spdlog::info("spool: {} records ({} bytes) from an earlier run to replay from {}", rec_.records, rec_.bytes, path_);
}

void spool::append(std::string_view payload) {
  std::string frame;
  frame.reserve(header_bytes + payload.size());
  frame.append(k_magic, 4);
  const auto len = static_cast<uint32_t>(payload.size());
  const uint64_t sum = XXH3_64bits(payload.data(), payload.size());
  frame.append(reinterpret_cast<const char*>(&len), 4);
  frame.append(reinterpret_cast<const char*>(&sum), 8);
  frame.append(payload);
  if (!pwrite_all(fd_, frame.data(), frame.size(), end_)) {
    const auto err = io_error("cannot append to", path_);
    (void)::ftruncate(fd_, static_cast<off_t>(end_));  // never leave a partial frame behind
    throw err;
  }
  if (policy_ != fsync_policy::none && ::fdatasync(fd_) != 0) throw io_error("cannot sync", path_);
  end_ += frame.size();
  ++pending_records_;
}

bool spool::peek(std::string& payload) {
  if (ack_ >= end_) return false;
  char h[header_bytes];
  if (!pread_all(fd_, h, header_bytes, ack_)) throw io_error("cannot read", path_);
  uint32_t len;
  std::memcpy(&len, h + 4, 4);
  payload.resize(len);
  if (!pread_all(fd_, payload.data(), len, ack_ + header_bytes)) throw io_error("cannot read", path_);
  peeked_end_ = ack_ + header_bytes + len;
  return true;
}

void spool::ack() {
  if (peeked_end_ <= ack_) return;
  ack_ = peeked_end_;
  if (pending_records_ > 0) --pending_records_;
  if (ack_ >= end_) {
    if (::ftruncate(fd_, 0) != 0) throw io_error("cannot truncate", path_);
    if (policy_ == fsync_policy::always) ::fdatasync(fd_);
    ack_ = end_ = peeked_end_ = 0;
    pending_records_ = 0;
  }
}

}  // namespace torghut::persistence
