#include <fmt/format.h>

#include <algorithm>

#include "modules/framework/all.h"
#include "modules/files/file_common.h"
#include "modules/framework/text.h"
#include "core/strings.h"

namespace tend {
namespace {

// community.general.ini_file brackets the file with a section of this name
// (and a lone "[" at the end) so that options before the first section and
// the last section need no special cases. We follow the same algorithm, so
// that files come out byte for byte as Ansible writes them.
constexpr std::string_view kFakeSection = "ad01e11446efb704fcdbdb21f2c43757423d91c5";

using Lines = std::vector<std::string>;

bool IsBlank(char c) { return c == ' ' || c == '\t'; }
bool IsSpace(char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }

size_t SkipBlanks(std::string_view line, size_t i) {
  while (i < line.size() && IsBlank(line[i])) ++i;
  return i;
}

struct OptionMatch {
  bool commented = false;
  std::string value;
};

// From `i` on: the option name, blanks, then "=" and the value (leading
// blanks dropped, up to the newline) or the end of the line (no value).
std::optional<std::string> MatchAssignment(std::string_view option, std::string_view line,
                                           size_t i) {
  if (!line.substr(i).starts_with(option)) return std::nullopt;
  size_t j = SkipBlanks(line, i + option.size());
  if (j < line.size() && line[j] == '=') {
    size_t k = SkipBlanks(line, j + 1);
    size_t nl = line.find('\n', k);
    return std::string(line.substr(k, nl == std::string_view::npos ? nl : nl - k));
  }
  bool at_end = j == line.size() || (line[j] == '\n' && j + 1 == line.size());
  if (at_end) return std::string();
  return std::nullopt;
}

// Ansible's match_opt (`inactive`: a "#" or ";" comment marker may precede
// the option) and match_active_opt: `[ \t]*[#;]?[ \t]*option[ \t]*(=|$)[ \t]*(.*)`.
std::optional<OptionMatch> MatchOption(std::string_view option, std::string_view line,
                                       bool inactive) {
  size_t i = SkipBlanks(line, 0);
  if (inactive && i < line.size() && (line[i] == '#' || line[i] == ';')) {
    if (auto value = MatchAssignment(option, line, SkipBlanks(line, i + 1))) {
      return OptionMatch{true, std::move(*value)};
    }
  }
  if (auto value = MatchAssignment(option, line, i)) return OptionMatch{false, std::move(*value)};
  return std::nullopt;
}

// `^[ \t]*([#;].*)?$`: a blank or comment line.
bool IsBlankOrComment(std::string_view line) {
  std::string_view rest = line.substr(SkipBlanks(line, 0));
  if (rest.ends_with('\n')) rest.remove_suffix(1);
  if (rest.empty()) return true;
  return (rest[0] == '#' || rest[0] == ';') && rest.find('\n') == std::string_view::npos;
}

std::string_view Strip(std::string_view s) { return Trim(s); }

// `^\[\s*name\s*]` with the section name stripped.
bool IsHeaderOf(std::string_view line, std::string_view name) {
  if (!line.starts_with('[')) return false;
  size_t i = 1;
  while (i < line.size() && IsSpace(line[i])) ++i;
  if (!line.substr(i).starts_with(name)) return false;
  i += name.size();
  while (i < line.size() && IsSpace(line[i])) ++i;
  return i < line.size() && line[i] == ']';
}

// Python's text-mode reading: universal newlines, lines keep their "\n".
Lines ReadLines(std::string_view text) {
  Lines lines;
  std::string current;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '\r') {
      if (i + 1 < text.size() && text[i + 1] == '\n') ++i;
      c = '\n';
    }
    current += c;
    if (c == '\n') lines.push_back(std::move(current)), current.clear();
  }
  if (!current.empty()) lines.push_back(std::move(current));
  return lines;
}

std::string JoinLines(const Lines& lines) { return Join(lines, ""); }

