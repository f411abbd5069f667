#include "controller/playbook/reporter.h"

#include <fmt/format.h>

#include <algorithm>

namespace tend {
namespace {

constexpr const char* kGreen = "0;32";
constexpr const char* kYellow = "0;33";
constexpr const char* kCyan = "0;36";
constexpr const char* kRed = "0;31";
constexpr const char* kBrightRed = "1;31";
constexpr const char* kPurple = "1;35";
constexpr const char* kBlue = "0;34";

std::string Colorize(std::string_view text, const char* color, bool on) {
  if (!on || color == nullptr) return std::string(text);
  return fmt::format("\033[{}m{}\033[0m", color, text);
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < text.size()) {
    size_t nl = text.find('\n', start);
    if (nl == std::string::npos) {
      lines.push_back(text.substr(start));
      break;
    }
    lines.push_back(text.substr(start, nl - start + 1));
    start = nl + 1;
  }
  return lines;
}

// A unified diff (3 lines of context) by longest common subsequence; files
// in configuration management are small, so the quadratic table is fine.
// A hunk's range as Python's difflib writes it: "3" for one line, "2,0"
// for none (the line before), "3,4" otherwise.
std::string HunkRange(size_t start, size_t count) {
  if (count == 1) return fmt::format("{}", start + 1);
  return fmt::format("{},{}", count == 0 ? start : start + 1, count);
}

std::string UnifiedDiff(const std::string& before, const std::string& after) {
  auto a = Lines(before), b = Lines(after);
  if (a.size() * b.size() > 4'000'000) return "(file too large to diff)\n";
  std::vector<std::vector<int>> lcs(a.size() + 1, std::vector<int>(b.size() + 1, 0));
  for (size_t i = a.size(); i-- > 0;) {
    for (size_t j = b.size(); j-- > 0;) {
      lcs[i][j] = a[i] == b[j] ? lcs[i + 1][j + 1] + 1 : std::max(lcs[i + 1][j], lcs[i][j + 1]);
    }
  }
  struct Op {
    char kind;
    size_t ai, bi;
  };
  std::vector<Op> ops;
  size_t i = 0, j = 0;
  while (i < a.size() || j < b.size()) {
    if (i < a.size() && j < b.size() && a[i] == b[j])
      ops.push_back({' ', i++, j++});
    else if (i < a.size() && (j == b.size() || lcs[i + 1][j] >= lcs[i][j + 1]))
      ops.push_back({'-', i++, j});
    else
      ops.push_back({'+', i, j++});
  }
  std::string out;
  size_t k = 0;
  while (k < ops.size()) {
    if (ops[k].kind == ' ') {
      ++k;
      continue;
    }
    size_t start = k >= 3 ? k - 3 : 0;
    size_t end = k;
    size_t quiet = 0;
    while (end < ops.size() && quiet <= 6) {
      quiet = ops[end].kind == ' ' ? quiet + 1 : 0;
      ++end;
    }
    if (quiet > 3) end -= quiet - 3;
    size_t a_count = 0, b_count = 0;
    for (size_t m = start; m < end; ++m) {
      if (ops[m].kind != '+') ++a_count;
      if (ops[m].kind != '-') ++b_count;
    }
    out += fmt::format("@@ -{} +{} @@\n", HunkRange(ops[start].ai, a_count),
                       HunkRange(ops[start].bi, b_count));
    for (size_t m = start; m < end; ++m) {
      const std::string& line = ops[m].kind == '+' ? b[ops[m].bi] : a[ops[m].ai];
      out += ops[m].kind;
      out += line;
      if (line.empty() || line.back() != '\n') out += "\n\\ No newline at end of file\n";
    }
    k = end;
  }
  return out;
}

std::string OneDiff(const Json& d) {
  if (d.contains("prepared") && d["prepared"].is_string())
    return d["prepared"].get<std::string>() + "\n";
  std::string out;
  auto text = [](const Json& v) {
    return v.is_string() ? v.get<std::string>() : PyJson(v, 4) + "\n";
  };
  if (d.contains("before") || d.contains("after")) {
    std::string before = d.contains("before") ? text(d["before"]) : "";
    std::string after = d.contains("after") ? text(d["after"]) : "";
    if (before == after) return "";
    out += "--- before";
    if (d.contains("before_header")) out += ": " + d["before_header"].get<std::string>();
    out += "\n+++ after";
    if (d.contains("after_header")) out += ": " + d["after_header"].get<std::string>();
    out += "\n";
    out += UnifiedDiff(before, after);
  }
  return out;
}

// What Ansible's default callback leaves of a debug result: `msg` alone, or
// the variable shown with `var`.
Json CleanDebugResult(const Json& result) {
  Json out = Json::object();
  bool has_msg = result.contains("msg");
  for (const auto& [k, v] : result.items()) {
    if (has_msg && k != "msg" && k != "exception" && k != "warnings" && k != "deprecations")
      continue;
    if (!has_msg && (k == "changed" || k == "failed" || k == "skipped" || k == "invocation" ||
                     k == "skip_reason" || k == "item" || k == "ansible_loop_var")) {
      continue;
    }
    out[k] = v;
  }
  return out;
}

}  // namespace

