#pragma once

// Whether a FakeHost ran a command, for the locale, kernel module and service
// tests (tests only).

#include <doctest/doctest.h>
#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "modules/parsers/kernel_parse.h"
#include "modules/testing/test_support.h"

namespace tend::commands_ran_test {

inline bool Ran(const FakeHost& host, const std::string& command) {
  const auto& commands = host.commands();
  return std::find(commands.begin(), commands.end(), command) != commands.end();
}

inline bool RanAny(const FakeHost& host, const std::string& prefix) {
  for (const auto& c : host.commands()) {
    if (c.starts_with(prefix)) return true;
  }
  return false;
}

}  // namespace tend::commands_ran_test
