// The real HostSession: a Connection (SSH or local), the agent deployed and
// started through it (one per become user), and raw/script run without it.

#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <random>
#include <sstream>

#include "controller/connection/become.h"
#include "core/strings.h"
#include "controller/connection/connection.h"
#include "controller/connection/interrupt.h"
#include "controller/connection/real_session.h"
#include "controller/connection/script_module.h"
#include "controller/connection/ssh_config.h"
#include "core/hash.h"
#include "core/protocol.h"

namespace tend {
namespace {

namespace fs = std::filesystem;

// The agent binary, read once per run and shared by every host.
struct AgentBinary {
  std::string path;
  std::string sha256;
  std::string bytes;
};

std::string RandomToken() {
  std::random_device rd;
  return fmt::format("{:08x}{:08x}", rd(), rd());
}

// A process whose first output was already read (during the sudo password
// handshake); it hands that back first. A second password prompt means the
// password was wrong: stdin is closed so sudo gives up instead of waiting.
class HandshakenProcess : public RemoteProcess {
 public:
  HandshakenProcess(std::unique_ptr<RemoteProcess> inner, std::string out, std::string err,
                    std::string prompt)
      : inner_(std::move(inner)),
        out_(std::move(out)),
        err_(std::move(err)),
        prompt_(std::move(prompt)) {}
  Expected<void> Write(std::string_view data) override { return inner_->Write(data); }
  Expected<void> CloseStdin() override { return inner_->CloseStdin(); }
  int ExitStatus() override { return inner_->ExitStatus(); }
  void Interrupt() override { inner_->Interrupt(); }
  Expected<ProcessOutput> Read(int timeout_ms) override {
    if (!out_.empty() || !err_.empty()) {
      ProcessOutput first{std::move(out_), std::move(err_), false};
      out_.clear();
      err_.clear();
      return first;
    }
    auto chunk = inner_->Read(timeout_ms);
    if (chunk) {
      if (auto at = chunk->err.find(prompt_); at != std::string::npos) {
        chunk->err.replace(at, prompt_.size(), "\n");
        wrong_password = true;
        (void)inner_->CloseStdin();
      }
    }
    return chunk;
  }
  bool wrong_password = false;

 private:
  std::unique_ptr<RemoteProcess> inner_;
  std::string out_, err_, prompt_;
};

// A ByteStream over a process's stdout for protocol::FrameChannel; stderr is
// kept for error messages. Reads stop at the deadline (a task's `timeout:`)
// and on Ctrl-C; stopped() then says which.
class ProcessStream : public protocol::ByteStream {
 public:
  enum class Stop { kNone, kDeadline, kInterrupt };
  // How often a wait looks at InterruptRequested().
  static constexpr int kInterruptCheckMs = 100;

  explicit ProcessStream(RemoteProcess& process) : process_(process) {}
  Expected<size_t> Read(char* buffer, size_t size) override {
    while (pending_.empty()) {
      if (eof_) return 0;
      int wait = kInterruptCheckMs;
      if (InterruptRequested()) return StopWith(Stop::kInterrupt);
      if (deadline_) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            *deadline_ - std::chrono::steady_clock::now());
        if (left.count() <= 0) return StopWith(Stop::kDeadline);
        wait = std::min<int>(wait, static_cast<int>(left.count()));
      }
      auto chunk = process_.Read(wait);
      if (!chunk) return std::unexpected(chunk.error());
      pending_ += chunk->out;
      AppendStderr(chunk->err);
      eof_ = chunk->eof;
    }
    size_t n = std::min(size, pending_.size());
    std::copy_n(pending_.data(), n, buffer);
    pending_.erase(0, n);
    return n;
  }
  Expected<void> Write(std::string_view bytes) override { return process_.Write(bytes); }
  bool eof() const { return eof_; }
  const std::string& stderr_text() const { return stderr_; }
  void set_deadline(std::optional<std::chrono::steady_clock::time_point> at) { deadline_ = at; }
  Stop stopped() const { return stopped_; }

