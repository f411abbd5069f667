#include "controller/template/template.h"

#include <doctest/doctest.h>

#include <fstream>
#include <set>

#include "controller/template/jinja.h"

namespace tend {
namespace {

std::string SourceDir() {
  const char* dir = std::getenv("TEND_SOURCE_DIR");
  return dir ? dir : ".";
}

std::string ReadText(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// Ansible 2.14 turns a lone `{{ 5 }}` into "5"; tend keeps the number (the
// playbook engine wants native types), so a number matches its string form.
bool SameResult(const Json& ours, const Json& expected) {
  if (ours == expected) return true;
  if (ours.is_number() && expected.is_number()) return jinja::PyEquals(ours, expected);
  if (ours.is_number() && expected.is_string()) return PythonStr(ours) == expected.get<std::string>();
  if (ours.is_array() && expected.is_array() && ours.size() == expected.size()) {
    for (size_t k = 0; k < ours.size(); ++k)
      if (!SameResult(ours[k], expected[k])) return false;
    return true;
  }
  if (ours.is_object() && expected.is_object() && ours.size() == expected.size()) {
    for (auto& [k, v] : expected.items())
      if (!ours.contains(k) || !SameResult(ours[k], v)) return false;
    return true;
  }
  return false;
}

Expected<Json> RenderCase(const std::string& text, const Json& vars) {
  JsonScope scope(vars);
  Templar templar(scope);
  return templar.Render(text, "case");
}

}  // namespace

TEST_CASE("differential cases from Ansible's templar (tests/jinja/cases.json)") {
  Json data = Json::parse(ReadText(SourceDir() + "/tests/jinja/cases.json"));
  std::set<std::string> known;
  {
    std::ifstream in(SourceDir() + "/tests/jinja/known_failures.txt");
    for (std::string line; std::getline(in, line);)
      if (!line.empty() && line[0] != '#') known.insert(line);
  }
  const Json& common = data["common_vars"];
  int passed = 0, failed = 0, skipped = 0;
  std::string report;
  for (const auto& c : data["cases"]) {
    const std::string& text = c["template"].get_ref<const std::string&>();
    const Json& vars = c["vars"].is_string() ? common : c["vars"];
    auto got = RenderCase(text, vars);
    bool ok = c.contains("error") ? !got.has_value() : (got && SameResult(*got, c["expected"]));
    std::string key = Json(text).dump();
    if (known.count(key)) {
      ++skipped;
      continue;
    }
    if (ok) {
      ++passed;
      continue;
    }
    ++failed;
    report += "\n  " + key + "\n    expected: " +
              (c.contains("error") ? "error " + c["error"].dump() : c["expected"].dump()) +
              "\n    got:      " + (got ? got->dump() : "error " + got.error().ToString());
  }
  MESSAGE(passed << " passed, " << failed << " failed, " << skipped << " known divergences");
  CHECK_MESSAGE(failed == 0, report);
}

TEST_CASE("syntax errors name the template, line and column, with a caret") {
  auto t = CompileTemplate("line one\n{% if x %}\nbody\n", "site.j2");
  REQUIRE(!t);
  CHECK(t.error().ToString() ==
        "site.j2:4:1: Unexpected end of template. Jinja was looking for the following tags: "
        "'elif' or 'else' or 'endif'. The innermost block that needs to be closed is 'if'.\n"
        "    \n    ^");
  auto f = CompileTemplate("{{ name | uper }}", "t.j2");
  REQUIRE(!f);
  CHECK(f.error().ToString() ==
        "t.j2:1:11: No filter named 'uper'. Did you mean 'upper'?\n"
        "    {{ name | uper }}\n"
        "              ^");
  auto s = CompileTemplate("ok\n{{ 1 + }}", "u.j2");
  REQUIRE(!s);
  CHECK(s.error().ToString() == "u.j2:2:8: unexpected '}}'\n    {{ 1 + }}\n           ^");
  auto tag = CompileTemplate("{% iff x %}", "v.j2");
  REQUIRE(!tag);
  CHECK(tag.error().ToString() ==
        "v.j2:1:4: Encountered unknown tag 'iff'., did you mean 'if'?\n    {% iff x %}\n       ^");
}

TEST_CASE("undefined variables name the variable and the place") {
  Json vars = {{"a", 1}};
  JsonScope scope(vars);
  Templar templar(scope);
  auto r = templar.Render("{{ missing }}", "site.yml:12:9 (msg)");
  REQUIRE(!r);
  CHECK(r.error().ToString() == "site.yml:12:9 (msg): 'missing' is undefined");
  auto c = templar.EvaluateCondition("missing == 1", "site.yml:3:5 (when)");
  REQUIRE(!c);
  CHECK(c.error().ToString() ==
        "site.yml:3:5 (when): The conditional check 'missing == 1' failed. The error was: error "
        "while evaluating conditional (missing == 1): 'missing' is undefined");
  CHECK(templar.EvaluateCondition("missing is not defined or missing", "w").value());
  // In a task's args, as Ansible's post_validate words it.
  auto args = templar.Render("{{ missing }}", "site.yml:12:3 (args)");
  REQUIRE(!args);
  CHECK(args.error().ToString() ==
        "site.yml:12:3 (args): The task includes an option with an undefined variable. The error was: "
        "'missing' is undefined");
}

TEST_CASE("native types, lazy recursive variables, omit, unsafe and vault") {
  Json vars = Json::parse(R"({"users": ["a", "b"], "n": "{{ 2 + 3 }}", "loop1": "{{ loop2 }}",
      "loop2": "{{ loop1 }}", "raw": {"__ansible_unsafe": "{{ not templated }}"},
      "secret": {"__ansible_vault": "$ANSIBLE_VAULT;1.1;AES256\n00"}})");
  JsonScope scope(vars);
  TemplarHooks hooks;
  hooks.decrypt_vault = [](const std::string&) -> Expected<std::string> { return "plain"; };
  Templar templar(scope, hooks);
  CHECK(templar.Render("{{ users }}", "t").value() == Json::array({"a", "b"}));
  CHECK(templar.Render("{{ n }}", "t").value() == 5);
  CHECK(templar.Render("{{ n * 2 }}", "t").value() == 10);
  auto loop = templar.Render("{{ loop1 }}", "t");
  REQUIRE(!loop);
  CHECK(loop.error().message.rfind("recursive loop detected in template string", 0) == 0);
  CHECK(IsOmit(templar.Render("{{ omit }}", "t").value()));
  CHECK(templar.Render("{{ raw }}", "t").value() == "{{ not templated }}");
  CHECK(templar.Render("{{ secret }}", "t").value() == "plain");
  CHECK(templar.RenderValue(Json{{"k", "{{ users | length }}"}}, "t").value() == Json{{"k", 2}});
  CHECK(templar.EvaluateCondition("users | length == 2", "t").value());
  CHECK_FALSE(templar.EvaluateCondition("'c' in users", "t").value());
}

TEST_CASE("hostvars values are templated when read; a host var may use hostvars") {
  // Every host's group_vars carry uri, which reads hostvars itself: naming
  // hostvars must not render all of it up front (that loops).
  Json vars = Json::parse(R"({
    "uri": "http://{{ hostvars['db'].ansible_host }}:{{ port }}",
    "port": 5000,
    "hostvars": {
      "db": {"ansible_host": "10.0.0.9", "port": 5000,
             "uri": "http://{{ hostvars['db'].ansible_host }}:{{ port }}"},
      "web": {"ansible_host": "{{ '10.0.0.' ~ 3 }}"}
    }})");
  JsonScope scope(vars);
  Templar templar(scope);
  CHECK(templar.Render("{{ uri }}", "t").value() == "http://10.0.0.9:5000");
  CHECK(templar.Render("{{ hostvars['db'].uri }}", "t").value() == "http://10.0.0.9:5000");
  CHECK(templar.Render("{{ hostvars.web.ansible_host }}", "t").value() == "10.0.0.3");
  CHECK(templar.Render("{{ hostvars['web']['ansible_host'] | default('x') }}", "t").value() ==
        "10.0.0.3");
}

