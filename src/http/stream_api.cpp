#include "http/stream_api.hpp"

#include <boost/json.hpp>

namespace courtcast::http {

namespace json = boost::json;

json::value link_json(const live::LinkStats& l) {
  auto round2 = [](double v) { return std::round(v * 100) / 100; };
  return json::object{{"protocol", l.protocol},
                      {"rtt_ms", round2(l.rtt_ms)},
                      {"receive_rate_mbps", round2(l.receive_rate_mbps)},
                      {"bandwidth_mbps", round2(l.bandwidth_mbps)},
                      {"latency_ms", l.latency_ms},
                      {"packets_received", l.packets_received},
                      {"packets_lost", l.packets_lost},
                      {"packets_retransmitted", l.packets_retransmitted},
                      {"packets_dropped", l.packets_dropped},
                      {"receive_buffer_ms", l.receive_buffer_ms},
                      {"receive_buffer_bytes", l.receive_buffer_bytes},
                      {"continuity_errors", l.continuity_errors}};
}

json::value links_event(const live::Hub& hub) {
  json::array links;
  for (const auto& s : hub.streams()) {
    const auto info = s->info();
    if (info.link)
      links.push_back(json::object{{"stream", info.name}, {"link", link_json(*info.link)}});
  }
  if (links.empty()) return nullptr;
  return json::object{{"type", "stream.links"}, {"links", std::move(links)}};
}

json::value stream_json(const live::StreamInfo& s, bool with_publisher) {
  json::object video{{"codec", media::to_string(s.video_codec)},
                     {"width", s.width},
                     {"height", s.height},
                     {"profile", s.video_profile},
                     {"frame_rate", std::round(s.frame_rate * 100) / 100}};
  json::object audio{{"codec", media::to_string(s.audio_codec)},
                     {"sample_rate", s.audio_sample_rate},
                     {"channels", s.audio_channels}};
  return json::object{{"name", s.name},
                      {"live", s.live},
                      {"publisher", s.live && with_publisher ? json::value(s.publisher_address)
                                                             : json::value(nullptr)},
                      {"uptime_ms", s.uptime_ms},
                      {"video", std::move(video)},
                      {"audio", std::move(audio)},
                      {"bitrate_bps", s.bitrate_bps},
                      {"players", s.players},
                      {"bytes_in", s.bytes_in},
                      {"bytes_out", s.bytes_out},
                      {"skipped_packets", s.skipped_packets},
                      {"publishes", s.publishes},
                      {"link", s.link ? link_json(*s.link) : json::value(nullptr)}};
}

json::value streams_json(const live::Hub& hub,
                         const std::function<bool(const std::string& name)>& shown,
                         bool with_publisher) {
  json::array list;
  for (const auto& s : hub.streams())
    if (shown(s->name())) list.push_back(stream_json(s->info(), with_publisher));
  return json::object{{"streams", std::move(list)}};
}

}  // namespace courtcast::http
