#pragma once
/// The one serializer for audit payloads. Every value that is not a plain integer or boolean is
/// written as a JSON string: decimals as exact fixed-point text, timestamps as RFC 3339 with nine
/// fractional digits, hashes and ids as hex/text. A type that cannot be serialised simply has no
/// overload here, so "Object of type UUID is not JSON serializable" cannot happen at run time.

#include <string>

#include "torghut/engine/messages.hpp"
#include "torghut/engine/symbol_table.hpp"

namespace torghut::persistence {

/// Appends `t` as "YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ" (30 chars) to `out`.
void append_rfc3339(std::string& out, timestamp t);

/// Appends one audit row as a single-line JSON object (no trailing newline). Deterministic: the
/// same row and symbol names always give the same bytes. Allocation-free once `out` has capacity.
void append_audit_json(std::string& out, const audit_row& row, const symbol_table& symbols);

[[nodiscard]] std::string_view to_string(audit_kind k) noexcept;
[[nodiscard]] std::string_view to_string(anomaly_kind k) noexcept;

}  // namespace torghut::persistence