std::string_view StatusName(ResultStatus status) {
  switch (status) {
    case ResultStatus::kOk:
      return "ok";
    case ResultStatus::kChanged:
      return "changed";
    case ResultStatus::kFailed:
      return "failed";
    case ResultStatus::kSkipped:
      return "skipped";
    case ResultStatus::kUnreachable:
      return "unreachable";
  }
  return "ok";
}

std::string Banner(std::string_view text) {
  size_t stars = text.size() >= 76 ? 3 : 79 - text.size();
  return fmt::format("\n{} {}", text, std::string(stars, '*'));
}

std::string RecapLine(const std::string& host, const HostStats& s, bool color) {
  auto field = [&](const char* name, int n, const char* c) {
    std::string text = fmt::format("{}={:<4}", name, n);
    return n != 0 ? Colorize(text, c, color) : text;
  };
  std::string name = fmt::format("{:<26}", host);
  if (color) {
    const char* c = (s.failed || s.unreachable) ? kRed : s.changed ? kYellow : kGreen;
    name = fmt::format("{:<37}", Colorize(host, c, true));
  }
  return fmt::format("{} : {} {} {} {} {} {} {}", name, field("ok", s.ok, kGreen),
                     field("changed", s.changed, kYellow),
                     field("unreachable", s.unreachable, kBrightRed),
                     field("failed", s.failed, kRed), field("skipped", s.skipped, kCyan),
                     field("rescued", s.rescued, kGreen), field("ignored", s.ignored, kBlue));
}

std::string PyJson(const Json& value, int indent, bool sort_keys) {
  JsonDumpsOptions options;
  if (indent > 0) options.indent = indent;
  options.sort_keys = sort_keys;
  options.ensure_ascii = false;
  return PythonJsonDumps(value, options);
}

std::string ItemLabel(const Json& item) {
  if (item.is_string()) return item.get<std::string>();
  return PythonRepr(item);
}

std::string DeprecationText(const Json& entry) {
  if (!entry.is_object()) return "[DEPRECATION WARNING]: " + PythonStr(entry);
  std::string msg = entry.value("msg", "");
  while (!msg.empty() && (msg.back() == ' ' || msg.back() == '\n')) msg.pop_back();
  if (!msg.empty() && msg.back() != '!' && msg.back() != '?' && msg.back() != '.') msg += '.';
  std::string text = "[DEPRECATION WARNING]: " + msg + " This feature will be removed";
  std::string collection = entry.value("collection_name", "");
  if (collection == "ansible.builtin") collection = "ansible-core";
  if (!collection.empty()) text += " from " + collection;
  std::string date = entry.contains("date") && entry["date"].is_string() ? entry["date"].get<std::string>() : "";
  std::string version = entry.contains("version") && entry["version"].is_string()
                            ? entry["version"].get<std::string>()
                            : "";
  if (!date.empty()) {
    text += " in a release after " + date + ".";
  } else if (!version.empty()) {
    text += " in version " + version + ".";
  } else {
    text += " in a future release.";
  }
  return text + " Deprecation warnings can be disabled by setting deprecation_warnings=False in ansible.cfg.";
}

