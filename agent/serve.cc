#include "agent/serve.h"

#include <fmt/format.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <optional>
#include <vector>
#include <exception>

#include "agent/async_start.h"
#include "core/suggest.h"
#include "modules/python/ansible_module.h"
#include "core/task_environment.h"
#include "core/version.h"
#include "modules/framework/registry.h"
#include "modules/host/docker_api.h"
#include "modules/host/network.h"

namespace tend {
namespace {

// The module a non-run op stands for.
std::string ModuleForOp(const protocol::Request& request) {
  if (request.op == protocol::kOpFacts) return "setup";
  if (request.op == protocol::kOpStat) return "stat";
  if (request.op == protocol::kOpPut) return "copy";
  return request.module;
}

// Content for this request, fetched from the controller at most once and only
// when the module asks (the target differs), so unchanged files move nothing.
std::function<ContentSource()> ContentFetcher(int64_t id, protocol::FrameChannel& channel,
                                              bool& fetched) {
  return [id, &channel, &fetched]() -> ContentSource {
    return [id, &channel, &fetched](const auto& emit) -> Expected<void> {
      if (fetched) return Fail("the content of this request was already received");
      fetched = true;
      auto asked = channel.WriteJson(protocol::MakeNeedContent(id));
      if (!asked) return asked;
      return protocol::ReceiveContent(channel, emit);
    };
  };
}

}  // namespace

Json HelloFacts(Host& host) {
  Json facts = Json::object();
  utsname u{};
  if (::uname(&u) == 0) {
    facts["system"] = u.sysname;
    facts["kernel"] = u.release;
    facts["architecture"] = u.machine;
    facts["nodename"] = u.nodename;
  }
  facts["uid"] = host.EffectiveUid();
  facts["gid"] = host.EffectiveGid();
  facts["home"] = host.GetEnv("HOME").value_or("");
  facts["pid"] = ::getpid();
  return facts;
}

// The task's `environment:` for the length of one request, set in the
// agent's own environment as Ansible sets it for the module's process: the
// module, the commands it starts and the HTTP client's proxy lookup see it
// (RealHost reads this environment); the next task sees the agent's own.
class ScopedEnvironment {
 public:
  explicit ScopedEnvironment(const TaskEnvironment& environment) {
    for (const auto& [name, value] : environment) {
      const char* old = ::getenv(name.c_str());
      saved_.emplace_back(name, old ? std::optional<std::string>(old) : std::nullopt);
      ::setenv(name.c_str(), value.c_str(), 1);
    }
  }
  ~ScopedEnvironment() {
    for (const auto& [name, value] : saved_) {
      if (value) {
        ::setenv(name.c_str(), value->c_str(), 1);
      } else {
        ::unsetenv(name.c_str());
      }
    }
  }
  ScopedEnvironment(const ScopedEnvironment&) = delete;
  ScopedEnvironment& operator=(const ScopedEnvironment&) = delete;

 private:
  std::vector<std::pair<std::string, std::optional<std::string>>> saved_;
};

Json HandleRequest(const protocol::Request& request, protocol::FrameChannel& channel, Host& host) {
  std::string name = ModuleForOp(request);
  const Module* module = name == kPythonModuleOp ? &PythonModule() : FindModule(name);
  if (!module) {
    return protocol::MakeFailedReply(
        request.id, fmt::format("couldn't resolve module '{}'{}", name,
                                SuggestionSuffix(CanonicalModuleName(name), ModuleNames())));
  }
  bool fetched = false;
  Json args = request.args;
  auto task_environment = TakeEnvironment(args);
  if (!task_environment) return protocol::MakeFailedReply(request.id, task_environment.error().message);
  ScopedEnvironment environment(*task_environment);
  // The machine's network and Docker socket: stateless, so one per request.
  SystemNetwork network;
  ModuleContext context{.args = args,
                        .check = request.check,
                        .diff = request.diff,
                        .host = &host,
                        .fetch_content = ContentFetcher(request.id, channel, fetched),
                        .network = &network,
                        .docker = UnixSocketConnector()};
  if (request.async_seconds > 0) {
    if (module == &PythonModule()) {
      if (auto staged = StagePythonModule(context); !staged) {
        return protocol::MakeFailedReply(request.id, staged.error().message);
      }
    }
    // The detached job inherits the task's environment from the agent.
    return protocol::MakeReply(request.id,
                               StartAsyncJob(*module, args, request.check, request.async_seconds, host));
  }
  Json result = RunModule(*module, context);
  // A module that announced content but never asked for it leaves nothing
  // unread: the controller only streams after need_content.
  return protocol::MakeReply(request.id, result);
}

int Serve(protocol::ByteStream& stream, Host& host) {
  protocol::FrameChannel channel(stream);
  protocol::Hello hello{.protocol = protocol::kVersion,
                        .agent_version = kVersion,
                        .modules = ModuleNames(),
                        .facts = HelloFacts(host)};
  if (auto ok = channel.WriteJson(protocol::HelloToJson(hello)); !ok) {
    std::fprintf(stderr, "tend-agent: %s\n", ok.error().message.c_str());
    return 1;
  }
  while (true) {
    auto message = channel.ReadJson();
    if (!message) {
      // The controller going away is normal; anything else is a broken stream
      // we cannot resynchronise.
      if (message.error().message == "connection closed") return 0;
      std::fprintf(stderr, "tend-agent: %s\n", message.error().message.c_str());
      return 1;
    }
    int64_t id = message->value("id", int64_t{0});
    auto request = protocol::ParseRequest(*message);
    Json reply;
    if (!request) {
      reply = protocol::MakeFailedReply(id, request.error().message);
    } else if (request->op == protocol::kOpBye) {
      reply = Json{{"id", request->id}, {"changed", false}, {"failed", false}, {"bye", true}};
    } else {
      try {
        reply = HandleRequest(*request, channel, host);
      } catch (const std::exception& e) {
        reply = protocol::MakeFailedReply(id, fmt::format("internal agent error: {}", e.what()));
      }
    }
    if (auto ok = channel.WriteJson(reply); !ok) {
      std::fprintf(stderr, "tend-agent: %s\n", ok.error().message.c_str());
      return 1;
    }
    if (request && request->op == protocol::kOpBye) return 0;
  }
}

}  // namespace tend
