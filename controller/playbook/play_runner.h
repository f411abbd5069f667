#pragma once

#include <optional>
#include <string>
#include <vector>

#include "controller/playbook/executor.h"
#include "controller/playbook/play_run.h"

namespace tend {

struct RunContext;

/// Runs the plays of a playbook in order: each play's hosts in serial
/// batches, a worker thread per host of the batch moving in lockstep under
/// the linear strategy, any_errors_fatal and max_fail_percentage between tasks.
class PlayRunner {
 public:
  explicit PlayRunner(RunContext& ctx) : ctx_(ctx) {}

  RunSummary Run(const Playbook& book);

 private:
  Expected<std::optional<Play>> TemplatePlayHeader(const Play& play);
  Expected<void> RunPlay(const Play& play);
  Expected<std::vector<HostState*>> PlayHosts(const Play& play);
  Expected<void> PrepareVars(PlayRun& run, const std::vector<HostState*>& all);
  void SetMagicVars(PlayRun& run, const std::vector<HostState*>& all);
  Expected<Json> LoadVarsFile(PlayRun& run, HostState& h, const std::string& name);
  void RunBatch(PlayRun& run, const std::vector<HostState*>& batch);
  void GroupFinished(PlayRun& run, const Lockstep::Group& group);

  RunContext& ctx_;
};

}  // namespace tend
