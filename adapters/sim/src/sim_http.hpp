#pragma once
// REST helpers of the simulator: request targets and query strings, parameter parsing, and the
// error bodies Alpaca answers with ({"code":..., "message":...}).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "torghut/core/url.hpp"

namespace torghut::adapters::sim {

struct http_out;

// Query strings: core's (url.hpp).
using torghut::parse_time_param;
using torghut::query_param;
using torghut::url_decode;
/// A non-negative decimal integer of at most 18 digits.
std::optional<int64_t> parse_int(std::string_view s);
/// A ticker: 1 to 15 of A-Z, 0-9, '.', '/'.
bool valid_symbol(std::string_view s);

/// {"code":code,"message":message}
std::string error_body(int64_t code, std::string_view message);
/// Answers `status` with error_body(code, message).
void set_error(http_out& out, unsigned status, int64_t code, std::string_view message);

}  // namespace torghut::adapters::sim
