#pragma once

// Every module's spec and implementation, one pair per module; registry.cc
// lists them. Each is defined in modules/<name>.cc.

#include "core/error.h"
#include "core/json.h"
#include "modules/framework/module.h"

namespace tend {

#define TEND_DECLARE_MODULE(Name) \
  const ModuleSpec& Name##Spec(); \
  Expected<Json> Run##Name(ModuleContext& context);

TEND_DECLARE_MODULE(Ping)
TEND_DECLARE_MODULE(AsyncStatus)
TEND_DECLARE_MODULE(Setup)

TEND_DECLARE_MODULE(Command)
TEND_DECLARE_MODULE(Shell)
TEND_DECLARE_MODULE(Raw)
TEND_DECLARE_MODULE(Script)
TEND_DECLARE_MODULE(Stat)
TEND_DECLARE_MODULE(File)
TEND_DECLARE_MODULE(Copy)
TEND_DECLARE_MODULE(Template)
TEND_DECLARE_MODULE(Lineinfile)
TEND_DECLARE_MODULE(Blockinfile)
TEND_DECLARE_MODULE(Replace)
TEND_DECLARE_MODULE(Slurp)
TEND_DECLARE_MODULE(User)
TEND_DECLARE_MODULE(Group)

// Files, more (find, tempfile, assemble, ini_file)
TEND_DECLARE_MODULE(Find)
TEND_DECLARE_MODULE(Tempfile)
TEND_DECLARE_MODULE(Assemble)
TEND_DECLARE_MODULE(IniFile)

// Archives, checkouts, mounts, debconf
TEND_DECLARE_MODULE(Unarchive)
TEND_DECLARE_MODULE(Git)
TEND_DECLARE_MODULE(Mount)
TEND_DECLARE_MODULE(Debconf)

// Kernel, locales and service facts
TEND_DECLARE_MODULE(LocaleGen)
TEND_DECLARE_MODULE(Modprobe)
TEND_DECLARE_MODULE(KernelBlacklist)
TEND_DECLARE_MODULE(ServiceFacts)

// Packages (apt family)
TEND_DECLARE_MODULE(Apt)
TEND_DECLARE_MODULE(Package)
TEND_DECLARE_MODULE(AptRepository)
TEND_DECLARE_MODULE(Deb822Repository)
TEND_DECLARE_MODULE(AptKey)
TEND_DECLARE_MODULE(DpkgSelections)
TEND_DECLARE_MODULE(PackageFacts)

// System (services, keys, time, kernel settings)
TEND_DECLARE_MODULE(SystemdService)
TEND_DECLARE_MODULE(Systemd)
TEND_DECLARE_MODULE(Service)
TEND_DECLARE_MODULE(AuthorizedKey)
TEND_DECLARE_MODULE(Timezone)
TEND_DECLARE_MODULE(Hostname)
TEND_DECLARE_MODULE(Sysctl)
TEND_DECLARE_MODULE(Getent)
TEND_DECLARE_MODULE(Cron)

// Network, Python and PostgreSQL
TEND_DECLARE_MODULE(WaitFor)
TEND_DECLARE_MODULE(Uri)
TEND_DECLARE_MODULE(GetUrl)
TEND_DECLARE_MODULE(Pip)
TEND_DECLARE_MODULE(PostgresqlDb)
TEND_DECLARE_MODULE(PostgresqlUser)
TEND_DECLARE_MODULE(PostgresqlQuery)
TEND_DECLARE_MODULE(PostgresqlPrivs)

// Docker
TEND_DECLARE_MODULE(DockerImage)
TEND_DECLARE_MODULE(DockerContainer)
TEND_DECLARE_MODULE(DockerNetwork)
TEND_DECLARE_MODULE(DockerVolume)

#undef TEND_DECLARE_MODULE

}  // namespace tend
