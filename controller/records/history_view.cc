#include "controller/records/history_view.h"

#include <fmt/format.h>

#include <algorithm>
#include <ctime>
#include <filesystem>
#include <map>

namespace tend {
namespace {

int Sum(const Json& counts, const char* key) {
  int total = 0;
  for (const auto& [_, c] : counts.items()) total += c.value(key, 0);
  return total;
}

// The PLAY RECAP once the run ended; counted from its results when it was
// killed before one.
const Json& Counts(const RunSummaryRow& r) { return r.info.recap.empty() ? r.counts : r.info.recap; }

double RunSeconds(const RunInfo& run) {
  if (!run.finished_ms) return 0;
  return static_cast<double>(*run.finished_ms - run.started_ms) / 1000.0;
}

}  // namespace

std::string FormatTime(int64_t ms) {
  std::time_t t = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  localtime_r(&t, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S", &tm);
  return text;
}

std::string FormatDuration(double seconds) {
  if (seconds < 60) return fmt::format("{:.1f}s", seconds);
  auto whole = static_cast<long>(seconds);
  if (whole < 3600) return fmt::format("{}m{:02}s", whole / 60, whole % 60);
  return fmt::format("{}h{:02}m", whole / 3600, (whole % 3600) / 60);
}

std::string RunStatus(const RunInfo& run) {
  if (!run.finished_ms || !run.exit_code) return "incomplete";
  switch (*run.exit_code) {
    case 0:
      return "ok";
    case 2:
      return "failed";
    case 4:
      return "unreachable";
    case 99:
      return "interrupted";
    default:
      return "error";
  }
}

std::string RunWhat(const RunInfo& run) {
  std::string what;
  for (const auto& s : run.sources) {
    // An ad-hoc run names its module where a play names its playbooks.
    if (s.kind == "module") what += (what.empty() ? "" : " ") + s.path;
    if (s.kind != "playbook") continue;
    what += (what.empty() ? "" : " ") + std::filesystem::path(s.path).filename().string();
  }
  return run.command + (what.empty() ? "" : " " + what);
}

std::string Table(const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> width;
  for (const auto& row : rows) {
    if (width.size() < row.size()) width.resize(row.size(), 0);
    for (size_t i = 0; i < row.size(); ++i) width[i] = std::max(width[i], row[i].size());
  }
  std::string out;
  for (const auto& row : rows) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line += std::string(width[i] - row[i].size() + 2, ' ');
    }
    out += line + "\n";
  }
  return out;
}

std::string RunsTable(const std::vector<RunSummaryRow>& runs) {
  std::vector<std::vector<std::string>> rows = {{"RUN", "STARTED", "USER", "CONTROLLER", "WHAT",
                                                  "HOSTS", "OK", "CHANGED", "FAILED",
                                                  "UNREACHABLE", "DURATION", "STATUS"}};
  for (const auto& r : runs) {
    const RunInfo& i = r.info;
    const Json& counts = Counts(r);
    rows.push_back({std::to_string(i.id), FormatTime(i.started_ms), i.user, i.controller,
                    RunWhat(i), std::to_string(counts.size()), std::to_string(Sum(counts, "ok")),
                    std::to_string(Sum(counts, "changed")), std::to_string(Sum(counts, "failed")),
                    std::to_string(Sum(counts, "unreachable")),
                    i.finished_ms ? FormatDuration(RunSeconds(i)) : "-", RunStatus(i)});
  }
  return Table(rows);
}

std::string RunDetailText(const RunDetail& run) {
  const RunInfo& i = run.info;
  std::string out = fmt::format("run {}: {} by {} on {}, {} ({})\n", i.id, RunWhat(i), i.user,
                                i.controller, FormatTime(i.started_ms), RunStatus(i));
  out += fmt::format("command: {}\n", i.command_line);
  for (const auto& s : i.sources) {
    out += fmt::format("{}: {}{}\n", s.kind, s.path,
                       s.commit.empty() ? "" : " (git " + s.commit.substr(0, 12) + ")");
  }
  if (i.finished_ms) out += fmt::format("duration: {}\n", FormatDuration(RunSeconds(i)));
  std::map<std::string, std::vector<const TaskRecord*>> by_host;
  for (const auto& r : run.results) by_host[r.host].push_back(&r);
  for (const auto& [host, results] : by_host) {
    out += fmt::format("\n{}\n", host);
    std::vector<std::vector<std::string>> rows = {{"  TASK", "MODULE", "STATUS", "DURATION"}};
    for (const TaskRecord* r : results) {
      rows.push_back({"  " + r->task, r->module, r->status + (r->ignored ? " (ignored)" : ""),
                      FormatDuration(r->seconds)});
    }
    out += Table(rows);
  }
  return out;
}

std::string HostHistoryTable(const std::vector<HostChange>& changes) {
  std::vector<std::vector<std::string>> rows = {
      {"WHEN", "RUN", "USER", "PLAY", "TASK", "MODULE", "STATUS"}};
  for (const auto& c : changes) {
    rows.push_back({FormatTime(c.result.started_ms), std::to_string(c.run.id), c.run.user,
                    c.result.play, c.result.task, c.result.module, c.result.status});
  }
  return Table(rows);
}

Json RunInfoJson(const RunInfo& i) {
  Json sources = Json::array();
  for (const auto& s : i.sources) {
    sources.push_back({{"kind", s.kind}, {"path", s.path}, {"commit", s.commit}});
  }
  return {{"id", i.id},
          {"command", i.command},
          {"command_line", i.command_line},
          {"user", i.user},
          {"controller", i.controller},
          {"started_ms", i.started_ms},
          {"finished_ms", i.finished_ms ? Json(*i.finished_ms) : Json()},
          {"exit_code", i.exit_code ? Json(*i.exit_code) : Json()},
          {"status", RunStatus(i)},
          {"sources", sources},
          {"recap", i.recap}};
}

Json TaskRecordJson(const TaskRecord& r) {
  return {{"seq", r.seq},         {"play", r.play},         {"task", r.task},
          {"module", r.module},   {"host", r.host},         {"status", r.status},
          {"changed", r.changed}, {"ignored", r.ignored},   {"started_ms", r.started_ms},
          {"seconds", r.seconds}, {"result", r.result}};
}

Json RunsJson(const std::vector<RunSummaryRow>& runs) {
  Json out = Json::array();
  for (const auto& r : runs) {
    Json run = RunInfoJson(r.info);
    run["hosts"] = Counts(r);
    out.push_back(std::move(run));
  }
  return out;
}

Json RunDetailJson(const RunDetail& run) {
  Json out = RunInfoJson(run.info);
  out["results"] = Json::array();
  for (const auto& r : run.results) out["results"].push_back(TaskRecordJson(r));
  return out;
}

Json HostHistoryJson(const std::vector<HostChange>& changes) {
  Json out = Json::array();
  for (const auto& c : changes) {
    Json r = TaskRecordJson(c.result);
    r["run"] = RunInfoJson(c.run);
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace tend
