#include "app/stream_access.hpp"

#include <spdlog/spdlog.h>

#include "base/log_value.hpp"
#include "base/secret.hpp"
#include "base/text.hpp"
#include "live/player_count.hpp"

namespace courtcast::app {

// A publish into the live hub; ending it (destruction) frees the stream name.
class LiveSink : public rtmp::MediaSink {
 public:
  LiveSink(live::StreamHandle handle, std::function<void()> on_end,
           std::function<std::optional<std::string>()> revoked)
      : handle_(std::move(handle)), on_end_(std::move(on_end)), revoked_(std::move(revoked)) {}
  ~LiveSink() override {
    handle_->end_publish();
    if (on_end_) on_end_();
  }
  bool push(media::PacketKind kind, std::int64_t dts_ms,
            std::span<const std::uint8_t> body) override {
    return handle_->push(kind, dts_ms, body);
  }
  void flush() override { handle_->flush(); }
  std::optional<std::string> revoked() override { return revoked_ ? revoked_() : std::nullopt; }
  void set_link_stats(const live::LinkStats& stats) { handle_->set_link_stats(stats); }

 private:
  live::StreamHandle handle_;
  std::function<void()> on_end_;
  std::function<std::optional<std::string>()> revoked_;
};

namespace {

// An SRT publish: the same live sink, and the link's figures shown with it.
class SrtPublish : public srt::Publish {
 public:
  explicit SrtPublish(std::unique_ptr<LiveSink> sink) : sink_(std::move(sink)) {}
  bool push(media::PacketKind kind, std::int64_t dts_ms,
            std::span<const std::uint8_t> body) override {
    return sink_->push(kind, dts_ms, body);
  }
  void flush() override { sink_->flush(); }
  void set_link_stats(const live::LinkStats& stats) override { sink_->set_link_stats(stats); }
  std::optional<std::string> revoked() override { return sink_->revoked(); }

 private:
  std::unique_ptr<LiveSink> sink_;
};

class LiveSource : public rtmp::MediaSource {
 public:
  LiveSource(live::StreamHandle handle, std::size_t worker)
      : handle_(std::move(handle)), player_(handle_.shared(), worker) {}
  boost::asio::awaitable<bool> next(std::vector<media::PacketPtr>& out) override {
    return player_.next(out);
  }
  void interrupt() override { player_.interrupt(); }
  void count_sent(std::size_t bytes) override { player_.count_sent(bytes); }
  void set_direct_writer(std::function<bool()> direct) override {
    player_.set_direct_writer(std::move(direct));
  }
  bool take_ready(std::vector<media::PacketPtr>& out) override { return player_.take_ready(out); }

