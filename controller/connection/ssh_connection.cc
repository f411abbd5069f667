#include <fcntl.h>
#include <fmt/format.h>
#include <libssh/libssh.h>
#include <libssh/server.h>  // ssh_send_keepalive, which clients may use too
#include <poll.h>
#include <pwd.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>

#include "controller/connection/connection.h"
#include "controller/connection/host_key.h"
#include "controller/connection/server_alive.h"
#include "controller/connection/ssh_config.h"

namespace tend {
namespace {

namespace fs = std::filesystem;

std::string HomeDir() {
  if (const char* home = std::getenv("HOME"); home && *home) return home;
  if (const passwd* pw = getpwuid(getuid())) return pw->pw_dir;
  return "/";
}

}  // namespace

std::string LocalUserName() {
  if (const passwd* pw = getpwuid(getuid())) return pw->pw_name;
  return "root";
}

namespace {

std::string ExpandHome(const std::string& path) {
  if (path == "~" || path.rfind("~/", 0) == 0) return HomeDir() + path.substr(1);
  return path;
}

// The session's ServerAlive checks (server_alive.h), shared by its channels.
// Every byte from the server counts as an answer: the kernel's count of bytes
// received on the socket, or (not a TCP socket) poll(2) seeing one before
// libssh reads it.
class SessionLiveness {
 public:
  SessionLiveness(ssh_session session, std::string host, int interval, int count_max)
      : session_(session),
        host_(std::move(host)),
        alive_(interval, count_max, ServerAlive::Clock::now()) {}

  // Waits up to timeout_ms for the socket to be readable, probing a silent
  // server on the way; fails once it has been silent for too long.
  Expected<void> Wait(int timeout_ms) {
    auto now = ServerAlive::Clock::now();
    int until_due = alive_.MillisUntilDue(now);
    int wait = until_due < 0 ? timeout_ms : std::min(timeout_ms, until_due);
    pollfd socket{ssh_get_fd(session_), POLLIN, 0};
    if (::poll(&socket, 1, wait) > 0) alive_.Heard(ServerAlive::Clock::now());
    return Check();
  }
  void Heard() { alive_.Heard(ServerAlive::Clock::now()); }
  Expected<void> Check() {
    if (auto bytes = SocketBytesReceived(ssh_get_fd(session_)); bytes && *bytes != bytes_) {
      bytes_ = *bytes;
      Heard();
    }
    switch (alive_.Due(ServerAlive::Clock::now())) {
      case ServerAlive::Action::kWait:
        return {};
      case ServerAlive::Action::kProbe:
        Probe();
        return {};
      case ServerAlive::Action::kGiveUp:
        dead_ = true;
        return Fail(alive_.GiveUpMessage(host_));
    }
    return {};
  }
  bool dead() const { return dead_; }

 private:
  // keepalive@openssh.com with want_reply: the server must answer. Sent
  // without blocking; the answer shows up as socket activity. libssh keeps
  // one such request outstanding: a second call only clears the state an
  // earlier answer left, so that a request is in flight after this.
  void Probe() {
    ssh_set_blocking(session_, 0);
    ssh_send_keepalive(session_);
    ssh_send_keepalive(session_);
    ssh_set_blocking(session_, 1);
  }

  ssh_session session_;
  std::string host_;
  ServerAlive alive_;
  uint64_t bytes_ = 0;
  bool dead_ = false;
};

class SshProcess : public RemoteProcess {
 public:
  // The longest a read sleeps in poll(2) before it looks at libssh's
  // buffers again (see Read).
  static constexpr int kPollSliceMs = 50;

  SshProcess(ssh_session session, ssh_event event, ssh_channel channel, SessionLiveness& liveness)
      : session_(session), event_(event), channel_(channel), liveness_(liveness) {}
  ~SshProcess() override {
    if (ssh_channel_is_open(channel_)) {
      ssh_channel_send_eof(channel_);
      ssh_channel_close(channel_);
    }
    ssh_channel_free(channel_);
  }

  Expected<void> Write(std::string_view data) override {
    while (!data.empty()) {
      int n = ssh_channel_write(channel_, data.data(), static_cast<uint32_t>(data.size()));
      if (n == SSH_ERROR) return Fail(fmt::format("write failed: {}", ssh_get_error(session_)));
      // No progress means libssh waited for the server's window in vain
      // (its own timeout): a server that stopped reading.
      if (n == 0) {
        if (auto alive = liveness_.Check(); !alive) return alive;
      } else {
        liveness_.Heard();
      }
      data.remove_prefix(static_cast<size_t>(n));
    }
    return {};
  }

