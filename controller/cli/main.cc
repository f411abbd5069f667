#include <cstdio>
#include <exception>
#include <new>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "controller/cli/command.h"
#include "controller/cli/run_records.h"
#include "core/suggest.h"
#include "core/version.h"

namespace tend {
namespace {

// The subcommand table: one row per subcommand, in the order `--help` lists them.
constexpr CommandRegistration kCommands[] = {
    {"play", "Run playbooks against an inventory (like ansible-playbook)", SetupPlayCommand},
    {"bootstrap", "Take fresh VMs to managed hosts (admin user, keys, sudo, sshd, agent)",
     SetupBootstrapCommand},
    {"run", "Run one module on hosts ad hoc (like ansible)", SetupRunCommand},
    {"facts", "Gather facts from hosts as JSON", SetupFactsCommand},
    {"inventory", "Show an inventory (like ansible-inventory)", SetupInventoryCommand},
    {"render", "Render a Jinja2 template locally", SetupRenderCommand},
    {"vault", "Encrypt and decrypt ansible-vault files", SetupVaultCommand},
    {"lab", "Start and stop local throwaway Debian hosts", SetupLabCommand},
    {"history", "List recorded runs; one run per host and task; one host's changes",
     SetupHistoryCommand},
    {"hosts", "Hosts whose recorded facts match --where (no connecting)", SetupHostsCommand},
    {"report", "Write one recorded run as a self-contained HTML page", SetupReportCommand},
    {"config", "Show the ansible.cfg settings that differ from the defaults (like ansible-config)",
     SetupConfigCommand},
    {"doc", "List the modules tend resolves, or show one's arguments (like ansible-doc)",
     SetupDocCommand},
};

// CLI11 reports an unknown subcommand as extra arguments; say what was meant.
bool RejectUnknownCommand(int argc, char** argv) {
  if (argc < 2 || argv[1][0] == '-') return false;
  std::string_view given = argv[1];
  std::vector<std::string> names;
  for (const auto& c : kCommands) {
    if (given == c.name) return false;
    names.emplace_back(c.name);
  }
  std::string hint = SuggestionSuffix(given, names);
  fmt::print(stderr, "tend: unknown command '{}'{}\nRun 'tend --help' for the list.\n", given,
             hint);
  return true;
}

// CLI11 lets a repeatable (vector) option swallow every following word, so
// `tend play -i hosts site.yml` would read site.yml as a second inventory.
// Ansible's options take one value per occurrence; make every named option
// do the same, in every subcommand, so no command can forget it.
void OneValuePerOccurrence(CLI::App& app) {
  for (CLI::Option* opt : app.get_options()) {
    if (!opt->get_positional()) opt->allow_extra_args(false);
  }
  for (CLI::App* sub : app.get_subcommands({})) OneValuePerOccurrence(*sub);
}

int Main(int argc, char** argv) {
  SetCommandLine(argc, argv);
  if (RejectUnknownCommand(argc, argv)) return kExitBadOptions;
  CLI::App app{"tend: configure machines with Ansible playbooks, fast", "tend"};
  app.set_version_flag("--version", fmt::format("tend {} ({})", kVersion, kGitRevision));
  app.require_subcommand(1);
  std::vector<std::pair<CLI::App*, CommandRunner>> runners;
  for (const auto& c : kCommands) {
    CLI::App* sub = app.add_subcommand(c.name, c.summary);
    runners.emplace_back(sub, c.setup(*sub));
  }
  OneValuePerOccurrence(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? kExitOk : kExitBadOptions;
  }
  for (auto& [sub, run] : runners) {
    if (sub->parsed()) return run();
  }
  return kExitBadOptions;
}

}  // namespace
}  // namespace tend

int main(int argc, char** argv) {
  try {
    return tend::Main(argc, argv);
  } catch (const std::bad_alloc&) {
    // issue 21: an input too large for memory ended in SIGABRT.
    std::fprintf(stderr,
                 "ERROR! tend ran out of memory; an input (inventory, vars file, template "
                 "result) is too large\n");
    return tend::kExitInternal;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "tend: internal error: %s\n", e.what());
    return tend::kExitInternal;
  }
}
