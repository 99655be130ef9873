#pragma once
// A platform destination added or changed through the API, kept so that a
// restart sends a session's air to the same platforms (config ones come
// from the config file). The stream key is a secret: stored like the
// config file keeps it, never logged or answered.

#include <string>

namespace courtcast::store {

struct StoredDestination {
  std::string name;  // unique; the key it is kept under
  std::string preset;
  std::string server_url;  // rtmp[s]://host[:port]/app
  std::string stream_key;
  std::string stream;  // the courtcast stream it carries
  bool enabled = true;
};

}  // namespace courtcast::store