  Expected<void> CloseStdin() override {
    if (stdin_closed_) return {};
    stdin_closed_ = true;
    if (ssh_channel_send_eof(channel_) == SSH_ERROR) {
      return Fail(fmt::format("cannot close stdin: {}", ssh_get_error(session_)));
    }
    return {};
  }

  Expected<ProcessOutput> Read(int timeout_ms) override {
    ProcessOutput out;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    for (;;) {
      auto out_eof = Drain(0, out.out);
      if (!out_eof) return std::unexpected(out_eof.error());
      auto err_eof = Drain(1, out.err);
      if (!err_eof) return std::unexpected(err_eof.error());
      if (!out.out.empty() || !out.err.empty()) {
        liveness_.Heard();
        return out;
      }
      if (*out_eof && *err_eof) {
        out.eof = true;
        return out;
      }
      // Polling stderr reads packets off the socket, and those may carry
      // stdout data that now sits in libssh's channel buffer, where poll(2)
      // on the socket cannot see it. Look again before blocking, and never
      // block for long: a reply stuck in that buffer hung runs whose reply
      // arrived as two packets in that window (seen with 4-5 KiB results).
      if (ssh_channel_poll(channel_, 0) > 0 || ssh_channel_poll(channel_, 1) > 0) continue;
      int wait = kPollSliceMs;
      if (timeout_ms >= 0) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) return out;
        wait = std::min<int>(wait, static_cast<int>(left.count()));
      }
      if (auto alive = liveness_.Wait(wait); !alive) return std::unexpected(alive.error());
      if (ssh_event_dopoll(event_, 0) == SSH_ERROR && !ssh_is_connected(session_)) {
        return Fail(fmt::format("connection lost: {}", ssh_get_error(session_)));
      }
    }
  }

  int ExitStatus() override { return ssh_channel_get_exit_status(channel_); }

  // sshd delivers the signal to the command (the agent, or sudo, which
  // passes it on); closing the channel then also hangs up the agent's stdin.
  void Interrupt() override {
    if (liveness_.dead() || !ssh_channel_is_open(channel_)) return;
    ssh_channel_request_send_signal(channel_, "TERM");
    ssh_channel_send_eof(channel_);
    ssh_channel_close(channel_);
  }

 private:
  // Moves what the channel has buffered on one stream into `into`; true at EOF.
  Expected<bool> Drain(int is_stderr, std::string& into) {
    for (;;) {
      int available = ssh_channel_poll(channel_, is_stderr);
      if (available == SSH_EOF) return true;
      if (available == SSH_ERROR) {
        if (ssh_channel_is_closed(channel_)) return true;
        return Fail(fmt::format("connection lost: {}", ssh_get_error(session_)));
      }
      if (available == 0) return false;
      char buffer[65536];
      int n = ssh_channel_read_nonblocking(channel_, buffer,
                                           std::min<uint32_t>(sizeof buffer, available), is_stderr);
      if (n == SSH_ERROR) return Fail(fmt::format("read failed: {}", ssh_get_error(session_)));
      if (n == SSH_EOF) return true;
      into.append(buffer, static_cast<size_t>(n));
    }
  }

  ssh_session session_;
  ssh_event event_;
  ssh_channel channel_;
  SessionLiveness& liveness_;
  bool stdin_closed_ = false;
};

class SshConnection : public Connection {
 public:
  SshConnection(ssh_session session, std::string login_user, SessionLiveness liveness)
      : session_(session),
        event_(ssh_event_new()),
        login_user_(std::move(login_user)),
        liveness_(std::move(liveness)) {
    ssh_event_add_session(event_, session_);
  }
  ~SshConnection() override {
    ssh_event_remove_session(event_, session_);
    ssh_event_free(event_);
    ssh_disconnect(session_);
    ssh_free(session_);
  }

