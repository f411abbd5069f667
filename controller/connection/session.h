#pragma once

// The controller's view of a host: how to reach it (HostTarget), an open
// session that runs modules through the host's agent (HostSession), and a
// pool that opens sessions concurrently (SessionPool). Issue 3.
//
// Error convention: an Error returned by a HostSession or SessionFactory means
// the host is UNREACHABLE (could not connect, authenticate, or the connection
// dropped). Everything else, including a become failure ("Missing sudo
// password") or a module failure, comes back as a result Json with
// "failed": true, exactly as Ansible reports it.

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/error.h"
#include "core/hash.h"
#include "core/json.h"

namespace tend {

enum class ConnectionType { kSsh, kLocal };
enum class HostKeyChecking { kStrict, kAcceptNew, kOff };
enum class BecomeMethod { kSudo, kSu };

struct BecomeSettings {
  bool enabled = false;  // ansible_become / -b
  std::string user = "root";
  BecomeMethod method = BecomeMethod::kSudo;
  std::optional<std::string> password;  // ansible_become_password / -K
};

/// Everything needed to reach one host. Built by HostTargetFromVars from the
/// inventory's host vars and the command line; ~/.ssh/config is applied when
/// the session connects (explicit values here win over it).
struct HostTarget {
  std::string name;                     // inventory hostname, used in output
  std::string address;                  // ansible_host, else name
  int port = 0;                         // ansible_port; 0 = ssh config, else 22
  std::string user;                     // ansible_user / -u; empty = ssh config, else local user
  std::vector<std::string> key_files;   // ansible_ssh_private_key_file / --private-key
  std::optional<std::string> password;  // ansible_password / -k
  ConnectionType connection = ConnectionType::kSsh;
  std::string known_hosts;  // tend_known_hosts / UserKnownHostsFile; empty = ~/.ssh/known_hosts
  HostKeyChecking host_key_checking = HostKeyChecking::kStrict;
  std::string ssh_config;    // -F in ansible_ssh_common_args; empty = ~/.ssh/config
  std::string proxy_jump;    // -J / -o ProxyJump in ansible_ssh_common_args
  int timeout_seconds = 10;  // connect and authentication
  BecomeSettings become;
};

/// Command-line connection options; inventory host vars override them, as in Ansible.
struct ConnectionOptions {
  std::string user;
  std::string private_key;
  std::optional<std::string> password;
  std::optional<ConnectionType> connection;
  HostKeyChecking host_key_checking = HostKeyChecking::kStrict;
  int timeout_seconds = 10;
  BecomeSettings become;
};

/// A HostTarget from inventory host vars (ansible_host, ansible_port,
/// ansible_user, ansible_ssh_private_key_file, ansible_connection,
/// ansible_password, ansible_become, ansible_become_user,
/// ansible_become_method, ansible_become_password, tend_known_hosts,
/// ansible_ssh_common_args) over the command-line defaults.
Expected<HostTarget> HostTargetFromVars(std::string_view name, const Json& vars,
                                        const ConnectionOptions& defaults);

/// Bytes a module call carries (copy's local file, a rendered template),
/// hashed once. Copies share the bytes: the same 256 MiB file going to every
/// host of a play is held and hashed once, not once per host.
class Content {
 public:
  explicit Content(std::string text)
      : text_(std::make_shared<const std::string>(std::move(text))), sha1_(Sha1Hex(*text_)) {}
  const std::string& text() const { return *text_; }
  const std::string& sha1() const { return sha1_; }

 private:
  std::shared_ptr<const std::string> text_;
  std::string sha1_;
};

/// One module invocation on a host.
struct ModuleCall {
  std::string module;  // short name ("command"); FQCNs are resolved by the caller
  Json args = Json::object();
  bool check = false;
  bool diff = false;
  std::optional<bool> become;  // unset = the target's default
  std::optional<std::string> become_user;
  /// File content the module asks for (copy/template); streamed as data frames.
  std::optional<Content> content;
};

struct ExecResult {
  int rc = -1;
  std::string out;
  std::string err;
};

/// Counters a session keeps, for -v output and tests.
struct SessionStats {
  int agent_uploads = 0;
  int agent_starts = 0;
  int requests = 0;
};

/// An open connection to one host, reused for every task of a run. Not
/// thread-safe across calls: one task at a time per host (the real session
/// serialises callers anyway). Agents start lazily, one per become user.
class HostSession {
 public:
  virtual ~HostSession() = default;
  virtual const HostTarget& Target() const = 0;
  /// Runs a module through the agent (raw and script run without it). The
  /// result carries Ansible's fields: changed, failed, msg, rc, stdout, ...
  virtual Expected<Json> Run(const ModuleCall& call) = 0;
  /// Facts as `setup` returns them: {"ansible_facts": {...}, "changed": false}.
  virtual Expected<Json> Facts(std::optional<bool> become = std::nullopt) = 0;
  /// A shell command without the agent (the `raw` module), with become if asked.
  virtual Expected<ExecResult> Exec(const std::string& command, std::optional<bool> become = {},
                                    std::string_view stdin_data = {}) = 0;
  virtual SessionStats Stats() const = 0;
  /// Stops the agents (sends bye) and closes the connection. Idempotent.
  virtual void Close() = 0;
};

/// Opens sessions. The real factory connects over SSH (libssh) or starts local
/// processes; tests use FakeSessionFactory (fake_session.h).
class SessionFactory {
 public:
  virtual ~SessionFactory() = default;
  /// An Error means the host is unreachable; its message is what to show.
  virtual Expected<std::unique_ptr<HostSession>> Open(const HostTarget& target) = 0;
};

struct RealSessionOptions {
  std::string agent_path;  // empty = FindAgentBinary()
  bool verbose = false;    // log connects and agent uploads to stderr
};
std::unique_ptr<SessionFactory> MakeRealSessionFactory(RealSessionOptions options = {});

/// The agent binary: $TEND_AGENT_PATH, else ../../agent/tend-agent beside the
/// running controller (build tree), else /usr/lib/tend/tend-agent.
Expected<std::string> FindAgentBinary();

/// One session per host for a whole run, opened on first use and kept until
/// CloseAll. Thread-safe: different hosts may be opened and used concurrently.
class SessionPool {
 public:
  explicit SessionPool(SessionFactory& factory) : factory_(factory) {}
  ~SessionPool() { CloseAll(); }

  /// The host's session, opening it if needed. A host that failed to open
  /// stays unreachable for the rest of the run (the same Error again).
  Expected<HostSession*> Get(const HostTarget& target);
  /// Opens all targets with at most `forks` connects in flight.
  void OpenAll(const std::vector<HostTarget>& targets, int forks);
  void CloseAll();

 private:
  struct Slot {
    std::once_flag once;
    std::unique_ptr<HostSession> session;
    std::optional<Error> error;
  };
  Slot& SlotFor(const std::string& name);

  SessionFactory& factory_;
  std::mutex mutex_;
  std::unordered_map<std::string, std::unique_ptr<Slot>> slots_;
};

/// Calls fn(i) for i in [0, count) on up to `forks` threads.
void ForEachParallel(size_t count, int forks, const std::function<void(size_t)>& fn);

/// Ansible's result for an unreachable host.
Json UnreachableResult(const Error& error);

}  // namespace tend