bool Contains(const std::vector<std::string>& list, const std::string& item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

struct Condition {
  std::string option;
  std::vector<std::string> values;
};

struct IniRequest {
  std::string section;  // "" for the options before the first section
  std::vector<Condition> section_has{};
  std::string option;  // "" when a whole section is meant
  std::vector<std::string> values{};
  bool present = true;
  bool exclusive = true;
  bool no_extra_spaces = false;
  bool ignore_spaces = false;
  bool allow_no_value = false;
  bool modify_inactive = true;
  int64_t prefix_spaces = 0;
};

struct IniOutcome {
  std::string text;
  bool changed = false;
  std::string msg = "OK";
};

// One edit of the lines of the chosen section (header included).
class SectionEdit {
 public:
  SectionEdit(const IniRequest& request, Lines body)
      : r_(request), body_(std::move(body)), touched_(body_.size(), false) {
    for (const auto& v : r_.values) {
      if (!Contains(values_, v)) values_.push_back(v);
    }
  }

  void Present();
  void Absent();
  Lines& body() { return body_; }
  std::vector<std::string>& values() { return values_; }
  std::string Assignment(const std::string& option, const std::string& value) const {
    return std::string(static_cast<size_t>(std::max<int64_t>(r_.prefix_spaces, 0)), ' ') + option +
           (r_.no_extra_spaces ? "=" : " = ") + value + "\n";
  }

  bool changed = false;
  std::string msg = "OK";

 private:
  std::optional<OptionMatch> Match(const std::string& line) const {
    if (r_.option.empty()) return std::nullopt;
    return MatchOption(r_.option, line, r_.modify_inactive);
  }
  void Update(size_t index, const std::string& newline);
  void KeepMatching();
  void ReplaceOthers();
  void InsertMissing();

  const IniRequest& r_;
  Lines body_;
  std::vector<bool> touched_;
  std::vector<std::string> values_{};
  bool no_value_present_ = false;
};

// With ignore_spaces an active line whose value is already right stays as
// written; otherwise the line must be exactly the new one.
void SectionEdit::Update(size_t index, const std::string& newline) {
  std::optional<bool> differs;
  if (r_.ignore_spaces) {
    auto old = MatchOption(r_.option, body_[index], true);
    if (old && !old->commented) {
      auto now = MatchOption(r_.option, newline, true);
      differs = old->value != (now ? now->value : "");
    }
  }
  if (!differs) differs = body_[index] != newline;
  if (*differs) {
    body_[index] = newline;
    changed = true;
    msg = "option changed";
  }
  touched_[index] = true;
}

// Step 1: lines that already carry one of the wanted values are kept
// (normalised to Ansible's format).
void SectionEdit::KeepMatching() {
  for (size_t i = 0; i < body_.size(); ++i) {
    auto m = Match(body_[i]);
    if (!m) continue;
    if (!values_.empty() && Contains(values_, m->value)) {
      bool bare = m->value.empty() && r_.allow_no_value;
      no_value_present_ = no_value_present_ || bare;
      Update(i, bare ? r_.option + "\n" : Assignment(r_.option, m->value));
      values_.erase(std::find(values_.begin(), values_.end(), m->value));
    } else if (values_.empty() && r_.allow_no_value) {
      Update(i, r_.option + "\n");
      no_value_present_ = true;
      break;
    }
  }
}

// Step 2 (exclusive): other lines of the option take the remaining values,
// and lines left over are deleted (the header line never is).
void SectionEdit::ReplaceOthers() {
  for (size_t i = 0; i < body_.size() && !values_.empty(); ++i) {
    if (touched_[i] || !Match(body_[i])) continue;
    std::string value = values_.front();
    values_.erase(values_.begin());
    Update(i, Assignment(r_.option, value));
  }
  for (size_t i = body_.size(); i-- > 1;) {
    if (touched_[i] || !Match(body_[i])) continue;
    body_.erase(body_.begin() + static_cast<std::ptrdiff_t>(i));
    touched_.erase(touched_.begin() + static_cast<std::ptrdiff_t>(i));
    changed = true;
    msg = "option changed";
  }
}

// Step 3: values still missing go after the section's last line that is
// neither blank nor a comment, in the order given.
void SectionEdit::InsertMissing() {
  for (size_t index = body_.size(); index > 0; --index) {
    if (IsBlankOrComment(body_[index - 1])) continue;
    auto at = body_.begin() + static_cast<std::ptrdiff_t>(index);
    if (!r_.option.empty() && !values_.empty()) {
      Lines added;
      for (const auto& v : values_) added.push_back(Assignment(r_.option, v));
      body_.insert(at, added.begin(), added.end());
      msg = "option added";
      changed = true;
    } else if (!r_.option.empty() && r_.allow_no_value && !no_value_present_) {
      body_.insert(at, r_.option + "\n");
      msg = "option added";
      changed = true;
    }
    return;
  }
}

void SectionEdit::Present() {
  if (!r_.option.empty()) KeepMatching();
  if (r_.exclusive && !r_.allow_no_value && !r_.option.empty()) ReplaceOthers();
  InsertMissing();
}

// Absent removes active option lines only (all of them when exclusive, else
// those with a listed value), or without an option the whole section.
void SectionEdit::Absent() {
  if (r_.option.empty()) {
    if (body_.empty()) return;
    body_.clear();
    msg = "section removed";
    changed = true;
    return;
  }
  if (!r_.exclusive && values_.empty()) return;
  size_t before = body_.size();
  std::erase_if(body_, [&](const std::string& line) {
    auto m = MatchOption(r_.option, line, false);
    return m && (r_.exclusive || Contains(values_, m->value));
  });
  if (body_.size() != before) {
    changed = true;
    msg = "option changed";
  }
}

bool SectionHas(const std::vector<Condition>& conditions, const Lines& lines, size_t from,
                size_t to) {
  for (const auto& c : conditions) {
    bool found = false;
    for (size_t i = from; i < to && !found; ++i) {
      auto m = MatchOption(c.option, lines[i], true);
      found = m && (c.values.empty() || Contains(c.values, m->value));
    }
    if (!found) return false;
  }
  return true;
}

struct SectionSpan {
  size_t start = 0;
  size_t end = 0;
  bool found = false;
};

// The first section of that name whose lines satisfy section_has_values.
SectionSpan LocateSection(const Lines& lines, const std::string& section,
                          const std::vector<Condition>& conditions) {
  SectionSpan span;
  std::string_view name = Strip(section);
  for (size_t i = 0; i < lines.size(); ++i) {
    if (span.found && lines[i].starts_with('[')) {
      if (SectionHas(conditions, lines, span.start, i)) {
        span.end = i;
        return span;
      }
      span = SectionSpan{};
    }
    if (IsHeaderOf(lines[i], name)) {
      span.found = true;
      span.start = i;
    }
  }
  return span;
}

// A new section at the end of the file, with the section_has_values options
// and the option itself.
void AppendSection(const IniRequest& r, SectionEdit& edit, const std::string& section,
                   Lines& lines) {
  lines.push_back("[" + section + "]\n");
  edit.msg = "section and option added";
  std::vector<std::string>& values = edit.values();
  for (const auto& c : r.section_has) {
    if (c.option != r.option) {
      for (const auto& v : c.values) lines.push_back(edit.Assignment(c.option, v));
      if (c.values.empty() && r.allow_no_value) lines.push_back(c.option + "\n");
    } else if (!r.exclusive) {
      for (const auto& v : c.values) {
        if (!Contains(values, v)) values.push_back(v);
      }
    }
  }
  if (!r.option.empty() && !values.empty()) {
    for (const auto& v : values) lines.push_back(edit.Assignment(r.option, v));
  } else if (!r.option.empty() && r.allow_no_value) {
    lines.push_back(r.option + "\n");
  } else {
    edit.msg = "only section added";
  }
  edit.changed = true;
}

// Ansible's do_ini on the file's text: the new text, whether it changed, msg.
IniOutcome EditIni(std::string_view text, const IniRequest& r) {
  Lines lines = ReadLines(text);
  bool changed = false;
  if (lines.empty()) lines.push_back("\n");
  if (lines.back().back() != '\n') {
    lines.back() += '\n';
    changed = true;
  }
  lines.insert(lines.begin(), fmt::format("[{}]", kFakeSection));
  lines.push_back("[");
  std::string section = r.section.empty() ? std::string(kFakeSection) : r.section;
  SectionSpan span = LocateSection(lines, section, r.section_has);
  auto at = [&](size_t i) { return lines.begin() + static_cast<std::ptrdiff_t>(i); };
  SectionEdit edit(r, Lines(at(span.start), at(span.end)));
  if (r.present) {
    edit.Present();
  } else {
    edit.Absent();
  }
  Lines out(lines.begin(), at(span.start));
  out.insert(out.end(), edit.body().begin(), edit.body().end());
  out.insert(out.end(), at(span.end), lines.end());
  out.erase(out.begin());
  out.pop_back();
  if (!span.found && r.present) AppendSection(r, edit, section, out);
  return IniOutcome{JoinLines(out), changed || edit.changed, edit.msg};
}

std::vector<std::string> StringList(const Json& list) {
  std::vector<std::string> out;
  if (!list.is_array()) return out;
  for (const auto& item : list) {
    if (item.is_string()) out.push_back(item.get<std::string>());
  }
  return out;
}

// section_has_values: [{option, value | values}].
Expected<std::vector<Condition>> ReadConditions(const Json& list) {
  std::vector<Condition> out;
  if (!list.is_array()) return out;
  for (const auto& item : list) {
    if (!item.is_object() || !item.contains("option") || !item["option"].is_string()) {
      return Fail("section_has_values: each entry needs an option (a string)");
    }
    if (item.contains("value") && item.contains("values")) {
      return Fail("section_has_values: parameters are mutually exclusive: value|values");
    }
    Condition c{item["option"].get<std::string>(), {}};
    if (item.contains("value") && !item["value"].is_null()) {
      const Json& v = item["value"];
      c.values.push_back(v.is_string() ? v.get<std::string>() : v.dump());
    } else if (item.contains("values")) {
      c.values = StringList(item["values"]);
    }
    out.push_back(std::move(c));
  }
  return out;
}

Expected<IniRequest> ReadRequest(ModuleContext& context) {
  IniRequest r;
  r.present = context.Str("state", "present") == "present";
  r.allow_no_value = context.Bool("allow_no_value");
  if (context.Has("value")) {
    r.values = {context.Str("value")};
  } else if (context.Has("values")) {
    r.values = StringList(context.args["values"]);
  }
  if (r.present && !r.allow_no_value && r.values.empty()) {
    return Fail("Parameter 'value(s)' must be defined if state=present and allow_no_value=False.");
  }
  r.section = context.Str("section");
  r.option = context.Str("option");
  auto conditions = ReadConditions(context.args.value("section_has_values", Json()));
  if (!conditions) return std::unexpected(conditions.error());
  r.section_has = std::move(*conditions);
  r.exclusive = context.Bool("exclusive", true);
  r.no_extra_spaces = context.Bool("no_extra_spaces");
  r.ignore_spaces = context.Bool("ignore_spaces");
  r.modify_inactive = context.Bool("modify_inactive_option", true);
  r.prefix_spaces = context.Int("option_prefix_spaces");
  return r;
}

// With follow, a link is edited at its final target.
std::string FollowLinks(Host& host, std::string path) {
  for (int hops = 0; hops < 40; ++hops) {
    auto info = host.Stat(path, false);
    if (!info || info->kind != FileKind::kLink) break;
    const std::string& target = info->link_target;
    path = target.starts_with('/') ? target : JoinPath(DirName(path), target);
  }
  return path;
}

// os.makedirs for a missing destination directory (mode 0755, umask 022).
Expected<void> MakeParents(Host& host, const std::string& dir) {
  auto info = host.Stat(dir);
  if (!info) return std::unexpected(info.error());
  if (info->exists()) return {};
  if (auto ok = MakeParents(host, DirName(dir)); !ok) return ok;
  return host.MakeDirectory(dir, 0755);
}

Expected<void> WriteIni(ModuleContext& context, const std::string& target, const FileInfo& info,
                        const std::string& text, Json& result) {
  Host& host = context.Machine();
  if (info.exists() && context.Bool("backup")) {
    auto backup = BackupFile(host, target);
    if (!backup) return std::unexpected(backup.error());
    result["backup_file"] = *backup;
  }
  if (!info.exists()) {
    if (auto ok = MakeParents(host, DirName(target)); !ok) return ok;
  }
  auto attrs = RequestedAttrs(context, info.exists() ? info.mode : 0644, false);
  if (!attrs) return std::unexpected(attrs.error());
  return host.WriteFileAtomic(target, StringSource(text), *attrs);
}

// The file's text as Python reads it with utf-8-sig: a BOM is dropped.
Expected<std::optional<std::string>> ReadIni(Host& host, const std::string& target,
                                             const FileInfo& info) {
  if (!info.exists()) return std::optional<std::string>();
  if (info.kind == FileKind::kDirectory) {
    return Fail(fmt::format("[Errno 21] Is a directory: '{}'", target));
  }
  auto content = host.ReadFile(target);
  if (!content) return std::unexpected(content.error());
  if (content->starts_with("\xEF\xBB\xBF")) content->erase(0, 3);
  return std::optional<std::string>(std::move(*content));
}

}  // namespace