  Expected<std::unique_ptr<RemoteProcess>> Start(const std::string& command) override {
    ssh_channel channel = ssh_channel_new(session_);
    if (channel == nullptr)
      return Fail(fmt::format("cannot open a channel: {}", ssh_get_error(session_)));
    if (ssh_channel_open_session(channel) != SSH_OK ||
        ssh_channel_request_exec(channel, command.c_str()) != SSH_OK) {
      std::string why = ssh_get_error(session_);
      ssh_channel_free(channel);
      return Fail(fmt::format("cannot start a command: {}", why));
    }
    return std::make_unique<SshProcess>(session_, event_, channel, liveness_);
  }
  const std::string& LoginUser() const override { return login_user_; }
  bool Alive() const override { return !liveness_.dead() && ssh_is_connected(session_) != 0; }

 private:
  ssh_session session_;
  ssh_event event_;
  std::string login_user_;
  SessionLiveness liveness_;
};

// The endpoint after ~/.ssh/config: explicit HostTarget values win.
struct Endpoint {
  std::string hostname;
  std::string user;
  int port = 22;
  std::vector<std::string> key_files;
  std::string proxy_jump;
  std::string known_hosts;
  int server_alive_interval = kDefaultServerAliveInterval;
  int server_alive_count_max = kDefaultServerAliveCountMax;
};

Expected<Endpoint> ResolveEndpoint(const HostTarget& t) {
  std::string home = HomeDir();
  std::string config_path = t.ssh_config.empty() ? home + "/.ssh/config" : ExpandHome(t.ssh_config);
  SshSettings s;
  std::ifstream in(config_path);
  if (in) {
    std::stringstream text;
    text << in.rdbuf();
    auto blocks = ParseSshConfig(text.str(), config_path);
    if (!blocks) return std::unexpected(blocks.error());
    s = ResolveSshConfig(*blocks, t.address, home);
  } else if (!t.ssh_config.empty()) {
    return Fail(fmt::format("cannot read ssh config {}", config_path));
  }
  Endpoint e;
  e.hostname = s.hostname.value_or(t.address);
  e.user = !t.user.empty() ? t.user : s.user.value_or("");
  e.port = t.port != 0 ? t.port : s.port.value_or(22);
  for (const auto& k : t.key_files) e.key_files.push_back(ExpandHome(k));
  for (const auto& k : s.identity_files) e.key_files.push_back(k);
  e.proxy_jump = !t.proxy_jump.empty() ? t.proxy_jump : s.proxy_jump.value_or("");
  e.known_hosts = !t.known_hosts.empty() ? ExpandHome(t.known_hosts)
                                         : s.known_hosts.value_or(home + "/.ssh/known_hosts");
  e.server_alive_interval = t.server_alive_interval.value_or(
      s.server_alive_interval.value_or(kDefaultServerAliveInterval));
  e.server_alive_count_max = t.server_alive_count_max.value_or(
      s.server_alive_count_max.value_or(kDefaultServerAliveCountMax));
  return e;
}

// libssh 0.10 has no native jump hosts; OpenSSH's client relays instead.
std::string ProxyCommandFor(const Endpoint& e, const HostTarget& t) {
  std::vector<std::string> hops;
  std::stringstream list(e.proxy_jump);
  for (std::string hop; std::getline(list, hop, ',');) hops.push_back(hop);
  std::string cmd = "ssh -o BatchMode=yes -o UserKnownHostsFile=" + SingleQuote(e.known_hosts);
  cmd += t.host_key_checking == HostKeyChecking::kOff ? " -o StrictHostKeyChecking=no"
         : t.host_key_checking == HostKeyChecking::kAcceptNew
             ? " -o StrictHostKeyChecking=accept-new"
             : " -o StrictHostKeyChecking=yes";
  if (!t.ssh_config.empty()) cmd += " -F " + SingleQuote(ExpandHome(t.ssh_config));
  for (const auto& k : e.key_files) cmd += " -i " + SingleQuote(k);
  if (hops.size() > 1) {
    std::string rest;
    for (size_t i = 0; i + 1 < hops.size(); ++i) rest += (i ? "," : "") + hops[i];
    cmd += " -J " + SingleQuote(rest);
  }
  return cmd + " -W '[%h]:%p' " + SingleQuote("ssh://" + hops.back());
}

KnownHostState StateOf(ssh_known_hosts_e state) {
  switch (state) {
    case SSH_KNOWN_HOSTS_OK:
      return KnownHostState::kKnown;
    case SSH_KNOWN_HOSTS_CHANGED:
      return KnownHostState::kChanged;
    case SSH_KNOWN_HOSTS_OTHER:
      return KnownHostState::kOtherType;
    case SSH_KNOWN_HOSTS_UNKNOWN:
      return KnownHostState::kUnknown;
    case SSH_KNOWN_HOSTS_NOT_FOUND:
      return KnownHostState::kNoFile;
    default:
      return KnownHostState::kError;
  }
}

