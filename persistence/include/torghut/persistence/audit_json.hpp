#pragma once
/// The one serializer for audit payloads. Every value that is not a plain integer or boolean is
/// written as a JSON string: decimals as exact fixed-point text, timestamps as RFC 3339 with nine
/// fractional digits, hashes and ids as hex/text. A type that cannot be serialised simply has no
/// overload here, so "Object of type UUID is not JSON serializable" cannot happen at run time.

#include <cstdint>
#include <string>
#include <string_view>

#include "torghut/core/fixed_point.hpp"
#include "torghut/core/messages.hpp"
#include "torghut/core/symbol_table.hpp"

namespace torghut::persistence {

/// Appends `t` as "YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ" (30 chars) to `out`.
void append_rfc3339(std::string& out, timestamp t);

/// Appends one audit row as a single-line JSON object (no trailing newline). Deterministic: the
/// same row and symbol names always give the same bytes. Allocation-free once `out` has capacity.
void append_audit_json(std::string& out, const audit_row& row, const symbol_table& symbols);

/// Appends `v` as a JSON string literal (with the quotes). Escapes `"`, `\\` and every control
/// character (\\n, \\t, ... or \\u00XX); passes valid UTF-8 through; replaces invalid UTF-8
/// sequences and NUL (which jsonb cannot hold) with U+FFFD. The only string escaper: every JSONB
/// payload's text goes through here.
void append_json_string(std::string& out, std::string_view v);

/// A 128-bit UUID, written as the canonical 36-character lowercase text.
struct uuid {
  uint64_t hi = 0, lo = 0;
  friend constexpr bool operator==(const uuid&, const uuid&) noexcept = default;
};
/// Canonical text "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" into `out` (36 chars).
void format_uuid(uuid u, char* out) noexcept;
/// A deterministic name-based UUID (version 8, RFC 9562 variant) from XXH3-128 of `name`: the
/// same name always gives the same id, so a replayed row gets the id it had the first time.
[[nodiscard]] uuid derive_uuid(std::string_view name) noexcept;

/// Builds one JSON object with the serializer's rules: everything that is not an integer or a
/// boolean is a string (decimals exact, timestamps RFC 3339 with nine digits, UUIDs canonical).
class json_object {
 public:
  explicit json_object(std::string& out) : out_(out) { out_ += '{'; }
  json_object& str(std::string_view k, std::string_view v);
  json_object& u64(std::string_view k, uint64_t v);
  json_object& i64(std::string_view k, int64_t v);
  json_object& boolean(std::string_view k, bool v);
  json_object& ts(std::string_view k, timestamp t);
  json_object& id(std::string_view k, uuid u);
  template <class Fixed>
  json_object& dec(std::string_view k, Fixed v) {
    char b[40];
    const size_t n = format_decimal(v, b);
    return raw_str(k, std::string_view(b, n));
  }
  /// A nested value that is already JSON (from another json_object).
  json_object& raw(std::string_view k, std::string_view json);
  void close() { out_ += '}'; }

 private:
  json_object& raw_str(std::string_view k, std::string_view v);
  void key(std::string_view k);
  std::string& out_;
  bool first_ = true;
};

[[nodiscard]] std::string_view to_string(audit_kind k) noexcept;
[[nodiscard]] std::string_view to_string(anomaly_kind k) noexcept;

}  // namespace torghut::persistence
