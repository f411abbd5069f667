#include "controller/lab/process.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <sstream>

#include "controller/lab/files.h"

namespace tend::lab {

std::string ErrnoText(int err) { return std::strerror(err); }

std::optional<std::string> FindProgram(const std::string& program) {
  if (program.find('/') != std::string::npos) {
    if (access(program.c_str(), X_OK) == 0) return program;
    return std::nullopt;
  }
  const char* env = std::getenv("PATH");
  std::string path = fmt::format("{}:/usr/sbin:/sbin:/usr/bin:/bin", env ? env : "");
  std::istringstream dirs(path);
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    if (dir.empty()) continue;
    std::string candidate = dir + "/" + program;
    struct stat st;
    if (stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
        access(candidate.c_str(), X_OK) == 0) {
      return candidate;
    }
  }
  return std::nullopt;
}

Expected<CommandResult> RunCommand(const std::vector<std::string>& argv,
                                   const CommandOptions& options) {
  auto program = FindProgram(argv.at(0));
  if (!program) return Fail(fmt::format("{}: command not found", argv[0]));
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);

  int out_fd = -1;
  int pipe_fds[2] = {-1, -1};
  if (!options.log_path.empty()) {
    out_fd = open(options.log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (out_fd < 0) {
      return Fail(fmt::format("cannot open {}: {}", options.log_path, ErrnoText(errno)));
    }
  } else {
    if (pipe2(pipe_fds, O_CLOEXEC) != 0) return Fail("pipe: " + ErrnoText(errno));
    out_fd = pipe_fds[1];
  }
  pid_t pid = fork();
  if (pid < 0) return Fail("fork: " + ErrnoText(errno));
  if (pid == 0) {
    int null_fd = open("/dev/null", O_RDONLY);
    dup2(null_fd, 0);
    dup2(out_fd, 1);
    dup2(out_fd, 2);
    if (options.private_mounts &&
        (unshare(CLONE_NEWNS) != 0 || mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr))) {
      _exit(126);
    }
    execv(program->c_str(), args.data());
    _exit(127);
  }
  CommandResult result;
  if (pipe_fds[0] >= 0) {
    close(pipe_fds[1]);
    char buf[4096];
    ssize_t n;
    while ((n = read(pipe_fds[0], buf, sizeof(buf))) > 0 || (n < 0 && errno == EINTR)) {
      if (n > 0) result.output.append(buf, n);
    }
    close(pipe_fds[0]);
  } else {
    close(out_fd);
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

std::optional<uint64_t> ParseStatStartTime(const std::string& stat) {
  // "pid (comm) S ppid ...": comm may hold spaces and parentheses, so fields
  // are counted from the last ')'.
  size_t close_paren = stat.rfind(')');
  if (close_paren == std::string::npos) return std::nullopt;
  std::istringstream rest(stat.substr(close_paren + 1));
  std::string field;
  for (int index = 3; rest >> field; ++index) {
    if (index == 3 && (field == "Z" || field == "X")) return std::nullopt;
    if (index == 22) return std::strtoull(field.c_str(), nullptr, 10);
  }
  return std::nullopt;
}

std::optional<uint64_t> ProcessStartTime(pid_t pid) {
  if (pid <= 0) return std::nullopt;
  auto stat = ReadFile(fmt::format("/proc/{}/stat", pid));
  if (!stat) return std::nullopt;
  return ParseStatStartTime(*stat);
}

bool IsProcessAlive(pid_t pid, uint64_t start_time) {
  auto now = ProcessStartTime(pid);
  return now && *now == start_time;
}

}  // namespace tend::lab
