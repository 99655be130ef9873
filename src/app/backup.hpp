#pragma once
// `courtcast backup DIR` and `courtcast restore DIR`: what a server needs to
// come back on another machine, and what it cannot get back from elsewhere.
//
// A backup folder holds the SQLite database (copied with SQLite's online
// backup API, so a running server may go on writing), data_dir/keys (the
// store key that opens the platforms' stream keys, the secret the cameras'
// publish keys derive from, the recording signing key, the API token),
// data_dir/cards (the court's standby card), data_dir/emblem (the court's
// emblem on air), data_dir/programs (each program's slate message and
// graphics switches), the config file, and
// backup.json: what was copied with each file's SHA-256, and every
// recording's manifest as it stood (lines and the SHA-256 of its last line)
// — the recordings themselves are too large and are kept where they are; a
// restored server can check its manifests against this list.
//
// PostgreSQL is backed up with its own tools (pg_dump; docs/operations.md):
// the folder then holds everything but the database, and says so.

#include <filesystem>
#include <ostream>
#include <string>

#include "app/config.hpp"

namespace courtcast::app {

// Exit status: 0 when DIR was written (it must not exist or be empty).
int backup_command(const Config& config, const std::string& config_path,
                   const std::filesystem::path& dir, std::ostream& out, std::ostream& err);

// Puts DIR's database, keys, cards, emblem and programs' choices back for
// `config` (the server must be stopped), then checks what came back: the
// audit chain verified, the platforms' stream keys opened, and each
// recording's manifest against the hash listed. When `config_path` does
// not exist, DIR's config is put there first and used. Exit status: 0 when
// restored and every check passed.
int restore_command(const std::string& config_path, const std::filesystem::path& dir,
                    std::ostream& out, std::ostream& err);

}  // namespace courtcast::app
