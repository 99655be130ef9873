#include "rtmp/tls_client.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace courtcast::rtmp {

namespace ssl = asio::ssl;
using asio::ip::tcp;

media::Result<std::shared_ptr<ssl::context>> make_tls_context(const std::string& ca_file) {
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_client);
  boost::system::error_code ec;
  ctx->set_default_verify_paths(ec);
  if (ec)
    return media::make_error("tls: cannot load the system certificate store: " + ec.message());
  if (!ca_file.empty()) {
    ctx->load_verify_file(ca_file, ec);
    if (ec) return media::make_error("tls: cannot load CA file '" + ca_file + "': " + ec.message());
  }
  ctx->set_verify_mode(ssl::verify_peer);
  return ctx;
}

asio::awaitable<boost::system::error_code> open_stream(TlsStream& stream, const Url& url) {
  constexpr auto use_nothrow = asio::as_tuple(asio::use_awaitable);
  tcp::resolver resolver(stream.get_executor());
  auto [rec, endpoints] =
      co_await resolver.async_resolve(url.host, std::to_string(url.port), use_nothrow);
  if (rec) co_return rec;
  auto [cec, ep] = co_await asio::async_connect(stream.lowest_layer(), endpoints, use_nothrow);
  if (cec) co_return cec;
  boost::system::error_code ec;
  stream.lowest_layer().set_option(tcp::no_delay(true), ec);
  // SNI: platforms serve many hosts behind one address.
  if (!SSL_set_tlsext_host_name(stream.native_handle(), url.host.c_str()))
    co_return boost::system::error_code(static_cast<int>(::ERR_get_error()),
                                        asio::error::get_ssl_category());
  stream.set_verify_callback(ssl::host_name_verification(url.host), ec);
  if (ec) co_return ec;
  auto [hec] = co_await stream.async_handshake(ssl::stream_base::client, use_nothrow);
  co_return hec;
}

}  // namespace courtcast::rtmp
