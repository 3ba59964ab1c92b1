// libFuzzer target: json_decoder must never crash, hang, leak, read out of bounds or invoke UB
// on any frame, and whatever it delivers must respect its documented invariants.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "decoder_invariants.hpp"
#include "torghut/adapters/json_decoder.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  torghut::adapters::fuzz::check_decoder<torghut::adapters::json_decoder>(
      std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
