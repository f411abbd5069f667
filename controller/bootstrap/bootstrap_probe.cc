#include "controller/bootstrap/bootstrap_probe.h"

#include <fmt/format.h>

namespace tend {

std::string AdminUserFor(const std::string& flag, const Json& host_vars) {
  if (!flag.empty()) return flag;
  auto it = host_vars.find("admin_user");
  if (it != host_vars.end() && it->is_string() && !it->get<std::string>().empty() &&
      it->get<std::string>().find("{{") == std::string::npos) {
    return it->get<std::string>();
  }
  return "admin";
}

bool AdminProbe::Probe(const std::string& host, const Json& vars, const std::string& admin) {
  Json as_admin = vars;
  as_admin["ansible_user"] = admin;
  // A password belongs to the initial user; the admin user logs in with keys.
  as_admin.erase("ansible_password");
  as_admin.erase("ansible_ssh_pass");
  ConnectionOptions options = defaults_;
  options.user = admin;
  options.password.reset();
  auto target = HostTargetFromVars(host, as_admin, options);
  if (!target) return false;
  auto session = sessions_.Open(*target);
  if (!session) return false;
  (*session)->Close();
  return true;
}

void AdminProbe::Adjust(const std::string& host, Json& vars) {
  std::string admin = AdminUserFor(admin_flag_, vars);
  if (vars.value("ansible_user", "") == admin) return;
  if (vars.value("ansible_connection", "") == "local" || host == "localhost") return;
  std::promise<bool> mine;
  std::shared_future<bool> result;
  bool probe_here = false;
  {
    std::lock_guard lock(mutex_);
    auto it = results_.find(host);
    if (it == results_.end()) {
      result = mine.get_future().share();
      results_.emplace(host, result);
      probe_here = true;
    } else {
      result = it->second;
    }
  }
  if (probe_here) {
    bool ok = Probe(host, vars, admin);
    if (ok && note_) {
      note_(fmt::format("{}: already bootstrapped, connecting as {} (with become)", host, admin));
    }
    mine.set_value(ok);
  }
  if (!result.get()) return;
  vars["ansible_user"] = admin;
  vars["ansible_become"] = true;
  vars.erase("ansible_password");
  vars.erase("ansible_ssh_pass");
}

}  // namespace tend
