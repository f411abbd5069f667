// `tend facts PATTERN -i INV`: facts per host, like `ansible -m setup`, with
// --tree (one file per host) and a JSON fact cache the playbook engine reads.

#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <memory>

#include "controller/cli/adhoc_command.h"
#include "controller/cli/command.h"
#include "controller/cli/config_flags.h"
#include "controller/connection/fact_cache.h"
#include "controller/cli/run_records.h"
#include "controller/connection/real_session.h"
#include "controller/records/fact_filter.h"
#include "controller/records/history_view.h"

namespace tend {
namespace {

struct FactsFlags {
  AdhocFlags adhoc;
  std::string tree;
  std::string cache;
  long cache_ttl = 86400;
  bool oneline = false;
  std::string history;  // --history HOST: stored snapshots, no connecting
  bool json = false;
  std::string records;
};

// The facts the run records hold for one host, newest first.
int FactHistory(const FactsFlags& f) {
  auto store = OpenRecordsForReading(f.records);
  if (!store) return kExitError;
  auto history = store->FactHistory(f.history);
  if (!history) {
    fmt::print(stderr, "tend: {}\n", history.error().ToString());
    return kExitError;
  }
  if (f.json) {
    Json out = Json::array();
    for (const auto& h : *history) {
      out.push_back({{"gathered_ms", h.gathered_ms}, {"run", h.run_id}, {"facts", h.facts}});
    }
    fmt::print("{}\n", out.dump(2));
    return kExitOk;
  }
  std::vector<std::vector<std::string>> rows = {{"GATHERED", "RUN", "DISTRIBUTION", "KERNEL", "FACTS"}};
  for (const auto& h : *history) {
    auto text = [&](const char* name) {
      Json v = FactAt(h.facts, name);
      return v.is_string() ? v.get<std::string>() : v.is_null() ? std::string("-") : v.dump();
    };
    rows.push_back({FormatTime(h.gathered_ms), std::to_string(h.run_id),
                    text("distribution") + " " + text("distribution_version"), text("kernel"),
                    std::to_string(h.facts.size())});
  }
  fmt::print("{}", Table(rows));
  return kExitOk;
}

// With a cache, a fresh entry answers without connecting (Ansible's "smart"
// gathering); a gathered result refreshes it.
Json Gather(const FactsFlags& f, const HostTarget& target, const Expected<HostSession*>& session) {
  if (!session) return UnreachableResult(session.error());
  auto result = (*session)->Facts();
  if (!result) return UnreachableResult(result.error());
  if (!f.cache.empty() && result->contains("ansible_facts")) {
    if (auto w = WriteCachedFacts(f.cache, target.name, (*result)["ansible_facts"]); !w) {
      fmt::print(stderr, "[WARNING]: {}\n", w.error().message);
    }
  }
  return *result;
}

// A SessionFactory that opens nothing for hosts whose cached facts are fresh.
class CachedFirst : public SessionFactory {
 public:
  CachedFirst(SessionFactory& real, const FactsFlags& f) : real_(real), f_(f) {}
  Expected<std::unique_ptr<HostSession>> Open(const HostTarget& target) override {
    if (!f_.cache.empty() && ReadCachedFacts(f_.cache, target.name, f_.cache_ttl)) {
      return std::unique_ptr<HostSession>();
    }
    return real_.Open(target);
  }

 private:
  SessionFactory& real_;
  const FactsFlags& f_;
};

void WriteTree(const std::string& dir, const std::string& host, const Json& result) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  std::ofstream out(std::filesystem::path(dir) / host);
  out << result.dump() << "\n";
}

int Facts(const FactsFlags& f) {
  if (!f.history.empty()) return FactHistory(f);
  if (f.adhoc.pattern.empty()) {
    fmt::print(stderr, "tend: facts needs a host pattern (or --history HOST)\n");
    return kExitBadOptions;
  }
  auto targets = AdhocTargets(f.adhoc);
  if (!targets) {
    fmt::print(stderr, "tend: {}\n", targets.error().ToString());
    return kExitError;
  }
  auto real = MakeRealSessionFactory({"", f.adhoc.verbose});
  CachedFirst factory(*real, f);
  return RunOnHosts(
      f.adhoc, *targets, factory,
      [&](const HostTarget& t, const Expected<HostSession*>& session) -> Json {
        if (session && *session == nullptr) {
          if (auto cached = ReadCachedFacts(f.cache, t.name, f.cache_ttl)) {
            return Json{{"ansible_facts", *cached}, {"changed", false}};
          }
          return UnreachableResult(Error{"the cached facts vanished", {}, {}});
        }
        Json result = Gather(f, t, session);
        if (!f.tree.empty()) WriteTree(f.tree, t.name, result);
        return result;
      },
      [&](const HostTarget& t, const Json& result) {
        return FormatAdhocResult(t.name, "setup", result, f.oneline);
      });
}

}  // namespace

CommandRunner SetupFactsCommand(CLI::App& sub) {
  auto flags = std::make_shared<FactsFlags>();
  if (const auto& config = CliConfig()) {
    if (config->String("defaults.fact_caching") == "jsonfile") {
      flags->cache = config->String("defaults.fact_caching_connection");
    }
    flags->cache_ttl = config->Int("defaults.fact_caching_timeout");
  }
  AddAdhocOptions(sub, flags->adhoc);
  sub.add_option("-t,--tree", flags->tree, "Also write each host's result to DIR/<host>");
  sub.add_option("--fact-cache", flags->cache, "JSON fact cache directory (one file per host)");
  sub.add_option("--fact-cache-ttl", flags->cache_ttl, "Seconds a cached entry stays fresh");
  sub.add_flag("-o,--one-line", flags->oneline, "One line per host");
  // With --history no host is contacted, so the pattern is not needed.
  sub.get_option("pattern")->required(false);
  sub.add_option("--history", flags->history,
                 "Show the facts the run records hold for this host, newest first");
  sub.add_flag("--json", flags->json, "With --history: JSON instead of a table");
  AddRecordsOption(sub, flags->records);
  return [flags] { return Facts(*flags); };
}

}  // namespace tend