Json CensoredResult(const Json& result) {
  Json out = {{"censored",
               "the output has been hidden due to the fact that 'no_log: true' was specified "
               "for this result"}};
  if (result.is_object() && result.contains("changed")) out["changed"] = result["changed"];
  return out;
}

Json CleanResult(const Json& result, int verbosity) {
  if (!result.is_object()) return result;
  Json out = Json::object();
  for (const auto& [k, v] : result.items()) {
    if (k.starts_with("_ansible") || k == "diff") continue;
    // Shown as [WARNING] lines before the result (ResultWarnings).
    if ((k == "warnings" || k == "deprecations") && v.is_array()) continue;
    if (k == "invocation" && verbosity < 3) continue;
    if (k == "failed" && v.is_boolean() && !v.get<bool>()) continue;
    out[k] = v;
  }
  return out;
}

std::string DiffText(const Json& diff) {
  if (diff.is_array()) {
    std::string out;
    for (const auto& d : diff) out += OneDiff(d);
    return out;
  }
  if (diff.is_object()) return OneDiff(diff);
  return "";
}

std::string ResultText(const HostResult& r, int verbosity) {
  std::string host = r.delegated_to.empty() ? r.host : r.host + " -> " + r.delegated_to;
  std::string item = r.is_item ? fmt::format(" => (item={})", r.item_label) : "";
  Json shown = CleanResult(r.result, verbosity);
  // debug and assert always show their result (Ansible's _ansible_verbose_always).
  bool is_debug = r.task != nullptr && r.task->action == "debug";
  bool is_object = r.result.is_object();
  bool verbose_always = is_debug ||
                        (is_object && r.result.value("_ansible_verbose_always", false)) ||
                        (r.task != nullptr && r.task->action == "assert" && is_object &&
                         !r.result.value("_ansible_quiet", false));
  switch (r.status) {
    case ResultStatus::kFailed: {
      if (r.is_item) {
        return fmt::format("failed: [{}] (item={}) => {}", host, r.item_label, PyJson(shown));
      }
      return fmt::format("fatal: [{}]: FAILED! => {}", host, PyJson(shown));
    }
    case ResultStatus::kUnreachable:
      if (r.is_item) {
        return fmt::format("fatal: [{}]: UNREACHABLE! (item={}) => {}", host, r.item_label,
                           PyJson(shown));
      }
      return fmt::format("fatal: [{}]: UNREACHABLE! => {}", host, PyJson(shown));
    case ResultStatus::kSkipped: {
      std::string line = fmt::format("skipping: [{}]{}", host, item);
      if (verbosity > 0 && !r.is_item) line += " => " + PyJson(shown, verbosity > 2 ? 4 : 0);
      return line;
    }
    case ResultStatus::kOk:
    case ResultStatus::kChanged: {
      std::string word = r.status == ResultStatus::kChanged ? "changed" : "ok";
      std::string line = fmt::format("{}: [{}]{}", word, host, item);
      if (verbose_always || verbosity > 0) {
        Json body = shown;
        if (is_debug && body.is_object()) body = CleanDebugResult(body);
        line += " => " + PyJson(body, verbose_always || verbosity > 2 ? 4 : 0);
      }
      return line;
    }
  }
  return {};
}

HumanReporter::HumanReporter(std::FILE* out, HumanOptions options, Terminal& terminal)
    : out_(out), options_(options), status_(terminal) {}

