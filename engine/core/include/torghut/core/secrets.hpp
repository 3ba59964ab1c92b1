#pragma once
/// Keeping credentials out of logs. Log lines never carry an API key id or secret; where an
/// operator needs to tell keys apart (which key holds a lease, which key the simulator accepts),
/// they print the key's fingerprint.

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

namespace torghut {

/// "#1a2b3c4d": the same key id gives the same text, and the text reveals nothing of the key.
[[nodiscard]] inline std::string key_fingerprint(std::string_view key_id) {
  uint64_t h = 0xcbf29ce484222325ull;  // FNV-1a 64
  for (const char c : key_id) {
    h ^= static_cast<uint8_t>(c);
    h *= 0x100000001b3ull;
  }
  char buf[20];
  std::snprintf(buf, sizeof buf, "#%08llx", static_cast<unsigned long long>(h >> 32));
  return buf;
}

}  // namespace torghut
