#include "base/tls.hpp"

#include <openssl/ssl.h>

namespace courtcast::base {

namespace ssl = boost::asio::ssl;

Result<std::shared_ptr<ssl::context>> make_server_tls_context(const std::string& cert_file,
                                                              const std::string& key_file) {
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                   ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 |
                   ssl::context::no_compression | ssl::context::single_dh_use);
  SSL_CTX_set_options(ctx->native_handle(), SSL_OP_NO_RENEGOTIATION);
  boost::system::error_code ec;
  ctx->use_certificate_chain_file(cert_file, ec);
  if (ec) return make_error("tls: cannot load certificate '" + cert_file + "': " + ec.message());
  ctx->use_private_key_file(key_file, ssl::context::pem, ec);
  if (ec) return make_error("tls: cannot load private key '" + key_file + "': " + ec.message());
  if (SSL_CTX_check_private_key(ctx->native_handle()) != 1)
    return make_error("tls: the private key '" + key_file + "' is not the certificate's ('" +
                      cert_file + "')");
  return ctx;
}

}  // namespace courtcast::base
