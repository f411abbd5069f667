// meta and pause: actions that change how the play goes on.

#include <fmt/format.h>

#include <chrono>
#include <thread>

#include "controller/playbook/actions/action_table.h"
#include "controller/playbook/run_context.h"

namespace tend {
namespace {

void ClearFacts(HostState& h) {
  std::unique_lock lock(h.mutex);
  h.facts = Json::object();
  h.facts_short = Json::object();
  h.host_facts = Json::object();
}

}  // namespace

Json RunMeta(const ActionCall& call) {
  HostWorker& w = call.worker;
  std::string what = call.args.value("_raw_params", "");
  if (what == "flush_handlers") {
    w.RunHandlers(Env{});
  } else if (what == "end_play") {
    w.run.end_play = true;
  } else if (what == "end_host" || what == "end_batch") {
    w.ended = true;
  } else if (what == "clear_facts") {
    ClearFacts(w.h);
  } else if (what == "clear_host_errors") {
    w.h.failed = false;
  } else if (what == "refresh_inventory") {
    if (auto ok = w.ctx.catalog.Refresh(); !ok) return FailResult(ok.error().ToString());
    w.ctx.hosts.RefreshMagic(w.h);
  } else if (what != "noop" && what != "reset_connection") {
    return FailResult(fmt::format("invalid meta action requested: {}", what));
  }
  return Json{{"changed", false}};
}

Json RunPause(const ActionCall& call) {
  const Json& args = call.args;
  double seconds = 0;
  auto num = [](const Json& v) {
    return v.is_number() ? v.get<double>() : std::atof(v.get<std::string>().c_str());
  };
  if (args.contains("seconds")) seconds = num(args["seconds"]);
  if (args.contains("minutes")) seconds = num(args["minutes"]) * 60;
  auto start = std::chrono::steady_clock::now();
  if (seconds > 0) std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  double delta = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return Json{{"changed", false},
              {"delta", static_cast<int>(delta)},
              {"stdout", fmt::format("Paused for {} seconds", seconds)}};
}

}  // namespace tend
