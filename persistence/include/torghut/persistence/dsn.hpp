#pragma once
/// The Postgres connection string comes from `DB_DSN` and its password must never reach a log.

#include <string>
#include <string_view>

namespace torghut::persistence {

/// `dsn` with every password replaced by "***": the URI form (postgresql://user:PASS@host/db,
/// ?password=PASS) and the key/value form (password=PASS, password='P A S S').
[[nodiscard]] std::string redact_dsn(std::string_view dsn);

/// The (first) password in `dsn` as libpq reads it (percent-decoded, unquoted), or empty.
[[nodiscard]] std::string dsn_password(std::string_view dsn);

/// `text` with every password of the DSN replaced by "***", in every spelling that could reach a
/// message: as written (libpq quotes a malformed %-escape verbatim), percent-decoded, unquoted.
/// Every error that may carry a DSN-derived text goes through this before it is logged or shown.
[[nodiscard]] std::string scrub(std::string_view text, std::string_view dsn);

/// `DB_DSN` from the environment, or empty.
[[nodiscard]] std::string dsn_from_env();

}  // namespace torghut::persistence