 private:
  std::unexpected<Error> StopWith(Stop why) {
    stopped_ = why;
    return Fail(why == Stop::kDeadline ? "timed out" : "interrupted");
  }
  void AppendStderr(const std::string& text) {
    stderr_ += text;
    if (stderr_.size() > 8192) stderr_.erase(0, stderr_.size() - 8192);
  }
  RemoteProcess& process_;
  std::string pending_;
  std::string stderr_;
  bool eof_ = false;
  std::optional<std::chrono::steady_clock::time_point> deadline_;
  Stop stopped_ = Stop::kNone;
};

struct Agent {
  std::unique_ptr<RemoteProcess> process;
  std::unique_ptr<ProcessStream> stream;
  std::unique_ptr<protocol::FrameChannel> channel;
  protocol::Hello hello;
};


Json FailedResult(const std::string& msg) {
  return Json{{"changed", false}, {"failed", true}, {"msg", msg}};
}

class RealHostSession : public HostSession {
 public:
  RealHostSession(HostTarget target, std::unique_ptr<Connection> connection,
                  const AgentBinary& agent, bool verbose)
      : target_(std::move(target)),
        connection_(std::move(connection)),
        agent_(agent),
        verbose_(verbose) {}
  ~RealHostSession() override { Close(); }

  const HostTarget& Target() const override { return target_; }
  SessionStats Stats() const override { return stats_; }

  Expected<Json> Run(const ModuleCall& call) override {
    std::lock_guard lock(mutex_);
    bool become = call.become.value_or(target_.become.enabled);
    std::string user = call.become_user.value_or(target_.become.user);
    BecomeSettings settings = target_.become;
    if (call.become_method) settings.method = *call.become_method;
    if (call.become_flags) settings.flags = *call.become_flags;
    if (call.become_exe) settings.exe = *call.become_exe;
    if (call.module == "raw") return RunRaw(call, become, user);
    if (call.module == "script") return RunScript(call, become, user);
    protocol::Request request;
    request.op = std::string(protocol::kOpRun);
    request.module = call.module;
    request.args = call.args;
    request.check = call.check;
    request.diff = call.diff;
    request.async_seconds = call.async_seconds;
    if (call.content) {
      request.args[std::string(protocol::kContentArg)] =
          protocol::ContentDescriptor(call.content->sha1(), call.content->text().size());
    }
    return CallAgent(request, RunAsFor(become, user, settings),
                     call.content ? &call.content->text() : nullptr, call.deadline);
  }

  Expected<Json> Facts(std::optional<bool> become, const Json& args) override {
    std::lock_guard lock(mutex_);
    protocol::Request request;
    request.op = std::string(protocol::kOpFacts);
    request.module = "setup";
    request.args = args;
    auto result = CallAgent(
        request, RunAsFor(become.value_or(target_.become.enabled), target_.become.user), nullptr);
    if (result && !result->contains("ansible_facts") && !result->value("failed", false)) {
      Json facts = *result;
      facts.erase("changed");
      facts.erase("failed");
      facts.erase("msg");
      *result = Json{{"ansible_facts", facts}, {"changed", false}};
    }
    return result;
  }

  Expected<ExecResult> Exec(const std::string& command, std::optional<bool> become,
                            std::string_view stdin_data) override {
    std::lock_guard lock(mutex_);
    return ExecLocked(command, become.value_or(target_.become.enabled), target_.become.user,
                      stdin_data);
  }

  void Close() override {
    std::lock_guard lock(mutex_);
    for (auto& [user, agent] : agents_) {
      protocol::Request bye;
      bye.id = next_id_++;
      bye.op = std::string(protocol::kOpBye);
      (void)agent.channel->WriteJson(protocol::RequestToJson(bye));
      (void)agent.process->CloseStdin();
    }
    agents_.clear();
    connection_.reset();
  }

