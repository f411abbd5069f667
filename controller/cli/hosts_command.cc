// `tend hosts --where 'ansible_distribution_version < "12"'`: the hosts
// whose newest recorded facts match, from the run records (no connecting).

#include <fmt/format.h>

#include <memory>

#include "controller/cli/command.h"
#include "controller/cli/run_records.h"
#include "controller/records/fact_filter.h"
#include "controller/records/history_view.h"

namespace tend {
namespace {

struct HostsFlags {
  std::vector<std::string> where;
  bool json = false;
  std::string records;
};

Expected<std::vector<FactFilter>> ParseFilters(const std::vector<std::string>& texts) {
  std::vector<FactFilter> out;
  for (const auto& t : texts) {
    auto f = ParseFactFilter(t);
    if (!f) return std::unexpected(f.error());
    out.push_back(std::move(*f));
  }
  return out;
}

int Hosts(const HostsFlags& f) {
  auto filters = ParseFilters(f.where);
  if (!filters) {
    fmt::print(stderr, "tend: {}\n", filters.error().ToString());
    return kExitBadOptions;
  }
  auto store = OpenRecordsForReading(f.records);
  if (!store) return kExitError;
  auto latest = store->LatestFacts();
  if (!latest) {
    fmt::print(stderr, "tend: {}\n", latest.error().ToString());
    return kExitError;
  }
  std::vector<std::vector<std::string>> rows = {{"HOST", "GATHERED"}};
  for (const auto& w : *filters) rows[0].push_back(w.fact);
  Json out = Json::array();
  for (const auto& rec : *latest) {
    bool all = std::all_of(filters->begin(), filters->end(),
                           [&](const FactFilter& w) { return Matches(w, rec.facts); });
    if (!all) continue;
    std::vector<std::string> row = {rec.host, FormatTime(rec.gathered_ms)};
    Json item = {{"host", rec.host}, {"gathered_ms", rec.gathered_ms}, {"run", rec.run_id}};
    for (const auto& w : *filters) {
      Json value = FactAt(rec.facts, w.fact);
      row.push_back(value.is_string() ? value.get<std::string>() : value.dump());
      item["facts"][w.fact] = value;
    }
    rows.push_back(std::move(row));
    out.push_back(std::move(item));
  }
  if (f.json) {
    fmt::print("{}\n", out.dump(2));
  } else {
    fmt::print("{}", Table(rows));
  }
  return kExitOk;
}

}  // namespace

CommandRunner SetupHostsCommand(CLI::App& sub) {
  auto flags = std::make_shared<HostsFlags>();
  sub.add_option("--where", flags->where,
                 "Keep hosts whose newest recorded facts match: FACT OP VALUE, OP one of "
                 "== != < <= > >= (repeatable: all must match)")
      ->expected(1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  sub.add_flag("--json", flags->json, "JSON for scripts instead of a table");
  AddRecordsOption(sub, flags->records);
  return [flags] { return Hosts(*flags); };
}

}  // namespace tend
