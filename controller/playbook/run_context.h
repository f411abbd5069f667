#pragma once

#include <mutex>

#include "controller/playbook/executor.h"
#include "controller/playbook/includes.h"
#include "controller/playbook/remote_call.h"
#include "controller/playbook/run_hosts.h"

namespace tend {

/// What the plays and host workers of one run share.
struct RunContext {
  RunContext(HostCatalog& catalog, SessionFactory& sessions, Reporter& reporter,
             PlaybookLoader& loader, TemplarFactory make_templar, ExecOptions options)
      : catalog(catalog),
        reporter(reporter),
        loader(loader),
        make_templar(std::move(make_templar)),
        opt(std::move(options)),
        hosts(catalog, opt),
        remote(catalog, sessions, opt) {}

  HostCatalog& catalog;
  Reporter& reporter;
  PlaybookLoader& loader;
  TemplarFactory make_templar;
  const ExecOptions opt;
  RunHosts hosts;
  RemoteCalls remote;
  IncludedTasks included;
  /// Serialises changes to the inventory (add_host, group_by).
  std::mutex inventory_mutex;
};

}  // namespace tend
