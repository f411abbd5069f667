#include "controller/connection/fake_session.h"

namespace tend {

Expected<Json> FakeHostSession::Run(const ModuleCall& call) {
  {
    std::lock_guard lock(*log_mutex_);
    log_->push_back(call);
  }
  ++stats_.requests;
  return handler_(target_, call);
}

Expected<Json> FakeHostSession::Facts(std::optional<bool> become, const Json& args) {
  ModuleCall call;
  call.module = "setup";
  call.args = args;
  call.become = become;
  return Run(call);
}

Expected<ExecResult> FakeHostSession::Exec(const std::string& command, std::optional<bool> become,
                                           std::string_view stdin_data) {
  ModuleCall call;
  call.module = "raw";
  call.args = Json{{"_raw_params", command}};
  call.become = become;
  if (!stdin_data.empty()) call.content = Content(std::string(stdin_data));
  auto r = Run(call);
  if (!r) return std::unexpected(r.error());
  ExecResult out;
  out.rc = r->value("rc", 0);
  out.out = r->value("stdout", "");
  out.err = r->value("stderr", "");
  return out;
}

FakeSessionFactory::FakeSessionFactory(FakeHostSession::Handler handler)
    : handler_(std::move(handler)) {
  if (!handler_) {
    handler_ = [](const HostTarget&, const ModuleCall&) {
      return Json{{"changed", false}, {"ping", "pong"}};
    };
  }
}

Expected<std::unique_ptr<HostSession>> FakeSessionFactory::Open(const HostTarget& target) {
  std::lock_guard lock(mutex_);
  ++opens;
  if (auto it = unreachable.find(target.name); it != unreachable.end()) return Fail(it->second);
  return std::make_unique<FakeHostSession>(target, handler_, &calls, &mutex_);
}

}  // namespace tend
