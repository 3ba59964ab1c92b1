#pragma once
/// A throwaway self-signed certificate for `localhost` (EC P-256, two days), made with the openssl
/// command-line tool, for the TLS tests of the clients and servers.

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace torghut::test {

struct self_signed_cert {
  std::string dir;   ///< a fresh directory holding both files (the caller removes it)
  std::string cert;  ///< PEM certificate (also its own CA)
  std::string key;   ///< PEM private key
};

/// Writes cert.pem and key.pem into <temp>/<prefix><pid>; nullopt when openssl is not available.
inline std::optional<self_signed_cert> make_self_signed_cert(std::string_view prefix) {
  self_signed_cert c;
  c.dir = (std::filesystem::temp_directory_path() / (std::string(prefix) + std::to_string(::getpid()))).string();
  std::filesystem::create_directories(c.dir);
  c.cert = c.dir + "/cert.pem";
  c.key = c.dir + "/key.pem";
  const std::string cmd = "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 "
                          "-subj /CN=localhost -addext subjectAltName=DNS:localhost -keyout " +
                          c.key + " -out " + c.cert + " >/dev/null 2>&1";
  if (std::system(cmd.c_str()) != 0) return std::nullopt;
  return c;
}

}  // namespace torghut::test