TEST_CASE("a result that looks like a literal stays text after a string filter, as in Ansible") {
  Json vars = Json::parse(R"({"opts": {"a": "1"}})");
  JsonScope scope(vars);
  Templar templar(scope);
  CHECK(templar.Render("{{ opts | to_nice_json }}\n", "t").value() == "{\n    \"a\": \"1\"\n}\n");
  CHECK(templar.Render("{{ opts | to_json }}", "t").value() == "{\"a\": \"1\"}");
  CHECK(templar.Render("{{ opts | string }}", "t").value().is_string());
  CHECK(templar.Render("{{ opts }}x", "t").value() == "{'a': '1'}x");
  CHECK(templar.Render("[{{ opts.a }}]", "t").value() == Json::array({1}));
}

TEST_CASE("rendered text in JSON's spelling becomes data, as Ansible's Json2Python reads it") {
  JsonScope scope(Json::object());
  Templar templar(scope);
  CHECK(templar.Render(R"({{ "" }}{"n": null, "t": true, "f": false})", "t").value() ==
        Json::parse(R"({"n": null, "t": true, "f": false})"));
  CHECK(templar.Render(R"({{ "" }}[true, "true", None])", "t").value() ==
        Json::parse(R"([true, "true", null])"));
  CHECK(templar.Render(R"({{ "" }}[none, 1])", "t").value() == "[none, 1]");
}

