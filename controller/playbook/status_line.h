#pragma once

// The live status line `tend play` draws under its output on a terminal:
// hosts done of the batch, the current task and the time since the run
// began, redrawn in place and erased before any other output line.

#include <chrono>
#include <functional>
#include <string>
#include <string_view>

namespace tend {

/// Where the line is drawn (stderr on a terminal; a fake in tests).
class Terminal {
 public:
  virtual ~Terminal() = default;
  virtual void Write(std::string_view bytes) = 0;
  /// The terminal's width in columns.
  virtual int Columns() = 0;
};

/// stderr, with its width from the kernel (80 when unknown).
Terminal& StderrTerminal();

/// "[install packages] 3/10 hosts done, 1m04s", cut to `columns` - 1 so the
/// cursor never wraps to a new line.
std::string StatusText(std::string_view task, int done, int total, double seconds, int columns);

class StatusLine {
 public:
  using Clock = std::function<double()>;  // seconds since the run began
  explicit StatusLine(Terminal& terminal, Clock clock = {});
  /// Redraws the line; `running` hosts are still busy with `task`.
  void Update(std::string_view task, int running, int total);
  /// Erases the line (before other output, and when nothing runs).
  void Clear();

 private:
  Terminal& terminal_;
  Clock clock_;
  bool shown_ = false;
};

}  // namespace tend
