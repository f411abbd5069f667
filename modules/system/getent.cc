// getent: a lookup in a name service database, returned as the fact
// getent_<database>. The agent never calls NSS itself (it is static); it runs
// the target's own `getent` (glibc's, always installed), which resolves
// through the target's NSS configuration (files, LDAP, ...) as Ansible does.

#include <fmt/format.h>

#include "modules/framework/all.h"
#include "modules/framework/text.h"

namespace tend {
namespace {

bool ColonSeparated(const std::string& database) {
  return database == "passwd" || database == "shadow" || database == "group" ||
         database == "gshadow";
}

std::vector<std::string> SplitRecord(const std::string& line, const std::optional<std::string>& sep) {
  std::vector<std::string> fields;
  if (!sep) {  // Python's str.split(): runs of whitespace
    std::string word;
    for (char c : line) {
      if (c == ' ' || c == '\t') {
        if (!word.empty()) fields.push_back(std::move(word));
        word.clear();
      } else {
        word += c;
      }
    }
    if (!word.empty()) fields.push_back(std::move(word));
    return fields;
  }
  size_t start = 0;
  while (true) {
    size_t at = sep->empty() ? std::string::npos : line.find(*sep, start);
    fields.push_back(line.substr(start, at == std::string::npos ? std::string::npos : at - start));
    if (at == std::string::npos) return fields;
    start = at + sep->size();
  }
}

// Records keyed by their first field; a key seen twice holds a list of them.
Json ShapeRecords(std::string_view output, const std::optional<std::string>& sep) {
  Json tree = Json::object();
  std::map<std::string, int> seen;
  for (const auto& line : SplitLines(output)) {
    auto record = SplitRecord(line.get<std::string>(), sep);
    if (record.empty()) continue;
    Json rest(std::vector<std::string>(record.begin() + 1, record.end()));
    const std::string& key = record[0];
    int& count = seen[key];
    if (count == 0) {
      tree[key] = rest;
    } else {
      if (count == 1) tree[key] = Json::array({tree[key]});
      tree[key].push_back(rest);
    }
    ++count;
  }
  return tree;
}

}  // namespace

const ModuleSpec& GetentSpec() {
  static const ModuleSpec spec{
      .name = "getent",
      .short_description = "A wrapper to the unix getent utility",
      .args = {{.name = "database", .type = ArgType::kStr, .required = true},
               {.name = "key", .type = ArgType::kStr, .no_log = false},
               {.name = "service", .type = ArgType::kStr},
               {.name = "split", .type = ArgType::kStr},
               {.name = "fail_key", .type = ArgType::kBool, .default_value = true}},
      .returns = {"ansible_facts"},
  };
  return spec;
}

Expected<Json> RunGetent(ModuleContext& context) {
  Host& host = context.Machine();
  std::string database = context.Str("database");
  std::string key = context.Str("key");
  std::vector<std::string> argv{"getent"};
  argv.push_back(database);
  if (context.Has("key")) argv.push_back(key);
  if (context.Has("service")) argv.insert(argv.end(), {"-s", context.Str("service")});
  auto ran = host.Run({.argv = argv, .stdin_data = {}, .cwd = {}, .env = {}});
  if (!ran) return std::unexpected(ran.error());
  int rc = ran->rc;
  const std::string& output = ran->stdout_data;
  std::optional<std::string> sep;
  if (context.Has("split")) {
    sep = context.Str("split");
  } else if (ColonSeparated(database)) {
    sep = ":";
  }
  std::string tree = "getent_" + database;
  if (rc == 0) return Json{{"changed", false}, {"ansible_facts", {{tree, ShapeRecords(output, sep)}}}};
  static const std::map<int, std::string> kMessages{
      {1, "Missing arguments, or database unknown."},
      {2, "One or more supplied key could not be found in the database."},
      {3, "Enumeration not supported on this database."}};
  if (rc == 2 && !context.Bool("fail_key", true)) {
    return Json{{"changed", false},
                {"ansible_facts", {{tree, {{key, nullptr}}}}},
                {"msg", kMessages.at(2)}};
  }
  auto msg = kMessages.find(rc);
  return Fail(msg != kMessages.end() ? msg->second : "Unexpected failure!");
}

}  // namespace tend