// Ansible wraps a condition in `{% if %}`, where it doubles no backslashes.
TEST_CASE("escapes in a condition's string literals are Jinja's") {
  Json vars = {{"m", "load \"asdf \": 'x'"}};
  JsonScope scope(vars);
  Templar templar(scope);
  CHECK(templar.EvaluateCondition(R"("load \"asdf \": 'x'" in m)", "t").value());
  CHECK(templar.EvaluateCondition(R"('a\nb' | length == 3)", "t").value());
}

TEST_CASE("a test or filter name that cannot be a plugin is refused with Ansible's words") {
  JsonScope scope(Json::object());
  Templar templar(scope);
  auto bad = templar.Render(R"({{ [{"a": 1}] | selectattr("a", "asdf ", 1) | list }})", "t");
  REQUIRE_FALSE(bad.has_value());
  CHECK(bad.error().message.find(
            "TemplateSyntaxError: Could not load \"asdf \": 'invalid plugin name: ansible.builtin.asdf '") !=
        std::string::npos);
  auto missing = templar.Render(R"({{ [1] | select("nosuchtest") | list }})", "t");
  REQUIRE_FALSE(missing.has_value());
  CHECK(missing.error().message.find("No test named 'nosuchtest'.") != std::string::npos);
}

TEST_CASE("*args and **kwargs spread into a call, after keyword arguments too, as in Jinja2") {
  Json vars = {{"bounds", {2, 5}}, {"extra", {{"c", 3}}}, {"words", {"x", "y"}}};
  CHECK(RenderCase("{{ range(*bounds) | list }}", vars).value() == Json({2, 3, 4}));
  CHECK(RenderCase("{{ dict(a=1, **extra) }}", vars).value() == Json({{"a", 1}, {"c", 3}}));
  CHECK(RenderCase("{{ lookup('items', wantlist=True, *words) }}", vars).value() ==
        Json({"x", "y"}));
  CHECK_FALSE(RenderCase("{{ range(*bounds, 2) }}", vars).has_value());
  CHECK_FALSE(RenderCase("{{ dict(**extra, a=1) }}", vars).has_value());
}

TEST_CASE("format's %r shows an undefined variable as Ansible's repr; other uses raise") {
  Json vars = {{"n", 3}};
  CHECK(RenderCase(R"({{ "%r and %r" | format(nowhere, n) }})", vars).value() ==
        "AnsibleUndefined(hint=None, obj=missing, name='nowhere') and 3");
  auto as_text = RenderCase(R"({{ "%s" | format(nowhere) }})", vars);
  REQUIRE_FALSE(as_text.has_value());
  CHECK(as_text.error().message.find("'nowhere' is undefined") != std::string::npos);
  CHECK_FALSE(RenderCase(R"({{ "%d" | format(nowhere) }})", vars).has_value());
}

TEST_CASE("templates compile once and render many times") {
  auto t = CompileTemplate("{% for u in users %}{{ u }}\n{% endfor %}", "users.j2");
  REQUIRE(t);
  for (int i = 0; i < 3; ++i) {
    Json vars = {{"users", Json::array({"x", std::to_string(i)})}};
    JsonScope scope(vars);
    Templar templar(scope);
    CHECK(templar.RenderTemplate(*t).value() == "x\n" + std::to_string(i) + "\n");
  }
}

// Ansible's variable_start_string and the like: other delimiters, with the
// whitespace controls; Jinja2's own then are plain text.
TEST_CASE("tags with other delimiters") {
  TemplateOptions options;
  options.variable_start = "[%";
  options.variable_end = "%]";
  options.comment_start = "[#";
  options.comment_end = "#]";
  options.block_start = "<%";
  options.block_end = "%>";
  const std::pair<const char*, const char*> cases[] = {
      {"Hello [% name %]!", "Hello world!"},
      {"[# note #]\nx={{ name }}", "x={{ name }}"},
      {"<% for i in [1, 2] -%>\n[%- i -%]\n<% endfor %>.", "12."},
      {"<% raw %>[% name %]<% endraw %>", "[% name %]"},
      {"[% {'a': [1]}['a'][0] %]", "1"},
  };
  Json vars = {{"name", "world"}};
  JsonScope scope(vars);
  Templar templar(scope);
  for (const auto& [source, expected] : cases) {
    CAPTURE(source);
    auto t = CompileTemplate(source, "t.j2", options);
    REQUIRE_MESSAGE(t.has_value(), t.error().message);
    CHECK(templar.RenderTemplate(*t).value() == expected);
  }
  CHECK(CompileTemplate("[% name", "t.j2", options).error().message.find(
            "expected 'end of print statement'") != std::string::npos);
}

}  // namespace tend