void HumanReporter::ClearStatus() { status_.Clear(); }

void HumanReporter::Write(const std::string& text, const char* color) {
  ClearStatus();
  std::string colored = Colorize(text, color, options_.color);
  std::fwrite(colored.data(), 1, colored.size(), out_);
  std::fputc('\n', out_);
  std::fflush(out_);
}

void HumanReporter::PlayStart(const Play& play) {
  std::lock_guard lock(mutex_);
  Write(Banner("PLAY [" + play.name + "]"), nullptr);
}

void HumanReporter::TaskStart(const Task& task, std::string_view kind) {
  std::lock_guard lock(mutex_);
  Write(Banner(fmt::format("{} [{}]", kind, task.DisplayName())), nullptr);
}

void HumanReporter::Result(const HostResult& r) {
  std::lock_guard lock(mutex_);
  if (options_.diff && r.result.is_object() && r.result.contains("diff") &&
      r.status != ResultStatus::kSkipped) {
    std::string diff = DiffText(r.result["diff"]);
    if (!diff.empty()) {
      if (diff.back() == '\n') diff.pop_back();
      Write(diff, nullptr);
    }
  }
  if (r.loop_summary) {
    if (r.ignored) Write("...ignoring", kCyan);
    RecordTiming(r);
    return;
  }
  const char* color = kGreen;
  switch (r.status) {
    case ResultStatus::kChanged:
      color = kYellow;
      break;
    case ResultStatus::kFailed:
      color = kRed;
      break;
    case ResultStatus::kSkipped:
      color = kCyan;
      break;
    case ResultStatus::kUnreachable:
      color = kBrightRed;
      break;
    case ResultStatus::kOk:
      break;
  }
  ResultWarnings(r.result);
  if (options_.verbosity > 0 && !r.python_module.empty() && !r.is_item) {
    Write(fmt::format("[{}] ran through Python: Ansible's {}", r.host, r.python_module), nullptr);
  }
  Write(ResultText(r, options_.verbosity), color);
  if (r.ignored && !r.is_item) Write("...ignoring", kCyan);
  if (!r.is_item) RecordTiming(r);
}

void HumanReporter::RecordTiming(const HostResult& r) {
  if (!options_.timing || r.task == nullptr) return;
  auto [it, inserted] = timing_index_.emplace(r.task, timings_.size());
  if (inserted) {
    // Tasks that ran Ansible's Python code say so: users see where their time goes.
    std::string name = r.task->DisplayName();
    if (!r.python_module.empty()) name += fmt::format(" [python: {}]", r.python_module);
    timings_.emplace_back(std::move(name), 0.0);
  }
  timings_[it->second].second = std::max(timings_[it->second].second, r.seconds);
}

void HumanReporter::Included(const std::string& file, const std::vector<std::string>& hosts) {
  std::lock_guard lock(mutex_);
  std::string list;
  for (const auto& h : hosts) list += (list.empty() ? "" : ", ") + h;
  // Without hosts, `file` already carries " for host => (item=...)".
  Write(list.empty() ? "included: " + file : fmt::format("included: {} for {}", file, list), kCyan);
}

void HumanReporter::Warning(const std::string& text) {
  std::lock_guard lock(mutex_);
  WarningLocked(text);
}

void HumanReporter::WarningLocked(const std::string& text) {
  ClearStatus();
  std::string line = Colorize("[WARNING]: " + text, kPurple, options_.color);
  std::fprintf(stderr, "%s\n", line.c_str());
}

// A module's warnings and deprecations, shown before its result line and left
// out of the result, as Ansible's callback (_handle_warnings) does.
void HumanReporter::ResultWarnings(const Json& result) {
  if (!result.is_object()) return;
  if (auto w = result.find("warnings"); w != result.end() && w->is_array()) {
    for (const auto& text : *w) WarningLocked(text.is_string() ? text.get<std::string>() : text.dump());
  }
  if (auto d = result.find("deprecations"); d != result.end() && d->is_array()) {
    for (const auto& entry : *d) {
      ClearStatus();
      std::string line = Colorize(DeprecationText(entry), kPurple, options_.color);
      std::fprintf(stderr, "%s\n", line.c_str());
    }
  }
}

