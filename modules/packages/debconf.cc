// debconf (ansible.builtin.debconf): pre-seeds one debconf answer of a
// package. The current answers come from `debconf-show <package>` (a
// password from debconf-get-selections, which debconf-show hides); a new
// one is set with debconf-set-selections on stdin. Passwords never appear in
// the result.

#include <fmt/format.h>

#include <algorithm>

#include "modules/framework/all.h"
#include "modules/framework/text.h"
#include "modules/parsers/tools_parse.h"

namespace tend {
namespace {

// What a no_log value shows as in results (Ansible's masking).
constexpr const char* kMasked = "********";

Expected<std::map<std::string, std::string>> Selections(Host& host, const std::string& package) {
  auto show = tools::RequireProgram(host, "debconf-show");
  if (!show) return std::unexpected(show.error());
  auto ran = host.Run(tools::CLocale({*show, package}));
  if (!ran) return std::unexpected(ran.error());
  if (ran->rc != 0) return Fail(ran->stderr_data);
  return tools::ParseDebconfShow(ran->stdout_data);
}

// debconf-get-selections lines are "package<TAB>question<TAB>type<TAB>value".
Expected<std::string> StoredPassword(Host& host, const std::string& package,
                                     const std::string& question, const std::string& vtype) {
  auto get = tools::RequireProgram(host, "debconf-get-selections");
  if (!get) return std::unexpected(get.error());
  auto ran = host.Run(tools::CLocale({*get}));
  if (!ran) return std::unexpected(ran.error());
  if (ran->rc != 0) {
    return Fail(fmt::format("Failed to get the value '{}' from '{}': {}", question, package,
                            ran->stderr_data));
  }
  for (const auto& line : tools::Lines(ran->stdout_data)) {
    if (!line.starts_with(package)) continue;
    std::vector<std::string> fields;
    for (size_t start = 0;;) {
      size_t tab = line.find('\t', start);
      fields.push_back(line.substr(start, tab - start));
      if (tab == std::string::npos) break;
      start = tab + 1;
    }
    if (fields.size() <= 3) return std::string();
    if (fields[1] == question && fields[2] == vtype) return fields[3];
  }
  return std::string();
}

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

// The wanted answer as text: a list (multiselect) joins with ", ", anything
// else reads as Python's str() of it; booleans as debconf writes them.
Expected<std::string> WantedValue(const Json& value, const std::string& vtype) {
  if (value.is_array()) {
    if (vtype != "multiselect") return Fail("value must be a string unless vtype is multiselect");
    std::vector<std::string> items;
    for (const auto& v : value) {
      auto item = ConvertArg(ArgType::kStr, v);
      if (!item) return Fail("Invalid value provided for 'multiselect': " + item.error().message);
      items.push_back(item->get<std::string>());
    }
    std::string joined;
    for (const auto& i : items) joined += (joined.empty() ? "" : ", ") + i;
    return joined;
  }
  auto text = ConvertArg(ArgType::kStr, value);
  if (!text) return Fail("value cannot be converted to a string");
  std::string out = text->get<std::string>();
  return vtype == "boolean" ? Lower(out) : out;
}

std::vector<std::string> SortedItems(std::string_view text) {
  std::vector<std::string> out;
  for (size_t start = 0; start <= text.size();) {
    size_t comma = text.find(',', start);
    std::string_view item =
        text.substr(start, comma == std::string_view::npos ? comma : comma - start);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    out.emplace_back(item);
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  std::sort(out.begin(), out.end());
  return out;
}

// Whether the stored answer differs from the wanted one, compared the way
// Ansible does per type.
Expected<bool> Differs(ModuleContext& context, const std::map<std::string, std::string>& current,
                       const std::string& wanted) {
  std::string package = context.Str("name");
  std::string question = context.Str("question");
  std::string vtype = context.Str("vtype");
  auto it = current.find(question);
  if (it == current.end()) return true;
  if (vtype == "boolean") return Lower(it->second) != wanted;
  if (vtype == "password") {
    auto stored = StoredPassword(context.Machine(), package, question, vtype);
    if (!stored) return std::unexpected(stored.error());
    return *stored != wanted;
  }
  if (vtype == "multiselect" && context.args["value"].is_array()) {
    return SortedItems(it->second) != SortedItems(wanted);
  }
  return it->second != wanted;
}

Json SelectionsJson(const std::map<std::string, std::string>& selections) {
  Json out = Json::object();
  for (const auto& [k, v] : selections) out[k] = v;
  return out;
}

}  // namespace

const ModuleSpec& DebconfSpec() {
  static const ModuleSpec spec{
      .name = "debconf",
      .short_description = "Configure a .deb package",
      .args =
          {
              {.name = "name", .type = ArgType::kStr, .required = true, .aliases = {"pkg"}},
              {.name = "question", .type = ArgType::kStr, .aliases = {"selection", "setting"}},
              {.name = "vtype",
               .type = ArgType::kStr,
               .choices = {"boolean", "error", "multiselect", "note", "password", "seen", "select",
                           "string", "text", "title"}},
              {.name = "value", .type = ArgType::kRaw, .aliases = {"answer"}, .no_log = true},
              {.name = "unseen", .type = ArgType::kBool, .default_value = false},
          },
      .supports_diff = true,
      .returns = {"current", "previous", "diff", "msg"},
  };
  return spec;
}

Expected<Json> RunDebconf(ModuleContext& context) {
  int given = context.Has("question") + context.Has("vtype") + context.Has("value");
  if (given != 0 && given != 3) {
    return Fail("parameters are required together: question, vtype, value");
  }
  Host& host = context.Machine();
  std::string package = context.Str("name");
  auto current = Selections(host, package);
  if (!current) return std::unexpected(current.error());
  if (given == 0)
    return Json{{"changed", false}, {"msg", ""}, {"current", SelectionsJson(*current)}};
  std::string question = context.Str("question");
  std::string vtype = context.Str("vtype");
  auto wanted = WantedValue(context.args["value"], vtype);
  if (!wanted) return std::unexpected(wanted.error());
  auto differs = Differs(context, *current, *wanted);
  if (!differs) return std::unexpected(differs.error());
  if (!*differs)
    return Json{{"changed", false}, {"msg", ""}, {"current", SelectionsJson(*current)}};
  std::string msg;
  if (!context.check) {
    std::vector<std::string> argv{"debconf-set-selections"};
    if (context.Bool("unseen")) argv.push_back("-u");
    ProcessSpec set = tools::CLocale(argv);
    set.stdin_data = fmt::format("{} {} {} {}", package, question, vtype, *wanted);
    auto ran = host.Run(set);
    if (!ran) return std::unexpected(ran.error());
    if (ran->rc != 0) return Fail(ran->stderr_data);
    msg = ran->stdout_data;
  }
  std::string shown = vtype == "password" ? kMasked : *wanted;
  auto before = current->find(question);
  Json previous{{question, before == current->end() ? "" : before->second}};
  Json result{{"changed", true},
              {"msg", msg},
              {"current", Json{{question, shown}}},
              {"previous", previous}};
  if (context.diff) result["diff"] = Json{{"before", previous}, {"after", Json{{question, shown}}}};
  return result;
}

}  // namespace tend
