// Shared libraries the strategy library loader must refuse (tests/app/strategy_library_test.cpp),
// one per TORGHUT_BAD_LIBRARY: `no_symbol` exports no torghut_strategy_descriptor, `null`
// returns a null descriptor, `abi` one built against another SDK ABI version, `incomplete` one
// without a factory.
#include "torghut/sdk/strategy.hpp"

namespace {

class probe final : public torghut::sdk::strategy {
 public:
  static constexpr std::string_view kind = "bad_probe";
  static constexpr std::string_view summary = "never loaded";
  static void declare(torghut::sdk::param_schema&) {}
  explicit probe(const torghut::sdk::params&) {}
};

[[maybe_unused]] const torghut::sdk::descriptor* bad_descriptor() {
  static const torghut::sdk::descriptor d = [] {
    torghut::sdk::descriptor x = torghut::sdk::describe<probe>();
#if TORGHUT_BAD_LIBRARY_ABI
    x.abi_version = torghut::sdk::abi_version + 1;
#endif
#if TORGHUT_BAD_LIBRARY_INCOMPLETE
    x.make = nullptr;
#endif
    return x;
  }();
  return &d;
}

}  // namespace

#if TORGHUT_BAD_LIBRARY_NO_SYMBOL
extern "C" __attribute__((visibility("default"))) const torghut::sdk::descriptor* some_other_name() {
  return bad_descriptor();
}
#elif TORGHUT_BAD_LIBRARY_NULL
extern "C" __attribute__((visibility("default"))) const torghut::sdk::descriptor*
torghut_strategy_descriptor() {
  return nullptr;
}
#else
extern "C" __attribute__((visibility("default"))) const torghut::sdk::descriptor*
torghut_strategy_descriptor() {
  return bad_descriptor();
}
#endif
