#pragma once
// Who may publish and play which stream: the policy behind both the RTMP
// server and HTTP playback. Publishing needs the stream's key; playing a
// stream that is not public needs it too. A running program's air is public;
// its program stream and its inputs need the API token or a console login.

#include <map>
#include <string>

#include "app/config.hpp"
#include "http/server.hpp"
#include "live/hub.hpp"
#include "program/registry.hpp"
#include "rtmp/server.hpp"
#include "srt/listener.hpp"

namespace courtcast::app {

// Streams that come and go with live sessions: their inputs' keys, and
// when each input starts and stops publishing.
class SessionInputs {
 public:
  virtual ~SessionInputs() = default;
  // The key that publishes `stream` while it is an open session's input.
  virtual std::optional<std::string> input_key(const std::string& stream) const = 0;
  // Why `stream` takes no publish, when it is the input of a session that
  // has closed (e.g. "session ended"); nullopt otherwise. Asked again while a
  // publish goes on, so that ending a session ends its publishes.
  virtual std::optional<std::string> input_closed(const std::string& stream) const = 0;
  virtual void input_started(const std::string& stream) = 0;
  virtual void input_ended(const std::string& stream) = 0;
};

class LiveSink;

class StreamAccess : public rtmp::ServerHooks, public http::Access, public srt::Hooks {
 public:
  // `api_token` opens the control API until users and roles exist.
  StreamAccess(live::Hub& hub, const std::vector<StreamConfig>& streams,
               const program::ProgramRegistry& programs, std::string api_token);
  void set_session_inputs(SessionInputs* inputs) { session_inputs_ = inputs; }

  rtmp::Admission<rtmp::MediaSink> publish(const rtmp::StreamRequest& request) override;
  rtmp::Admission<rtmp::MediaSource> play(const rtmp::StreamRequest& request) override;
  std::optional<std::string> refuse_play(const std::string& stream, const std::string& query,
                                         bool team) override;
  bool allow_control(std::string_view authorization) override;

  // SRT publishing: the same keys and the same one-publisher rule as RTMP.
  std::optional<srt::Refusal> check(const srt::StreamId& id, const std::string& peer) override;
  std::variant<std::unique_ptr<srt::Publish>, srt::Refusal> publish(
      const srt::StreamId& id, const std::string& peer) override;

 private:
  // The publish of `stream` once its key was checked; nullptr when someone
  // else publishes it now.
  std::unique_ptr<LiveSink> begin_publish(const std::string& stream, const std::string& peer);
  // nullopt when `key` (taken from the stream or app query) opens `stream`.
  std::optional<std::string> check_key(const std::string& stream, const std::string& stream_query,
                                       const std::string& app_query) const;
  std::optional<std::string> key_of(const std::string& stream) const;

  live::Hub& hub_;
  std::map<std::string, StreamConfig> streams_;
  const program::ProgramRegistry& programs_;
  SessionInputs* session_inputs_ = nullptr;
  std::string api_token_;
};

}  // namespace courtcast::app
