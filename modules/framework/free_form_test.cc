#include "modules/framework/free_form.h"

#include <doctest/doctest.h>

namespace tend {

TEST_CASE("SplitArgs keeps quotes and Jinja2 blocks whole") {
  auto tokens = SplitArgs(R"(echo "a b" 'c d' {{ x | default('y z') }} e\ f)");
  REQUIRE(tokens.has_value());
  CHECK(*tokens == std::vector<std::string>{"echo", "\"a b\"", "'c d'", "{{ x | default('y z') }}",
                                            "e\\", "f"});
  CHECK(SplitArgs("echo 'oops").error().message == "unbalanced quotes in arguments: echo 'oops");
  CHECK(SplitArgs("echo {{ x").error().message ==
        "unbalanced Jinja2 block in arguments: echo {{ x");
}

TEST_CASE("k=v arguments for a regular module") {
  auto args = ParseFreeFormArgs("file", "path=/tmp/x state=directory mode='0755' owner=\"a b\"");
  REQUIRE(args.has_value());
  CHECK(args->dump() == R"({"path":"/tmp/x","state":"directory","mode":"0755","owner":"a b"})");
}

TEST_CASE("free-form modules keep the command with its quotes in _raw_params") {
  auto args = ParseFreeFormArgs("command", R"(echo "hello world" a=b creates=/tmp/x chdir=/tmp)");
  REQUIRE(args.has_value());
  CHECK(args->dump() ==
        R"({"creates":"/tmp/x","chdir":"/tmp","_raw_params":"echo \"hello world\" a=b"})");
  auto shell = ParseFreeFormArgs("ansible.builtin.shell", "ls | wc -l executable=/bin/bash");
  REQUIRE(shell.has_value());
  CHECK(shell->dump() == R"({"executable":"/bin/bash","_raw_params":"ls | wc -l"})");
}

TEST_CASE("raw and script are free-form too") {
  auto raw = ParseFreeFormArgs("raw", "apt-get install -y python3 executable=/bin/bash");
  CHECK(raw->dump() == R"({"executable":"/bin/bash","_raw_params":"apt-get install -y python3"})");
  auto script = ParseFreeFormArgs("script", "files/setup.sh --fast creates=/opt/done");
  CHECK(script->dump() == R"({"creates":"/opt/done","_raw_params":"files/setup.sh --fast"})");
}

TEST_CASE("leftover words of a regular module land in _raw_params") {
  auto args = ParseFreeFormArgs("ping", "data=x oops");
  REQUIRE(args.has_value());
  CHECK(args->dump() == R"({"data":"x","_raw_params":"oops"})");
}

}  // namespace tend