namespace tend {

TEST_CASE("RenderFile renders as the template module does") {
  std::string dir = std::string(std::getenv("TMPDIR") ? std::getenv("TMPDIR") : "/tmp");
  std::string path = dir + "/tend_template_test.j2";
  {
    std::ofstream f(path);
    f << "#jinja2: lstrip_blocks: True\n[s]\n  {% for k, v in env.items() %}\n{{ k }}={{ v }}\n  {% endfor %}\n\n";
  }
  Json vars = {{"env", {{"A", 1}, {"B", "two"}}}};
  JsonScope scope(vars);
  Templar templar(scope);
  CHECK(templar.RenderFile(path).value() == "[s]\nA=1\nB=two\n\n");
  // The template module's variables, as the role templates use them.
  std::ofstream(path) << "# {{ ansible_managed }} from {{ template_path | basename }}\n";
  CHECK(templar.RenderFile(path).value() == "# Ansible managed from tend_template_test.j2\n");
  auto missing = templar.RenderFile("nope.j2");
  REQUIRE(!missing);
  CHECK(missing.error().message == "the template file nope.j2 could not be found");
  // An included file loses its last newline, as Jinja2 loads it.
  std::string world = dir + "/tend_template_world.txt";
  std::ofstream(world) << "world\n";
  std::ofstream(path) << "Hello {% include '" << world << "' %}!\n";
  CHECK(templar.RenderFile(path).value() == "Hello world!\n");
  std::remove(world.c_str());
  std::remove(path.c_str());
}

TEST_CASE("now(): Ansible's global, with strftime formats and Python's %f") {
  JsonScope scope(Json::object());
  Templar templar(scope);
  auto year = templar.Render("{{ now(fmt='%Y') | int > 2000 }}", "t");
  REQUIRE(year.has_value());
  CHECK(*year == Json(true));
  auto micros = templar.Render("{{ now(true, '%s.%f') }}", "t");
  REQUIRE(micros.has_value());
  std::string text = micros->get<std::string>();
  REQUIRE(text.find('.') != std::string::npos);
  CHECK(text.size() - text.find('.') - 1 == 6);
  auto plain = templar.Render("{{ now() }}", "t");
  REQUIRE(plain.has_value());
  CHECK(plain->get<std::string>().size() == std::string("2026-12-06 06:55:12.123456").size());
}

}  // namespace tend

