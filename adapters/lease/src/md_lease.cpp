// The in-process connection registry and the cross-process stream lease. See md_lease.hpp.

#include "torghut/adapters/md_lease.hpp"

#include "torghut/core/secrets.hpp"
#include "torghut/persistence/dsn.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <pqxx/pqxx>

namespace torghut::adapters {

std::string stream_slot::text() const { return host + path + " key " + key_fingerprint(key_id); }

uint64_t stream_slot::hash() const noexcept {
  uint64_t h = 0xcbf29ce484222325ull;
  auto mix = [&h](std::string_view s) {
    for (const char c : s) {
      h ^= static_cast<uint8_t>(c);
      h *= 0x100000001b3ull;
    }
    h ^= 0xff;  // field separator (0xff never occurs in UTF-8 text)
    h *= 0x100000001b3ull;
  };
  mix(host);
  mix(path);
  mix(key_id);
  return h;
}

// ---------------------------------------------------------------------------------------------
// Registry
// ---------------------------------------------------------------------------------------------

connection_registry::registration& connection_registry::registration::operator=(registration&& o) noexcept {
  if (this != &o) {
    release();
    owner_ = o.owner_;
    slot_ = std::move(o.slot_);
    o.owner_ = nullptr;
  }
  return *this;
}

void connection_registry::registration::release() noexcept {
  if (owner_ != nullptr) {
    owner_->erase(slot_);
    owner_ = nullptr;
  }
}

connection_registry& connection_registry::global() {
  static connection_registry r;
  return r;
}

std::optional<connection_registry::registration> connection_registry::try_register(const stream_slot& slot,
                                                                                    std::string& error) {
  const std::lock_guard lock(mutex_);
  if (!slots_.insert(slot).second) {
    error = "this process already has a market-data connection for " + slot.text() +
            " (Alpaca allows one per endpoint and key: share that connection instead of opening a second)";
    return std::nullopt;
  }
  return registration(this, slot);
}

bool connection_registry::contains(const stream_slot& slot) const {
  const std::lock_guard lock(mutex_);
  return slots_.count(slot) != 0;
}

size_t connection_registry::size() const {
  const std::lock_guard lock(mutex_);
  return slots_.size();
}

void connection_registry::erase(const stream_slot& slot) noexcept {
  const std::lock_guard lock(mutex_);
  slots_.erase(slot);
}

// ---------------------------------------------------------------------------------------------
// Lease
// ---------------------------------------------------------------------------------------------

struct stream_lease::impl {
  lease_kind kind = lease_kind::none;
  std::string description = "none";
  int fd = -1;
  std::unique_ptr<pqxx::connection> pg;
  std::string pg_dsn;  ///< only to scrub its password from error texts
  int64_t key = 0;

