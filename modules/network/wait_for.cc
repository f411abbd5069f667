#include <fmt/format.h>

#include "modules/framework/all.h"
#include "modules/host/network.h"
#include "modules/parsers/netpg_parsers.h"
#include "modules/framework/regex.h"

namespace tend {
namespace {

struct Probe {
  bool satisfied = false;
  Json groups = Json::array();
  Json groupdict = Json::object();
};

Probe Matched(const RegexMatch& m) {
  Probe probe{.satisfied = true};
  for (size_t i = 1; i <= m.GroupCount(); ++i) {
    auto group = m.Group(i);
    probe.groups.push_back(group ? Json(std::string(*group)) : Json(nullptr));
  }
  for (const auto& [name, number] : m.GroupNames()) {
    auto group = m.Group(number);
    probe.groupdict[name] = group ? Json(std::string(*group)) : Json(nullptr);
  }
  return probe;
}

// A search over the step or memory limit counts as no match yet.
Probe SearchIn(const Regex& pattern, std::string_view data) {
  auto m = pattern.Search(data);
  if (m && *m) return Matched(**m);
  return {};
}

// Reads from a connected port until the regex matches or the peer closes.
Probe ReadUntilMatch(NetStream& stream, const Regex& pattern, int timeout_ms) {
  std::string data;
  while (true) {
    if (Probe probe = SearchIn(pattern, data); probe.satisfied) return probe;
    auto got = stream.Receive(data, timeout_ms);
    if (!got || *got == 0) return {};
  }
}

Probe ProbePort(ModuleContext& context, const std::string& address,
                const std::optional<Regex>& pattern) {
  int connect_ms = static_cast<int>(context.Int("connect_timeout", 5) * 1000);
  auto stream = context.network->Connect(address, static_cast<int>(context.Int("port")), connect_ms);
  if (!stream) return {};
  if (!pattern) return {.satisfied = true};
  return ReadUntilMatch(**stream, *pattern, connect_ms);
}

Probe ProbePath(Host& host, const std::string& path, const std::optional<Regex>& pattern) {
  auto info = host.Stat(path);
  if (!info || !info->exists()) return {};
  if (!pattern) return {.satisfied = true};
  auto content = host.ReadFile(path);
  if (!content) return {};
  return SearchIn(*pattern, *content);
}

std::string TimeoutMessage(ModuleContext& context, const std::string& where, bool want_present) {
  if (context.Has("msg")) return context.Str("msg");
  std::string state = context.Str("state");
  if (state == "drained") return fmt::format("Timeout when waiting for {} to drain", where);
  if (!want_present) {
    return context.Has("path") ? fmt::format("Timeout when waiting for {} to be absent.", where)
                               : fmt::format("Timeout when waiting for {} to stop.", where);
  }
  if (context.Has("search_regex")) {
    return fmt::format("Timeout when waiting for search string {} in {}", context.Str("search_regex"),
                       where);
  }
  return context.Has("path") ? fmt::format("Timeout when waiting for file {}", where)
                             : fmt::format("Timeout when waiting for {}", where);
}

// One check of the condition; `satisfied` means the wait is over.
Probe CheckOnce(ModuleContext& context, const std::string& address,
                const std::optional<Regex>& pattern, bool want_present) {
  Host& host = context.Machine();
  if (context.Str("state") == "drained") {
    auto tcp = host.ReadFile("/proc/net/tcp");
    auto tcp6 = host.ReadFile("/proc/net/tcp6");
    int port = static_cast<int>(context.Int("port"));
    int active = CountActiveConnections(tcp ? *tcp : "", port) +
                 CountActiveConnections(tcp6 ? *tcp6 : "", port);
    return {.satisfied = active == 0};
  }
  Probe probe = context.Has("path") ? ProbePath(host, context.Str("path"), pattern)
                                    : ProbePort(context, address, pattern);
  if (!want_present) probe.satisfied = !probe.satisfied;
  return probe;
}

}  // namespace

const ModuleSpec& WaitForSpec() {
  static const ModuleSpec spec{
      .name = "wait_for",
      .short_description = "Waits for a condition before continuing",
      .args = {{.name = "host", .type = ArgType::kStr, .default_value = "127.0.0.1"},
               {.name = "timeout", .type = ArgType::kInt, .default_value = 300},
               {.name = "connect_timeout", .type = ArgType::kInt, .default_value = 5},
               {.name = "delay", .type = ArgType::kInt, .default_value = 0},
               {.name = "port", .type = ArgType::kInt},
               {.name = "active_connection_states",
                .type = ArgType::kList,
                .default_value = Json::array({"ESTABLISHED", "FIN_WAIT1", "FIN_WAIT2", "SYN_RECV",
                                              "SYN_SENT", "TIME_WAIT"})},
               {.name = "state",
                .type = ArgType::kStr,
                .default_value = "started",
                .choices = {"absent", "drained", "present", "started", "stopped"}},
               {.name = "path", .type = ArgType::kPath},
               {.name = "search_regex", .type = ArgType::kStr},
               {.name = "exclude_hosts", .type = ArgType::kList},
               {.name = "sleep", .type = ArgType::kInt, .default_value = 1},
               {.name = "msg", .type = ArgType::kStr}},
      .mutually_exclusive = {{"port", "path"}},
      .returns = {"elapsed", "match_groups", "match_groupdict", "path", "port", "search_regex",
                  "state"},
  };
  return spec;
}

Expected<Json> RunWaitFor(ModuleContext& context) {
  Host& host = context.Machine();
  std::string state = context.Str("state");
  bool want_present = state == "started" || state == "present";
  if (state == "drained" && !context.Has("port"))
    return Fail("state=drained should only be used for checking a port in the wait_for module");
  if (context.Has("path") && state == "drained")
    return Fail("state=drained should only be used for checking a port in the wait_for module");
  std::optional<Regex> pattern;
  if (context.Has("search_regex")) {
    if (!want_present) return Fail("state=stopped should not be used with search_regex");
    auto compiled = CompilePythonRegex(context.Str("search_regex"), "search_regex");
    if (!compiled) return std::unexpected(compiled.error());
    pattern = std::move(*compiled);
  }
  std::string address;
  if (context.Has("port")) {
    auto resolved = ResolveName(host, context.Str("host"));
    if (!resolved) return std::unexpected(resolved.error());
    address = *resolved;
  }
  auto network = context.Net();
  if (!network) return std::unexpected(network.error());
  Network& net = **network;
  int64_t start = host.NowMicros();
  auto elapsed = [&] { return (host.NowMicros() - start) / 1000000; };
  Json result{{"changed", false}, {"state", state}, {"port", context.args["port"]},
              {"path", context.args["path"]}, {"search_regex", context.args["search_regex"]},
              {"match_groups", Json::array()}, {"match_groupdict", Json::object()}};
  if (context.Int("delay") > 0) net.SleepMicros(context.Int("delay") * 1000000);
  int64_t deadline = host.NowMicros() + context.Int("timeout") * 1000000;
  if (!context.Has("port") && !context.Has("path")) {
    // Nothing to watch: Ansible then just sleeps for the timeout.
    net.SleepMicros(context.Int("timeout") * 1000000);
    result["elapsed"] = elapsed();
    return result;
  }
  std::string where = context.Has("path") ? context.Str("path")
                                          : fmt::format("{}:{}", context.Str("host"), context.Int("port"));
  while (true) {
    Probe probe = CheckOnce(context, address, pattern, want_present);
    if (probe.satisfied) {
      result["match_groups"] = probe.groups;
      result["match_groupdict"] = probe.groupdict;
      result["elapsed"] = elapsed();
      return result;
    }
    if (host.NowMicros() >= deadline) break;
    net.SleepMicros(std::min<int64_t>(context.Int("sleep") * 1000000, deadline - host.NowMicros()));
  }
  result["elapsed"] = elapsed();
  result["failed"] = true;
  result["msg"] = TimeoutMessage(context, where, want_present);
  return result;
}

}  // namespace tend
