#pragma once
// REST helpers of the simulator: request targets and query strings, parameter parsing, and the
// error bodies Alpaca answers with ({"code":..., "message":...}).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace torghut::adapters::sim {

struct http_out;

/// Percent-decoding ('+' is a space); a malformed escape is kept as written.
std::string url_decode(std::string_view s);
/// The value of `name` in a query string ("a=1&b=2"), decoded; nullopt when absent.
std::optional<std::string> query_param(std::string_view query, std::string_view name);
/// A non-negative decimal integer of at most 18 digits.
std::optional<int64_t> parse_int(std::string_view s);
/// RFC 3339, or a bare date (midnight UTC), as ns since the epoch.
std::optional<int64_t> parse_time_param(std::string_view s);
/// A ticker: 1 to 15 of A-Z, 0-9, '.', '/'.
bool valid_symbol(std::string_view s);

/// {"code":code,"message":message}
std::string error_body(int64_t code, std::string_view message);
/// Answers `status` with error_body(code, message).
void set_error(http_out& out, unsigned status, int64_t code, std::string_view message);

}  // namespace torghut::adapters::sim