const ModuleSpec& IniFileSpec() {
  static const ModuleSpec spec = [] {
    ModuleSpec s{
        .name = "ini_file",
        .short_description = "Tweak settings in INI files",
        .args = {{.name = "path", .type = ArgType::kPath, .required = true, .aliases = {"dest"}},
                 {.name = "section", .type = ArgType::kStr},
                 {.name = "section_has_values", .type = ArgType::kList, .elements = ArgType::kDict},
                 {.name = "option", .type = ArgType::kStr},
                 {.name = "value", .type = ArgType::kStr},
                 {.name = "values", .type = ArgType::kList},
                 {.name = "backup", .type = ArgType::kBool, .default_value = false},
                 {.name = "state",
                  .type = ArgType::kStr,
                  .default_value = "present",
                  .choices = {"absent", "present"}},
                 {.name = "exclusive", .type = ArgType::kBool, .default_value = true},
                 {.name = "no_extra_spaces", .type = ArgType::kBool, .default_value = false},
                 {.name = "ignore_spaces", .type = ArgType::kBool, .default_value = false},
                 {.name = "allow_no_value", .type = ArgType::kBool, .default_value = false},
                 {.name = "modify_inactive_option", .type = ArgType::kBool, .default_value = true},
                 {.name = "create", .type = ArgType::kBool, .default_value = true},
                 {.name = "follow", .type = ArgType::kBool, .default_value = false},
                 {.name = "option_prefix_spaces", .type = ArgType::kInt, .default_value = 0}},
        .mutually_exclusive = {{"value", "values"}},
        .supports_diff = true,
        .returns = {"path", "msg", "diff", "backup_file", "mode", "owner", "group", "uid", "gid",
                    "size", "state"},
    };
    for (auto& a : FileAttributeArgs()) s.args.push_back(a);
    return s;
  }();
  return spec;
}

