#include "tools/players.hpp"

#include <algorithm>
#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <cstring>
#include <string_view>

#include "media/bytes_io.hpp"
#include "media/packet.hpp"
#include "rtmp/client.hpp"

namespace courtcast::tools {

namespace {

namespace asio = boost::asio;
using asio::ip::tcp;
using Clock = std::chrono::steady_clock;
constexpr auto use_nothrow = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t kReadBytes = 64 * 1024;

// A video body that carries a picture (not a sequence header or end marker),
// for legacy AVC/HEVC and enhanced RTMP alike.
bool is_video_frame(const std::uint8_t* body, std::size_t n) {
  if (n < 2) return false;
  if (body[0] & 0x80) {
    const unsigned packet_type = body[0] & 0x0F;
    return packet_type == 1 || packet_type == 3;
  }
  const unsigned codec = body[0] & 0x0F;
  if (codec == 7 || codec == 12) return body[1] == 1;
  return true;
}

// An audio body that carries sound (not an AAC sequence header). Metadata
// and other tags never get here: on_media sees audio and video only.
bool is_audio_frame(const std::uint8_t* body, std::size_t n) {
  if (n < 1) return false;
  if ((body[0] >> 4) == 10) return n >= 2 && body[1] == 1;  // AAC raw
  return true;
}

std::uint32_t micros_since(Clock::time_point sent, Clock::time_point now = Clock::now()) {
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(now - sent).count();
  return static_cast<std::uint32_t>(std::max<std::int64_t>(us, 0));
}

// Bookkeeping shared by both protocols, per received message.
class Observer {
 public:
  Observer(const PlayContext& ctx, PlayerStats& stats, ThreadSamples& samples)
      : ctx_(ctx), stats_(stats), samples_(samples), started_(Clock::now()) {}

  void on_media(bool video, std::uint32_t dts, std::uint32_t length, const std::uint8_t* prefix,
                std::size_t prefix_bytes) {
    stats_.add_bytes(length);
    if (!video) {
      if (is_audio_frame(prefix, prefix_bytes) && ctx_.audio_clock &&
          ctx_.measuring->load(std::memory_order_relaxed))
        if (auto sent = ctx_.audio_clock->sent_at(dts))
          samples_.audio_latency_us.push_back(micros_since(*sent));
      return;
    }
    if (!is_video_frame(prefix, prefix_bytes)) return;
    const auto now = Clock::now();
    if (stats_.first_video_ms < 0)
      stats_.first_video_ms = std::chrono::duration<double, std::milli>(now - started_).count();
    if (!ctx_.clock || !ctx_.measuring->load(std::memory_order_relaxed)) return;
    if (auto sent = ctx_.clock->sent_at(dts)) {
      samples_.latency_us.push_back(micros_since(*sent, now));
    } else {
      ++samples_.unmatched;
    }
  }

  void end(std::string why) {
    stats_.error = std::move(why);
    stats_.ended.store(true, std::memory_order_relaxed);
  }

 private:
  const PlayContext& ctx_;
  PlayerStats& stats_;
  ThreadSamples& samples_;
  Clock::time_point started_;
};

// Walks an FLV byte stream tag header by tag header, skipping bodies as they
// stream past; keeps only a body's first bytes.
class FlvSkimmer {
 public:
  template <typename OnTag>
  bool feed(const std::uint8_t* p, std::size_t n, OnTag&& on_tag) {
    while (n > 0) {
      if (!file_header_done_) {
        const std::size_t take = std::min(n, 13 - header_have_);
        std::memcpy(header_.data() + header_have_, p, take);
        header_have_ += take;
        p += take;
        n -= take;
        if (header_have_ < 13) return true;
        if (header_[0] != 'F' || header_[1] != 'L' || header_[2] != 'V') return false;
        file_header_done_ = true;
        header_have_ = 0;
        continue;
      }
      if (body_left_ == 0 && trailer_left_ == 0) {
        const std::size_t take = std::min(n, 11 - header_have_);
        std::memcpy(header_.data() + header_have_, p, take);
        header_have_ += take;
        p += take;
        n -= take;
        if (header_have_ < 11) return true;
        header_have_ = 0;
        type_ = header_[0] & 0x1F;
        size_ = media::read_u24be(header_.data() + 1);
        dts_ = media::read_u24be(header_.data() + 4) | static_cast<std::uint32_t>(header_[7]) << 24;
        body_left_ = size_;
        trailer_left_ = 4;
        prefix_have_ = 0;
        if (size_ == 0) on_tag(type_, dts_, size_, prefix_.data(), prefix_have_);
        continue;
      }
      if (body_left_ > 0) {
        const std::size_t take = std::min<std::size_t>(n, body_left_);
        const std::size_t keep = std::min(take, prefix_.size() - prefix_have_);
        std::memcpy(prefix_.data() + prefix_have_, p, keep);
        prefix_have_ += keep;
        body_left_ -= static_cast<std::uint32_t>(take);
        p += take;
        n -= take;
        if (body_left_ == 0) on_tag(type_, dts_, size_, prefix_.data(), prefix_have_);
        continue;
      }
      const std::size_t take = std::min<std::size_t>(n, trailer_left_);
      trailer_left_ -= static_cast<std::uint32_t>(take);
      p += take;
      n -= take;
    }
    return true;
  }

