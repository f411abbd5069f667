#include "controller/vault/vault.h"

#include <doctest/doctest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <fmt/format.h>

#include "controller/vault/run_program.h"

namespace tend {
namespace {

namespace fs = std::filesystem;

const VaultSecrets kSecret = {{"default", "secret"}};

std::string SourceDir() {
  const char* dir = std::getenv("TEND_SOURCE_DIR");
  return dir ? dir : ".";
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

void WriteFile(const std::string& path, const std::string& text, fs::perms perms = fs::perms(0644)) {
  std::ofstream(path, std::ios::binary) << text;
  fs::permissions(path, perms);
}

struct TempDir {
  std::string path;
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "tend-vault-test-XXXXXX").string();
    path = mkdtemp(tmpl.data());
  }
  ~TempDir() { fs::remove_all(path); }
  std::string operator/(const std::string& name) const { return path + "/" + name; }
};

std::string TendBinary() {
  const char* dir = std::getenv("TEND_BINARY_DIR");
  return fs::absolute(std::string(dir ? dir : "build") + "/controller/cli/tend").string();
}

bool HaveProgram(const std::string& name) {
  auto r = RunProgram({"/bin/sh", "-c", "command -v " + name}, std::chrono::seconds(5));
  return r && r->exit_code == 0;
}

ProgramOutput Sh(const std::string& script) {
  auto r = RunProgram({"/bin/sh", "-c", script}, std::chrono::seconds(60));
  REQUIRE(r);
  return *r;
}

TEST_CASE("encrypt then decrypt round-trips, 1.1 and 1.2") {
  for (std::string id : {"default", "prod"}) {
    auto sealed = Encrypt("db_password: s3cret\n", {id, "pw"});
    REQUIRE(sealed);
    CHECK(IsVaulted(*sealed));
    CHECK(sealed->starts_with(id == "default" ? "$ANSIBLE_VAULT;1.1;AES256\n"
                                              : "$ANSIBLE_VAULT;1.2;AES256;prod\n"));
    std::stringstream lines(*sealed);
    std::string line;
    std::getline(lines, line);
    while (std::getline(lines, line)) CHECK(line.size() <= 80);
    auto plain = Decrypt(*sealed, {{"other", "nope"}, {id, "pw"}}, "x.yml");
    REQUIRE(plain);
    CHECK(*plain == "db_password: s3cret\n");
  }
}

TEST_CASE("files written by ansible-vault decrypt") {
  for (const char* name : {"ansible_1.1.yml", "ansible_1.2.yml"}) {
    std::string path = SourceDir() + "/tests/vault/" + name;
    auto plain = Decrypt(ReadFile(path), kSecret, path);
    REQUIRE_MESSAGE(plain, plain.error().ToString());
    CHECK(*plain == "db_password: s3cret\n");
  }
}

TEST_CASE("an empty plaintext and a block-sized one round-trip") {
  for (std::string text : {std::string(), std::string(16, 'a'), std::string(1000, '\n')}) {
    auto sealed = Encrypt(text, {"default", "pw"});
    REQUIRE(sealed);
    CHECK(Decrypt(*sealed, {{"default", "pw"}}, "t").value() == text);
  }
}

TEST_CASE("bad input gives exact errors") {
  std::string sealed = Encrypt("hello", {"default", "right"}).value();
  SUBCASE("wrong password") {
    auto r = Decrypt(sealed, {{"default", "wrong"}}, "group_vars/all/vault.yml");
    REQUIRE(!r);
    CHECK(r.error().ToString() ==
          "decryption failed (wrong vault password?) on group_vars/all/vault.yml");
  }
  SUBCASE("tampered ciphertext fails the MAC, never garbage") {
    // Flip the low nibble of the last outer hex pair: the inner character
    // stays a valid hex digit ('0'-'9' or 'a'-'f'), so only the MAC can tell.
    std::string tampered = sealed;
    size_t at = tampered.find_last_not_of('\n');
    tampered[at] = tampered[at] == '3' ? '4' : '3';
    auto r = Decrypt(tampered, {{"default", "right"}}, "f");
    REQUIRE(!r);
    CHECK(r.error().ToString() == "decryption failed (wrong vault password?) on f");
  }
  SUBCASE("truncated") {
    std::string truncated = sealed.substr(0, 100);
    auto r = Decrypt(truncated, {{"default", "right"}}, "f.yml");
    REQUIRE(!r);
    CHECK(r.error().ToString() ==
          "vault format error in f.yml: the body has fewer than 3 parts (truncated?)");
  }
  SUBCASE("odd hex") {
    auto r = Decrypt("$ANSIBLE_VAULT;1.1;AES256\n616", {{"default", "right"}}, "f.yml");
    REQUIRE(!r);
    CHECK(r.error().ToString() ==
          "vault format error in f.yml: the body is not hex-encoded (truncated?)");
  }
  SUBCASE("not a vault file") {
    auto r = Decrypt("a: 1\n", {{"default", "right"}}, "plain.yml");
    REQUIRE(!r);
    CHECK(r.error().ToString() == "plain.yml is not vault encrypted data");
  }
  SUBCASE("no password") {
    auto r = Decrypt(sealed, {}, "v.yml");
    REQUIRE(!r);
    CHECK(r.error().ToString() ==
          "Attempting to decrypt but no vault secrets found: v.yml is vault encrypted (use "
          "--vault-password-file, --vault-id or --ask-vault-pass)");
  }
  SUBCASE("unknown cipher") {
    auto r = Decrypt("$ANSIBLE_VAULT;1.1;DES\n00", {{"default", "right"}}, "v.yml");
    REQUIRE(!r);
    CHECK(r.error().ToString() == "DES cipher could not be found (v.yml)");
  }
}

TEST_CASE("password sources: file, executable, client script, missing") {
  TempDir dir;
  WriteFile(dir / "pw", "  secret \n");
  WriteFile(dir / "pw.sh", "#!/bin/sh\necho secret\n", fs::perms(0755));
  WriteFile(dir / "my-client.sh", "#!/bin/sh\n[ \"$1 $2\" = \"--vault-id prod\" ] && echo secret\n",
            fs::perms(0755));
  WriteFile(dir / "empty", "\n");
  VaultOptions options;
  options.password_files = {dir / "pw", dir / "pw.sh"};
  options.ids = {"prod@" + (dir / "my-client.sh")};
  auto secrets = LoadVaultSecrets(options);
  REQUIRE_MESSAGE(secrets, secrets.error().ToString());
  REQUIRE(secrets->size() == 3);
  CHECK((*secrets)[0].id == "prod");
  for (const auto& s : *secrets) CHECK(s.password == "secret");

  VaultOptions missing;
  missing.password_files = {dir / "nope"};
  CHECK(LoadVaultSecrets(missing).error().ToString() ==
        fmt::format("the vault password file {} was not found", dir / "nope"));
  VaultOptions empty;
  empty.password_files = {dir / "empty"};
  CHECK(LoadVaultSecrets(empty).error().ToString() ==
        fmt::format("invalid vault password: {} gave an empty one", dir / "empty"));
}

TEST_CASE("!vault values inside a tree decrypt and register for redaction") {
  SecretRegistry::Global().ClearForTesting();
  Json tree = {{"user", "app"},
               {"list", {Json{{"__ansible_vault", Encrypt("hunter22", {"default", "secret"}).value()}}}}};
  REQUIRE(DecryptVaultValues(tree, kSecret, "vars.yml"));
  CHECK(tree["list"][0] == "hunter22");
  CHECK(SecretRegistry::Global().Redact(std::string("password is hunter22!")) == "password is ********!");
  CHECK(SecretRegistry::Global().RedactJson(Json{{"k", "hunter22"}}) == Json{{"k", "********"}});
  Json locked = {{"x", {{"__ansible_vault", "$ANSIBLE_VAULT;1.1;AES256\nzz"}}}};
  CHECK(!DecryptVaultValues(locked, kSecret, "vars.yml"));
  SecretRegistry::Global().ClearForTesting();
}

TEST_CASE("redaction hides longest secrets first and lines of multi-line ones") {
  SecretRegistry registry;
  registry.Add("abc");
  registry.Add("abcdef");
  registry.Add("-----BEGIN KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END KEY-----\n");
  CHECK(registry.Redact(std::string("x abcdef y abc")) == "x ******** y ********");
  CHECK(registry.Redact(std::string("line MIIEvQIBADANBgkqhkiG9w0BAQEFAASC")) == "line ********");
  CHECK(registry.Redact(std::string("nothing here")) == "nothing here");
}

// Interoperability with Debian's ansible-vault, both ways (issue 10).
TEST_CASE("interop with ansible-vault") {
  if (!HaveProgram("ansible-vault")) {
    MESSAGE("skipped: ansible-vault is not installed");
    return;
  }
  if (!fs::exists(TendBinary())) {
    MESSAGE("skipped: tend binary not built at " << TendBinary());
    return;
  }
  TempDir dir;
  WriteFile(dir / "pw", "secret\n");
  WriteFile(dir / "a.yml", "answer: 42\n");
  std::string tend = TendBinary();
  std::string pw = dir / "pw";

  SUBCASE("tend encrypts, ansible-vault decrypts (1.1 and 1.2)") {
    for (std::string id_opt : {"--vault-password-file " + pw, "--vault-id prod@" + pw}) {
      auto r = Sh(fmt::format("{} vault encrypt {} --output {} {} && ansible-vault view {} {}",
                              tend, id_opt, dir / "enc.yml", dir / "a.yml", id_opt,
                              dir / "enc.yml"));
      CHECK_MESSAGE(r.exit_code == 0, r.err);
      CHECK(r.out == "answer: 42\n");
    }
  }
  SUBCASE("ansible-vault encrypts, tend decrypts (1.1 and 1.2)") {
    for (std::string id_opt : {"--vault-password-file " + pw, "--vault-id prod@" + pw}) {
      auto r = Sh(fmt::format(
          "ansible-vault encrypt {} --output {} {} 2>/dev/null && {} vault view {} {}", id_opt,
          dir / "enc.yml", dir / "a.yml", tend, id_opt, dir / "enc.yml"));
      CHECK_MESSAGE(r.exit_code == 0, r.err);
      CHECK(r.out == "answer: 42\n");
    }
  }
  SUBCASE("tend encrypt_string works in an ansible playbook") {
    if (!HaveProgram("ansible-playbook")) return;
    auto r = Sh(fmt::format(
        "cd {0} && {1} vault encrypt_string --vault-password-file pw -n db_password 'p@ss w0rd' "
        "> vars.yml && printf -- '- hosts: localhost\\n  gather_facts: false\\n  vars_files: "
        "[vars.yml]\\n  tasks:\\n    - assert: {{that: \"db_password == \\x27p@ss w0rd\\x27\"}}\\n' "
        "> play.yml && ansible-playbook -i localhost, -c local --vault-password-file pw play.yml",
        dir.path, tend));
    CHECK_MESSAGE(r.exit_code == 0, (r.out + r.err));
  }
  SUBCASE("ansible encrypt_string decrypts in tend") {
    auto r = Sh(fmt::format(
        "ansible-vault encrypt_string --vault-password-file {} 'top secret' 2>/dev/null "
        "| tail -n +2 | sed 's/^ *//' > {} && {} vault view --vault-password-file {} {}",
        pw, dir / "s.txt", tend, pw, dir / "s.txt"));
    CHECK_MESSAGE(r.exit_code == 0, r.err);
    CHECK(r.out == "top secret");
  }
}

TEST_CASE("tend vault commands: errors, no partial output, rekey") {
  if (!fs::exists(TendBinary())) {
    MESSAGE("skipped: tend binary not built at " << TendBinary());
    return;
  }
  TempDir dir;
  std::string tend = TendBinary();
  WriteFile(dir / "pw", "secret\n");
  WriteFile(dir / "pw2", "other\n");
  WriteFile(dir / "a.yml", "x: 1\n");
  auto r = Sh(fmt::format("cd {} && {} vault encrypt --vault-password-file pw a.yml", dir.path, tend));
  CHECK(r.exit_code == 0);
  CHECK(r.err == "Encryption successful\n");
  std::string sealed = ReadFile(dir / "a.yml");
  CHECK(IsVaulted(sealed));

  r = Sh(fmt::format("cd {} && {} vault decrypt --vault-password-file pw2 --output out.yml a.yml",
                     dir.path, tend));
  CHECK(r.exit_code == 1);
  CHECK(r.err == "tend vault: decryption failed (wrong vault password?) on a.yml\n");
  CHECK(!fs::exists(dir / "out.yml"));
  CHECK(ReadFile(dir / "a.yml") == sealed);

  r = Sh(fmt::format("cd {} && {} vault decrypt --output out.yml a.yml </dev/null", dir.path, tend));
  CHECK(r.exit_code == 1);
  CHECK(r.err ==
        "tend vault: no vault password given (use --vault-password-file, --vault-id or "
        "--ask-vault-pass)\n");

  r = Sh(fmt::format("cd {} && {} vault view --vault-password-file pw pw", dir.path, tend));
  CHECK(r.exit_code == 1);
  CHECK(r.err == "tend vault: pw is not vault encrypted data\n");

  r = Sh(fmt::format("cd {0} && {1} vault rekey --vault-password-file pw "
                     "--new-vault-password-file pw2 a.yml && {1} vault view "
                     "--vault-password-file pw2 a.yml",
                     dir.path, tend));
  CHECK(r.exit_code == 0);
  CHECK(r.out == "x: 1\n");
  for (const auto& entry : fs::directory_iterator(dir.path)) {
    CHECK(entry.path().filename().string().find(".tend-") == std::string::npos);
  }
}

TEST_CASE("edit keeps plaintext in a 0600 temp file that is removed, also on a signal") {
  if (!fs::exists(TendBinary())) {
    MESSAGE("skipped: tend binary not built at " << TendBinary());
    return;
  }
  TempDir dir;
  std::string tend = TendBinary();
  WriteFile(dir / "pw", "secret\n");
  WriteFile(dir / "v.yml", Encrypt("a: 1\n", {"default", "secret"}).value());
  // The editor records the temp file's path and mode, then appends a line.
  WriteFile(dir / "editor", fmt::format("#!/bin/sh\necho \"$1\" > {0}/seen\nstat -c %a \"$1\" >> "
                                        "{0}/seen\necho 'b: 2' >> \"$1\"\n",
                                        dir.path),
            fs::perms(0755));
  auto r = Sh(fmt::format("cd {0} && EDITOR={0}/editor {1} vault edit --vault-password-file pw "
                          "v.yml && {1} vault view --vault-password-file pw v.yml",
                          dir.path, tend));
  CHECK_MESSAGE(r.exit_code == 0, r.err);
  CHECK(r.out == "a: 1\nb: 2\n");
  std::stringstream seen(ReadFile(dir / "seen"));
  std::string temp, mode;
  std::getline(seen, temp);
  std::getline(seen, mode);
  CHECK(mode == "600");
  CHECK(!fs::exists(temp));
  CHECK(!fs::exists(fs::path(temp).parent_path()));

  // Now the editor hangs and tend gets SIGTERM: the temp file must still go.
  WriteFile(dir / "editor", fmt::format("#!/bin/sh\necho \"$1\" > {0}/seen2\nsleep 3\n", dir.path),
            fs::perms(0755));
  pid_t pid = fork();
  if (pid == 0) {
    setenv("EDITOR", (dir / "editor").c_str(), 1);
    execl(tend.c_str(), tend.c_str(), "vault", "edit", "--vault-password-file",
          (dir / "pw").c_str(), (dir / "v.yml").c_str(), nullptr);
    _exit(127);
  }
  for (int i = 0; i < 100 && !fs::exists(dir / "seen2"); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  std::string temp2 = ReadFile(dir / "seen2");
  temp2.erase(temp2.find_last_not_of('\n') + 1);
  REQUIRE(!temp2.empty());
  CHECK(fs::exists(temp2));
  kill(pid, SIGTERM);
  int status = 0;
  waitpid(pid, &status, 0);
  CHECK(WIFSIGNALED(status));
  CHECK(!fs::exists(temp2));
}

}  // namespace
}  // namespace tend
