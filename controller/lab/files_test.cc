#include "controller/lab/files.h"

#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

namespace tend::lab {

TEST_CASE("terminal colour codes are stripped from logs") {
  CHECK(StripAnsi("\x1b[0;32m  OK  \x1b[0m] Started x.\r\n") == "  OK  ] Started x.\n");
  CHECK(StripAnsi("plain") == "plain");
  CHECK(StripAnsi("\x1b[1;39mbold") == "bold");
}

TEST_CASE("log tails keep the last lines, indented") {
  struct Case {
    const char* text;
    size_t lines;
    const char* tail;
  };
  Case cases[] = {
      {"a\nb\nc\n", 2, "    b\n    c"},
      {"a\nb\nc", 5, "    a\n    b\n    c"},
      {"a\n\n\nb\n", 1, "    b"},
      {"", 3, ""},
      {"\x1b[31mred\x1b[0m\n", 1, "    red"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.text);
    CHECK(LogTail(c.text, c.lines) == c.tail);
  }
}

TEST_CASE("files are written atomically with their mode, locks are reentrant across calls") {
  namespace fs = std::filesystem;
  std::string dir =
      (fs::temp_directory_path() / ("tend-lab-files-" + std::to_string(getpid()))).string();
  REQUIRE(MakeDirs(dir + "/a/b"));
  REQUIRE(WriteFile(dir + "/a/b/key", "secret", 0600));
  struct stat st;
  REQUIRE(stat((dir + "/a/b/key").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  CHECK(ReadFile(dir + "/a/b/key").value() == "secret");
  CHECK(ReadFile(dir + "/missing").error().message.starts_with("cannot read " + dir + "/missing"));
  {
    auto lock = FileLock::Acquire(dir + "/lock");
    REQUIRE(lock);
  }
  CHECK(FileLock::Acquire(dir + "/lock"));
  fs::remove_all(dir);
}

}  // namespace tend::lab