ServerKey DescribeServerKey(ssh_session s, const Endpoint& e) {
  ServerKey key;
  key.host = e.port == 22 ? e.hostname : fmt::format("[{}]:{}", e.hostname, e.port);
  key.known_hosts = e.known_hosts;
  ssh_key pub = nullptr;
  if (ssh_get_server_publickey(s, &pub) != SSH_OK) return key;
  key.type = ssh_key_type_to_char(ssh_key_type(pub));
  unsigned char* hash = nullptr;
  size_t len = 0;
  if (ssh_get_publickey_hash(pub, SSH_PUBLICKEY_HASH_SHA256, &hash, &len) == SSH_OK) {
    char* fp = ssh_get_fingerprint_hash(SSH_PUBLICKEY_HASH_SHA256, hash, len);
    if (fp) key.fingerprint = fp;
    ssh_string_free_char(fp);
    ssh_clean_pubkey_hash(&hash);
  }
  ssh_key_free(pub);
  return key;
}

// Appends the key under a lock so concurrent hosts (threads here, other tend
// processes elsewhere) never interleave lines in known_hosts.
Expected<void> RecordHostKey(ssh_session s, const std::string& known_hosts) {
  static std::mutex process_lock;
  std::lock_guard guard(process_lock);
  std::error_code ec;
  fs::create_directories(fs::path(known_hosts).parent_path(), ec);
  int fd = open((known_hosts + ".lock").c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0600);
  if (fd < 0) return Fail(fmt::format("cannot lock {}.lock", known_hosts));
  flock(fd, LOCK_EX);
  Expected<void> result;
  if (ssh_session_is_known_server(s) != SSH_KNOWN_HOSTS_OK &&
      ssh_session_update_known_hosts(s) != SSH_OK) {
    result =
        Fail(fmt::format("cannot record the host key in {}: {}", known_hosts, ssh_get_error(s)));
  }
  flock(fd, LOCK_UN);
  close(fd);
  return result;
}

Expected<void> VerifyHostKey(ssh_session s, const Endpoint& e, const HostTarget& t) {
  ServerKey key = DescribeServerKey(s, e);
  auto decision = DecideHostKey(StateOf(ssh_session_is_known_server(s)), t.host_key_checking, key);
  if (decision.action == HostKeyAction::kReject) return Fail(decision.message);
  if (decision.action == HostKeyAction::kRecord) return RecordHostKey(s, e.known_hosts);
  return {};
}

Expected<void> Authenticate(ssh_session s, const Endpoint& e, const HostTarget& t) {
  std::vector<std::string> notes;
  for (const auto& path : e.key_files) {
    ssh_key key = nullptr;
    if (ssh_pki_import_privkey_file(path.c_str(), nullptr, nullptr, nullptr, &key) != SSH_OK) {
      if (std::find(t.key_files.begin(), t.key_files.end(), path) != t.key_files.end() ||
          fs::exists(path)) {
        notes.push_back(fmt::format("cannot read key {}", path));
      }
      continue;
    }
    int rc = ssh_userauth_publickey(s, nullptr, key);
    ssh_key_free(key);
    if (rc == SSH_AUTH_SUCCESS) return {};
    if (rc == SSH_AUTH_ERROR) return Fail(ssh_get_error(s));
  }
  int rc = ssh_userauth_publickey_auto(s, nullptr, nullptr);
  if (rc == SSH_AUTH_SUCCESS) return {};
  if (rc == SSH_AUTH_ERROR) return Fail(ssh_get_error(s));
  if (t.password) {
    rc = ssh_userauth_password(s, nullptr, t.password->c_str());
    if (rc == SSH_AUTH_SUCCESS) return {};
    notes.push_back("password rejected");
  }
  std::string why = "Permission denied (publickey" + std::string(t.password ? ",password)" : ")");
  for (const auto& n : notes) why += "; " + n;
  return Fail(why);
}

}  // namespace

