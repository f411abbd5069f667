#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <string>

#include "agent/serve.h"
#include "core/version.h"
#include "modules/framework/free_form.h"
#include "modules/host/real_host.h"
#include "modules/framework/registry.h"
#include "modules/host/child_stop.h"
#include "modules/host/docker_api.h"
#include "modules/host/network.h"

namespace {

constexpr const char* kUsage =
    "usage: tend-agent serve                       speak the protocol on stdin/stdout\n"
    "       tend-agent run MODULE [ARGS] [--check] [--diff]\n"
    "                                              run one module locally; ARGS is JSON\n"
    "                                              or k=v pairs; prints the result\n"
    "       tend-agent --version\n";

// The protocol owns the original stdin/stdout; fds 0 and 1 become /dev/null
// and stderr, so nothing a library prints can corrupt a frame.
int ServeMain() {
  int in = ::fcntl(0, F_DUPFD_CLOEXEC, 3);
  int out = ::fcntl(1, F_DUPFD_CLOEXEC, 3);
  if (in < 0 || out < 0) {
    std::perror("tend-agent: dup");
    return 1;
  }
  int null_fd = ::open("/dev/null", O_RDONLY);
  if (null_fd >= 0) {
    ::dup2(null_fd, 0);
    ::close(null_fd);
  }
  ::dup2(2, 1);
  tend::SetControllerFd(in);
  tend::InstallStopHandlers();
  tend::protocol::FdStream stream(in, out);
  tend::RealHost host;
  return tend::Serve(stream, host);
}

int RunMain(int argc, char** argv) {
  if (argc < 3) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  std::string module = argv[2];
  std::string text;
  bool check = false, diff = false;
  for (int i = 3; i < argc; ++i) {
    if (std::strcmp(argv[i], "--check") == 0)
      check = true;
    else if (std::strcmp(argv[i], "--diff") == 0)
      diff = true;
    else
      text += (text.empty() ? "" : " ") + std::string(argv[i]);
  }
  tend::Json args = tend::Json::parse(text.empty() ? "{}" : text, nullptr, false);
  if (args.is_discarded() || !args.is_object()) {
    auto parsed = tend::ParseFreeFormArgs(module, text);
    if (!parsed) {
      std::fprintf(stderr, "tend-agent: %s\n", parsed.error().message.c_str());
      return 2;
    }
    args = *parsed;
  }
  const tend::Module* found = tend::FindModule(module);
  if (!found) {
    std::fprintf(stderr, "tend-agent: unknown module '%s'\n", module.c_str());
    return 2;
  }
  tend::RealHost host;
  tend::SystemNetwork network;
  tend::ModuleContext context{.args = args,
                              .check = check,
                              .diff = diff,
                              .host = &host,
                              .fetch_content = {},
                              .network = &network,
                              .docker = tend::UnixSocketConnector()};
  tend::Json result = tend::RunModule(*found, context);
  std::printf("%s\n", result.dump(2, ' ', false, tend::Json::error_handler_t::replace).c_str());
  return result.value("failed", false) ? 1 : 0;
}

}  // namespace

int main(int argc, char** argv) {
  // A child that exits early must not kill the agent while we write its stdin.
  ::signal(SIGPIPE, SIG_IGN);
  std::string command = argc > 1 ? argv[1] : "";
  if (command == "--version") {
    std::printf("tend-agent %s (%s)\n", tend::kVersion, tend::kGitRevision);
    return 0;
  }
  if (command == "serve") return ServeMain();
  if (command == "run") return RunMain(argc, argv);
  std::fputs(kUsage, stderr);
  return 2;
}
