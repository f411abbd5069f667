#include <doctest/doctest.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <thread>

#include "agent/serve.h"
#include "core/task_environment.h"
#include "core/hash.h"
#include "modules/testing/fake_host.h"

namespace tend {
namespace {

using protocol::Call;
using protocol::FdStream;
using protocol::FrameChannel;
using protocol::Request;

// Runs Serve on a FakeHost in a thread, connected over a socket pair.
struct InProcessAgent {
  InProcessAgent() {
    REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds) == 0);
    thread = std::thread([this] {
      FdStream stream(fds[1], fds[1]);
      exit_code = Serve(stream, host);
      ::shutdown(fds[1], SHUT_RDWR);
    });
  }
  ~InProcessAgent() {
    ::shutdown(fds[0], SHUT_WR);
    thread.join();
    ::close(fds[0]);
    ::close(fds[1]);
  }
  FakeHost host;
  int fds[2];
  int exit_code = -1;
  std::thread thread;
};

Request Run(int64_t id, std::string module, Json args) {
  return Request{.id = id,
                 .op = "run",
                 .module = std::move(module),
                 .args = std::move(args),
                 .check = false,
                 .diff = false};
}

Request Bye(int64_t id) {
  return Request{.id = id, .op = "bye", .module = "", .args = Json::object(), .check = false,
                 .diff = false};
}

}  // namespace

TEST_CASE("the agent says hello, answers requests one at a time and leaves on bye") {
  InProcessAgent agent;
  FdStream stream(agent.fds[0], agent.fds[0]);
  FrameChannel channel(stream);
  auto hello = protocol::ReadHello(channel);
  REQUIRE(hello.has_value());
  CHECK(hello->protocol == protocol::kVersion);
  CHECK(std::find(hello->modules.begin(), hello->modules.end(), "command") != hello->modules.end());
  CHECK(hello->facts["system"] == "Linux");

  auto pong = Call(channel, Run(1, "ping", Json::object()));
  REQUIRE(pong.has_value());
  CHECK(pong->dump() == R"({"id":1,"changed":false,"failed":false,"ping":"pong"})");

  auto crash = Call(channel, Run(2, "ping", Json{{"data", "crash"}}));
  CHECK(crash->dump() ==
        R"({"id":2,"changed":false,"failed":true,"msg":"MODULE FAILURE: module ping raised an exception: boom","module_stdout":"","module_stderr":"Exception: boom\n","rc":1})");

  auto unknown = Call(channel, Run(3, "pnig", Json::object()));
  CHECK((*unknown)["msg"] == "couldn't resolve module 'pnig', did you mean 'ping'?");

  auto bad_op = Call(channel, Request{.id = 4,
                                      .op = "exec",
                                      .module = "",
                                      .args = Json::object(),
                                      .check = false,
                                      .diff = false});
  CHECK((*bad_op)["msg"] ==
        "protocol error: unknown op 'exec' (known: run, facts, stat, put, bye)");

  auto bye = Call(channel, Bye(5));
  CHECK((*bye)["bye"] == true);
  CHECK(channel.Read().error().message == "connection closed");
}

TEST_CASE("put streams content only when the target differs") {
  InProcessAgent agent;
  agent.host.AddDirectory("/etc");
  FdStream stream(agent.fds[0], agent.fds[0]);
  FrameChannel channel(stream);
  REQUIRE(protocol::ReadHello(channel).has_value());
  std::string content(300 * 1024, 'z');  // more than one kData frame
  Json args{{"dest", "/etc/big.conf"},
            {"mode", "0640"},
            {"_content", protocol::ContentDescriptor(Sha1Hex(content), content.size())}};
  int sent = 0;
  auto send = [&](FrameChannel& c) {
    ++sent;
    return protocol::SendContent(c, content);
  };
  Request put{.id = 1, .op = "put", .module = "", .args = args, .check = false, .diff = false};
  auto first = Call(channel, put, send);
  REQUIRE(first.has_value());
  CHECK((*first)["changed"] == true);
  CHECK(sent == 1);
  put.id = 2;
  auto second = Call(channel, put, send);
  CHECK((*second)["changed"] == false);
  CHECK(sent == 1);
  CHECK(agent.host.Content("/etc/big.conf") == content);
  CHECK(agent.host.Stat("/etc/big.conf")->mode == 0640);

  // A controller that cannot read its file ends the stream with an error.
  put.id = 3;
  put.args["_content"] = protocol::ContentDescriptor("0000", 4);
  auto failed = Call(channel, put, [](FrameChannel& c) {
    return protocol::SendFileContent(c, "/nonexistent/src");
  });
  CHECK((*failed)["failed"] == true);
  CHECK((*failed)["msg"] ==
        "controller could not send the content: could not read /nonexistent/src: No such file or "
        "directory");
  CHECK(agent.host.Content("/etc/big.conf") == content);
}

TEST_CASE("facts and stat ops run setup and stat") {
  InProcessAgent agent;
  agent.host.AddFile("/etc/motd", "hi");
  FdStream stream(agent.fds[0], agent.fds[0]);
  FrameChannel channel(stream);
  REQUIRE(protocol::ReadHello(channel).has_value());
  auto facts = Call(channel, Request{.id = 1,
                                     .op = "facts",
                                     .module = "",
                                     .args = Json{{"filter", "ansible_system"}},
                                     .check = false,
                                     .diff = false});
  CHECK((*facts)["ansible_facts"]["ansible_system"] == "Linux");
  auto stat = Call(channel, Request{.id = 2,
                                    .op = "stat",
                                    .module = "",
                                    .args = Json{{"path", "/etc/motd"}},
                                    .check = false,
                                    .diff = false});
  CHECK((*stat)["stat"]["size"] == 2);
}

