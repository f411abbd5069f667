#include "core/read_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>
#include <cstring>

namespace tend {

Expected<std::string> ReadInputFile(const std::string& path, size_t max_bytes) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Fail(fmt::format("cannot read {}: {}", path, std::strerror(errno)));
  std::string text;
  struct stat st {};
  if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && static_cast<size_t>(st.st_size) <= max_bytes) {
    text.reserve(static_cast<size_t>(st.st_size));
  }
  char block[1 << 16];
  while (true) {
    ssize_t n = ::read(fd, block, sizeof block);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      ::close(fd);
      return Fail(fmt::format("cannot read {}: {}", path, std::strerror(err)));
    }
    if (n == 0) break;
    if (text.size() + static_cast<size_t>(n) > max_bytes) {
      ::close(fd);
      return Fail(fmt::format("{} is larger than {} MiB, the most tend reads from an input file",
                              path, max_bytes >> 20));
    }
    text.append(block, static_cast<size_t>(n));
  }
  ::close(fd);
  return text;
}

}  // namespace tend