Expected<std::unique_ptr<Connection>> ConnectSsh(const HostTarget& t, bool verbose) {
  auto endpoint = ResolveEndpoint(t);
  if (!endpoint) return std::unexpected(endpoint.error());
  const Endpoint& e = *endpoint;
  ssh_session s = ssh_new();
  if (s == nullptr) return Fail("cannot create an ssh session");
  long timeout = t.timeout_seconds;
  int process_config = 0;
  unsigned int port = static_cast<unsigned int>(e.port);
  ssh_options_set(s, SSH_OPTIONS_PROCESS_CONFIG, &process_config);
  ssh_options_set(s, SSH_OPTIONS_HOST, e.hostname.c_str());
  ssh_options_set(s, SSH_OPTIONS_PORT, &port);
  if (!e.user.empty()) ssh_options_set(s, SSH_OPTIONS_USER, e.user.c_str());
  ssh_options_set(s, SSH_OPTIONS_TIMEOUT, &timeout);
  ssh_options_set(s, SSH_OPTIONS_KNOWNHOSTS, e.known_hosts.c_str());
  // Requests are small writes answered by the agent: with Nagle on, a content
  // upload (data frame, then end frame) waited out the host's delayed ACK,
  // ~40 ms per copied file.
  int nodelay = 1;
  ssh_options_set(s, SSH_OPTIONS_NODELAY, &nodelay);
  if (!e.proxy_jump.empty()) {
    ssh_options_set(s, SSH_OPTIONS_PROXYCOMMAND, ProxyCommandFor(e, t).c_str());
  }
  std::string where =
      fmt::format("{}{}:{}", e.user.empty() ? "" : e.user + "@", e.hostname, e.port);
  auto fail = [&](const std::string& why) {
    std::string message = fmt::format("Failed to connect to the host via ssh: {}: {}", where, why);
    ssh_disconnect(s);
    ssh_free(s);
    return Fail(message);
  };
  if (verbose) fmt::print(stderr, "{}: connecting to {}\n", t.name, where);
  if (ssh_connect(s) != SSH_OK) return fail(ssh_get_error(s));
  if (auto ok = VerifyHostKey(s, e, t); !ok) return fail(ok.error().message);
  if (auto ok = Authenticate(s, e, t); !ok) return fail(ok.error().message);
  SessionLiveness liveness(s, e.hostname, e.server_alive_interval, e.server_alive_count_max);
  return std::make_unique<SshConnection>(s, e.user.empty() ? LocalUserName() : e.user,
                                         std::move(liveness));
}

Expected<ExecResult> RunToCompletion(RemoteProcess& process, std::string_view stdin_data) {
  if (!stdin_data.empty()) {
    if (auto w = process.Write(stdin_data); !w) return std::unexpected(w.error());
  }
  if (auto c = process.CloseStdin(); !c) return std::unexpected(c.error());
  ExecResult result;
  for (;;) {
    auto chunk = process.Read(-1);
    if (!chunk) return std::unexpected(chunk.error());
    result.out += chunk->out;
    result.err += chunk->err;
    if (chunk->eof) break;
  }
  result.rc = process.ExitStatus();
  return result;
}

namespace {

// Reads until the process acknowledges a piece (one line on stdout, dropped
// from out) or exits; false when it exited.
Expected<bool> AwaitAcknowledgement(RemoteProcess& process, ExecResult& result) {
  for (;;) {
    if (auto newline = result.out.find('\n'); newline != std::string::npos) {
      result.out.erase(0, newline + 1);
      return true;
    }
    auto chunk = process.Read(-1);
    if (!chunk) return std::unexpected(chunk.error());
    result.out += chunk->out;
    result.err += chunk->err;
    if (chunk->eof) return false;
  }
}

}  // namespace

Expected<ExecResult> RunWithAcknowledgedChunks(RemoteProcess& process, std::string_view stdin_data,
                                               const std::vector<size_t>& chunk_sizes) {
  ExecResult result;
  size_t at = 0;
  for (size_t size : chunk_sizes) {
    // A failed write means it exited or stopped reading: its output says why.
    if (!process.Write(stdin_data.substr(at, size))) break;
    at += size;
    auto acknowledged = AwaitAcknowledgement(process, result);
    if (!acknowledged) return std::unexpected(acknowledged.error());
    if (!*acknowledged) {
      result.rc = process.ExitStatus();
      return result;
    }
  }
  auto rest = RunToCompletion(process, {});  // closes stdin
  if (!rest) return std::unexpected(rest.error());
  result.out += rest->out;
  result.err += rest->err;
  result.rc = rest->rc;
  return result;
}

}  // namespace tend