TEST_CASE("garbage from the controller ends the agent with an error, not a crash") {
  InProcessAgent agent;
  FdStream stream(agent.fds[0], agent.fds[0]);
  FrameChannel channel(stream);
  REQUIRE(protocol::ReadHello(channel).has_value());
  REQUIRE(stream.Write("hello?\n").has_value());
  CHECK(channel.Read().error().message == "connection closed");
  ::shutdown(agent.fds[0], SHUT_WR);
  agent.thread.join();
  agent.thread = std::thread([] {});
  CHECK(agent.exit_code == 1);
}

// The built tend-agent binary serving over pipes, as the controller starts it.
struct BuiltAgent {
  BuiltAgent() {
    const char* binary_dir = std::getenv("TEND_BINARY_DIR");
    std::string agent = std::string(binary_dir ? binary_dir : "build") + "/agent/tend-agent";
    int to_agent[2], from_agent[2];
    REQUIRE(::pipe(to_agent) == 0);
    REQUIRE(::pipe(from_agent) == 0);
    pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      ::dup2(to_agent[0], 0);
      ::dup2(from_agent[1], 1);
      ::close(to_agent[1]);
      ::close(from_agent[0]);
      ::execl(agent.c_str(), agent.c_str(), "serve", nullptr);
      ::_exit(127);
    }
    ::close(to_agent[0]);
    ::close(from_agent[1]);
    in = from_agent[0];
    out = to_agent[1];
  }
  ~BuiltAgent() {
    ::close(in);
    ::close(out);
  }
  /// Says bye and returns the agent's exit status.
  int Bye(FrameChannel& channel) {
    auto bye = Call(channel, tend::Bye(99));
    CHECK((*bye)["bye"] == true);
    int status = 0;
    ::waitpid(pid, &status, 0);
    return status;
  }
  pid_t pid = -1;
  int in = -1;
  int out = -1;
};

TEST_CASE("the built tend-agent binary speaks the protocol over pipes") {
  BuiltAgent agent;
  FdStream stream(agent.in, agent.out);
  FrameChannel channel(stream);
  auto hello = protocol::ReadHello(channel);
  REQUIRE_MESSAGE(hello.has_value(), hello.error().message);

  auto echo = Call(channel, Run(1, "command", Json{{"_raw_params", "echo hello from agent"}}));
  REQUIRE(echo.has_value());
  CHECK((*echo)["rc"] == 0);
  CHECK((*echo)["stdout"] == "hello from agent");
  CHECK((*echo)["changed"] == true);

  // A task's environment reaches the module's commands, for that task only.
  Request proxied = Run(2, "command", Json{{"_raw_params", "printenv TEND_TEST_PROXY"}});
  PutEnvironment(proxied.args, {{"TEND_TEST_PROXY", "http://127.0.0.9:3128"}});
  auto with = Call(channel, proxied);
  REQUIRE(with.has_value());
  CHECK((*with)["stdout"] == "http://127.0.0.9:3128");
  auto without = Call(channel, Run(3, "command", Json{{"_raw_params", "printenv TEND_TEST_PROXY"}}));
  REQUIRE(without.has_value());
  CHECK((*without)["rc"] == 1);

  auto shell = Call(channel, Run(2, "shell", Json{{"_raw_params", "exit 3"}}));
  CHECK((*shell)["failed"] == true);
  CHECK((*shell)["msg"] == "non-zero return code");

  int status = agent.Bye(channel);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
}

// Polls async_status until the job's file says it finished (at most ~10 s).
Json WaitForJob(FrameChannel& channel, const std::string& jid) {
  Json status;
  for (int i = 0; i < 100; ++i) {
    status = *Call(channel, Run(10 + i, "async_status", Json{{"jid", jid}}));
    if (status.value("finished", 0) == 1) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return status;
}

TEST_CASE("async requests start a detached job that async_status reads, and time out") {
  char dir_template[] = "/tmp/tend-async-XXXXXX";
  REQUIRE(::mkdtemp(dir_template) != nullptr);
  std::string dir = dir_template;
  ::setenv("ANSIBLE_ASYNC_DIR", dir.c_str(), 1);
  BuiltAgent agent;
  ::unsetenv("ANSIBLE_ASYNC_DIR");
  FdStream stream(agent.in, agent.out);
  FrameChannel channel(stream);
  REQUIRE(protocol::ReadHello(channel).has_value());

  Request job = Run(1, "shell", Json{{"_raw_params", "sleep 0.3; echo done"}});
  job.async_seconds = 30;
  auto started = Call(channel, job);
  REQUIRE(started.has_value());
  CHECK((*started)["started"] == 1);
  CHECK((*started)["finished"] == 0);
  CHECK((*started)["changed"] == true);
  std::string jid = (*started)["ansible_job_id"];
  CHECK((*started)["results_file"] == dir + "/" + jid);
  Json done = WaitForJob(channel, jid);
  CHECK(done["finished"] == 1);
  CHECK(done["stdout"] == "done");
  CHECK(done["rc"] == 0);

  Request slow = Run(2, "command", Json{{"_raw_params", "sleep 30"}});
  slow.async_seconds = 1;
  std::string slow_jid = (*Call(channel, slow))["ansible_job_id"];
  Json killed = WaitForJob(channel, slow_jid);
  CHECK(killed["finished"] == 1);
  CHECK(killed["failed"] == true);
  CHECK(killed["msg"] == "Timeout exceeded");

  auto erased = Call(channel, Run(3, "async_status", Json{{"jid", jid}, {"mode", "cleanup"}}));
  CHECK((*erased)["erased"] == dir + "/" + jid);
  CHECK(WEXITSTATUS(agent.Bye(channel)) == 0);
  std::filesystem::remove_all(dir);
}

}  // namespace tend
