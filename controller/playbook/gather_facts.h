#pragma once

#include "controller/connection/host_target.h"
#include "controller/connection/module_call.h"
#include "controller/playbook/model.h"
#include "core/json.h"

namespace tend {

class HostWorker;

/// gather_facts / setup: the facts (filtered by `filter`) become the host's,
/// and are cached when a fact cache is configured. Gathered once per run.
Json GatherFacts(HostWorker& w, const Task& task, const HostTarget& target, const ModuleCall& call,
                 const Json& args);

}  // namespace tend
