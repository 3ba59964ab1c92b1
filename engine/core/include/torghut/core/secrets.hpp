#pragma once
/// Keeping credentials out of logs. Log lines never carry an API key id or secret; where an
/// operator needs to tell keys apart (which key holds a lease, which key the simulator accepts),
/// they print the key's fingerprint.

#include <cstdint>
#include <cstdio>
#include <cstdlib>
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

/// Fills `key_id` / `secret` from APCA_API_KEY_ID / APCA_API_SECRET_KEY where they are empty (the
/// environment is how Alpaca's own SDKs take them; a config file never holds the secret).
inline void credentials_from_env(std::string& key_id, std::string& secret) {
  if (key_id.empty())
    if (const char* v = std::getenv("APCA_API_KEY_ID")) key_id = v;
  if (secret.empty())
    if (const char* v = std::getenv("APCA_API_SECRET_KEY")) secret = v;
}

}  // namespace torghut