 private:
  std::optional<RunAs> RunAsFor(bool become, const std::string& user) const {
    return RunAsFor(become, user, target_.become);
  }
  std::optional<RunAs> RunAsFor(bool become, const std::string& user,
                                const BecomeSettings& settings) const {
    return ResolveRunAs(become, settings, user, connection_->LoginUser());
  }

  // Starts `script` as run_as; with a become password, answers sudo's prompt.
  Expected<std::unique_ptr<RemoteProcess>> StartAs(const std::string& script,
                                                   const std::optional<RunAs>& run_as) {
    if (!connection_) return Fail("the session is closed");
    std::string prompt = "[tend become password " + RandomToken() + "]";
    auto command = WrapCommand(script, run_as, prompt);
    if (!command) return std::unexpected(command.error());
    auto process = connection_->Start(*command);
    if (!process || !run_as || !run_as->has_password) return process;
    std::string out, err;
    auto deadline =
        std::chrono::steady_clock::now() + std::chrono::seconds(target_.timeout_seconds);
    while (out.empty()) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) break;  // no prompt: sudo needs no password
      auto chunk = (*process)->Read(static_cast<int>(left.count()));
      if (!chunk) return std::unexpected(chunk.error());
      out += chunk->out;
      err += chunk->err;
      if (auto at = err.find(prompt); at != std::string::npos) {
        err.erase(at, prompt.size());
        if (auto w = (*process)->Write(*target_.become.password + "\n"); !w) {
          return std::unexpected(w.error());
        }
        break;
      }
      if (chunk->eof) break;
    }
    return std::make_unique<HandshakenProcess>(std::move(*process), out, err, prompt);
  }

  Expected<ExecResult> ExecLocked(const std::string& command, bool become, const std::string& user,
                                  std::string_view stdin_data) {
    auto process = StartAs(command, RunAsFor(become, user));
    if (!process) return std::unexpected(process.error());
    auto result = RunToCompletion(**process, stdin_data);
    if (!result && connection_->Alive()) {
      return ExecResult{-1, "", result.error().message};
    }
    return result;
  }

  // One agent per way of becoming: user, method, flags and executable.
  Expected<Json> CallAgent(protocol::Request request, const std::optional<RunAs>& run_as,
                           const std::string* content,
                           const std::optional<CallDeadline>& deadline = std::nullopt) {
    if (InterruptRequested()) ParkUntilExit();
    std::string key = run_as ? fmt::format("{}\n{}\n{}\n{}", run_as->user,
                                           static_cast<int>(run_as->method), run_as->flags,
                                           run_as->exe)
                             : "";
    auto agent = AgentFor(key, run_as);
    if (!agent && InterruptRequested()) ParkUntilExit();
    if (!agent) {
      if (!connection_->Alive()) return std::unexpected(agent.error());
      return FailedResult(agent.error().message);
    }
    request.id = next_id_++;
    ++stats_.requests;
    std::function<Expected<void>(protocol::FrameChannel&)> send;
    if (content) {
      send = [content](protocol::FrameChannel& ch) { return protocol::SendContent(ch, *content); };
    }
    Expected<Json> reply;
    ProcessStream::Stop stopped = ProcessStream::Stop::kNone;
    {
      InFlightCall in_flight;
      ProcessStream& stream = *(*agent)->stream;
      stream.set_deadline(deadline ? std::optional(deadline->at) : std::nullopt);
      reply = protocol::Call(*(*agent)->channel, request, send);
      stream.set_deadline(std::nullopt);
      stopped = reply ? ProcessStream::Stop::kNone : stream.stopped();
      // The agent may be mid-command and the channel mid-frame: stop it and
      // start afresh next time.
      if (stopped != ProcessStream::Stop::kNone) StopAgent(key);
    }
    if (stopped == ProcessStream::Stop::kInterrupt) ParkUntilExit();
    if (stopped == ProcessStream::Stop::kDeadline) return FailedResult(TimedOutMessage(*deadline));
    if (!reply) {
      std::string why = reply.error().message;
      std::string err(Trim((*agent)->stream->stderr_text()));
      agents_.erase(key);  // the next call starts a fresh agent
      if (!connection_->Alive()) return Fail("Failed to connect to the host via ssh: " + why);
      return FailedResult(
          fmt::format("the agent stopped: {}{}", why, err.empty() ? "" : ": " + err));
    }
    reply->erase("id");
    return *reply;
  }

  // What AgentStartScript fixed on the host ("tend: ..." lines) is for the user.
  void WarnFromStartScript(const std::string& err) const {
    std::istringstream lines(err);
    for (std::string line; std::getline(lines, line);) {
      if (line.starts_with("tend: ")) {
        fmt::print(stderr, "[WARNING]: {}: {}\n", target_.name, line.substr(6));
      }
    }
  }

  // Asks the agent to stop its command and drops it (modules/host/child_stop.h).
  void StopAgent(const std::string& key) {
    auto it = agents_.find(key);
    if (it == agents_.end()) return;
    it->second.process->Interrupt();
    agents_.erase(it);
  }

  Expected<Agent*> AgentFor(const std::string& key, const std::optional<RunAs>& run_as) {
    if (auto it = agents_.find(key); it != agents_.end()) return &it->second;
    for (int attempt = 0;; ++attempt) {
      auto process = StartAs(AgentStartScript(agent_.sha256), run_as);
      if (!process) return std::unexpected(process.error());
      Agent agent;
      agent.process = std::move(*process);
      agent.stream = std::make_unique<ProcessStream>(*agent.process);
      agent.channel = std::make_unique<protocol::FrameChannel>(*agent.stream);
      auto hello = protocol::ReadHello(*agent.channel);
      if (hello) {
        WarnFromStartScript(agent.stream->stderr_text());
        ++stats_.agent_starts;
        agent.hello = std::move(*hello);
        return &(agents_[key] = std::move(agent));
      }
      std::string err(Trim(agent.stream->stderr_text()));
      bool missing = agent.stream->eof() && agent.process->ExitStatus() == kAgentMissingStatus;
      if (missing && attempt == 0) {
        if (auto up = Upload(run_as); !up) return std::unexpected(up.error());
        continue;
      }
      if (auto* h = dynamic_cast<HandshakenProcess*>(agent.process.get()); h && h->wrong_password) {
        return Fail("Incorrect become password");
      }
      if (err.find("a password is required") != std::string::npos) {
        return Fail("Missing sudo password");
      }
      return Fail(fmt::format("cannot start the agent{}: {}{}", run_as ? " as " + run_as->user : "",
                              hello.error().message, err.empty() ? "" : ": " + err));
    }
  }

  Expected<void> Upload(const std::optional<RunAs>& run_as) {
    if (verbose_) {
      fmt::print(stderr, "{}: uploading the agent ({} bytes) to ~{}/.cache/tend/{}\n", target_.name,
                 agent_.bytes.size(), run_as ? run_as->user : "", AgentFileName(agent_.sha256));
    }
    ++stats_.agent_uploads;
    auto process = StartAs(AgentUploadScript(agent_.sha256, agent_.bytes.size()), run_as);
    if (!process) return std::unexpected(process.error());
    auto result = RunWithAcknowledgedChunks(**process, agent_.bytes,
                                            AgentUploadChunks(agent_.bytes.size()));
    if (!result) return std::unexpected(result.error());
    if (result->rc != 0) {
      return Fail(fmt::format("cannot upload the agent: {}", std::string(Trim(result->err + result->out))));
    }
    return {};
  }

  Expected<Json> RunRaw(const ModuleCall& call, bool become, const std::string& user) {
    if (call.check) return SkippedInCheckMode("raw");
    std::string command = call.args.value("_raw_params", "");
    if (command.empty()) return FailedResult("raw: no command given");
    auto result = ExecLocked(command, become, user, "");
    if (!result) return std::unexpected(result.error());
    return CommandResult(*result, /*changed=*/true);
  }

  Expected<Json> RunScript(const ModuleCall& call, bool become, const std::string& user) {
    auto plan = PlanScript(call.args, call.check);
    if (!plan) return FailedResult(plan.error().message);
    if (plan->result) return *plan->result;
    for (const auto& [path, want] : {std::pair{plan->creates, false}, {plan->removes, true}}) {
      if (path.empty()) continue;
      auto test = ExecLocked("test -e " + SingleQuote(path), become, user, "");
      if (!test) return std::unexpected(test.error());
      if ((test->rc == 0) != want) {
        return Json{
            {"changed", false},
            {"msg", fmt::format("skipped, since {} {}", path, want ? "does not exist" : "exists")},
            {"rc", 0},
            {"stdout", ""},
            {"stdout_lines", Json::array()},
            {"stderr", ""},
            {"stderr_lines", Json::array()}};
      }
    }
    if (call.check) return Json{{"changed", true}};
    auto result = ExecLocked(plan->command, become, user, plan->content);
    if (!result) return std::unexpected(result.error());
    return ScriptResult(*plan, *result);
  }

  HostTarget target_;
  std::unique_ptr<Connection> connection_;
  const AgentBinary& agent_;
  bool verbose_;
  std::mutex mutex_;
  std::map<std::string, Agent> agents_;
  int64_t next_id_ = 1;
  SessionStats stats_;
};

