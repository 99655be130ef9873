#pragma once
// Who may publish and play which stream: the policy behind both the RTMP
// server and HTTP playback. Publishing needs the stream's key; playing a
// stream that is not public needs it too.

#include <map>
#include <set>
#include <string>

#include "app/config.hpp"
#include "http/server.hpp"
#include "live/hub.hpp"
#include "rtmp/server.hpp"

namespace courtcast::app {

class StreamAccess : public rtmp::ServerHooks, public http::Access {
 public:
  // `api_token` opens the control API until users and roles exist.
  // Air streams of `programs` play publicly; their NAME.program and the
  // inputs only with the API token (or an input's key).
  StreamAccess(live::Hub& hub, const std::vector<StreamConfig>& streams,
               const std::vector<ProgramConfig>& programs, std::string api_token);

  rtmp::Admission<rtmp::MediaSink> publish(const rtmp::StreamRequest& request) override;
  rtmp::Admission<rtmp::MediaSource> play(const rtmp::StreamRequest& request) override;
  std::optional<std::string> refuse_play(const std::string& stream,
                                         const std::string& query) override;
  bool allow_control(std::string_view authorization) override;

 private:
  // nullopt when `key` (taken from the stream or app query) opens `stream`.
  std::optional<std::string> check_key(const std::string& stream, const std::string& stream_query,
                                       const std::string& app_query) const;

  live::Hub& hub_;
  std::map<std::string, StreamConfig> streams_;
  std::set<std::string> air_streams_;
  std::string api_token_;
};

// The value of `name` in a URL query string ("a=1&key=x"), percent-decoded.
std::string query_value(const std::string& query, const std::string& name);

}  // namespace courtcast::app
