#pragma once
// A clip export as a record: who asked for which range of which recording,
// what became of it, and the files it made (named relative to the export
// folder, never as server paths). Ids come from the database and are never
// reused, so an id names one clip for good.

#include <cstdint>
#include <optional>
#include <string>

#include "court/id.hpp"

namespace courtcast::store {

enum class ExportState { queued, running, done, failed, expired };
const char* export_state_code(ExportState s);
std::optional<ExportState> parse_export_state(std::string_view code);

struct ExportJob {
  court::Id id = 0;
  std::string session;  // the recording's folder: a session id, or "unscheduled"
  std::string stream;
  std::int64_t from_utc_ms = 0;
  std::int64_t to_utc_ms = 0;
  std::optional<court::Id> case_id;  // the case the clip is for, when named
  std::string requested_by;
  std::int64_t created_ms = 0;
  ExportState state = ExportState::queued;
  std::string error;             // why it failed
  std::int64_t finished_ms = 0;  // done or failed; 0 before
  std::int64_t expired_ms = 0;   // its files deleted by retention; 0 before
  std::string folder;            // under data_dir/exports
  std::string file_stem;         // the download name, without extension
  std::string result_json;       // parts, sidecar and their hashes, once done
};

}  // namespace courtcast::store
