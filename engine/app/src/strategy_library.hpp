#pragma once
/// Strategies from shared libraries: `library = "path.so"` in a `[[strategies]]` table names a
/// library built against the installed SDK (examples/strategy-template) that exports
/// `torghut_strategy_descriptor()` (the SDK's TORGHUT_STRATEGY_LIBRARY macro). Cold path: the
/// catalog loads each library once, while the configuration is checked, before anything starts.
///
/// A library links its own copy of the SDK and core archives (their symbols stay private to it),
/// so the engine exports nothing to it: no -rdynamic. It is opened RTLD_NOW (every undefined
/// symbol resolved at once: a missing one fails the load, not a callback later) and RTLD_LOCAL
/// (its symbols never satisfy another library's). It is never closed: strategies made by it,
/// their vtables and the descriptor's texts live in it for the rest of the process.

#include <filesystem>
#include <string>

#include "torghut/core/result.hpp"
#include "torghut/sdk/strategy.hpp"

namespace torghut::app {

class strategy_library {
 public:
  /// The function every strategy library exports.
  static constexpr const char* entry_point = "torghut_strategy_descriptor";

  /// Opens the library at `path` and returns its strategy's descriptor, or a message that names
  /// the path and says what is wrong: no such file, not a loadable shared object (the dynamic
  /// loader's reason, e.g. an invalid ELF header or an undefined symbol), no
  /// torghut_strategy_descriptor, a null or incomplete descriptor, an SDK ABI version other than
  /// this engine's. A relative `path` is taken relative to `relative_to` when that is not empty
  /// (the config file's folder), else to the working directory. Loading the same file again
  /// returns the same descriptor. Thread-safe (the dynamic loader's lock).
  [[nodiscard]] static result<const sdk::descriptor*, std::string> load(
      const std::filesystem::path& path, const std::filesystem::path& relative_to = {});
};

}  // namespace torghut::app
