#pragma once
/// TLS set-up shared by every adapter that speaks TLS: the market-data client, the trade_updates
/// client and the trading REST client (as clients), and the two simulators (as servers). One place
/// decides the protocol floor (TLS 1.2), how peers are verified (system store plus an extra CA
/// file, SNI, host-name check) and how a failed verification is explained.
///
/// Header-only over Asio's ssl and OpenSSL; include it from a .cpp only (it is private to each
/// adapter target, like Beast).

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ssl.hpp>

#include <memory>
#include <string>

namespace torghut::adapters::tls {

namespace ssl = boost::asio::ssl;

/// True when `host` is an IP address (no SNI for those).
inline bool is_ip_literal(const std::string& host) {
  boost::system::error_code ec;
  (void)boost::asio::ip::make_address(host, ec);
  return !ec;
}

inline constexpr auto protocol_options = ssl::context::default_workarounds | ssl::context::no_sslv2 |
                                         ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                                         ssl::context::no_tlsv1_1;

/// A client context: TLS 1.2 or newer; with `verify_peer`, peers are verified against the system
/// store plus `ca_file` (when not empty), else not at all (the caller says so in its log).
/// Throws boost::system::system_error (naming the file or OpenSSL's reason) on failure.
inline std::unique_ptr<ssl::context> make_client_context(bool verify_peer, const std::string& ca_file) {
  auto ctx = std::make_unique<ssl::context>(ssl::context::tls_client);
  ctx->set_options(protocol_options);
  if (verify_peer) {
    ctx->set_verify_mode(ssl::verify_peer);
    ctx->set_default_verify_paths();
    if (!ca_file.empty()) ctx->load_verify_file(ca_file);
  } else {
    ctx->set_verify_mode(ssl::verify_none);
  }
  return ctx;
}

/// A server context (TLS 1.2 or newer) with this PEM certificate chain and private key. Throws.
inline ssl::context make_server_context(const std::string& cert_chain_file, const std::string& key_file) {
  ssl::context ctx(ssl::context::tls_server);
  ctx.set_options(protocol_options);
  ctx.use_certificate_chain_file(cert_chain_file);
  ctx.use_private_key_file(key_file, ssl::context::pem);
  return ctx;
}

/// Before a client handshake: SNI (unless `host` is an IP literal) and, when verifying, the
/// host-name check. `Stream` is an ssl::stream (or beast::ssl_stream) over anything.
template <class Stream>
void prepare_client_handshake(Stream& tls, const std::string& host, bool verify_peer) {
  if (!is_ip_literal(host)) {
    // SSL_set_tlsext_host_name is a macro over SSL_ctrl with an old-style cast.
    (void)SSL_ctrl(tls.native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
                   const_cast<char*>(host.c_str()));
  }
  if (verify_peer) tls.set_verify_callback(ssl::host_name_verification(host));
}

/// After a failed client handshake on `ssl`: a sentence saying why the certificate of `host` was
/// refused, or "" when the failure was not a verification failure (or verification is off).
inline std::string verification_failure(SSL* ssl_handle, const boost::system::error_code& ec,
                                        const std::string& host, bool verify_peer) {
  if (!verify_peer) return {};
  const long vr = SSL_get_verify_result(ssl_handle);
  const bool verify_failed =
      vr != X509_V_OK || (ec.category() == boost::asio::error::get_ssl_category() &&
                          ERR_GET_REASON(static_cast<unsigned long>(ec.value())) == SSL_R_CERTIFICATE_VERIFY_FAILED);
  if (!verify_failed) return {};
  return std::string("the certificate of ") + host + " failed verification (" +
         (vr == X509_V_OK ? "host name mismatch"
          : vr == X509_V_ERR_UNSPECIFIED ? "not issued for this host name, or otherwise unacceptable"
                                         : X509_verify_cert_error_string(vr)) +
         "); give its CA with ca_file, or check the URL";
}

}  // namespace torghut::adapters::tls
