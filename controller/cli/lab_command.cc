#include <fmt/format.h>

#include <chrono>
#include <cstdio>
#include <memory>

#include "controller/cli/command.h"
#include "controller/lab/apt_sources.h"
#include "controller/lab/files.h"
#include "controller/lab/lab.h"

namespace tend {
namespace {

struct LabCli {
  lab::UpRequest up;
  std::string name = "default";  // status, inventory, down, reset
  bool purge = false;
  bool path_only = false;
  std::vector<std::string> reset_hosts;
  int reset_timeout = 90;
  CLI::App* up_cmd = nullptr;
  CLI::App* status_cmd = nullptr;
  CLI::App* inventory_cmd = nullptr;
  CLI::App* down_cmd = nullptr;
  CLI::App* reset_cmd = nullptr;
  CLI::App* mirror_cmd = nullptr;
};

void PrintProgress(std::string_view line) { fmt::print(stderr, "tend lab: {}\n", line); }

int PrintError(std::string_view command, const Error& error) {
  fmt::print(stderr, "tend lab {}: {}\n", command, error.ToString());
  return kExitError;
}

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

void PrintHosts(const lab::LabStatus& status) {
  for (const auto& h : status.hosts) fmt::print("  {:<16} {}\n", h.name, h.address);
  fmt::print("inventory: {}\n", status.inventory);
  if (!status.hosts.empty()) {
    fmt::print(
        "ssh:       ssh -i {} -o UserKnownHostsFile={} -o StrictHostKeyChecking=yes root@{}\n",
        status.private_key, status.known_hosts, status.hosts.front().address);
  }
}

int RunUp(const LabCli& cli) {
  auto start = std::chrono::steady_clock::now();
  auto status = lab::Up(cli.up, PrintProgress);
  if (!status) return PrintError("up", status.error());
  fmt::print("lab {} is up: {} host(s), {}, in {:.1f} s\n", status->name, status->hosts.size(),
             status->runtime == "nspawn" ? "booted with systemd (nspawn)" : "chroot + sshd",
             SecondsSince(start));
  PrintHosts(*status);
  return kExitOk;
}

int RunStatus(const LabCli& cli, bool named) {
  auto labs = lab::Status(named ? cli.name : "");
  if (!labs) return PrintError("status", labs.error());
  if (labs->empty()) fmt::print("no labs are up\n");
  bool all_up = true;
  for (const auto& l : *labs) {
    fmt::print("lab {} ({}): {} host(s), inventory {}\n", l.name, l.runtime, l.hosts.size(),
               l.inventory);
    for (const auto& h : l.hosts) {
      std::string state = h.ssh_ready ? "up"
                          : h.running ? "running, sshd not answering"
                                      : "stopped";
      all_up = all_up && h.ssh_ready;
      fmt::print("  {:<16} {:<15} {}{}\n", h.name, h.address, state,
                 h.running ? fmt::format(" (pid {})", h.pid) : "");
    }
  }
  return all_up ? kExitOk : kExitError;
}

int RunInventory(const LabCli& cli) {
  auto path = lab::InventoryPath(cli.name);
  if (!path) return PrintError("inventory", path.error());
  if (cli.path_only) {
    fmt::print("{}\n", *path);
    return kExitOk;
  }
  auto text = lab::ReadFile(*path);
  if (!text) return PrintError("inventory", text.error());
  fmt::print("{}", *text);
  return kExitOk;
}

int RunDown(const LabCli& cli) {
  auto existed = lab::Down(cli.name, cli.purge, PrintProgress);
  if (!existed) return PrintError("down", existed.error());
  if (*existed) {
    fmt::print("lab {} is down\n", cli.name);
  } else {
    fmt::print("lab {} does not exist; nothing to stop\n", cli.name);
  }
  return kExitOk;
}

int RunReset(const LabCli& cli) {
  auto start = std::chrono::steady_clock::now();
  auto status = lab::Reset(cli.name, cli.reset_hosts, cli.reset_timeout, PrintProgress);
  if (!status) return PrintError("reset", status.error());
  fmt::print("lab {}: hosts reset to fresh overlays in {:.1f} s\n", status->name,
             SecondsSince(start));
  PrintHosts(*status);
  return kExitOk;
}

// The mirror `lab up` builds the base from when --mirror is not given; scripts
// that debootstrap for themselves ask here rather than parse apt's sources again.
int RunMirror() {
  auto mirror = lab::DebianMirrorFromApt("");
  if (!mirror) return PrintError("mirror", mirror.error());
  fmt::print("{}\n", *mirror);
  return kExitOk;
}

void AddUp(CLI::App& lab_app, LabCli& cli) {
  auto* up = lab_app.add_subcommand("up", "Start lab hosts (builds the cached Debian base once)");
  up->add_option("--name", cli.up.name, "Lab name; several labs can run at once")
      ->capture_default_str();
  auto* count = up->add_option("-n,--count", cli.up.count, "Number of hosts, named node1..nodeN");
  auto* hosts = up->add_option("--hosts", cli.up.hosts,
                               "Host names, comma-separated (training-node,tracking-node,...)")
                    ->delimiter(',');
  count->excludes(hosts);
  up->add_option("--runtime", cli.up.runtime, "auto: boot with systemd-nspawn, else chroot + sshd")
      ->check(CLI::IsMember({"auto", "nspawn", "chroot"}))
      ->capture_default_str();
  up->add_option("--timeout", cli.up.timeout_seconds, "Seconds to wait for the hosts' sshd")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  up->add_option("--write-inventory", cli.up.write_inventory,
                 "Also write the generated inventory to this path");
  up->add_option("--mirror", cli.up.base.mirror,
                 "Debian mirror used to build the base (default: the first Debian main `deb` "
                 "source in the machine's apt sources)");
  cli.up_cmd = up;
}

void AddOthers(CLI::App& lab_app, LabCli& cli) {
  auto add_name = [&](CLI::App* app) {
    app->add_option("--name", cli.name, "Lab name")->capture_default_str();
  };
  cli.status_cmd = lab_app.add_subcommand("status", "Show labs and whether their hosts answer");
  cli.status_cmd->add_option("--name", cli.name, "Only this lab (default: every lab)");
  cli.inventory_cmd = lab_app.add_subcommand("inventory", "Print a lab's generated inventory");
  add_name(cli.inventory_cmd);
  cli.inventory_cmd->add_flag("--path", cli.path_only, "Print only the inventory's path");
  cli.down_cmd = lab_app.add_subcommand("down", "Stop a lab's hosts and delete them");
  add_name(cli.down_cmd);
  cli.down_cmd->add_flag("--purge", cli.purge,
                         "Also delete the cached base (kept while other labs exist)");
  cli.reset_cmd = lab_app.add_subcommand("reset", "Restart hosts on fresh overlays");
  add_name(cli.reset_cmd);
  cli.reset_cmd->add_option("--hosts", cli.reset_hosts, "Only these hosts, comma-separated")
      ->delimiter(',');
  cli.reset_cmd->add_option("--timeout", cli.reset_timeout, "Seconds to wait for the hosts' sshd")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cli.mirror_cmd = lab_app.add_subcommand(
      "mirror", "Print the Debian mirror `lab up` uses (from the machine's apt sources)");
}

}  // namespace

CommandRunner SetupLabCommand(CLI::App& sub) {
  auto cli = std::make_shared<LabCli>();
  sub.require_subcommand(1);
  AddUp(sub, *cli);
  AddOthers(sub, *cli);
  return [cli] {
    if (cli->up_cmd->parsed()) return RunUp(*cli);
    if (cli->status_cmd->parsed()) return RunStatus(*cli, cli->status_cmd->count("--name") > 0);
    if (cli->inventory_cmd->parsed()) return RunInventory(*cli);
    if (cli->down_cmd->parsed()) return RunDown(*cli);
    if (cli->reset_cmd->parsed()) return RunReset(*cli);
    if (cli->mirror_cmd->parsed()) return RunMirror();
    return kExitBadOptions;
  };
}

}  // namespace tend