Expected<Json> RunIniFile(ModuleContext& context) {
  Host& host = context.Machine();
  auto request = ReadRequest(context);
  if (!request) return std::unexpected(request.error());
  std::string path = ExpandUser(host, context.Str("path"));
  std::string target = context.Bool("follow") ? FollowLinks(host, path) : path;
  auto info = host.Stat(target);
  if (!info) return std::unexpected(info.error());
  if (!info->exists() && !context.Bool("create", true)) {
    return FailedResult(fmt::format("Destination {} does not exist!", target), {{"rc", 257}});
  }
  auto before = ReadIni(host, target, *info);
  if (!before) return std::unexpected(before.error());
  IniOutcome outcome = EditIni(before->value_or(""), *request);
  std::string header = path + " (content)";
  Json diff{{"before", context.diff ? JoinLines(ReadLines(before->value_or(""))) : ""},
            {"after", context.diff ? outcome.text : ""},
            {"before_header", header},
            {"after_header", header}};
  Json result{{"changed", outcome.changed}, {"msg", outcome.msg}, {"path", path}, {"diff", diff}};
  if (outcome.changed && !context.check) {
    if (auto ok = WriteIni(context, target, *info, outcome.text, result); !ok) {
      return std::unexpected(ok.error());
    }
  }
  // As Ansible, attributes are only looked at outside check mode.
  auto now = host.Stat(target);
  if (!context.check && now && now->exists()) {
    auto attrs = ApplyFileAttributes(context, target, *now);
    if (!attrs) return std::unexpected(attrs.error());
    if (*attrs) result["changed"] = true;
  }
  if (now && now->exists()) AddFileFacts(host, path, result);
  return result;
}

}  // namespace tend
