#pragma once

// A HostSession that runs nothing: it records each call and answers from a
// handler, for executor and output tests.

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "controller/connection/host_session.h"

namespace tend {

class FakeHostSession : public HostSession {
 public:
  using Handler = std::function<Json(const HostTarget&, const ModuleCall&)>;
  FakeHostSession(HostTarget target, Handler handler, std::vector<ModuleCall>* log,
                  std::mutex* log_mutex)
      : target_(std::move(target)),
        handler_(std::move(handler)),
        log_(log),
        log_mutex_(log_mutex) {}

  const HostTarget& Target() const override { return target_; }
  Expected<Json> Run(const ModuleCall& call) override;
  Expected<Json> Facts(std::optional<bool> become, const Json& args) override;
  Expected<ExecResult> Exec(const std::string& command, std::optional<bool> become,
                            std::string_view stdin_data) override;
  SessionStats Stats() const override { return stats_; }
  void Close() override { closed_ = true; }
  bool closed() const { return closed_; }

 private:
  HostTarget target_;
  Handler handler_;
  std::vector<ModuleCall>* log_;
  std::mutex* log_mutex_;
  SessionStats stats_;
  bool closed_ = false;
};

/// Hosts named in `unreachable` fail to open with that message; the others
/// answer every call with `handler` (default: {"changed": false, "ping": "pong"}).
class FakeSessionFactory : public SessionFactory {
 public:
  explicit FakeSessionFactory(FakeHostSession::Handler handler = {});
  Expected<std::unique_ptr<HostSession>> Open(const HostTarget& target) override;

  std::map<std::string, std::string> unreachable;
  /// Every call made on any session, in order (guarded by an internal mutex).
  std::vector<ModuleCall> calls;
  int opens = 0;

 private:
  FakeHostSession::Handler handler_;
  std::mutex mutex_;
};

}  // namespace tend
