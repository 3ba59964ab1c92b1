#include "torghut/core/decision_hash.hpp"

#include <cstring>
#include <xxhash.h>

namespace torghut {
namespace {

template <class T>
char* put(char* p, T v) noexcept {
  std::memcpy(p, &v, sizeof v);  // x86-64 and aarch64 Linux are little-endian: canonical
  return p + sizeof v;
}

}  // namespace

decision_hash compute_decision_hash(const decision_key& k) noexcept {
  char buf[128];
  char* p = buf;
  p = put(p, static_cast<uint16_t>(0x5447));  // "TG" + layout version below
  p = put(p, static_cast<uint16_t>(1));
  p = put(p, k.strategy.value);
  const auto n = static_cast<uint8_t>(k.symbol.size() > 15 ? 15 : k.symbol.size());
  p = put(p, n);
  std::memcpy(p, k.symbol.data(), n);
  p += n;
  p = put(p, k.event_time.ns);
  p = put(p, static_cast<uint8_t>(k.action));
  p = put(p, static_cast<uint8_t>(k.type));
  p = put(p, k.qty.raw);
  p = put(p, k.limit_px.raw);
  p = put(p, k.params_fingerprint);
  const XXH128_hash_t h = XXH3_128bits(buf, static_cast<size_t>(p - buf));
  return decision_hash{h.high64, h.low64};
}

uint64_t hash_bytes64(const void* data, size_t len) noexcept { return XXH3_64bits(data, len); }

void to_hex(decision_hash h, char* out) noexcept {
  static constexpr char digits[] = "0123456789abcdef";
  for (int i = 0; i < 16; ++i) out[i] = digits[(h.hi >> (60 - 4 * i)) & 0xf];
  for (int i = 0; i < 16; ++i) out[16 + i] = digits[(h.lo >> (60 - 4 * i)) & 0xf];
}

client_order_id client_order_id_for(decision_hash h) noexcept {
  char buf[35] = {'t', 'g', '-'};
  to_hex(h, buf + 3);
  client_order_id id;
  id.assign(std::string_view(buf, sizeof buf));
  return id;
}

std::optional<decision_hash> decision_hash_from_client_order_id(std::string_view coid) noexcept {
  if (coid.size() != 35 || coid.substr(0, 3) != "tg-") return std::nullopt;
  uint64_t words[2] = {0, 0};
  for (size_t i = 0; i < 32; ++i) {
    const char c = coid[3 + i];
    uint64_t v = 0;
    if (c >= '0' && c <= '9') v = static_cast<uint64_t>(c - '0');
    else if (c >= 'a' && c <= 'f') v = static_cast<uint64_t>(c - 'a' + 10);
    else return std::nullopt;  // lowercase only, as client_order_id_for writes it
    words[i / 16] = (words[i / 16] << 4) | v;
  }
  return decision_hash{words[0], words[1]};
}

}  // namespace torghut
