#include "controller/playbook/status_line.h"

#include <doctest/doctest.h>

#include <cstdio>

#include "controller/playbook/reporter.h"

namespace tend {
namespace {

// A one-line terminal: applies carriage return and erase-line as a terminal
// would, so a test sees what is on the screen, and counts the bytes written.
class FakeTerminal : public Terminal {
 public:
  void Write(std::string_view bytes) override {
    raw += bytes;
    for (size_t i = 0; i < bytes.size(); ++i) {
      if (bytes.substr(i).starts_with("\r\033[K")) {
        screen.clear();
        i += 3;
      } else if (bytes[i] == '\n') {
        ++newlines;
      } else {
        screen += bytes[i];
      }
    }
  }
  int Columns() override { return columns; }

  std::string screen;
  std::string raw;
  int newlines = 0;
  int columns = 80;
};

TEST_CASE("the status line: hosts done of the batch, the task, the time, redrawn in place") {
  FakeTerminal term;
  double now = 2.0;
  StatusLine line(term, [&] { return now; });
  line.Update("install packages", 9, 10);
  CHECK(term.screen == "[install packages] 1/10 hosts done, 2.0s");
  now = 64.5;
  line.Update("install packages", 3, 10);
  CHECK(term.screen == "[install packages] 7/10 hosts done, 1m04s");
  CHECK(term.newlines == 0);  // in place, never scrolling
  line.Update("install packages", 0, 10);  // the task is done everywhere: gone
  CHECK(term.screen.empty());
}

TEST_CASE("the status line never wraps and clears only what it drew") {
  FakeTerminal term;
  term.columns = 20;
  StatusLine line(term, [] { return 0.0; });
  line.Clear();
  CHECK(term.raw.empty());
  line.Update("a very long task name indeed", 1, 2);
  CHECK(term.screen.size() == 19);
  line.Clear();
  CHECK(term.screen.empty());
}

TEST_CASE("tend play's output erases the line before printing, and draws none off a terminal") {
  FakeTerminal term;
  std::FILE* out = std::tmpfile();
  HumanOptions on;
  on.status_line = true;  // what play_command sets when stdout and stderr are terminals
  HumanReporter human(out, on, term);
  human.Progress("ping", 2, 3);
  CHECK(term.screen.starts_with("[ping] 1/3 hosts done, "));
  human.Note("a line of output");
  CHECK(term.screen.empty());

  FakeTerminal quiet;
  HumanReporter piped(out, HumanOptions{}, quiet);  // not a terminal, or --output json
  piped.Progress("ping", 2, 3);
  CHECK(quiet.raw.empty());
  std::fclose(out);
}

}  // namespace
}  // namespace tend
