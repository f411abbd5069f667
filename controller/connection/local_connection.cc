#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <boost/process.hpp>
#include <cerrno>
#include <chrono>
#include <cstring>

#include "controller/connection/connection.h"

namespace tend {
namespace {

namespace bp = boost::process;

// O_CLOEXEC from the start: hosts are started from several threads at once,
// and a pipe end leaked into another host's child would keep its stdin open.
// (bp::limit_handles would do this, but in Boost 1.74 it also closes the
// pipes being handed to the child.)
bp::pipe CloexecPipe() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0)
    throw std::system_error(errno, std::generic_category(), "pipe2");
  return bp::pipe(fds[0], fds[1]);
}

class LocalProcess : public RemoteProcess {
 public:
  explicit LocalProcess(const std::string& command)
      : child_("/bin/sh", bp::args({"-c", command}), bp::std_in<in_, bp::std_out> out_,
               bp::std_err > err_) {}
  ~LocalProcess() override {
    in_.close();
    if (child_.running()) {
      std::error_code ec;
      child_.wait_for(std::chrono::seconds(2), ec);
      if (child_.running(ec)) child_.terminate(ec);
    }
  }

  Expected<void> Write(std::string_view data) override {
    while (!data.empty()) {
      ssize_t n = ::write(in_.native_sink(), data.data(), data.size());
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return Fail(fmt::format("write failed: {}", std::strerror(errno)));
      data.remove_prefix(static_cast<size_t>(n));
    }
    return {};
  }

  Expected<void> CloseStdin() override {
    in_.close();
    return {};
  }

  Expected<ProcessOutput> Read(int timeout_ms) override {
    ProcessOutput result;
    pollfd fds[2] = {{out_open_ ? out_.native_source() : -1, POLLIN, 0},
                     {err_open_ ? err_.native_source() : -1, POLLIN, 0}};
    if (!out_open_ && !err_open_) {
      result.eof = true;
      return result;
    }
    int n = ::poll(fds, 2, timeout_ms);
    if (n < 0 && errno != EINTR) return Fail(fmt::format("poll failed: {}", std::strerror(errno)));
    if (n <= 0) return result;
    Drain(fds[0], out_, out_open_, result.out);
    Drain(fds[1], err_, err_open_, result.err);
    result.eof = !out_open_ && !err_open_;
    return result;
  }

  int ExitStatus() override {
    std::error_code ec;
    child_.wait(ec);
    return ec ? -1 : child_.exit_code();
  }

  void Interrupt() override {
    if (child_.running()) ::kill(child_.id(), SIGTERM);
  }

 private:
  static void Drain(const pollfd& fd, bp::pipe& pipe, bool& open, std::string& into) {
    if (fd.fd < 0 || fd.revents == 0) return;
    char buffer[65536];
    ssize_t n = ::read(fd.fd, buffer, sizeof buffer);
    if (n > 0) {
      into.append(buffer, static_cast<size_t>(n));
    } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
      open = false;
      pipe.close();
    }
  }

  bp::pipe in_ = CloexecPipe(), out_ = CloexecPipe(), err_ = CloexecPipe();
  bp::child child_;
  bool out_open_ = true;
  bool err_open_ = true;
};

class LocalConnection : public Connection {
 public:
  const std::string& LoginUser() const override { return user_; }
  bool Alive() const override { return true; }

  Expected<std::unique_ptr<RemoteProcess>> Start(const std::string& command) override {
    try {
      return std::make_unique<LocalProcess>(command);
    } catch (const std::exception& e) {
      return Fail(fmt::format("cannot start /bin/sh: {}", e.what()));
    }
  }

 private:
  std::string user_ = LocalUserName();
};

}  // namespace

Expected<std::unique_ptr<Connection>> ConnectLocal(const HostTarget&) {
  return std::make_unique<LocalConnection>();
}

}  // namespace tend
