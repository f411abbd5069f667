#pragma once

// Makes `tend bootstrap` idempotent once sshd is hardened: the user it first
// connected as (often root) may no longer log in, but the admin user it
// created can. Before a host's first connection, the probe tries the admin
// user with the host's key; where that works, the run connects as the admin
// user with become instead.

#include <functional>
#include <future>
#include <map>
#include <mutex>
#include <string>

#include "controller/connection/connection_options.h"
#include "controller/connection/host_session.h"
#include "core/json.h"

namespace tend {

/// The admin user for a host: --admin-user, else the host's `admin_user`
/// variable, else "admin" (the bootstrap playbook's own default).
std::string AdminUserFor(const std::string& flag, const Json& host_vars);

class AdminProbe {
 public:
  AdminProbe(SessionFactory& sessions, ConnectionOptions defaults, std::string admin_flag,
             std::function<void(const std::string&)> note = {})
      : sessions_(sessions),
        defaults_(std::move(defaults)),
        admin_flag_(std::move(admin_flag)),
        note_(std::move(note)) {}

  /// Rewrites `vars` to connect as the admin user (with become) when the
  /// admin login already works. Each host is probed once; safe to call from
  /// many threads.
  void Adjust(const std::string& host, Json& vars);

 private:
  bool Probe(const std::string& host, const Json& vars, const std::string& admin);

  SessionFactory& sessions_;
  ConnectionOptions defaults_;
  std::string admin_flag_;
  std::function<void(const std::string&)> note_;
  std::mutex mutex_;
  std::map<std::string, std::shared_future<bool>> results_;
};

}  // namespace tend
