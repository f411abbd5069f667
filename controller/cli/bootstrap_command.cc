// `tend bootstrap PATTERN -i INV`: runs the embedded bootstrap playbook
// (bootstrap.yml) through the same engine as `tend play`.

#include <fmt/format.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>

#include "controller/bootstrap/bootstrap_playbook.h"
#include "controller/bootstrap/bootstrap_probe.h"
#include "controller/cli/command.h"
#include "controller/cli/play_command.h"
#include "controller/cli/run_records.h"
#include "controller/cli/vault_options.h"
#include "controller/connection/real_session.h"

namespace tend {
namespace {
namespace fs = std::filesystem;

struct BootstrapFlags {
  std::string pattern;
  std::string admin_user;
  std::vector<std::string> admin_keys;
  bool keep_password_login = false;
  PlayFlags play;
};

void AddBootstrapOptions(CLI::App& app, BootstrapFlags& b) {
  PlayFlags& f = b.play;
  app.add_option("pattern", b.pattern, "Hosts to bootstrap (an inventory pattern)")->required();
  app.add_option("-i,--inventory", f.inventory, "Inventory source (repeatable)");
  app.add_option("-l,--limit", f.limit, "Further limit the selected hosts");
  app.add_option("--admin-user", b.admin_user,
                 "Admin user to create (default: the admin_user variable, else admin)");
  app.add_option("--admin-key", b.admin_keys,
                 "Public key (file or text) for the admin user, besides admin_authorized_keys "
                 "and the public half of the key used to connect (repeatable)");
  app.add_flag("--keep-password-login", b.keep_password_login,
               "Leave sshd's password login on (root login is still turned off)");
  app.add_option("-e,--extra-vars", f.extra_vars, "Extra variables: k=v, YAML/JSON, or @file");
  app.add_option("-u,--user", f.connection.user,
                 "The initial user to connect as (the image's user)");
  app.add_option("--private-key,--key-file", f.connection.private_key, "Private key file");
  app.add_flag("-k,--ask-pass", f.connection.ask_pass, "Ask for the initial user's SSH password");
  app.add_flag("-K,--ask-become-pass", f.connection.ask_become_pass,
               "Ask for the become password");
  app.add_option("-T,--timeout", f.connection.timeout, "Connect timeout in seconds");
  app.add_option("-f,--forks", f.forks, "Hosts handled at once")->check(CLI::PositiveNumber);
  app.add_option("--host-key-checking", f.connection.host_key_checking,
                 "accept-new (default: record a new host's key, refuse a changed one), "
                 "strict or off")
      ->check(CLI::IsMember({"strict", "accept-new", "off"}));
  app.add_flag("-C,--check", f.check, "Report changes without making them");
  app.add_flag("-D,--diff", f.diff, "Show differences in changed files");
  app.add_flag("-v,--verbose", f.verbosity, "More output (repeat for more)");
  app.add_option("--output", f.output, "human or json (one event per line)")
      ->check(CLI::IsMember({"human", "json"}));
  app.add_option("--color", f.color, "auto, always or never")
      ->check(CLI::IsMember({"auto", "always", "never"}));
  AddVaultOptions(app, f.vault);
  AddRecordsOption(app, f.records);
  f.command = "bootstrap";
}

// A key given as a path is read; anything else is taken as the key itself.
Expected<std::string> ReadKey(const std::string& given) {
  std::error_code ec;
  if (!fs::is_regular_file(given, ec)) {
    if (given.starts_with("ssh-") || given.starts_with("ecdsa-") ||
        given.starts_with("sk-")) {
      return given;
    }
    return Fail(fmt::format("--admin-key '{}' is neither a readable file nor a public key",
                            given));
  }
  std::ifstream in(given);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  if (text.empty()) return Fail(fmt::format("--admin-key file '{}' is empty", given));
  return text;
}

Expected<Json> BootstrapVars(const BootstrapFlags& b) {
  Json vars = Json::object();
  vars["tend_bootstrap_pattern"] = b.pattern;
  if (!b.admin_user.empty()) vars["tend_admin_user"] = b.admin_user;
  Json keys = Json::array();
  for (const auto& k : b.admin_keys) {
    auto key = ReadKey(k);
    if (!key) return std::unexpected(key.error());
    keys.push_back(*key);
  }
  vars["tend_bootstrap_keys"] = keys;
  vars["tend_keep_password_login"] = b.keep_password_login;
  if (!b.play.connection.private_key.empty()) {
    vars["ansible_ssh_private_key_file"] = fs::absolute(b.play.connection.private_key).string();
  }
  return vars;
}

// The playbook goes to a private temporary directory for the loader, which
// reads files; it is removed when the run ends.
class TempPlaybook {
 public:
  Expected<std::string> Write() {
    std::string tmpl = (fs::temp_directory_path() / "tend-bootstrap-XXXXXX").string();
    if (!mkdtemp(tmpl.data())) return Fail(fmt::format("cannot create {}", tmpl));
    dir_ = tmpl;
    std::string path = dir_ + "/bootstrap.yml";
    std::ofstream out(path);
    out << kBootstrapPlaybook;
    if (!out.flush()) return Fail(fmt::format("cannot write {}", path));
    return path;
  }
  ~TempPlaybook() {
    std::error_code ec;
    if (!dir_.empty()) fs::remove_all(dir_, ec);
  }

 private:
  std::string dir_;
};

int RunBootstrap(BootstrapFlags& b) {
  auto vars = BootstrapVars(b);
  if (!vars) {
    fmt::print(stderr, "ERROR! {}\n", vars.error().ToString());
    return kExitBadOptions;
  }
  TempPlaybook playbook;
  auto path = playbook.Write();
  if (!path) {
    fmt::print(stderr, "ERROR! {}\n", path.error().ToString());
    return kExitError;
  }
  PlayFlags& f = b.play;
  f.playbooks = {*path};
  // Extra vars given later win, so the user's -e can still override ours.
  f.extra_vars.insert(f.extra_vars.begin(), vars->dump());

  ConnectionOptions probe_options;
  probe_options.private_key = f.connection.private_key;
  probe_options.timeout_seconds = f.connection.timeout;
  probe_options.host_key_checking = HostKeyChecking::kStrict;  // never record keys while probing
  auto sessions = MakeRealSessionFactory();
  auto probe = std::make_shared<AdminProbe>(
      *sessions, probe_options, b.admin_user,
      [](const std::string& note) { fmt::print(stderr, "tend bootstrap: {}\n", note); });
  f.host_vars_hook = [probe](const std::string& host, Json& host_vars) {
    probe->Adjust(host, host_vars);
  };
  return RunPlay(f);
}

}  // namespace

CommandRunner SetupBootstrapCommand(CLI::App& sub) {
  auto flags = std::make_shared<BootstrapFlags>();
  flags->play.connection.host_key_checking = "accept-new";
  AddBootstrapOptions(sub, *flags);
  return [flags] { return RunBootstrap(*flags); };
}

}  // namespace tend
