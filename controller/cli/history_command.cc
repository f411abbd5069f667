// `tend history [RUN] [--host H]`: the runs recorded, one run per host and
// task, or what changed on one host over time.

#include <fmt/format.h>

#include <memory>

#include "controller/cli/command.h"
#include "controller/cli/run_records.h"
#include "controller/records/history_view.h"

namespace tend {
namespace {

struct HistoryFlags {
  int64_t run = 0;
  std::string host;
  int limit = 20;
  bool json = false;
  std::string records;
};

template <class T, class Text, class ToJson>
int Print(const Expected<T>& value, bool json, Text text, ToJson to_json) {
  if (!value) {
    fmt::print(stderr, "tend: {}\n", value.error().ToString());
    return kExitError;
  }
  if (json) {
    fmt::print("{}\n", to_json(*value).dump(2, ' ', false, Json::error_handler_t::replace));
  } else {
    fmt::print("{}", text(*value));
  }
  return kExitOk;
}

int History(const HistoryFlags& f) {
  auto store = OpenRecordsForReading(f.records);
  if (!store) return kExitError;
  if (f.run != 0) return Print(store->LoadRun(f.run), f.json, RunDetailText, RunDetailJson);
  if (!f.host.empty()) {
    return Print(store->HostHistory(f.host, f.limit), f.json, HostHistoryTable, HostHistoryJson);
  }
  return Print(store->ListRuns(f.limit), f.json, RunsTable, RunsJson);
}

}  // namespace

CommandRunner SetupHistoryCommand(CLI::App& sub) {
  auto flags = std::make_shared<HistoryFlags>();
  sub.add_option("run", flags->run, "Show this run per host and task");
  sub.add_option("--host", flags->host, "What changed or failed on this host, newest first");
  sub.add_option("-n,--limit", flags->limit, "Show at most this many rows (default 20)")
      ->check(CLI::PositiveNumber);
  sub.add_flag("--json", flags->json, "JSON for scripts instead of a table");
  AddRecordsOption(sub, flags->records);
  return [flags] { return History(*flags); };
}

}  // namespace tend
