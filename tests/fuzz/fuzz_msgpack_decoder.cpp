// libFuzzer target: msgpack_decoder must never crash, hang, leak, read out of bounds or invoke
// UB on any frame, and whatever it delivers must respect its documented invariants. The same
// input is also fed to parse_client_action (the simulator's parser of client frames).

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "decoder_invariants.hpp"
#include "torghut/adapters/alpaca_wire.hpp"
#include "torghut/adapters/msgpack_decoder.hpp"

using namespace torghut::adapters;
using fuzz::check;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view frame(reinterpret_cast<const char*>(data), size);
  fuzz::check_decoder<msgpack_decoder>(frame);

  // Client actions: parse, and when well-formed, re-encode and parse again to the same action.
  client_action a;
  std::string err;
  if (parse_client_action(wire_format::msgpack, frame, a, err)) {
    check(err.empty());
    std::string again;
    if (a.type == client_action_type::auth) {
      encode_auth(wire_format::msgpack, a.key, a.secret, again);
    } else if (a.type != client_action_type::unknown) {
      encode_subscribe(wire_format::msgpack, a.type == client_action_type::subscribe, a.channels, again);
    }
    if (!again.empty()) {
      client_action b;
      check(parse_client_action(wire_format::msgpack, again, b, err));
      check(b.type == a.type && b.key == a.key && b.secret == a.secret);
      for (size_t c = 0; c < subscription_channel_count; ++c)
        check(b.channels.symbols[c] == a.channels.symbols[c]);
    }
  } else {
    check(!err.empty());
  }
  return 0;
}
