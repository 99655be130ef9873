#pragma once
// The server side of TLS for every listener that offers it (HTTPS for the
// console and API, RTMPS for cameras): one context per certificate, made
// once at start-up and shared by every connection. OpenSSL through Asio.

#include <boost/asio/ssl/context.hpp>
#include <memory>
#include <string>

#include "base/result.hpp"

namespace courtcast::base {

// TLS 1.2 and 1.3 only, no compression or renegotiation; `cert_file` is a
// PEM chain (the certificate first), `key_file` its private key (PEM). The
// error names the file and what OpenSSL said.
Result<std::shared_ptr<boost::asio::ssl::context>> make_server_tls_context(
    const std::string& cert_file, const std::string& key_file);

}  // namespace courtcast::base
