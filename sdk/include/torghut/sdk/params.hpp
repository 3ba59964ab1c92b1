#pragma once
/// Typed strategy parameters: a strategy declares each parameter with its type, default, bounds
/// and a one-line help text; the `[[strategies]]` table of the config is validated against that
/// declaration (every problem reported at once, each with its key); the strategy reads the
/// validated values once, when it is constructed. The values, in declaration order, are part of
/// the parameter fingerprint that goes into every decision hash.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "torghut/core/config.hpp"

namespace torghut::sdk {

/// A parameter's type. Numbers are doubles, integers are 64-bit, booleans are booleans.
enum class param_type : uint8_t { number, integer, boolean };

/// One declared parameter.
struct param_spec {
  std::string_view key;
  param_type type = param_type::number;
  double def = 0;  ///< default (integers and booleans too: 0/1 for booleans)
  double min = 0;
  double max = 0;
  bool min_open = false;  ///< the lower bound itself is not allowed
  bool max_open = false;  ///< the upper bound itself is not allowed
  std::string_view help;
};

/// The declaration a strategy makes in its static `declare(param_schema&)`.
class param_schema {
 public:
  /// A number in [min, max] (or with open ends: `min_open`/`max_open`).
  param_schema& number(std::string_view key, double def, double min, double max,
                       std::string_view help, bool min_open = false, bool max_open = false) {
    specs_.push_back({key, param_type::number, def, min, max, min_open, max_open, help});
    return *this;
  }
  /// An integer in [min, max].
  param_schema& integer(std::string_view key, int64_t def, int64_t min, int64_t max,
                        std::string_view help) {
    specs_.push_back({key, param_type::integer, static_cast<double>(def), static_cast<double>(min),
                      static_cast<double>(max), false, false, help});
    return *this;
  }
  /// A boolean.
  param_schema& boolean(std::string_view key, bool def, std::string_view help) {
    specs_.push_back({key, param_type::boolean, def ? 1.0 : 0.0, 0, 1, false, false, help});
    return *this;
  }
  [[nodiscard]] std::span<const param_spec> specs() const noexcept { return specs_; }
  /// Index of `key`, or specs().size() when it is not declared.
  [[nodiscard]] size_t index_of(std::string_view key) const noexcept;

 private:
  std::vector<param_spec> specs_;
};

/// A strategy's validated parameter values, in declaration order.
class params {
 public:
  params() = default;
  /// The value of a declared number; a key that was never declared is a programming error and
  /// throws std::out_of_range (at construction, never on the hot path).
  [[nodiscard]] double number(std::string_view key) const;
  /// The value of a declared integer (throws std::out_of_range for an undeclared key).
  [[nodiscard]] int64_t integer(std::string_view key) const;
  /// The value of a declared boolean (throws std::out_of_range for an undeclared key).
  [[nodiscard]] bool boolean(std::string_view key) const;
  [[nodiscard]] std::span<const param_spec> specs() const noexcept { return specs_; }
  [[nodiscard]] std::span<const double> values() const noexcept { return values_; }

  /// Validates `given` (the `[[strategies]]` keys that are not common settings) against
  /// `schema`: unknown keys, wrong types and values out of bounds are each reported as
  /// "<where><key>: ...", all of them. On success `out` holds every declared parameter (the
  /// default where the config is silent).
  [[nodiscard]] static std::vector<std::string> bind(const param_schema& schema,
                                                     std::span<const strategy_param> given,
                                                     std::string_view where, params& out);

 private:
  [[nodiscard]] size_t find(std::string_view key, param_type t) const;
  std::vector<param_spec> specs_;
  std::vector<std::string> keys_;  // owned copies of the keys
  std::vector<double> values_;
};

/// The parameter fingerprint that goes into every decision hash of a strategy: a canonical
/// encoding of the common settings and the declared parameters (in declaration order: numbers
/// as IEEE-754 bits with -0 folded into 0, integers as 64-bit, booleans as one byte).
/// `legacy_code` >= 0 keeps the layout the built-in strategies had before the SDK (version 1
/// with their kind code), so their decision hashes are unchanged; -1 (every other strategy)
/// uses version 2 with the strategy kind's name.
[[nodiscard]] uint64_t params_fingerprint(const strategy_config& c, std::string_view kind,
                                          int legacy_code, const params& p) noexcept;

}  // namespace torghut::sdk
