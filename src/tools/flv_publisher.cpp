#include "tools/flv_publisher.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <fstream>
#include <iterator>

#include "media/flv.hpp"
#include "rtmp/client.hpp"

namespace courtcast::tools {

namespace asio = boost::asio;
using media::PacketKind;

media::Result<FlvFile> load_flv(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return media::make_error("cannot read '" + path + "'");
  FlvFile f;
  f.bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  media::FlvReader reader;
  std::size_t pos = 0;
  std::int64_t first = -1, last = 0, video_step = 40;
  std::int64_t last_video = -1;
  std::uint64_t payload = 0;
  for (;;) {
    std::size_t consumed = 0;
    auto tag = reader.next(std::span(f.bytes).subspan(pos), consumed);
    if (!tag) return media::make_error("'" + path + "': " + tag.error().message);
    if (!*tag) break;
    const auto& t = **tag;
    pos += consumed;
    if (t.type != 8 && t.type != 9 && t.type != 18) continue;
    const auto kind = static_cast<PacketKind>(t.type);
    bool header = kind == PacketKind::data;
    if (kind == PacketKind::video) {
      auto info = media::parse_video_tag(t.body);
      header = info && info->sequence_header;
      if (!header) {
        if (last_video >= 0 && t.dts_ms > last_video) video_step = t.dts_ms - last_video;
        last_video = t.dts_ms;
      }
    } else if (kind == PacketKind::audio) {
      auto info = media::parse_audio_tag(t.body);
      header = info && info->sequence_header;
    }
    if (!header) {
      if (first < 0) first = t.dts_ms;
      last = std::max(last, t.dts_ms);
      payload += t.body.size();
    }
    f.tags.push_back({kind, t.dts_ms, header,
                      static_cast<std::size_t>(t.body.data() - f.bytes.data()), t.body.size()});
  }
  if (first < 0) return media::make_error("'" + path + "' holds no audio or video");
  f.loop_ms = last - first + video_step;
  f.bitrate_bps = static_cast<double>(payload) * 8000.0 / static_cast<double>(f.loop_ms);
  return f;
}

asio::awaitable<void> publish_flv(const FlvFile& file, std::string url, SendClock& clock,
                                  SendClock& audio_clock, PublishState& state) {
  using Clock = std::chrono::steady_clock;
  const auto executor = co_await asio::this_coro::executor;
  rtmp::Client client(rtmp::ClientOptions{}, executor);
  if (auto r = co_await client.publish(url); !r) {
    state.error = r.error().message;
    state.phase.store(-1, std::memory_order_release);
    co_return;
  }
  state.phase.store(1, std::memory_order_release);
  asio::steady_timer timer(executor);
  const auto t0 = Clock::now();
  for (std::int64_t loop = 0; !state.stop.load(std::memory_order_relaxed); ++loop) {
    for (const auto& tag : file.tags) {
      if (state.stop.load(std::memory_order_relaxed)) break;
      if (tag.header && loop > 0) continue;
      const std::int64_t dts = tag.dts_ms + loop * file.loop_ms;
      const auto due = t0 + std::chrono::milliseconds(dts);
      if (Clock::now() < due) {
        timer.expires_at(due);
        co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
      }
      const auto sent_at = Clock::now();
      if (sent_at - due > std::chrono::milliseconds(50))
        state.late_sends.fetch_add(1, std::memory_order_relaxed);
      if (tag.kind == PacketKind::video && !tag.header) clock.record(dts, sent_at);
      if (tag.kind == PacketKind::audio && !tag.header) audio_clock.record(dts, sent_at);
      auto r =
          co_await client.send(tag.kind, dts, std::span(file.bytes).subspan(tag.offset, tag.size));
      if (!r) {
        state.error = r.error().message;
        state.phase.store(2, std::memory_order_release);
        co_return;
      }
      if (tag.kind != PacketKind::data)
        state.media_bytes.fetch_add(tag.size, std::memory_order_relaxed);
    }
  }
  client.close();
  state.phase.store(2, std::memory_order_release);
}

}  // namespace courtcast::tools
