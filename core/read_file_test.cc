#include "core/read_file.h"

#include <doctest/doctest.h>

#include <cstdio>
#include <unistd.h>

#include <fstream>

namespace tend {

// issue 21: `-i /dev/zero` grew until std::bad_alloc aborted tend.
TEST_CASE("ReadInputFile stops at the bound on an endless device") {
  auto zero = ReadInputFile("/dev/zero", 1 << 20);
  REQUIRE_FALSE(zero);
  CHECK(zero.error().message ==
        "/dev/zero is larger than 1 MiB, the most tend reads from an input file");
}

TEST_CASE("ReadInputFile reads a file whole and names a missing one") {
  std::string path = "/tmp/tend-read-file-test." + std::to_string(::getpid());
  std::ofstream(path) << "a: 1\n";
  CHECK(ReadInputFile(path).value() == "a: 1\n");
  std::remove(path.c_str());
  CHECK(ReadInputFile(path).error().message == "cannot read " + path + ": No such file or directory");
}

}  // namespace tend
