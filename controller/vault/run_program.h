#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "core/error.h"

namespace tend {

struct ProgramOutput {
  int exit_code = 0;  ///< exit status, or 128+signal
  std::string out;
  std::string err;
};

/// Runs argv[0] (no shell) with stdin from /dev/null, collecting stdout and
/// stderr; kills it after `timeout`. For vault password scripts and inventory
/// scripts. Fails only when it cannot start or times out.
Expected<ProgramOutput> RunProgram(const std::vector<std::string>& argv,
                                   std::chrono::milliseconds timeout,
                                   bool inherit_stderr = false);

}  // namespace tend