  ~impl() { release(); }
  void release() noexcept {
    if (fd >= 0) {
      ::flock(fd, LOCK_UN);
      ::close(fd);
      fd = -1;
    }
    if (pg) {
      try {
        pqxx::nontransaction tx(*pg);
        tx.exec("SELECT pg_advisory_unlock(" + std::to_string(key) + ")");
      } catch (...) {  // the session ending releases the lock anyway
      }
      pg.reset();
    }
  }
};

stream_lease::stream_lease() : impl_(std::make_unique<impl>()) {}
stream_lease::~stream_lease() = default;
stream_lease::stream_lease(stream_lease&&) noexcept = default;
stream_lease& stream_lease::operator=(stream_lease&&) noexcept = default;

const std::string& stream_lease::description() const noexcept {
  static const std::string released = "released";
  return impl_ ? impl_->description : released;
}

void stream_lease::release() noexcept {
  if (impl_) impl_->release();
}

std::string stream_lease::lock_file_path(const std::string& dir, const stream_slot& slot) {
  char name[64];
  std::snprintf(name, sizeof name, "torghut-md-%016llx.lock", static_cast<unsigned long long>(slot.hash()));
  std::string p = dir;
  if (!p.empty() && p.back() != '/') p += '/';
  return p + name;
}

int64_t stream_lease::advisory_key(const stream_slot& slot) noexcept {
  return static_cast<int64_t>(slot.hash());
}

namespace {

std::string host_name() {
  char buf[256] = {};
  if (::gethostname(buf, sizeof buf - 1) != 0) return "?";
  return buf;
}

/// Reads what the holder wrote into the lock file ("pid=123 host=h slot=..."), trimmed.
std::string read_holder(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return {};
  char buf[512];
  const ssize_t n = ::read(fd, buf, sizeof buf - 1);
  ::close(fd);
  if (n <= 0) return {};
  std::string s(buf, static_cast<size_t>(n));
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

}  // namespace

std::optional<stream_lease> stream_lease::acquire(const lease_config& cfg, const stream_slot& slot,
                                                  std::string& error, lease_failure* failure) {
  lease_failure ignored = lease_failure::none;
  lease_failure& why = failure != nullptr ? *failure : ignored;
  why = lease_failure::unavailable;
  stream_lease lease;
  auto& im = *lease.impl_;
  im.kind = cfg.kind;
  if (cfg.kind == lease_kind::none) {
    why = lease_failure::none;
    return lease;
  }

  if (cfg.kind == lease_kind::file) {
    std::error_code ec;
    std::filesystem::create_directories(cfg.dir, ec);
    const std::string path = lock_file_path(cfg.dir, slot);
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
      error = "cannot open the lease file " + path + ": " + std::strerror(errno);
      return std::nullopt;
    }
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
      const int e = errno;
      ::close(fd);
      if (e == EWOULDBLOCK) {
        why = lease_failure::held_elsewhere;
        const std::string holder = read_holder(path);
        error = "the market-data lease for " + slot.text() + " is held by another process (" +
                (holder.empty() ? std::string("holder unknown") : holder) + "; lock file " + path +
                "): not dialing";
      } else {
        error = "cannot lock the lease file " + path + ": " + std::strerror(e);
      }
      return std::nullopt;
    }
    const std::string who = "pid=" + std::to_string(::getpid()) + " host=" + host_name() + " slot=" +
                            slot.host + slot.path + "\n";
    if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, who.data(), who.size(), 0) != static_cast<ssize_t>(who.size())) {
      // The lock is held all the same; only the holder's note is missing.
    }
    im.fd = fd;
    im.description = "lock file " + path;
    why = lease_failure::none;
    return lease;
  }

  // Postgres advisory lock on a dedicated session.
  im.key = advisory_key(slot);
  try {
    im.pg_dsn = cfg.pg_dsn;
    im.pg = std::make_unique<pqxx::connection>(cfg.pg_dsn);
    const std::string app = "torghut-md pid=" + std::to_string(::getpid()) + " host=" + host_name();
    {
      // A hung server must not hang the supervisor that watches this session.
      pqxx::nontransaction tx(*im.pg);
      tx.exec("SET application_name = " + tx.quote(app));
      tx.exec("SET statement_timeout = 2000");
    }
    bool got = false;
    {
      pqxx::nontransaction tx(*im.pg);
      const pqxx::result r = tx.exec("SELECT pg_try_advisory_lock(" + std::to_string(im.key) + ")");
      got = r.at(0).at(0).as<bool>();
    }
    if (!got) {
      std::string holder;
      const auto u = static_cast<uint64_t>(im.key);
      pqxx::nontransaction tx(*im.pg);
      const pqxx::result r = tx.exec(
          "SELECT a.pid, coalesce(a.application_name, ''), coalesce(host(a.client_addr), 'local') "
          "FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
          "WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1 AND l.classid::bigint = " +
          std::to_string(u >> 32) + " AND l.objid::bigint = " + std::to_string(u & 0xffffffffu) + " LIMIT 1");
      if (!r.empty())
        holder = "backend pid " + r[0][0].as<std::string>() + ", '" + r[0][1].as<std::string>() + "' from " +
                 r[0][2].as<std::string>();
      im.pg.reset();
      why = lease_failure::held_elsewhere;
      error = "the market-data lease for " + slot.text() + " (postgres advisory lock " + std::to_string(im.key) +
              ") is held by another session (" + (holder.empty() ? std::string("holder unknown") : holder) +
              "): not dialing";
      return std::nullopt;
    }
  } catch (const std::exception& e) {
    im.pg.reset();
    error = "cannot take the postgres advisory lease: " + persistence::scrub(e.what(), cfg.pg_dsn);
    return std::nullopt;
  }
  im.description = "postgres advisory lock " + std::to_string(im.key);
  why = lease_failure::none;
  return lease;
}

bool stream_lease::still_held(std::string& error) {
  if (!impl_) {
    error = "the lease was moved away";
    return false;
  }
  auto& im = *impl_;
  switch (im.kind) {
    case lease_kind::none: return true;
    case lease_kind::file:
      if (im.fd < 0) error = "the lease file was released";
      return im.fd >= 0;
    case lease_kind::postgres:
      if (!im.pg) {
        error = "the postgres lease session is closed";
        return false;
      }
      try {
        pqxx::nontransaction tx(*im.pg);
        const pqxx::result r = tx.exec(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted AND pid = pg_backend_pid() "
            "AND objsubid = 1 AND classid::bigint = " +
            std::to_string(static_cast<uint64_t>(im.key) >> 32) +
            " AND objid::bigint = " + std::to_string(static_cast<uint64_t>(im.key) & 0xffffffffu));
        if (r.at(0).at(0).as<int64_t>() == 1) return true;
        error = "the postgres advisory lease is no longer held by this session";
      } catch (const std::exception& e) {
        error = "the postgres lease session failed: " + persistence::scrub(e.what(), im.pg_dsn);
      }
      im.pg.reset();
      return false;
  }
  return false;
}

}  // namespace torghut::adapters