 private:
  std::array<std::uint8_t, 13> header_{};
  std::size_t header_have_ = 0;
  bool file_header_done_ = false;
  std::uint8_t type_ = 0;
  std::uint32_t size_ = 0, dts_ = 0, body_left_ = 0, trailer_left_ = 0;
  std::array<std::uint8_t, 8> prefix_{};
  std::size_t prefix_have_ = 0;
};

bool iequals_prefix(std::string_view text, std::string_view lower_prefix) {
  if (text.size() < lower_prefix.size()) return false;
  for (std::size_t i = 0; i < lower_prefix.size(); ++i) {
    char c = text[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != lower_prefix[i]) return false;
  }
  return true;
}

}  // namespace

bool parse_http_url(std::string_view url, HttpUrl& out) {
  if (url.rfind("http://", 0) != 0) return false;
  url.remove_prefix(7);
  const auto slash = url.find('/');
  const std::string_view authority = url.substr(0, slash);
  out.target = slash == std::string_view::npos ? "/" : std::string(url.substr(slash));
  const auto colon = authority.rfind(':');
  out.host = std::string(authority.substr(0, colon));
  out.port = colon == std::string_view::npos ? "80" : std::string(authority.substr(colon + 1));
  return !out.host.empty();
}

asio::awaitable<void> play_rtmp(const PlayContext& ctx, PlayerStats& stats,
                                ThreadSamples& samples) {
  Observer observer(ctx, stats, samples);
  rtmp::ClientOptions options;
  options.skim_media = true;
  options.read_buffer_bytes = kReadBytes;
  rtmp::Client client(options, co_await asio::this_coro::executor);
  if (auto r = co_await client.play(ctx.url); !r) {
    observer.end(r.error().message);
    co_return;
  }
  stats.connected.store(true, std::memory_order_relaxed);
  for (;;) {
    auto m = co_await client.read();
    if (!m) {
      observer.end(m.error().message);
      co_return;
    }
    if (m->kind == media::PacketKind::data) continue;
    observer.on_media(m->kind == media::PacketKind::video, m->timestamp, m->length, m->body.data(),
                      m->body.size());
  }
}

asio::awaitable<void> play_http_flv(const PlayContext& ctx, PlayerStats& stats,
                                    ThreadSamples& samples) {
  Observer observer(ctx, stats, samples);
  HttpUrl url;
  if (!parse_http_url(ctx.url, url)) {
    observer.end("bad http url '" + ctx.url + "'");
    co_return;
  }
  const auto executor = co_await asio::this_coro::executor;
  tcp::socket socket(executor);
  tcp::resolver resolver(executor);
  auto [rec, endpoints] = co_await resolver.async_resolve(url.host, url.port, use_nothrow);
  if (rec) {
    observer.end("resolving " + url.host + ": " + rec.message());
    co_return;
  }
  if (auto [ec, ep] = co_await asio::async_connect(socket, endpoints, use_nothrow); ec) {
    observer.end("connecting: " + ec.message());
    co_return;
  }
  const std::string request = "GET " + url.target + " HTTP/1.1\r\nHost: " + url.host + ":" +
                              url.port + "\r\nUser-Agent: courtcast-bench\r\nAccept: */*\r\n\r\n";
  if (auto [ec, n] = co_await asio::async_write(socket, asio::buffer(request), use_nothrow); ec) {
    observer.end("sending the request: " + ec.message());
    co_return;
  }
  std::vector<std::uint8_t> buffer(kReadBytes);
  std::size_t have = 0;
  std::size_t body_at = 0;
  while (body_at == 0) {
    if (have == buffer.size()) {
      observer.end("response headers larger than " + std::to_string(kReadBytes) + " bytes");
      co_return;
    }
    auto [ec, n] = co_await socket.async_read_some(
        asio::buffer(buffer.data() + have, buffer.size() - have), use_nothrow);
    if (ec) {
      observer.end("reading the response: " + ec.message());
      co_return;
    }
    have += n;
    const std::string_view text(reinterpret_cast<const char*>(buffer.data()), have);
    if (const auto end = text.find("\r\n\r\n"); end != std::string_view::npos) {
      const std::string_view head = text.substr(0, end);
      if (head.find(" 200") == std::string_view::npos || head.find(" 200") > head.find("\r\n")) {
        observer.end("server answered: " + std::string(head.substr(0, head.find("\r\n"))));
        co_return;
      }
      for (std::size_t pos = 0; pos < head.size();) {
        const auto eol = std::min(head.find("\r\n", pos), head.size());
        if (iequals_prefix(head.substr(pos, eol - pos), "transfer-encoding: chunked")) {
          observer.end("chunked HTTP-FLV is not supported by the bench");
          co_return;
        }
        pos = eol + 2;
      }
      body_at = end + 4;
    }
  }
  stats.connected.store(true, std::memory_order_relaxed);
  FlvSkimmer skimmer;
  const auto on_tag = [&](std::uint8_t type, std::uint32_t dts, std::uint32_t size,
                          const std::uint8_t* prefix, std::size_t prefix_bytes) {
    if (type == 8 || type == 9) observer.on_media(type == 9, dts, size, prefix, prefix_bytes);
  };
  if (!skimmer.feed(buffer.data() + body_at, have - body_at, on_tag)) {
    observer.end("the response is not FLV");
    co_return;
  }
  for (;;) {
    auto [ec, n] = co_await socket.async_read_some(asio::buffer(buffer), use_nothrow);
    if (ec) {
      observer.end(ec == asio::error::eof ? "server closed the stream" : ec.message());
      co_return;
    }
    if (!skimmer.feed(buffer.data(), n, on_tag)) {
      observer.end("bad FLV from the server");
      co_return;
    }
  }
}

}  // namespace courtcast::tools
