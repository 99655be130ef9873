#pragma once
// What a live session is on the wire: its inputs (each with a publish key),
// its program and air, its destinations. The court API tells it of every
// change to a session and asks it for the session's broadcast.

#include <boost/json/value.hpp>
#include <string>
#include <string_view>

#include "court/session.hpp"
#include "court/step.hpp"

namespace courtcast::http {

class SessionMedia {
 public:
  virtual ~SessionMedia() = default;
  // After every successful change of a session (created, edited, moved on).
  virtual void session_changed(const court::LiveSession& s) = 0;
  // After a step was marked or edited: a live session's caption follows it.
  virtual void step_marked(const court::EnforcementStep& step) { (void)step; }
  // GET /sessions/{id}/broadcast: stream names, play and preview paths, each
  // input's state, and the program's state while live. No secrets.
  virtual boost::json::value broadcast_json(const court::LiveSession& s) = 0;
  // POST /sessions/{id}/publish-urls: each input's publish URL with its key,
  // for the camera operators, on the configured public host (never the
  // request's Host header, which any client may set).
  virtual boost::json::value publish_urls_json(const court::LiveSession& s) = 0;
  // POST /sessions/{id}/inputs/{name}/publish-key: a new publish key for
  // that one input (the others keep theirs); its publish URL as
  // publish_urls_json gives it, or null when the session has no such input.
  virtual boost::json::value rotate_publish_key(const court::LiveSession& s,
                                                const std::string& input) = 0;
};

}  // namespace courtcast::http