class RealSessionFactory : public SessionFactory {
 public:
  explicit RealSessionFactory(RealSessionOptions options) : options_(std::move(options)) {}

  Expected<std::unique_ptr<HostSession>> Open(const HostTarget& target) override {
    if (auto loaded = LoadAgent(); !loaded) return std::unexpected(loaded.error());
    auto connection = target.connection == ConnectionType::kLocal
                          ? ConnectLocal(target)
                          : ConnectSsh(target, options_.verbose);
    if (!connection) return std::unexpected(connection.error());
    return std::make_unique<RealHostSession>(target, std::move(*connection), agent_,
                                             options_.verbose);
  }

 private:
  // Read once, before the first connect, and shared read-only afterwards.
  Expected<void> LoadAgent() {
    std::call_once(once_, [this] {
      auto path = options_.agent_path.empty() ? FindAgentBinary() : options_.agent_path;
      if (!path) {
        error_ = path.error();
        return;
      }
      std::ifstream in(*path, std::ios::binary);
      std::stringstream bytes;
      bytes << in.rdbuf();
      if (!in) {
        error_ = Error{fmt::format("cannot read the agent binary {}", *path), {}, {}};
        return;
      }
      agent_.path = *path;
      agent_.bytes = bytes.str();
      agent_.sha256 = Sha256Hex(agent_.bytes);
    });
    if (error_) return std::unexpected(*error_);
    return {};
  }

  RealSessionOptions options_;
  std::once_flag once_;
  std::optional<Error> error_;
  AgentBinary agent_;
};

}  // namespace

std::unique_ptr<SessionFactory> MakeRealSessionFactory(RealSessionOptions options) {
  return std::make_unique<RealSessionFactory>(std::move(options));
}

Expected<std::string> FindAgentBinary() {
  if (const char* env = std::getenv("TEND_AGENT_PATH"); env && *env) {
    if (access(env, R_OK) == 0) return std::string(env);
    return Fail(fmt::format("TEND_AGENT_PATH {} is not readable", env));
  }
  std::error_code ec;
  fs::path self = fs::read_symlink("/proc/self/exe", ec);
  std::vector<fs::path> candidates;
  if (!ec) candidates.push_back(self.parent_path() / "../../agent/tend-agent");
  candidates.emplace_back("/usr/lib/tend/tend-agent");
  for (const auto& c : candidates) {
    if (fs::exists(c, ec)) return fs::weakly_canonical(c, ec).string();
  }
  return Fail(
      "cannot find tend-agent (looked beside the controller and in /usr/lib/tend; "
      "set TEND_AGENT_PATH)");
}

}  // namespace tend
