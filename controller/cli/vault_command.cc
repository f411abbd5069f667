#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <sstream>

#include <fmt/format.h>

#include "controller/cli/command.h"
#include "controller/cli/config_flags.h"
#include "controller/cli/vault_options.h"
#include "controller/vault/vault.h"

namespace tend {
namespace {

struct VaultCommandState {
  VaultOptions vault;
  std::vector<std::string> files;
  std::string output;
  std::string encrypt_vault_id;
  std::string new_password_file;
  std::string new_vault_id;
  std::vector<std::string> names;
  std::string stdin_name;
  bool prompt = false;
};

Expected<std::string> ReadInput(const std::string& path) {
  if (path == "-") {
    return std::string(std::istreambuf_iterator<char>(std::cin), {});
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return Fail(fmt::format("cannot read {}: {}", path, std::strerror(errno)));
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

// Writes beside the target and renames, so a failure never leaves a partial
// file, and an in-place rewrite keeps the file's mode.
Expected<void> WriteOutput(const std::string& path, std::string_view content) {
  if (path == "-") {
    std::fwrite(content.data(), 1, content.size(), stdout);
    std::fflush(stdout);
    return {};
  }
  mode_t mode = 0600;
  struct stat st{};
  if (stat(path.c_str(), &st) == 0) mode = st.st_mode & 07777;
  std::string temp = path + ".tend-XXXXXX";
  int fd = mkstemp(temp.data());
  if (fd < 0) return Fail(fmt::format("cannot write {}: {}", path, std::strerror(errno)));
  bool ok = true;
  for (size_t done = 0; ok && done < content.size();) {
    ssize_t n = write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    ok = n > 0;
    if (ok) done += static_cast<size_t>(n);
  }
  ok = ok && fchmod(fd, mode) == 0 && fsync(fd) == 0;
  int saved = errno;
  close(fd);
  if (!ok || rename(temp.c_str(), path.c_str()) != 0) {
    if (ok) saved = errno;
    unlink(temp.c_str());
    return Fail(fmt::format("cannot write {}: {}", path, std::strerror(saved)));
  }
  return {};
}

Expected<VaultSecret> EncryptSecret(const VaultSecrets& secrets, const std::string& wanted) {
  if (secrets.empty()) {
    return Fail("a vault password is needed to encrypt (use --vault-password-file, --vault-id "
                "or --ask-vault-pass)");
  }
  if (wanted.empty()) {
    if (secrets.size() > 1) {
      return Fail("several vault ids were given; choose one with --encrypt-vault-id");
    }
    return secrets.front();
  }
  for (const auto& s : secrets)
    if (s.id == wanted) return s;
  return Fail(fmt::format("--encrypt-vault-id {} names no --vault-id given", wanted));
}

Expected<VaultSecrets> Secrets(const VaultCommandState& state) {
  if (!CliConfig()) return std::unexpected(CliConfig().error());
  auto secrets = LoadVaultSecrets(WithConfigVault(*CliConfig(), state.vault));
  if (!secrets) return secrets;
  if (secrets->empty() && isatty(STDIN_FILENO)) {
    VaultOptions ask;
    ask.ask = true;
    return LoadVaultSecrets(ask);
  }
  if (secrets->empty()) {
    return Fail("no vault password given (use --vault-password-file, --vault-id or "
                "--ask-vault-pass)");
  }
  return secrets;
}

int Report(const Error& error) {
  fmt::print(stderr, "tend vault: {}\n", error.ToString());
  return kExitError;
}

std::vector<std::string> FilesOrStdin(const VaultCommandState& state) {
  return state.files.empty() ? std::vector<std::string>{"-"} : state.files;
}

int RunEncrypt(const VaultCommandState& state) {
  auto secrets = Secrets(state);
  if (!secrets) return Report(secrets.error());
  auto secret = EncryptSecret(*secrets, state.encrypt_vault_id);
  if (!secret) return Report(secret.error());
  for (const auto& file : FilesOrStdin(state)) {
    auto plain = ReadInput(file);
    if (!plain) return Report(plain.error());
    if (IsVaulted(*plain)) return Report(Error{fmt::format("{} is already encrypted", file), {}, {}});
    auto sealed = Encrypt(*plain, *secret);
    if (!sealed) return Report(sealed.error());
    auto written = WriteOutput(state.output.empty() ? file : state.output, *sealed);
    if (!written) return Report(written.error());
  }
  fmt::print(stderr, "Encryption successful\n");
  return kExitOk;
}

int RunDecrypt(const VaultCommandState& state, bool view) {
  auto secrets = Secrets(state);
  if (!secrets) return Report(secrets.error());
  for (const auto& file : FilesOrStdin(state)) {
    auto text = ReadInput(file);
    if (!text) return Report(text.error());
    auto plain = Decrypt(*text, *secrets, file == "-" ? "stdin" : file);
    if (!plain) return Report(plain.error());
    std::string target = view ? "-" : (state.output.empty() ? file : state.output);
    auto written = WriteOutput(target, *plain);
    if (!written) return Report(written.error());
  }
  if (!view) fmt::print(stderr, "Decryption successful\n");
  return kExitOk;
}

int RunRekey(const VaultCommandState& state) {
  auto secrets = Secrets(state);
  if (!secrets) return Report(secrets.error());
  VaultOptions fresh;
  if (!state.new_password_file.empty()) {
    std::string label = state.new_vault_id.substr(0, state.new_vault_id.find('@'));
    fresh.ids.push_back((label.empty() ? "default" : label) + "@" + state.new_password_file);
  } else if (!state.new_vault_id.empty()) {
    fresh.ids.push_back(state.new_vault_id.find('@') == std::string::npos
                            ? state.new_vault_id + "@prompt"
                            : state.new_vault_id);
  } else {
    fresh.ids.push_back("default@prompt");
  }
  auto new_secrets = LoadVaultSecrets(fresh);
  if (!new_secrets) return Report(new_secrets.error());
  for (const auto& file : state.files) {
    auto text = ReadInput(file);
    if (!text) return Report(text.error());
    auto plain = Decrypt(*text, *secrets, file);
    if (!plain) return Report(plain.error());
    auto sealed = Encrypt(*plain, new_secrets->front());
    if (!sealed) return Report(sealed.error());
    if (auto w = WriteOutput(file, *sealed); !w) return Report(w.error());
  }
  fmt::print(stderr, "Rekey successful\n");
  return kExitOk;
}

std::string Indented(const std::string& name, const std::string& sealed) {
  std::string out = name.empty() ? "!vault |\n" : name + ": !vault |\n";
  std::stringstream lines(sealed);
  for (std::string line; std::getline(lines, line);) out += "          " + line + "\n";
  return out;
}

int RunEncryptString(const VaultCommandState& state) {
  auto secrets = Secrets(state);
  if (!secrets) return Report(secrets.error());
  auto secret = EncryptSecret(*secrets, state.encrypt_vault_id);
  if (!secret) return Report(secret.error());
  std::vector<std::pair<std::string, std::string>> items;  // name, plaintext
  for (size_t i = 0; i < state.files.size(); ++i) {
    std::string name = i < state.names.size() ? state.names[i] : "";
    if (state.files[i] == "-") {
      items.emplace_back(name, std::string(std::istreambuf_iterator<char>(std::cin), {}));
    } else {
      items.emplace_back(name, state.files[i]);
    }
  }
  if (!state.stdin_name.empty() || (items.empty() && !state.prompt)) {
    items.emplace_back(state.stdin_name,
                       std::string(std::istreambuf_iterator<char>(std::cin), {}));
  }
  if (state.prompt) {
    VaultOptions ask;
    ask.ids.push_back("String to encrypt@prompt");
    // Reuse the password prompt (echo off) for the string itself.
    auto typed = LoadVaultSecrets(ask);
    if (!typed) return Report(typed.error());
    items.emplace_back(state.names.empty() ? "" : state.names.front(), typed->front().password);
  }
  std::string out;
  for (const auto& [name, plain] : items) {
    auto sealed = Encrypt(plain, *secret);
    if (!sealed) return Report(sealed.error());
    out += Indented(name, *sealed);
  }
  auto written = WriteOutput(state.output.empty() ? "-" : state.output, out);
  if (!written) return Report(written.error());
  fmt::print(stderr, "Encryption successful\n");
  return kExitOk;
}

// The plaintext of `edit`/`create` lives only in this 0600 file inside a 0700
// directory; these paths let the signal handler remove them (issue 10).
char g_temp_file[4096];
char g_temp_dir[4096];

void RemoveTemp() {
  if (g_temp_file[0]) unlink(g_temp_file);
  if (g_temp_dir[0]) rmdir(g_temp_dir);
  g_temp_file[0] = g_temp_dir[0] = '\0';
}

extern "C" void OnFatalSignal(int sig) {
  RemoveTemp();
  signal(sig, SIG_DFL);
  raise(sig);
}

class PlaintextTemp {
 public:
  PlaintextTemp() {
    static const int kSignals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE};
    for (int s : kSignals) signal(s, OnFatalSignal);
  }
  ~PlaintextTemp() { RemoveTemp(); }

  Expected<std::string> Create(std::string_view content, const std::string& suffix) {
    const char* base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : nullptr;
    if (!base) base = std::getenv("TMPDIR") ? std::getenv("TMPDIR") : "/tmp";
    std::string dir = fmt::format("{}/tend-vault-XXXXXX", base);
    if (!mkdtemp(dir.data())) return Fail(fmt::format("cannot create a temp dir: {}", std::strerror(errno)));
    std::snprintf(g_temp_dir, sizeof g_temp_dir, "%s", dir.c_str());
    std::string file = dir + "/secret" + suffix;
    int fd = open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) return Fail(fmt::format("cannot create a temp file: {}", std::strerror(errno)));
    std::snprintf(g_temp_file, sizeof g_temp_file, "%s", file.c_str());
    bool ok = write(fd, content.data(), content.size()) == static_cast<ssize_t>(content.size());
    close(fd);
    if (!ok) return Fail("cannot write the temp file");
    return file;
  }
};

Expected<void> RunEditor(const std::string& file) {
  const char* editor = std::getenv("EDITOR");
  std::string command = fmt::format("{} \"$1\"", editor && *editor ? editor : "vi");
  pid_t pid = fork();
  if (pid == 0) {
    signal(SIGINT, SIG_DFL);
    execl("/bin/sh", "sh", "-c", command.c_str(), "sh", file.c_str(), nullptr);
    _exit(127);
  }
  if (pid < 0) return Fail(fmt::format("cannot start the editor: {}", std::strerror(errno)));
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return Fail(fmt::format("the editor ({}) failed; {} is unchanged", command, "the vault file"));
  }
  return {};
}

int RunEdit(const VaultCommandState& state, bool create) {
  if (state.files.size() != 1) {
    return Report(Error{"give exactly one file", {}, {}});
  }
  const std::string& file = state.files.front();
  if (create && std::filesystem::exists(file)) {
    return Report(Error{fmt::format("{} exists, use 'tend vault edit' instead", file), {}, {}});
  }
  auto secrets = Secrets(state);
  if (!secrets) return Report(secrets.error());
  std::string plain;
  VaultSecret secret;
  if (create) {
    auto s = EncryptSecret(*secrets, state.encrypt_vault_id);
    if (!s) return Report(s.error());
    secret = *s;
  } else {
    auto text = ReadInput(file);
    if (!text) return Report(text.error());
    auto decrypted = Decrypt(*text, *secrets, file);
    if (!decrypted) return Report(decrypted.error());
    plain = std::move(*decrypted);
    auto s = EncryptSecret(*secrets, state.encrypt_vault_id);
    secret = s ? *s : secrets->front();
  }
  PlaintextTemp temp;
  std::string suffix = std::filesystem::path(file).extension().string();
  auto path = temp.Create(plain, suffix);
  if (!path) return Report(path.error());
  if (auto edited = RunEditor(*path); !edited) return Report(edited.error());
  auto changed = ReadInput(*path);
  RemoveTemp();
  if (!changed) return Report(changed.error());
  if (!create && *changed == plain) return kExitOk;
  auto sealed = Encrypt(*changed, secret);
  if (!sealed) return Report(sealed.error());
  if (auto w = WriteOutput(file, *sealed); !w) return Report(w.error());
  return kExitOk;
}

CLI::App* AddAction(CLI::App& vault, const char* name, const char* summary,
                    VaultCommandState& state) {
  CLI::App* sub = vault.add_subcommand(name, summary);
  AddVaultOptions(*sub, state.vault);
  sub->add_option("--encrypt-vault-id", state.encrypt_vault_id,
                  "The vault id to encrypt with when several are given");
  return sub;
}

}  // namespace

