#pragma once
// Writing a file so that a crash leaves the old content or the new, never
// half of either.

#include <filesystem>
#include <span>
#include <string_view>

#include "base/result.hpp"

namespace courtcast::base {

// Writes `data` to a temporary file beside `path` with `mode`, syncs it,
// renames it over `path` and syncs the directory, so the rename is durable
// too. The error names the file and the step that failed.
Result<void> write_file_atomically(const std::filesystem::path& path,
                                   std::span<const std::uint8_t> data, unsigned mode = 0600);
inline Result<void> write_file_atomically(const std::filesystem::path& path, std::string_view data,
                                          unsigned mode = 0600) {
  return write_file_atomically(
      path, {reinterpret_cast<const std::uint8_t*>(data.data()), data.size()}, mode);
}

// Syncs a directory, which makes a rename or removal inside it durable.
// The error names the directory; evidence code must not go on without it.
Result<void> sync_dir(const std::filesystem::path& dir);

}  // namespace courtcast::base
