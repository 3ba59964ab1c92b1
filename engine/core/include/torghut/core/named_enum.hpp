#pragma once
/// Enums whose values have names in text (config files, command lines, audit rows): one table per
/// enum, found by argument-dependent lookup, and generic parsing, naming and error wording on top.
///
///   enum class feed_format : uint8_t { json, msgpack };
///   constexpr std::array<enum_name<feed_format>, 2> enum_names(feed_format) {
///     return {{{feed_format::json, "json"}, {feed_format::msgpack, "msgpack"}}};
///   }
///   static_assert(names_every_value<feed_format, feed_format::msgpack>());  // the table is complete
///
/// The completeness check runs at compile time: a new enumerator without a name fails the build.

#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>

namespace torghut {

template <class E>
struct enum_name {
  E value;
  std::string_view text;
};

/// The name of `v` ("?" when the table has none, which names_every_value rules out).
template <class E>
[[nodiscard]] constexpr std::string_view name_of(E v) noexcept {
  for (const auto& n : enum_names(E{}))
    if (n.value == v) return n.text;
  return "?";
}

/// The value named `text` (exact, case-sensitive), if any.
template <class E>
[[nodiscard]] constexpr std::optional<E> parse_enum(std::string_view text) noexcept {
  for (const auto& n : enum_names(E{}))
    if (n.text == text) return n.value;
  return std::nullopt;
}

/// `"a" or "b"`, `"a", "b" or "c"`: the accepted names, for an error message.
template <class E>
[[nodiscard]] std::string expected_names() {
  const auto names = enum_names(E{});
  std::string out;
  for (size_t i = 0; i < names.size(); ++i) {
    if (i != 0) out += i + 1 == names.size() ? " or " : ", ";
    out += '"';
    out += names[i].text;
    out += '"';
  }
  return out;
}

/// True when the table names the values 0..Last, each once, in order (the enum is dense).
template <class E, E Last>
[[nodiscard]] constexpr bool names_every_value() noexcept {
  constexpr auto names = enum_names(E{});
  using U = std::underlying_type_t<E>;
  if (names.size() != static_cast<size_t>(static_cast<U>(Last)) + 1) return false;
  for (size_t i = 0; i < names.size(); ++i)
    if (static_cast<size_t>(static_cast<U>(names[i].value)) != i || names[i].text.empty()) return false;
  return true;
}

}  // namespace torghut