void HumanReporter::Note(const std::string& text) {
  std::lock_guard lock(mutex_);
  Write(text, nullptr);
}

void HumanReporter::Recap(const std::map<std::string, HostStats>& stats) {
  std::lock_guard lock(mutex_);
  Write(Banner("PLAY RECAP"), nullptr);
  for (const auto& [host, s] : stats) Write(RecapLine(host, s, options_.color), nullptr);
  Write("", nullptr);
  if (!options_.timing || timings_.empty()) return;
  auto sorted = timings_;
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  double total = 0;
  for (const auto& [_, s] : timings_) total += s;
  Write(Banner("TASKS RECAP").substr(1), nullptr);
  for (size_t i = 0; i < sorted.size() && i < 20; ++i) {
    std::string name = sorted[i].first + " ";
    std::string secs = fmt::format(" {:.2f}s", sorted[i].second);
    size_t width = 80;
    size_t fill = name.size() + secs.size() < width ? width - name.size() - secs.size() : 3;
    Write(name + std::string(fill, '-') + secs, nullptr);
  }
  Write(fmt::format("total {:.2f}s", total), nullptr);
}

void HumanReporter::Progress(std::string_view task, int running, int total) {
  if (!options_.status_line) return;
  std::lock_guard lock(mutex_);
  status_.Update(task.substr(0, 50), running, total);
}

void JsonReporter::Emit(const Json& event) {
  std::lock_guard lock(mutex_);
  std::string line = event.dump(-1, ' ', false, Json::error_handler_t::replace);
  std::fprintf(out_, "%s\n", line.c_str());
  std::fflush(out_);
}

void JsonReporter::PlayStart(const Play& play) {
  Emit({{"event", "play"}, {"name", play.name}, {"hosts", play.hosts}});
}

void JsonReporter::TaskStart(const Task& task, std::string_view kind) {
  Emit({{"event", kind == "TASK" ? "task" : "handler"},
        {"name", task.DisplayName()},
        {"action", task.action},
        {"file", task.where.ToString()}});
}

void JsonReporter::Result(const HostResult& r) {
  Json event = {{"event", r.is_item ? "item_result" : "result"},
                {"host", r.host},
                {"task", r.task ? r.task->DisplayName() : ""},
                {"status", StatusName(r.status)},
                {"ignored", r.ignored},
                {"seconds", r.seconds},
                {"result", CleanResult(r.result, 3)}};
  if (!r.delegated_to.empty()) event["delegated_to"] = r.delegated_to;
  if (r.is_item) event["item"] = r.item_label;
  if (!r.python_module.empty()) event["python_module"] = r.python_module;
  Emit(event);
}

void JsonReporter::Included(const std::string& file, const std::vector<std::string>& hosts) {
  Emit({{"event", "included"}, {"file", file}, {"hosts", hosts}});
}

void JsonReporter::Warning(const std::string& text) { Emit({{"event", "warning"}, {"msg", text}}); }

void JsonReporter::Note(const std::string& text) { Emit({{"event", "note"}, {"msg", text}}); }

void JsonReporter::Recap(const std::map<std::string, HostStats>& stats) {
  Json hosts = Json::object();
  for (const auto& [h, s] : stats) {
    hosts[h] = {{"ok", s.ok},          {"changed", s.changed}, {"unreachable", s.unreachable},
                {"failed", s.failed},  {"skipped", s.skipped}, {"rescued", s.rescued},
                {"ignored", s.ignored}};
  }
  Emit({{"event", "recap"}, {"hosts", hosts}});
}

}  // namespace tend
