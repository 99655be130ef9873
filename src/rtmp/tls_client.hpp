#pragma once
// rtmps://: the RTMP client over TLS (OpenSSL through Asio), with the
// platform's certificate verified against the system store (plus an extra CA
// file when given) and SNI set to the host.

#include <boost/asio/ssl.hpp>
#include <memory>
#include <string>

#include "rtmp/client.hpp"

namespace courtcast::rtmp {

using TlsStream = asio::ssl::stream<asio::ip::tcp::socket>;

// A client context that verifies peers; `ca_file` adds a trusted CA (PEM).
media::Result<std::shared_ptr<asio::ssl::context>> make_tls_context(const std::string& ca_file);

// Resolves, connects, sets SNI and host-name verification, then handshakes.
asio::awaitable<boost::system::error_code> open_stream(TlsStream& stream, const Url& url);

using TlsClient = BasicClient<TlsStream>;
extern template class BasicClient<TlsStream>;

}  // namespace courtcast::rtmp
