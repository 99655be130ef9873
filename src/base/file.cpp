#include "base/file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace courtcast::base {

namespace fs = std::filesystem;

namespace {

Error errno_error(const std::string& what, const fs::path& path) {
  return make_error(what + " " + path.string() + ": " + std::strerror(errno));
}

}  // namespace

Result<void> write_file_atomically(const fs::path& path, std::span<const std::uint8_t> data,
                                   unsigned mode) {
  const fs::path tmp = path.string() + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) return errno_error("cannot create", tmp);
  // A leftover temporary file from an earlier crash keeps its old mode.
  ::fchmod(fd, mode);
  const auto fail = [&](const char* what) {
    Error e = errno_error(what, tmp);
    ::close(fd);
    ::unlink(tmp.c_str());
    return e;
  };
  std::size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return fail("cannot write");
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) return fail("cannot sync");
  ::close(fd);
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    Error e = errno_error("cannot rename to", path);
    ::unlink(tmp.c_str());
    return e;
  }
  return sync_dir(path.has_parent_path() ? path.parent_path() : fs::path("."));
}

Result<void> sync_dir(const fs::path& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return errno_error("cannot open directory", dir);
  if (::fsync(fd) != 0) {
    Error e = errno_error("cannot sync directory", dir);
    ::close(fd);
    return e;
  }
  ::close(fd);
  return {};
}

}  // namespace courtcast::base
