#pragma once
// The simulator's JSON: a flat-object reader for request bodies and stream messages (simdjson),
// and a tiny writer for response bodies and trade_updates frames (keys in the order written).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "torghut/core/fixed_point.hpp"

namespace torghut::adapters::sim {

/// A flat JSON object: each top-level key with its scalar value (strings unescaped, numbers and
/// literals as their raw text). Nested values are kept as kind `other`.
struct json_field {
  enum class kind : uint8_t { string, number, boolean, null, other } k = kind::null;
  std::string name;
  std::string text;  ///< the string, the number's text, "true"/"false"
};
struct json_object {
  std::vector<json_field> fields;
  [[nodiscard]] const json_field* find(std::string_view name) const noexcept {
    for (const auto& f : fields)
      if (f.name == name) return &f;
    return nullptr;
  }
};
/// False when `text` is not a JSON object.
bool parse_flat_object(std::string_view text, json_object& out);
/// A nested object `data` inside a message (for the legacy auth and listen): its fields, and
/// the string elements of its array fields as "name[]" entries.
bool parse_stream_message(std::string_view text, json_object& top, json_object& data);

/// Appends `s` JSON-escaped, without quotes.
void append_escaped(std::string& out, std::string_view s);

/// RFC 3339 with nanoseconds.
std::string time_text(int64_t ns);

/// A decimal as text ("100.02").
template <class F>
std::string dec(F v) {
  return decimal_string(v);
}

/// A tiny JSON object writer: keys in the order written, values escaped or raw. Writes `{` at
/// construction, `}` at close().
class obj_writer {
 public:
  explicit obj_writer(std::string& o) : o_(o) { o_.push_back('{'); }
  void key(std::string_view k);
  void str(std::string_view k, std::string_view v);
  void raw(std::string_view k, std::string_view v);
  void null(std::string_view k) { raw(k, "null"); }
  void boolean(std::string_view k, bool b) { raw(k, b ? "true" : "false"); }
  void num(std::string_view k, int64_t v) { raw(k, std::to_string(v)); }
  template <class F>
  void decimal(std::string_view k, F v) {
    str(k, dec(v));
  }
  template <class F>
  void opt_decimal(std::string_view k, const std::optional<F>& v) {
    if (v) {
      decimal(k, *v);
    } else {
      null(k);
    }
  }
  /// RFC 3339 text; null for 0 (never happened).
  void time(std::string_view k, int64_t ns);
  void close() { o_.push_back('}'); }

 private:
  std::string& o_;
  bool first_ = true;
};

}  // namespace torghut::adapters::sim
