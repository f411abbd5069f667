#include "controller/records/run_report.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <sstream>

#include "controller/playbook/reporter.h"
#include "controller/records/history_view.h"
#include "core/html.h"

namespace tend {
namespace {

constexpr const char* kStyle = R"(
body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222;max-width:1200px}
h1{font-size:20px;margin:0 0 4px}h2{font-size:16px;margin:24px 0 8px;border-bottom:1px solid #ddd}
.meta{color:#555}.meta code{background:#f4f4f4;padding:1px 4px}
table{border-collapse:collapse}td,th{padding:3px 10px;text-align:left;border-bottom:1px solid #eee}
th{background:#fafafa}.num{text-align:right}
.ok{color:#2a7d2a}.changed{color:#a66b00}.failed,.unreachable{color:#c62828}.skipped{color:#00838f}
.failure{border-left:4px solid #c62828;background:#fff5f5;padding:6px 10px;margin:8px 0}
pre{background:#f7f7f7;padding:8px;overflow:auto;margin:4px 0 12px}
.add{color:#1b5e20;background:#e8f5e9;display:block}.del{color:#b71c1c;background:#ffebee;display:block}
svg text{font:12px system-ui,sans-serif}
)";

// Timeline colours, one per status.
const char* Fill(const std::string& status) {
  if (status == "changed") return "#f2a93b";
  if (status == "failed" || status == "unreachable") return "#e53935";
  if (status == "skipped") return "#80deea";
  return "#66bb6a";
}

std::string Failures(const RunDetail& run) {
  std::string out;
  for (const auto& r : run.results) {
    if ((r.status != "failed" && r.status != "unreachable") || r.ignored) continue;
    std::string msg = r.result.is_object() ? r.result.value("msg", Json("")).dump() : "";
    if (r.result.is_object() && r.result.contains("msg") && r.result["msg"].is_string()) {
      msg = r.result["msg"].get<std::string>();
    }
    out += fmt::format("<div class=\"failure\"><b>{}</b> &mdash; {} <span class=\"{}\">{}</span>"
                       "<pre>{}</pre></div>\n",
                       HtmlEscape(r.host), HtmlEscape(r.task), r.status, r.status,
                       HtmlEscape(msg));
  }
  if (out.empty()) return "";
  return "<h2 id=\"failures\">Failures</h2>\n" + out;
}

std::string Timeline(const RunDetail& run) {
  if (run.results.empty()) return "";
  std::vector<std::string> hosts;
  int64_t start = run.info.started_ms;
  int64_t end = std::max(start + 1, run.info.finished_ms.value_or(0));
  for (const auto& r : run.results) {
    if (std::find(hosts.begin(), hosts.end(), r.host) == hosts.end()) hosts.push_back(r.host);
    start = std::min(start, r.started_ms);
    end = std::max(end, r.started_ms + static_cast<int64_t>(r.seconds * 1000));
  }
  std::sort(hosts.begin(), hosts.end());
  const int label = 160, width = 900, row = 22;
  double scale = static_cast<double>(width) / static_cast<double>(end - start);
  int height = static_cast<int>(hosts.size()) * row + 24;
  std::string svg = fmt::format(
      "<svg class=\"gantt\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\">\n",
      label + width + 10, height);
  for (size_t h = 0; h < hosts.size(); ++h) {
    svg += fmt::format("<text x=\"0\" y=\"{}\">{}</text>\n", h * row + 15, HtmlEscape(hosts[h]));
  }
  for (const auto& r : run.results) {
    size_t h = static_cast<size_t>(std::find(hosts.begin(), hosts.end(), r.host) - hosts.begin());
    double x = label + static_cast<double>(r.started_ms - start) * scale;
    double w = std::max(2.0, r.seconds * 1000 * scale);
    svg += fmt::format(
        "<rect class=\"task {}\" x=\"{:.1f}\" y=\"{}\" width=\"{:.1f}\" height=\"{}\" "
        "fill=\"{}\"><title>{}: {} ({}, {})</title></rect>\n",
        r.status, x, h * row + 3, w, row - 6, Fill(r.status), HtmlEscape(r.host),
        HtmlEscape(r.task), r.status, FormatDuration(r.seconds));
  }
  double total = static_cast<double>(end - start) / 1000.0;
  for (int tick = 0; tick <= 4; ++tick) {
    svg += fmt::format("<text x=\"{}\" y=\"{}\" fill=\"#777\">{}</text>\n",
                       label + tick * width / 4 - (tick == 4 ? 40 : 0), height - 4,
                       FormatDuration(total * tick / 4));
  }
  return "<h2 id=\"timeline\">Timeline</h2>\n" + svg + "</svg>\n";
}

std::string DiffHtml(const std::string& diff) {
  std::string out;
  std::istringstream lines(diff);
  std::string line;
  while (std::getline(lines, line)) {
    const char* cls = line.starts_with("+") && !line.starts_with("+++")   ? "add"
                      : line.starts_with("-") && !line.starts_with("---") ? "del"
                                                                          : nullptr;
    out += cls ? fmt::format("<span class=\"{}\">{}</span>", cls, HtmlEscape(line))
               : HtmlEscape(line) + "\n";
  }
  return out;
}

std::string Changes(const RunDetail& run) {
  std::string out;
  for (const auto& r : run.results) {
    if (!r.changed) continue;
    out += fmt::format("<h3>{} &mdash; {} <small>({})</small></h3>\n", HtmlEscape(r.host),
                       HtmlEscape(r.task), HtmlEscape(r.module));
    std::string diff = r.result.is_object() && r.result.contains("diff")
                           ? DiffText(r.result["diff"])
                           : "";
    if (!diff.empty()) out += "<pre class=\"diff\">" + DiffHtml(diff) + "</pre>\n";
  }
  if (out.empty()) return "";
  return "<h2 id=\"changes\">Changed tasks</h2>\n" + out;
}

std::string Recap(const RunDetail& run) {
  Json counts = run.info.recap;
  if (counts.empty()) {
    for (const auto& r : run.results) CountResult(counts, r.host, r.status);
  }
  std::string out =
      "<h2 id=\"recap\">Recap</h2>\n<table><tr><th>host</th><th>ok</th><th>changed</th>"
      "<th>unreachable</th><th>failed</th><th>skipped</th></tr>\n";
  for (const auto& [host, c] : counts.items()) {
    out += fmt::format("<tr><td>{}</td>", HtmlEscape(host));
    for (const char* key : {"ok", "changed", "unreachable", "failed", "skipped"}) {
      int n = c.value(key, 0);
      out += fmt::format("<td class=\"num{}\">{}</td>", n > 0 ? std::string(" ") + key : "", n);
    }
    out += "</tr>\n";
  }
  return out + "</table>\n";
}

std::string Header(const RunInfo& i) {
  std::string sources;
  for (const auto& s : i.sources) {
    sources += fmt::format("<br>{}: <code>{}</code>{}", s.kind, HtmlEscape(s.path),
                           s.commit.empty() ? "" : " git " + HtmlEscape(s.commit.substr(0, 12)));
  }
  std::string duration =
      i.finished_ms ? FormatDuration(static_cast<double>(*i.finished_ms - i.started_ms) / 1000)
                    : "-";
  return fmt::format(
      "<h1>Run {}: {} <span class=\"{}\">{}</span></h1>\n<p class=\"meta\">{} by {} on {}, "
      "took {}<br><code>{}</code>{}</p>\n",
      i.id, HtmlEscape(RunWhat(i)), RunStatus(i) == "ok" ? "ok" : "failed", RunStatus(i),
      FormatTime(i.started_ms), HtmlEscape(i.user), HtmlEscape(i.controller), duration,
      HtmlEscape(i.command_line), sources);
}

}  // namespace

std::string RunReportHtml(const RunDetail& run) {
  return fmt::format(
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<title>tend run {}</title>\n<style>{}</style></head>\n<body>\n{}{}{}{}{}</body></html>\n",
      run.info.id, kStyle, Header(run.info), Failures(run), Timeline(run), Changes(run),
      Recap(run));
}

}  // namespace tend
