#include "controller/records/run_report.h"

#include <doctest/doctest.h>

namespace tend {
namespace {

RunDetail Sample() {
  RunDetail d;
  d.info.id = 4;
  d.info.command = "play";
  d.info.command_line = "tend play site.yml";
  d.info.started_ms = 1000;
  d.info.finished_ms = 5000;
  d.info.exit_code = 2;
  d.info.recap = {{"web1", {{"ok", 2}, {"changed", 1}}}, {"web2", {{"failed", 1}}}};
  TaskRecord changed{.seq = 1, .play = "p", .task = "write <config>", .module = "copy",
                     .host = "web1", .status = "changed", .changed = true, .started_ms = 1000,
                     .seconds = 1.0,
                     .result = {{"diff", {{"before", "port=1\n"}, {"after", "port=2\n"},
                                          {"before_header", "/etc/app"},
                                          {"after_header", "/etc/app"}}}}};
  TaskRecord failed{.seq = 2, .play = "p", .task = "restart", .module = "service",
                    .host = "web2", .status = "failed", .started_ms = 2000, .seconds = 2.0,
                    .result = {{"msg", "unit app.service not found"}}};
  d.results = {changed, failed};
  return d;
}

TEST_CASE("the report: failures before the timeline, diffs of changed tasks, the recap") {
  std::string html = RunReportHtml(Sample());
  size_t failures = html.find("<h2 id=\"failures\">");
  size_t timeline = html.find("<h2 id=\"timeline\">");
  size_t changes = html.find("<h2 id=\"changes\">");
  size_t recap = html.find("<h2 id=\"recap\">");
  REQUIRE(failures != std::string::npos);
  CHECK(failures < timeline);
  CHECK(timeline < changes);
  CHECK(changes < recap);
  CHECK(html.find("unit app.service not found") != std::string::npos);
  CHECK(html.find("<span class=\"del\">-port=1</span>") != std::string::npos);
  CHECK(html.find("<span class=\"add\">+port=2</span>") != std::string::npos);
  CHECK(html.find("write &lt;config&gt;") != std::string::npos);  // escaped
  // One bar per result, the failed one red, placed by start time on its host's row.
  CHECK(html.find("<rect class=\"task changed\" x=\"160.0\" y=\"3\" width=\"225.0\"") !=
        std::string::npos);
  CHECK(html.find("<rect class=\"task failed\" x=\"385.0\" y=\"25\" width=\"450.0\"") !=
        std::string::npos);
}

TEST_CASE("the report fetches nothing: no external URLs, scripts or stylesheets") {
  std::string html = RunReportHtml(Sample());
  CHECK(html.find("src=") == std::string::npos);
  CHECK(html.find("<link") == std::string::npos);
  CHECK(html.find("https://") == std::string::npos);
  // The SVG namespace is an identifier, not a fetch.
  CHECK(html.find("http://") == html.find("http://www.w3.org/2000/svg"));
}

}  // namespace
}  // namespace tend
