#include "strategy_library.hpp"

#include <dlfcn.h>

#include <system_error>

namespace torghut::app {
namespace {

using load_result = result<const sdk::descriptor*, std::string>;

std::string dl_error() {
  const char* e = ::dlerror();
  return e != nullptr ? std::string(e) : std::string("unknown dynamic loader error");
}

// A failure after dlopen: the library is closed again (nothing of it is in use yet).
load_result fail(void* handle, std::string message) {
  ::dlclose(handle);
  return load_result(std::move(message));
}

}  // namespace

load_result strategy_library::load(const std::filesystem::path& path,
                                   const std::filesystem::path& relative_to) {
  namespace fs = std::filesystem;
  const std::string what = "strategy library '" + path.string() + "'";
  if (path.empty()) return load_result(std::string("strategy library: empty path"));
  // dlopen searches the library path for a name without a slash; a configured library is a
  // file, so it always gets a path with one.
  std::error_code ec;
  fs::path file = path;
  if (file.is_relative()) file = relative_to.empty() ? fs::absolute(file, ec) : relative_to / file;
  if (ec) return load_result(what + ": " + ec.message());
  const fs::file_status st = fs::status(file, ec);
  if (!fs::exists(st)) return load_result(what + ": no such file (" + file.string() + ")");
  if (fs::is_directory(st)) return load_result(what + ": is a directory, not a shared library");

  ::dlerror();  // clear any earlier error
  void* handle = ::dlopen(file.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) return load_result(what + ": not a loadable shared library: " + dl_error());

  ::dlerror();
  void* sym = ::dlsym(handle, entry_point);
  if (sym == nullptr) {
    return fail(handle, what + ": does not export " + entry_point +
                            " (a strategy library ends with TORGHUT_STRATEGY_LIBRARY(YourStrategy))");
  }
  using entry_fn = const sdk::descriptor* (*)();
  const auto entry = reinterpret_cast<entry_fn>(sym);  // POSIX: object and function pointers agree
  const sdk::descriptor* d = entry();
  if (d == nullptr) return fail(handle, what + ": " + entry_point + "() returned no descriptor");
  if (d->abi_version != sdk::abi_version) {
    return fail(handle, what + ": built against strategy SDK ABI version " +
                            std::to_string(d->abi_version) + ", this engine's is " +
                            std::to_string(sdk::abi_version) +
                            " (rebuild it against this engine's installed SDK)");
  }
  if (d->kind.empty() || d->declare == nullptr || d->make == nullptr) {
    return fail(handle, what + ": its descriptor is incomplete (kind, declare and make are needed; "
                               "use TORGHUT_STRATEGY_LIBRARY)");
  }
  // Kept open for the life of the process (see the header); dlopen counts the same file once.
  return load_result(d);
}

}  // namespace torghut::app
