#pragma once
// Live sessions on the wire (design.md §1). Session 7 with inputs cam-a and
// cam-b publishes to session-7.cam-a and session-7.cam-b, each with its own
// key; while it is live its program runs as session-7.program and its air as
// session-7, and the destinations it names carry that air.
//
// Inputs take publishes from approval on (camera checks before going live)
// until the session ends; program, air and destinations run while it is
// live. A restart picks up the sessions that were open. When a session ends,
// it ends on the wire too: its cameras' publishes are cut and refused from
// then on ("session ended"), and the players of its air, program and inputs
// get the end of the stream.
//
// Publish keys are not stored: each is an HMAC of its stream name under a
// secret kept in data_dir/keys, so they survive restarts and never sit in
// the database.

#include <boost/asio/any_io_executor.hpp>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <filesystem>
#include "app/stream_access.hpp"
#include "http/session_media.hpp"
#include "live/hub.hpp"
#include "program/registry.hpp"

#include "relay/relay.hpp"
#include "store/repository.hpp"

namespace courtcast::app {

struct BroadcastWiring {
  live::Hub& hub;
  program::ProgramRegistry& programs;
  relay::Relay* relay = nullptr;
  store::Repository& repository;  // input spans: when each camera was live
  std::vector<boost::asio::any_io_executor> executors;
  // A program's event (program name, type, details as JSON): for the WebSocket.
  std::function<void(const std::string&, const std::string&, const std::string&)> program_event;
  std::function<void(const std::string& json)> publish_event;  // any other event
  std::string key_secret;
  std::uint16_t rtmp_port = 1935;
  std::int64_t input_timeout_ms = 2000;
  std::string public_host = "127.0.0.1";  // the host publish URLs name
  // Where each input's publish-key generation is kept (rotate_publish_key);
  // empty: in memory only.
  std::filesystem::path key_generations_file;
  // Where else cameras may publish: RTMPS ([rtmp] tls_listen) and SRT; 0: not there.
  std::uint16_t rtmps_port = 0;
  std::uint16_t srt_port = 0;
  bool srt_encrypted = false;  // SRT callers need [srt] passphrase too
};

class SessionBroadcasts : public http::SessionMedia, public SessionInputs {
 public:
  explicit SessionBroadcasts(BroadcastWiring wiring);

  // Where publish URLs point; known once the RTMP listener is bound.
  void set_rtmp_port(std::uint16_t port) { w_.rtmp_port = port; }
  void set_rtmps_port(std::uint16_t port) { w_.rtmps_port = port; }
  void set_srt_port(std::uint16_t port, bool encrypted) {
    w_.srt_port = port;
    w_.srt_encrypted = encrypted;
  }
  // The host publish URLs name ([server] public_host, or its default).
  void set_public_host(std::string host) { w_.public_host = std::move(host); }
  // The sessions open in the store now (after a restart).
  void resume_open_sessions();

  static std::string air_stream(court::Id id) { return "session-" + std::to_string(id); }
  static std::string input_stream(court::Id id, const std::string& input) {
    return air_stream(id) + "." + input;
  }
  // The session a stream belongs to ("7" for session-7, session-7.cam-a and
  // session-7.program); nullopt for others.
  static std::optional<court::Id> session_of(const std::string& stream);

  // http::SessionMedia
  void session_changed(const court::LiveSession& s) override;
  void step_marked(const court::EnforcementStep& step) override;
  boost::json::value broadcast_json(const court::LiveSession& s) override;
  boost::json::value publish_urls_json(const court::LiveSession& s) override;
  boost::json::value rotate_publish_key(const court::LiveSession& s,
                                        const std::string& input) override;

  // SessionInputs
  std::optional<std::string> input_key(const std::string& stream) const override;
  std::optional<std::string> input_closed(const std::string& stream) const override;
  void input_started(const std::string& stream) override;
  void input_ended(const std::string& stream) override;

 private:
  struct Open {
    std::vector<std::string> inputs;
    std::shared_ptr<program::Program> program;  // while live
    program::Graphics graphics;                 // what its air shows now
  };

  // HMAC(key_secret, "publish:" + stream), or with "#GENERATION" appended
  // once the stream's key was rotated: keys are derived, never stored, and
  // rotating one input's key changes no other.
  std::string publish_key(const std::string& stream) const;
  boost::json::object input_urls_json(court::Id id, const std::string& input) const;
  // Every URL a camera may publish `stream` with `key` ("****" for the
  // masked ones): RTMP always, RTMPS and SRT where they listen.
  boost::json::object publish_urls(const std::string& stream, const std::string& key) const;
  void load_key_generations();
  void go_live(court::Id id, const court::LiveSession& s, Open& open);
  void go_off_air(court::Id id, Open& open);
  void carry_air(const court::LiveSession& s, bool on);
  // (session, input) of an open session's input stream.
  std::optional<std::pair<court::Id, std::string>> open_input(const std::string& stream) const;

  BroadcastWiring w_;
  mutable std::mutex mutex_;
  std::map<court::Id, Open> open_;
  // Sessions whose inputs closed while this process ran, with the reason a
  // publish to them is refused (their publishes were cut for it too).
  std::map<court::Id, std::string> closed_;
  std::size_t next_worker_ = 0;
  mutable std::mutex key_mutex_;  // guards key_generations_ (publish_key runs under mutex_ or not)
  std::map<std::string, std::int64_t> key_generations_;
};

}  // namespace courtcast::app
