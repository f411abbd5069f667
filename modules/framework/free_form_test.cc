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

TEST_CASE("SplitArgs follows Ansible's split_args on escapes, lines and Jinja2 spans") {
  struct Case {
    const char* text;
    std::vector<std::string> words;
  };
  const Case cases[] = {
      // An escaped quote neither opens nor closes a quoted string.
      {R"(echo it\'s "a \" b")", {"echo", R"(it\'s)", R"("a \" b")"}},
      // Comments are spans too; spaces inside any span are kept as written.
      {"echo {# a  b #} {% if x %}y{% endif %}", {"echo", "{# a  b #}", "{% if x %}y{% endif %}"}},
      // A line break ends the word before it and stays at its end.
      {"cd /tmp\nls -l", {"cd", "/tmp\n", "ls", "-l"}},
      // ... except inside quotes, and a lone backslash joins the lines.
      {"echo 'a\nb' \\\n-n", {"echo", "'a\nb'", "-n"}},
      // Only spaces split; a tab is part of a word. A second space in a row
      // goes to the end of the word before it, also when it indents a line.
      {"a\tb  c", {"a\tb ", "c"}},
      {"if x:\n    y\n", {"if", "x:\n   ", "y\n"}},
      // Inside quotes the text is kept as written, indentation included.
      {"sh -c 'if x\n  then y\nfi'", {"sh", "-c", "'if x\n  then y\nfi'"}},
      // Spaces that lead the whole text have no word to join: they are dropped
      // (Ansible fails on them).
      {"  ls", {"ls"}},
  };
  for (const auto& c : cases) {
    CAPTURE(c.text);
    auto words = SplitArgs(c.text);
    REQUIRE_MESSAGE(words.has_value(), words.error().message);
    CHECK(*words == c.words);
  }
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

// Each case is text on which the loader's, the ad-hoc `-a` and this parser's
// copies gave different arguments; the expected value is what Ansible's
// parse_kv gives.
TEST_CASE("module argument text is read as Ansible's parse_kv reads it") {
  struct Case {
    const char* module;
    const char* text;
    const char* expected;
  };
  const Case cases[] = {
      // The command line keeps its spacing, as Ansible's does: each extra space
      // stays at the end of the word before it (`removes=` took its value).
      {"command", "echo  'a  b'   removes=/x",
       R"({"removes":"/x","_raw_params":"echo  'a  b'  "})"},
      // This parser used to join the lines of a multi-line command into one,
      // then dropped the line break that ends a `|` block.
      {"shell", "cd /tmp\nls -l\n", R"({"_raw_params":"cd /tmp\nls -l\n"})"},
      // An escaped quote inside a word was an "unbalanced quotes" error here.
      {"command", R"(echo it\'s)", R"({"_raw_params":"echo it\\'s"})"},
      {"file", R"(path=/x owner='it\'s')", R"({"path":"/x","owner":"it's"})"},
      // -a split with shell rules, which removed quotes in the middle of a value
      // and broke Jinja2 spans at their spaces.
      {"file", R"(path=/x owner=a"b c"d)", R"({"path":"/x","owner":"a\"b c\"d"})"},
      {"file", "path={{ base | default('/srv a') }} state=directory",
       R"({"path":"{{ base | default('/srv a') }}","state":"directory"})"},
      // -a took `cmd` for command (which has no such option) and dropped `warn`
      // handling to the spec; the loader took only names made of [A-Za-z0-9_].
      {"command", "ls cmd=x warn=no", R"({"warn":"no","_raw_params":"ls cmd=x"})"},
      {"user", "name=a x.y=1 x-z=2", R"({"name":"a","x.y":"1","x-z":"2"})"},
      // Escapes are decoded in k=v values, not in the command line; a word whose
      // every `=` is escaped is text, with the escapes removed.
      {"copy", R"(dest=/x content="a\tb\n")", R"({"dest":"/x","content":"a\tb\n"})"},
      {"command", R"(echo \n a\=b)", R"({"_raw_params":"echo \\n a=b"})"},
      {"ping", R"(a\=b)", R"({"_raw_params":"a=b"})"},
      // Values stay strings: the module's spec converts them (the loader read
      // `yes` as a boolean, so `copy content=yes` wrote "True").
      {"apt", "name=git update_cache=yes", R"({"name":"git","update_cache":"yes"})"},
      {"copy", "dest=/x content=yes", R"({"dest":"/x","content":"yes"})"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.module);
    CAPTURE(c.text);
    auto args = ParseFreeFormArgs(c.module, c.text);
    REQUIRE_MESSAGE(args.has_value(), args.error().message);
    CHECK(args->dump() == c.expected);
  }
}

// A `shell: |` block is a script: the shell (or Python, with `executable`)
// must get it as written, and `cmd` in the result shows it so.
TEST_CASE("a multi-line free-form command keeps its exact text") {
  const std::string script =
      "for f in a b; do\n"
      "    if [ -e \"$f\" ]; then\n"
      "        echo  \"$f  here\"\n"
      "    fi\n"
      "done\n";
  auto args = ParseFreeFormArgs("shell", script);
  REQUIRE(args.has_value());
  CHECK((*args)["_raw_params"] == script);
  // A lone backslash still joins two lines into one command.
  auto joined = ParseFreeFormArgs("shell", "printf %s \\\n  x\nid\n");
  REQUIRE(joined.has_value());
  CHECK((*joined)["_raw_params"] == "printf %s  x\nid\n");
}

TEST_CASE("argument text rules for actions without a spec") {
  auto strict = ParseArgText("name=x oops", {.allow_raw = false});
  REQUIRE_FALSE(strict.has_value());
  CHECK(strict.error().message == "expected key=value arguments, got 'oops'");
  auto typed = ParseArgText("a=yes b='yes'", {.plain_value = [](const std::string& v) {
                              return v == "yes" ? Json(true) : Json(v);
                            }});
  REQUIRE(typed.has_value());
  CHECK(typed->dump() == R"({"a":true,"b":"yes"})");
  auto no_spec = ParseArgText("ls chdir=/tmp argv=x", {.free_form = true});
  CHECK(no_spec->dump() == R"({"chdir":"/tmp","_raw_params":"ls argv=x"})");
}

}  // namespace tend
