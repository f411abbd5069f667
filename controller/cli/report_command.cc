// `tend report [RUN] -o run.html`: one recorded run (the newest by default)
// as a self-contained HTML page.

#include <fmt/format.h>

#include <fstream>
#include <memory>

#include "controller/cli/command.h"
#include "controller/cli/run_records.h"
#include "controller/records/run_report.h"

namespace tend {
namespace {

struct ReportFlags {
  int64_t run = 0;
  std::string output;
  std::string records;
};

Expected<int64_t> NewestRun(RecordStore& store) {
  auto runs = store.ListRuns(1);
  if (!runs) return std::unexpected(runs.error());
  if (runs->empty()) return Fail("no runs recorded yet");
  return runs->front().info.id;
}

int Report(const ReportFlags& f) {
  auto store = OpenRecordsForReading(f.records);
  if (!store) return kExitError;
  Expected<int64_t> id = f.run != 0 ? Expected<int64_t>(f.run) : NewestRun(*store);
  auto run = id ? store->LoadRun(*id) : Expected<RunDetail>(std::unexpected(id.error()));
  if (!run) {
    fmt::print(stderr, "tend: {}\n", run.error().ToString());
    return kExitError;
  }
  std::string html = RunReportHtml(*run);
  if (f.output.empty() || f.output == "-") {
    fmt::print("{}", html);
    return kExitOk;
  }
  std::ofstream out(f.output, std::ios::binary);
  out << html;
  if (!out.flush()) {
    fmt::print(stderr, "tend: cannot write {}\n", f.output);
    return kExitError;
  }
  fmt::print(stderr, "tend: wrote run {} to {}\n", run->info.id, f.output);
  return kExitOk;
}

}  // namespace

CommandRunner SetupReportCommand(CLI::App& sub) {
  auto flags = std::make_shared<ReportFlags>();
  sub.add_option("run", flags->run, "The run (default: the newest)");
  sub.add_option("-o,--output", flags->output, "The HTML file to write (default: stdout)");
  AddRecordsOption(sub, flags->records);
  return [flags] { return Report(*flags); };
}

}  // namespace tend