 private:
  live::StreamHandle handle_;
  live::Player player_;
  live::ProtocolPlayer counted_{live::PlayerProtocol::rtmp};  // for /metrics
};

}  // namespace

StreamAccess::StreamAccess(live::Hub& hub, const std::vector<StreamConfig>& streams,
                           const program::ProgramRegistry& programs, std::string api_token)
    : hub_(hub), programs_(programs), api_token_(std::move(api_token)) {
  for (const auto& s : streams) streams_[s.name] = s;
}

std::optional<std::string> StreamAccess::key_of(const std::string& stream) const {
  if (auto it = streams_.find(stream); it != streams_.end()) return it->second.key;
  if (session_inputs_) return session_inputs_->input_key(stream);
  return std::nullopt;
}

std::optional<std::string> StreamAccess::check_key(const std::string& stream,
                                                   const std::string& stream_query,
                                                   const std::string& app_query) const {
  const auto expected = key_of(stream);
  if (!expected && session_inputs_ && !streams_.count(stream))
    if (auto why = session_inputs_->input_closed(stream)) return why;
  if (!expected) return "no stream named '" + stream + "' is configured or open";
  std::string key = base::query_value(stream_query, "key").value_or("");
  if (key.empty()) key = base::query_value(app_query, "key").value_or("");
  if (key.empty()) return "a key is required: add ?key=KEY to the stream name";
  if (!base::same_secret(key, *expected)) return "wrong key for stream '" + stream + "'";
  return std::nullopt;
}

rtmp::Admission<rtmp::MediaSink> StreamAccess::publish(const rtmp::StreamRequest& r) {
  if (r.app != "live")
    return {nullptr, "NetStream.Publish.BadName",
            "unknown application '" + r.app + "': publish to rtmp://HOST/live/STREAM?key=KEY"};
  if (auto why = check_key(r.stream, r.stream_query, r.app_query))
    return {nullptr, "NetStream.Publish.Rejected", *why};
  auto sink = begin_publish(r.stream, r.peer);
  if (!sink)
    return {nullptr, "NetStream.Publish.BadName",
            "stream '" + r.stream + "' is already being published"};
  return {std::move(sink), {}, {}};
}

std::unique_ptr<LiveSink> StreamAccess::begin_publish(const std::string& stream,
                                                      const std::string& peer) {
  auto handle = hub_.acquire(stream);
  if (!handle->try_begin_publish(peer)) return nullptr;
  spdlog::info("event=publish_start stream={} peer={}", base::log_value(stream), peer);
  std::function<void()> on_end;
  std::function<std::optional<std::string>()> revoked;
  if (session_inputs_ && !streams_.count(stream)) {
    session_inputs_->input_started(stream);
    on_end = [inputs = session_inputs_, stream] { inputs->input_ended(stream); };
    // A key rotated while it publishes ends the publish: a leaked key must
    // not keep a stranger on the air.
    revoked = [inputs = session_inputs_, stream,
               key = session_inputs_->input_key(stream)]() -> std::optional<std::string> {
      if (auto why = inputs->input_closed(stream)) return why;
      if (inputs->input_key(stream) != key)
        return "the publish key of '" + stream + "' was changed: publish again with the new key";
      return std::nullopt;
    };
  }
  return std::make_unique<LiveSink>(std::move(handle), std::move(on_end), std::move(revoked));
}

std::optional<srt::Refusal> StreamAccess::check(const srt::StreamId& id, const std::string&) {
  using srt::RejectCode;
  if (id.app != "live")
    return srt::Refusal{RejectCode::not_found,
                        "unknown application '" + id.app + "': use r=live/STREAM"};
  const auto expected = key_of(id.name);
  if (!expected && session_inputs_ && !streams_.count(id.name))
    if (auto why = session_inputs_->input_closed(id.name))
      return srt::Refusal{RejectCode::forbidden, *why};
  if (!expected)
    return srt::Refusal{RejectCode::not_found,
                        "no stream named '" + id.name + "' is configured or open"};
  if (id.key.empty())
    return srt::Refusal{RejectCode::unauthorized, "a key is required: add s=KEY to the stream id"};
  if (!base::same_secret(id.key, *expected))
    return srt::Refusal{RejectCode::forbidden, "wrong key for stream '" + id.name + "'"};
  if (auto s = hub_.find(id.name); s && s->live())
    return srt::Refusal{RejectCode::conflict,
                        "stream '" + id.name + "' is already being published"};
  return std::nullopt;
}

std::variant<std::unique_ptr<srt::Publish>, srt::Refusal> StreamAccess::publish(
    const srt::StreamId& id, const std::string& peer) {
  // Asked again: the session may have closed since the handshake.
  if (auto refusal = check(id, peer)) return *refusal;
  auto sink = begin_publish(id.name, peer);
  if (!sink)
    return srt::Refusal{srt::RejectCode::conflict,
                        "stream '" + id.name + "' is already being published"};
  return std::make_unique<SrtPublish>(std::move(sink));
}

rtmp::Admission<rtmp::MediaSource> StreamAccess::play(const rtmp::StreamRequest& r) {
  if (r.app != "live")
    return {nullptr, "NetStream.Play.StreamNotFound",
            "unknown application '" + r.app + "': play rtmp://HOST/live/STREAM"};
  if (auto why =
          refuse_play(r.stream, r.stream_query.empty() ? r.app_query : r.stream_query, false))
    return {nullptr, "NetStream.Play.Failed", *why};
  return {std::make_unique<LiveSource>(hub_.acquire(r.stream), r.worker), {}, {}};
}

std::optional<std::string> StreamAccess::refuse_play(const std::string& stream,
                                                     const std::string& query, bool team) {
  // One answer for an unknown stream, a private one, a missing or wrong key
  // and a program's preview: a refusal must not tell the public which
  // streams exist.
  static const std::string kNotAvailable = "stream not available";
  if (programs_.find(stream)) return std::nullopt;  // air is the public face
  const std::string token = base::query_value(query, "token").value_or("");
  const bool controller = team || (!token.empty() && allow_control("Bearer " + token));
  if (stream.ends_with(".program") && programs_.find(stream.substr(0, stream.size() - 8))) {
    if (controller) return std::nullopt;
    return kNotAvailable;
  }
  if (auto it = streams_.find(stream); it != streams_.end() && it->second.is_public)
    return std::nullopt;
  if (controller && key_of(stream)) return std::nullopt;
  if (check_key(stream, query, {})) return kNotAvailable;
  return std::nullopt;
}

bool StreamAccess::allow_control(std::string_view authorization) {
  constexpr std::string_view kBearer = "Bearer ";
  if (api_token_.empty() || !authorization.starts_with(kBearer)) return false;
  return base::same_secret(authorization.substr(kBearer.size()), api_token_);
}

}  // namespace courtcast::app
