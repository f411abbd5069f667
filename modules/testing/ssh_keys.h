#pragma once

// Public keys the authorized_key tests and its parser's tests share (tests only).

#include <doctest/doctest.h>
#include <fmt/format.h>

#include "modules/framework/text.h"
#include "modules/parsers/system_parse.h"
#include "modules/testing/test_support.h"

namespace tend::ssh_keys_test {

constexpr const char* kKeyA = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAaaa alice@laptop";

constexpr const char* kKeyB = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABbbb bob@desk";

}  // namespace tend::ssh_keys_test
