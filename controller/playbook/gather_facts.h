#pragma once

#include "controller/connection/host_target.h"
#include "controller/connection/module_call.h"
#include "controller/playbook/model.h"
#include "core/json.h"

namespace tend {

class HostWorker;

/// gather_facts / setup: the agent's setup (with gather_subset,
/// gather_timeout, filter, fact_path) and its facts become the host's, cached
/// when a fact cache is configured. A play's implicit gathering reuses an
/// earlier gathering with the same arguments; an explicit setup task always
/// gathers.
Json GatherFacts(HostWorker& w, const Task& task, const HostTarget& target, const ModuleCall& call,
                 const Json& args);

}  // namespace tend