namespace tend {

// issue 21: std::regex recursed per character; 30-100 KB registered output
// crashed tend (exit 139) in every regex filter and test.
TEST_CASE("regex filters and tests handle a 100 KB string") {
  Json vars = {{"big", std::string(100 * 1024, 'a') + "\nrc=7\n"}};
  const std::vector<std::pair<std::string, Json>> cases = {
      {"{{ big | regex_search('rc=(\\d+)', '\\1') }}", Json::array({"7"})},
      {"{{ big | regex_findall('a+') | length }}", 1},
      {"{{ big | regex_replace('a', 'b') | length }}", 100 * 1024 + 6},
      {"{{ big | regex_escape | length }}", 100 * 1024 + 8},
      {"{{ big is match('(a|b)+') }}", true},
      {"{{ big is search('rc=7$', multiline=true) }}", true},
      {"{{ big is regex('^(a|x)*$') }}", false},
  };
  for (const auto& [text, expected] : cases) {
    CAPTURE(text);
    auto r = RenderCase(text, vars);
    REQUIRE_MESSAGE(r, r.error().ToString());
    CHECK(*r == expected);
  }
}

TEST_CASE("regex filters speak Python's re: named groups, \\Z, flags") {
  Json vars = {{"s", "User=alice\nuser=bob\n"}};
  const std::vector<std::pair<std::string, Json>> cases = {
      {"{{ s | regex_search('(?P<k>\\w+)=(?P<v>\\w+)', '\\g<v>', '\\1') }}",
       Json::array({"alice", "User"})},
      {"{{ s | regex_findall('^user=(\\w+)$', multiline=true, ignorecase=true) }}",
       Json::array({"alice", "bob"})},
      {"{{ s | regex_replace('(?P<k>\\w+)=', '\\g<k>: ') }}", "User: alice\nuser: bob\n"},
      {"{{ s | regex_replace('\\n\\Z', '') }}", "User=alice\nuser=bob"},
      {"{{ 'a.b' | regex_escape }}", "a\\.b"},
  };
  for (const auto& [text, expected] : cases) {
    CAPTURE(text);
    auto r = RenderCase(text, vars);
    REQUIRE_MESSAGE(r, r.error().ToString());
    CHECK(*r == expected);
  }
  auto bad = RenderCase("{{ 'x' | regex_search('(') }}", vars);
  REQUIRE_FALSE(bad);
  CHECK(bad.error().ToString().find("invalid regular expression '('") != std::string::npos);
}

// issue 21: 100k-deep JSON crashed tend in from_json / to_json.
TEST_CASE("from_json, to_json and from_yaml of 100k-deep input are errors, not crashes") {
  Json vars = {{"deep_json", std::string(100000, '[') + std::string(100000, ']')},
               {"deep_yaml", std::string(100000, '[') + std::string(100000, ']')}};
  for (const char* text : {"{{ deep_json | from_json }}", "{{ deep_json | from_json | to_json }}",
                           "{{ deep_yaml | from_yaml }}"}) {
    CAPTURE(text);
    auto r = RenderCase(text, vars);
    REQUIRE_FALSE(r);
  }
  CHECK(RenderCase("{{ deep_json | from_json }}", vars).error().ToString().find(
            "nests deeper than 1000 levels") != std::string::npos);
  CHECK(RenderCase("{{ '[[1]]' | from_json | to_json }}", vars).value() == "[[1]]");
}

// issue 21: 2**64 rendered 0 and 10**19 a negative number.
// Found by fuzz_template: digits past 64 bits overflowed int parsing (UB).
TEST_CASE("int of digits or floats past 64 bits is an overflow error; ipaddr says False") {
  Json vars = Json::object();
  auto big = RenderCase("{{ '" + std::string(40, '9') + "' | int }}", vars);
  REQUIRE_FALSE(big);
  CHECK(big.error().message.find("integer overflow") != std::string::npos);
  auto huge = RenderCase("{{ 1e300 | int }}", vars);
  REQUIRE_FALSE(huge);
  CHECK(huge.error().message.find("integer overflow") != std::string::npos);
  CHECK(RenderCase("{{ '" + std::string(40, '1') + ".0.0.1' | ipaddr }}", vars).value() == false);
  CHECK(RenderCase("{{ '42' | int }}", vars).value() == 42);
}

// Found by fuzz_template: slice(0) divided by zero (SIGFPE); Python raises.
TEST_CASE("slice(0) is Python's ZeroDivisionError, not a crash") {
  Json vars = Json::object();
  auto r = RenderCase("{{ range(4) | slice(0) | list }}", vars);
  REQUIRE_FALSE(r);
  CHECK(r.error().message.find("integer division or modulo by zero") != std::string::npos);
  CHECK(RenderCase("{{ range(4) | slice(-1) | list }}", vars).value() == Json::array());
}

TEST_CASE("integers never wrap: overflow is an error; repeated sequences are bounded") {
  Json vars = Json::object();
  CHECK(RenderCase("{{ 2 ** 62 }}", vars).value() == int64_t{1} << 62);
  CHECK(RenderCase("{{ 3 ** 39 }}", vars).value() == int64_t{4052555153018976267});
  CHECK(RenderCase("{{ (-2) ** 63 }}", vars).value() == INT64_MIN);
  for (const char* text : {"{{ 2 ** 64 }}", "{{ 10 ** 19 }}", "{{ 9223372036854775807 + 1 }}",
                           "{{ 4294967296 * 4294967296 }}", "{{ 2 ** 10000000000 }}"}) {
    CAPTURE(text);
    auto r = RenderCase(text, vars);
    REQUIRE_FALSE(r);
    CHECK(r.error().message.find("integer overflow") != std::string::npos);
  }
  CHECK(RenderCase("{{ 2 ** 64 }}", vars).error().message ==
        "integer overflow: 2 ** 64 does not fit in 64 bits (tend's integers are 64-bit; Python's "
        "are unbounded)");
  auto huge = RenderCase("{{ [1] * 10**9 }}", vars);
  REQUIRE_FALSE(huge);
  CHECK(huge.error().message ==
        "the result of list * 1000000000 would hold more than 100000000 items; tend bounds "
        "repeated sequences");
  CHECK(RenderCase("{{ 'ab' * 3 }}", vars).value() == "ababab");
}

}  // namespace tend
