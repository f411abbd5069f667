#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <string>
#include <vector>

#include "controller/connection/host_target.h"
#include "controller/connection/ssh_config.h"

namespace tend {
namespace {

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

// Host vars come from INI (strings) or YAML (typed); accept both.
std::optional<std::string> StringVar(const Json& vars, std::initializer_list<const char*> names) {
  for (const char* name : names) {
    auto it = vars.find(name);
    if (it == vars.end() || it->is_null()) continue;
    if (it->is_string()) return it->get<std::string>();
    if (it->is_number_integer()) return std::to_string(it->get<long long>());
    if (it->is_boolean()) return it->get<bool>() ? "true" : "false";
    return it->dump();
  }
  return std::nullopt;
}

Expected<bool> Truthy(const std::string& name, const std::string& value) {
  std::string v = Lower(value);
  if (v == "yes" || v == "true" || v == "on" || v == "y" || v == "1") return true;
  if (v == "no" || v == "false" || v == "off" || v == "n" || v == "0") return false;
  return Fail(fmt::format("{}: expected a boolean, got '{}'", name, value));
}

Expected<void> ApplyBecomeVars(const Json& vars, BecomeSettings& become) {
  if (auto v = StringVar(vars, {"ansible_become"})) {
    auto b = Truthy("ansible_become", *v);
    if (!b) return std::unexpected(b.error());
    become.enabled = *b;
  }
  if (auto v = StringVar(vars, {"ansible_become_user"})) become.user = *v;
  if (auto v = StringVar(vars, {"ansible_become_method"})) {
    if (*v == "sudo") {
      become.method = BecomeMethod::kSudo;
    } else if (*v == "su") {
      become.method = BecomeMethod::kSu;
    } else {
      return Fail(fmt::format("ansible_become_method: '{}' is not supported (sudo, su)", *v));
    }
  }
  if (auto v = StringVar(vars, {"ansible_become_flags"})) become.flags = *v;
  if (auto v = StringVar(vars, {"ansible_become_exe"})) become.exe = *v;
  for (const char* name : kBecomePasswordVars) {
    if (auto v = StringVar(vars, {name})) {
      become.password = *v;
      break;
    }
  }
  return {};
}

Expected<void> ApplySshArgs(const std::string& args, HostTarget& target) {
  auto parsed = ParseSshArgs(args);
  if (!parsed) return std::unexpected(parsed.error());
  if (parsed->known_hosts) target.known_hosts = *parsed->known_hosts;
  if (parsed->host_key_checking) target.host_key_checking = *parsed->host_key_checking;
  if (parsed->config_file) target.ssh_config = *parsed->config_file;
  if (parsed->proxy_jump) target.proxy_jump = *parsed->proxy_jump;
  if (parsed->port && target.port == 0) target.port = *parsed->port;
  if (parsed->user && target.user.empty()) target.user = *parsed->user;
  if (parsed->server_alive_interval) target.server_alive_interval = parsed->server_alive_interval;
  if (parsed->server_alive_count_max) {
    target.server_alive_count_max = parsed->server_alive_count_max;
  }
  for (const auto& key : parsed->identity_files) target.key_files.push_back(key);
  return {};
}

}  // namespace

Expected<HostTarget> HostTargetFromVars(std::string_view name, const Json& vars,
                                        const ConnectionOptions& defaults) {
  HostTarget t;
  t.name = std::string(name);
  t.address = StringVar(vars, {"ansible_host", "ansible_ssh_host"}).value_or(t.name);
  if (auto port = StringVar(vars, {"ansible_port", "ansible_ssh_port"})) {
    try {
      t.port = std::stoi(*port);
    } catch (const std::exception&) {
      return Fail(fmt::format("{}: ansible_port '{}' is not a number", name, *port));
    }
  }
  t.user = StringVar(vars, {"ansible_user", "ansible_ssh_user"}).value_or(defaults.user);
  if (auto key = StringVar(vars, {"ansible_ssh_private_key_file", "ansible_private_key_file"})) {
    t.key_files.push_back(*key);
  } else if (!defaults.private_key.empty()) {
    t.key_files.push_back(defaults.private_key);
  }
  t.password = defaults.password;
  if (auto pw = StringVar(vars, {"ansible_password", "ansible_ssh_pass", "ansible_ssh_password"})) {
    t.password = *pw;
  }
  t.connection = defaults.connection.value_or(ConnectionType::kSsh);
  if (auto c = StringVar(vars, {"ansible_connection"})) {
    if (*c == "local") {
      t.connection = ConnectionType::kLocal;
    } else if (*c == "ssh" || *c == "smart" || *c == "paramiko" || *c == "libssh") {
      t.connection = ConnectionType::kSsh;
    } else {
      return Fail(fmt::format("{}: connection type '{}' is not supported (ssh, local)", name, *c));
    }
  }
  t.host_key_checking = defaults.host_key_checking;
  t.timeout_seconds = defaults.timeout_seconds;
  t.server_alive_interval = defaults.server_alive_interval;
  t.server_alive_count_max = defaults.server_alive_count_max;
  if (auto v = StringVar(vars, {"ansible_ssh_timeout", "ansible_timeout"})) {
    try {
      t.timeout_seconds = std::stoi(*v);
    } catch (const std::exception&) {
      return Fail(fmt::format("{}: ansible_timeout '{}' is not a number", name, *v));
    }
  }
  for (const char* var : {"ansible_ssh_common_args", "ansible_ssh_extra_args"}) {
    if (auto args = StringVar(vars, {var})) {
      if (auto r = ApplySshArgs(*args, t); !r) {
        return Fail(fmt::format("{}: {}: {}", name, var, r.error().message));
      }
    }
  }
  if (t.port == 0) t.port = defaults.port;
  if (auto kh = StringVar(vars, {"tend_known_hosts"})) t.known_hosts = *kh;
  t.become = defaults.become;
  if (auto r = ApplyBecomeVars(vars, t.become); !r) {
    return Fail(fmt::format("{}: {}", name, r.error().message));
  }
  return t;
}

}  // namespace tend
