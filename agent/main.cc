#include <cstdio>
#include <cstring>

#include "core/version.h"

int main(int argc, char** argv) {
  if (argc > 1 && std::strcmp(argv[1], "--version") == 0) {
    std::printf("tend-agent %s (%s)\n", tend::kVersion, tend::kGitRevision);
    return 0;
  }
  std::fprintf(stderr, "usage: tend-agent serve | --version\n");
  return 2;
}
