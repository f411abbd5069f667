#include "modules/framework/spec.h"

#include <doctest/doctest.h>

#include "modules/framework/registry.h"

namespace tend {
namespace {

const ModuleSpec& Sample() {
  static const ModuleSpec spec{
      .name = "sample",
      .args =
          {{.name = "path", .type = ArgType::kPath, .required = true, .aliases = {"dest", "name"}},
           {.name = "state",
            .type = ArgType::kStr,
            .default_value = "file",
            .choices = {"file", "directory", "absent"}},
           {.name = "force", .type = ArgType::kBool, .default_value = false},
           {.name = "count", .type = ArgType::kInt},
           {.name = "groups", .type = ArgType::kList},
           {.name = "env", .type = ArgType::kDict},
           {.name = "src", .type = ArgType::kPath},
           {.name = "content", .type = ArgType::kStr},
           {.name = "password", .type = ArgType::kInt, .no_log = true},
           {.name = "recurse", .type = ArgType::kBool, .default_value = false},
           {.name = "depth", .type = ArgType::kInt}},
      .mutually_exclusive = {{"src", "content"}, {"recurse", "depth"}},
  };
  return spec;
}

std::string ErrorOf(const Json& args) {
  auto result = ValidateArgs(Sample(), args);
  REQUIRE(!result.has_value());
  return result.error().message;
}

}  // namespace

TEST_CASE("booleans are read the way Ansible reads them") {
  for (const char* t : {"yes", "YES", "y", "true", "True", "on", "1"}) {
    CHECK(ParseBool(Json(t)) == true);
  }
  for (const char* f : {"no", "N", "false", "off", "0", "FALSE"}) {
    CHECK(ParseBool(Json(f)) == false);
  }
  CHECK(ParseBool(Json(1)) == true);
  CHECK(ParseBool(Json(0)) == false);
  CHECK(!ParseBool(Json("maybe")).has_value());
  CHECK(!ParseBool(Json(2)).has_value());
}

TEST_CASE("arguments are converted, aliased and defaulted") {
  auto out = ValidateArgs(Sample(), Json{{"dest", "/x"},
                                         {"force", "yes"},
                                         {"count", "12"},
                                         {"groups", "a, b,c"},
                                         {"env", "A=1 B=2"}});
  REQUIRE(out.has_value());
  CHECK(out->dump() ==
        R"({"path":"/x","state":"file","force":true,"count":12,"groups":["a","b","c"],)"
        R"("env":{"A":"1","B":"2"},"recurse":false})");
}

TEST_CASE("numbers and booleans become strings for str arguments") {
  auto out = ValidateArgs(Sample(), Json{{"path", 493}, {"content", true}});
  REQUIRE(out.has_value());
  CHECK((*out)["path"] == "493");
  CHECK((*out)["content"] == "True");
}

TEST_CASE("internal arguments pass through; null means not given") {
  auto out = ValidateArgs(Sample(),
                          Json{{"path", "/x"}, {"src", nullptr}, {"_content", {{"sha1", "ab"}}}});
  REQUIRE(out.has_value());
  CHECK((*out)["_content"]["sha1"] == "ab");
  CHECK(!out->contains("src"));
}

TEST_CASE("argument errors are exact and name the argument") {
  CHECK(ErrorOf(Json::object()) == "missing required arguments: path");
  CHECK(ErrorOf(Json{{"path", "/x"}, {"stat", "file"}}) ==
        "unsupported parameter 'stat' for module 'sample', did you mean 'state'?");
  CHECK(ErrorOf(Json{{"path", "/x"}, {"state", "dirctory"}}) ==
        "value of state must be one of: file, directory, absent, got: dirctory, did you mean "
        "'directory'?");
  CHECK(ErrorOf(Json{{"path", "/x"}, {"force", "maybe"}}) ==
        "argument 'force' is of type str and we were unable to convert to bool: str 'maybe' is "
        "not a valid boolean (use yes/no, true/false, on/off)");
  CHECK(ErrorOf(Json{{"path", "/x"}, {"count", "12a"}}) ==
        "argument 'count' is of type str and we were unable to convert to int: str '12a' cannot "
        "be converted to an int");
  CHECK(ErrorOf(Json{{"path", "/x"}, {"src", "a"}, {"content", "b"}}) ==
        "parameters are mutually exclusive: src|content");
  CHECK(ErrorOf(Json{{"path", "/x"}, {"password", "hunter2"}}) ==
        "argument 'password' is of type str and we were unable to convert to int: (value hidden)");
  CHECK(ErrorOf(Json{{"path", "/x"}, {"_raw_params", "foo"}}) ==
        "module 'sample' takes no free-form arguments, got 'foo'");
  CHECK(ErrorOf(Json{{"path", "/x"}, {"dest", "/y"}}) ==
        "argument 'path' is given twice (also as alias 'dest')");
  CHECK(ErrorOf(Json::array()) == "arguments of module 'sample' must be a dict, got list");
}

TEST_CASE("ValidateModuleArgs resolves FQCNs and suggests module names") {
  CHECK(ValidateModuleArgs("ansible.builtin.command", Json{{"_raw_params", "ls"}}).has_value());
  auto unknown = ValidateModuleArgs("comand", Json::object());
  REQUIRE(!unknown.has_value());
  CHECK(unknown.error().message == "couldn't resolve module 'comand', did you mean 'command'?");
  CHECK(ValidateModuleArgs("script", Json::object()).error().message ==
        "one of the following is required: _raw_params, cmd");
}

TEST_CASE("validated arguments validate again: a filled-in default is not 'given'") {
  // The controller validates and fills defaults; the agent validates again.
  auto once = ValidateArgs(Sample(), Json{{"path", "/x"}, {"depth", 3}});
  REQUIRE(once.has_value());
  CHECK((*once)["recurse"] == false);
  auto twice = ValidateArgs(Sample(), *once);
  CHECK_MESSAGE(twice.has_value(), twice.error().message);
  CHECK(ErrorOf(Json{{"path", "/x"}, {"depth", 3}, {"recurse", true}}) ==
        "parameters are mutually exclusive: recurse|depth");
}

TEST_CASE("every registered spec validates its own defaults twice") {
  for (const auto& name : ModuleNames()) {
    const ModuleSpec* spec = FindModuleSpec(name);
    Json args = Json::object();
    for (const auto& arg : spec->args) {
      if (arg.required) args[arg.name] = arg.type == ArgType::kList ? Json::array({"x"}) : Json("x");
    }
    auto once = ValidateArgs(*spec, args);
    if (!once) continue;  // needs a combination this probe cannot guess
    auto twice = ValidateArgs(*spec, *once);
    CHECK_MESSAGE(twice.has_value(), name << ": " << (twice ? "" : twice.error().message));
  }
}

TEST_CASE("every registered spec is well formed") {
  for (const auto& name : ModuleNames()) {
    const ModuleSpec* spec = FindModuleSpec(name);
    REQUIRE(spec != nullptr);
    CHECK(spec->name == name);
    std::vector<std::string> seen;
    for (const auto& arg : spec->args) {
      for (const auto& n : seen) CHECK_MESSAGE(n != arg.name, name << ": duplicate " << n);
      seen.push_back(arg.name);
      if (!arg.default_value.is_null()) {
        auto converted = ConvertArg(arg.type, arg.default_value, arg.elements);
        CHECK_MESSAGE(converted.has_value(), name << "." << arg.name << " default");
      }
      for (const auto& choice : arg.choices) {
        CHECK_MESSAGE(ConvertArg(arg.type, choice, arg.elements).has_value(),
                      name << "." << arg.name << " choice");
      }
    }
    for (const auto& group : spec->mutually_exclusive) {
      for (const auto& n : group) CHECK_MESSAGE(spec->FindArg(n), name << ": " << n);
    }
    for (const auto& group : spec->required_one_of) {
      for (const auto& n : group) CHECK_MESSAGE(spec->FindArg(n), name << ": " << n);
    }
  }
}

}  // namespace tend
