#include "controller/playbook/status_line.h"

#include <fmt/format.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cstdio>

namespace tend {
namespace {

// Back to the start of the line and erase it.
constexpr std::string_view kErase = "\r\033[K";

class Stderr : public Terminal {
 public:
  void Write(std::string_view bytes) override {
    std::fwrite(bytes.data(), 1, bytes.size(), stderr);
    std::fflush(stderr);
  }
  int Columns() override {
    winsize size{};
    if (ioctl(STDERR_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_col > 0) return size.ws_col;
    return 80;
  }
};

std::string Elapsed(double seconds) {
  auto whole = static_cast<long>(seconds);
  if (whole < 60) return fmt::format("{:.1f}s", seconds);
  return fmt::format("{}m{:02}s", whole / 60, whole % 60);
}

}  // namespace

Terminal& StderrTerminal() {
  static Stderr terminal;
  return terminal;
}

std::string StatusText(std::string_view task, int done, int total, double seconds, int columns) {
  std::string text =
      fmt::format("[{}] {}/{} hosts done, {}", task, done, total, Elapsed(seconds));
  size_t room = columns > 1 ? static_cast<size_t>(columns - 1) : 0;
  if (text.size() > room) text = text.substr(0, room);
  return text;
}

StatusLine::StatusLine(Terminal& terminal, Clock clock) : terminal_(terminal), clock_(clock) {
  if (!clock_) {
    auto start = std::chrono::steady_clock::now();
    clock_ = [start] {
      return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    };
  }
}

void StatusLine::Update(std::string_view task, int running, int total) {
  if (running <= 0) return Clear();
  terminal_.Write(std::string(kErase) +
                  StatusText(task, total - running, total, clock_(), terminal_.Columns()));
  shown_ = true;
}

void StatusLine::Clear() {
  if (!shown_) return;
  terminal_.Write(kErase);
  shown_ = false;
}

}  // namespace tend