CommandRunner SetupVaultCommand(CLI::App& vault) {
  auto state = std::make_shared<VaultCommandState>();
  vault.require_subcommand(1);
  auto* create = AddAction(vault, "create", "Create a new encrypted file in $EDITOR", *state);
  auto* encrypt = AddAction(vault, "encrypt", "Encrypt files in place (or to --output)", *state);
  auto* decrypt = AddAction(vault, "decrypt", "Decrypt files in place (or to --output)", *state);
  auto* view = AddAction(vault, "view", "Print decrypted files", *state);
  auto* edit = AddAction(vault, "edit", "Edit an encrypted file in $EDITOR", *state);
  auto* rekey = AddAction(vault, "rekey", "Re-encrypt files with a new password", *state);
  auto* encrypt_string =
      AddAction(vault, "encrypt_string", "Encrypt a string for a YAML variable", *state);
  for (CLI::App* sub : {create, encrypt, decrypt, view, edit, rekey, encrypt_string}) {
    sub->add_option("files", state->files, sub == encrypt_string ? "Strings" : "Files");
  }
  for (CLI::App* sub : {encrypt, decrypt, encrypt_string}) {
    sub->add_option("--output", state->output, "Write here instead ('-' for stdout)");
  }
  rekey->add_option("--new-vault-password-file", state->new_password_file, "The new password");
  rekey->add_option("--new-vault-id", state->new_vault_id, "The new vault id (label@source)");
  encrypt_string->add_option("-n,--name", state->names, "Variable names, one per string")
      ->allow_extra_args(false);
  encrypt_string->add_option("--stdin-name", state->stdin_name, "Name for a string read from stdin");
  encrypt_string->add_flag("-p,--prompt", state->prompt, "Prompt for the string");
  return [=]() -> int {
    if (create->parsed()) return RunEdit(*state, true);
    if (encrypt->parsed()) return RunEncrypt(*state);
    if (decrypt->parsed()) return RunDecrypt(*state, false);
    if (view->parsed()) return RunDecrypt(*state, true);
    if (edit->parsed()) return RunEdit(*state, false);
    if (rekey->parsed()) return RunRekey(*state);
    if (encrypt_string->parsed()) return RunEncryptString(*state);
    return kExitBadOptions;
  };
}

}  // namespace tend
