#pragma once
/// One connection per Alpaca stream slot, enforced before any network traffic:
/// - in one process, `connection_registry` refuses a second registration of the same
///   (endpoint host + path, key id);
/// - across processes, `stream_lease` is held for the life of the connection: an exclusive
///   `flock` on a file named from a hash of the slot (never the secret; the holder writes its pid
///   and host into it), or a Postgres session advisory lock (`pg_try_advisory_lock`) on a
///   dedicated connection kept open, when a DSN is configured.
/// A process that cannot get both never dials, and says who holds the slot when it can tell.

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <tuple>

namespace torghut::adapters {

/// The identity of one Alpaca stream slot. `v2/iex` and `v2/sip` are separate slots. The key
/// id is not a secret; the secret never enters a slot.
struct stream_slot {
  std::string host;    ///< endpoint host, lower case as configured
  std::string path;    ///< endpoint path ("/v2/iex")
  std::string key_id;  ///< APCA-API-KEY-ID

  /// "host/path key #1a2b3c4d" (for messages: the key id's fingerprint, never the key id).
  [[nodiscard]] std::string text() const;
  /// A stable 64-bit FNV-1a hash of host, path and key id (the lock-file name and the advisory
  /// lock key derive from it; the same on every host and build).
  [[nodiscard]] uint64_t hash() const noexcept;
  friend bool operator<(const stream_slot& a, const stream_slot& b) {
    return std::tie(a.host, a.path, a.key_id) < std::tie(b.host, b.path, b.key_id);
  }
};

/// The in-process registry. Thread-safe.
class connection_registry {
 public:
  /// Holds a slot until destroyed (or release()). Move-only.
  class registration {
   public:
    registration() = default;
    registration(registration&& o) noexcept : owner_(o.owner_), slot_(std::move(o.slot_)) { o.owner_ = nullptr; }
    registration& operator=(registration&& o) noexcept;
    registration(const registration&) = delete;
    registration& operator=(const registration&) = delete;
    ~registration() { release(); }
    void release() noexcept;
    [[nodiscard]] bool held() const noexcept { return owner_ != nullptr; }

   private:
    friend class connection_registry;
    registration(connection_registry* owner, stream_slot slot) : owner_(owner), slot_(std::move(slot)) {}
    connection_registry* owner_ = nullptr;
    stream_slot slot_;
  };

  /// The process-wide registry every md_client uses.
  [[nodiscard]] static connection_registry& global();

  /// Registers `slot`; nullopt with `error` set when this process already has a connection for
  /// it.
  [[nodiscard]] std::optional<registration> try_register(const stream_slot& slot, std::string& error);
  [[nodiscard]] bool contains(const stream_slot& slot) const;
  [[nodiscard]] size_t size() const;

 private:
  void erase(const stream_slot& slot) noexcept;
  mutable std::mutex mutex_;
  std::set<stream_slot> slots_;
};

enum class lease_kind : uint8_t { none, file, postgres };

struct lease_config {
  lease_kind kind = lease_kind::file;
  /// lease_kind::file: the directory of the lock files (created if missing).
  std::string dir = "/tmp/torghut-leases";
  /// lease_kind::postgres: a libpq connection string. Never logged (it may hold a password).
  std::string pg_dsn;
};

/// Why a lease could not be taken: someone else holds it (the one-connection rule at work), or
/// the lock could not even be attempted (a database that refuses, an unreachable server, a
/// lock directory that cannot be written): a fault to report as such, never as "held".
enum class lease_failure : uint8_t { none, held_elsewhere, unavailable };

/// A cross-process lease on one stream slot, held until destroyed. Move-only.
class stream_lease {
 public:
  stream_lease();
  ~stream_lease();
  stream_lease(stream_lease&&) noexcept;
  stream_lease& operator=(stream_lease&&) noexcept;
  stream_lease(const stream_lease&) = delete;
  stream_lease& operator=(const stream_lease&) = delete;

  /// Takes the lease without blocking. nullopt with `error` set when another process holds it
  /// ("... held by pid 1234 on host h" when knowable) or the lock could not be attempted.
  /// lease_kind::none returns an empty lease that always reports held(). `failure` (optional)
  /// says which of the two it was.
  [[nodiscard]] static std::optional<stream_lease> acquire(const lease_config& cfg, const stream_slot& slot,
                                                           std::string& error, lease_failure* failure = nullptr);

  /// True while the lease is held. For Postgres this asks the server (the lock dies with the
  /// session): called before every dial, so a lost session is noticed before reconnecting.
  [[nodiscard]] bool still_held(std::string& error);
  void release() noexcept;

  /// "lock file /dir/torghut-md-<hash>.lock" or "postgres advisory lock <key>" or "none".
  [[nodiscard]] const std::string& description() const noexcept;

  /// The lock file path for `slot` under `dir`.
  [[nodiscard]] static std::string lock_file_path(const std::string& dir, const stream_slot& slot);
  /// The advisory lock key for `slot` (the slot hash as a signed 64-bit integer).
  [[nodiscard]] static int64_t advisory_key(const stream_slot& slot) noexcept;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace torghut::adapters
