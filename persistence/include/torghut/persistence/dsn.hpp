#pragma once
/// The Postgres connection string comes from `DB_DSN` and its password must never reach a log.

#include <string>
#include <string_view>

namespace torghut::persistence {

/// `dsn` with any password replaced by "***": the URI form (postgresql://user:PASS@host/db,
/// ?password=PASS) and the key/value form (password=PASS, password='P A S S').
[[nodiscard]] std::string redact_dsn(std::string_view dsn);

/// The password in `dsn`, or empty. Used to scrub it from any text before that text is logged.
[[nodiscard]] std::string dsn_password(std::string_view dsn);

/// `text` with every occurrence of the DSN's password replaced by "***" (error messages, paths).
[[nodiscard]] std::string scrub(std::string_view text, std::string_view dsn);

/// `DB_DSN` from the environment, or empty.
[[nodiscard]] std::string dsn_from_env();

}  // namespace torghut::persistence
