#pragma once
/// The strategies that ship with torghut (strategies/<kind>.cpp, one file and one CMake line
/// each): written on the SDK exactly as a trader's own strategy is, and selected with
/// `kind = "<kind>"` in `[[strategies]]`.

#include <span>

#include "torghut/sdk/strategy.hpp"

namespace torghut::strategies {

/// Every built-in strategy's descriptor, in the order strategies/CMakeLists.txt lists them.
[[nodiscard]] std::span<const sdk::descriptor* const> builtin() noexcept;

/// The parameter fingerprint (the decision hash's) of a built-in strategy configured as `c`:
/// what the strategy actor computes. Throws std::invalid_argument for an unknown kind or
/// parameters that do not match the declaration.
[[nodiscard]] uint64_t builtin_fingerprint(const strategy_config& c);

}  // namespace torghut::strategies

/// Registers strategy class `T` as a built-in (in its own .cpp, inside namespace
/// torghut::strategies). `legacy_code` is the kind code a strategy had before the SDK (keeps its
/// decision hashes), or -1 for a new one.
#define TORGHUT_BUILTIN_STRATEGY(T, legacy_code)                                  \
  const ::torghut::sdk::descriptor* builtin_##T() noexcept {                       \
    static const ::torghut::sdk::descriptor d = ::torghut::sdk::describe<T>(legacy_code); \
    return &d;                                                                     \
  }
