#include "controller/inventory/inventory.h"

#include <doctest/doctest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "controller/inventory/inventory_impl.h"
#include "controller/vault/run_program.h"

namespace tend {
namespace {

namespace fs = std::filesystem;

std::string Fixture(const std::string& rel) {
  const char* dir = std::getenv("TEND_SOURCE_DIR");
  return std::string(dir ? dir : ".") + "/tests/inventory/" + rel;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

struct TempDir {
  std::string path;
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "tend-inv-test-XXXXXX").string();
    path = mkdtemp(tmpl.data());
  }
  ~TempDir() { fs::remove_all(path); }
  std::string Write(const std::string& name, const std::string& text, bool exec = false) {
    fs::path p = fs::path(path) / name;
    fs::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << text;
    if (exec) fs::permissions(p, fs::perms(0755));
    return p.string();
  }
};

std::vector<std::string> g_warnings;

InventoryOptions Quiet() {
  InventoryOptions options;
  options.warn = [](const std::string& w) { g_warnings.push_back(w); };
  return options;
}

Inventory Load(const std::vector<std::string>& sources, InventoryOptions options = Quiet()) {
  auto inv = LoadInventory(sources, options);
  REQUIRE_MESSAGE(inv, inv.error().ToString());
  return std::move(*inv);
}

std::string PythonJson(const Json& value) {
  return nlohmann::json::parse(value.dump()).dump(4, ' ', false) + "\n";
}

std::string TendBinary() {
  const char* dir = std::getenv("TEND_BINARY_DIR");
  return fs::absolute(std::string(dir ? dir : "build") + "/controller/cli/tend").string();
}

bool HaveProgram(const std::string& name) {
  auto r = RunProgram({"/bin/sh", "-c", "command -v " + name}, std::chrono::seconds(5));
  return r && r->exit_code == 0;
}

std::vector<std::string> Hosts(const Inventory& inv, const std::string& pattern) {
  auto hosts = inv.Match(pattern);
  REQUIRE_MESSAGE(hosts, hosts.error().ToString());
  return *hosts;
}

using Names = std::vector<std::string>;

TEST_CASE("--list JSON equals checked-in ansible-inventory output") {
  struct Case {
    std::vector<std::string> sources;
    const char* expected;
  };
  const Case cases[] = {
      {{Fixture("ini/hosts")}, "expected/ini-list.json"},
      {{Fixture("yaml/hosts.yml")}, "expected/yaml-list.json"},
      {{Fixture("dir")}, "expected/dir-list.json"},
      {{Fixture("script/inventory.sh")}, "expected/script-list.json"},
      {{Fixture("terraform/terraform.tfstate")}, "expected/terraform-list.json"},
  };
  for (const auto& c : cases) {
    std::string what = c.expected;
    CAPTURE(what);
    Inventory inv = Load(c.sources);
    CHECK(PythonJson(inv.ListJson()) == ReadFile(Fixture(c.expected)));
  }
  Inventory ini = Load({Fixture("ini/hosts")});
  CHECK(ini.Graph("all", true).value() == ReadFile(Fixture("expected/ini-graph-vars.txt")));
}

TEST_CASE("patterns match like Ansible, in Ansible's order") {
  Inventory inv = Load({Fixture("ini/hosts")});
  struct Case {
    const char* pattern;
    Names want;
  };
  const Case cases[] = {
      {"db", {"db-a", "db-b", "lone1", "lone3", "lone5"}},
      {"prod:!web", {"lone1", "lone3", "lone5"}},
      {"web:&db", {"db-a", "db-b"}},
      {"web,db", {"web01.example.com", "web02.example.com", "web03.example.com", "db-a", "db-b",
                  "db-c", "alpha", "lone1", "lone3", "lone5"}},
      {"~db-[ab]", {"db-a", "db-b"}},
      {"lone*", {"lone1", "lone3", "lone5"}},
      {"db[0]", {"db-a"}},
      {"db[-1]", {"lone5"}},
      {"db[1:2]", {"db-b", "lone1"}},
      {"db[3:]", {"lone3", "lone5"}},
      {"!prod", {"solo.example.com", "fe80::1", "::2"}},
      {"ipv6", {"fe80::1", "::2"}},
      {"nomatch", {}},
      {"localhost", {"localhost"}},
  };
  for (const auto& c : cases) {
    std::string what = c.pattern;
    CAPTURE(what);
    CHECK(Hosts(inv, c.pattern) == c.want);
  }
  CHECK(Hosts(inv, "all").size() == 13);
  CHECK(Hosts(inv, "all").front() == "solo.example.com");
  CHECK(inv.Match("~[").error().message.starts_with("invalid host pattern '~['"));
}

TEST_CASE("a pattern matching nothing warns, naming it") {
  Inventory inv = Load({Fixture("ini/hosts")});
  g_warnings.clear();
  CHECK(Hosts(inv, "web:nosuch").size() == 7);
  REQUIRE(g_warnings.size() == 1);
  CHECK(g_warnings[0] == "Could not match supplied host pattern, ignoring: nosuch");
}

TEST_CASE("limit restricts matches, also from @file") {
  Inventory inv = Load({Fixture("ini/hosts")});
  REQUIRE(inv.Limit("db:!lone*"));
  CHECK(Hosts(inv, "all") == Names{"db-a", "db-b"});
  TempDir dir;
  std::string retry = dir.Write("site.retry", "alpha\ndb-c\n");
  REQUIRE(inv.Limit("@" + retry));
  CHECK(Hosts(inv, "web") == Names{"db-c", "alpha"});
  REQUIRE(inv.Limit(""));
  CHECK(Hosts(inv, "all").size() == 13);
  CHECK(inv.Limit("@/nonexistent/retry").error().message ==
        "cannot read limit file /nonexistent/retry: No such file or directory");
}

TEST_CASE("implicit localhost is not in all, and gets all's vars") {
  Inventory inv = Load({Fixture("ini/hosts")});
  CHECK(!inv.HasHost("localhost"));
  CHECK(Hosts(inv, "localhost") == Names{"localhost"});
  CHECK(std::find(inv.HostNames().begin(), inv.HostNames().end(), "localhost") == inv.HostNames().end());
  Json vars = inv.HostVars("localhost");
  CHECK(vars["ansible_connection"] == "local");
  CHECK(vars["global"] == 1);
  CHECK(inv.GroupNames("localhost").empty());
}

TEST_CASE("host vars layer groups by depth, priority and name; files beat inventory") {
  Inventory inv = Load({Fixture("dir")});
  Json web1 = inv.HostVars("web1");
  CHECK(web1["tier"] == "web1-own");       // host_vars/web1.yaml beats everything
  CHECK(web1["http_port"] == 8080);        // group_vars/web/20-more.json after 10-main.yml
  CHECK(web1["ntp"] == "ntp.internal");    // group_vars/all.yml
  CHECK(web1["ansible_host"] == "10.0.0.1");
  Json web2 = inv.HostVars("web2");
  CHECK(web2["tier"] == "web");            // web (depth 2) beats prod (depth 1)
  CHECK(web2["env"] == "production");      // group_vars/prod without extension
  CHECK(!web2.contains("ignored"));        // notes.txt is not a vars file
  Json db1 = inv.HostVars("db1");
  CHECK(db1["tier"] == "prod-from-file");  // group_vars/prod beats [prod:vars]
  CHECK(!inv.HasHost("should_not_appear"));  // .ini files are skipped in directories
  CHECK(inv.HasHost("db2"));                 // sub-directories are read

  TempDir play;
  play.Write("group_vars/web.yml", "tier: from-playbook\nplay_only: 1\n");
  play.Write("host_vars/db1.yml", "tier: db1-playbook\n");
  REQUIRE(inv.AddPlaybookVarsDir(play.path));
  CHECK(inv.HostVars("web2")["tier"] == "from-playbook");
  CHECK(inv.HostVars("web1")["tier"] == "web1-own");  // inventory host_vars beat playbook group_vars
  CHECK(inv.HostVars("db1")["tier"] == "db1-playbook");
}

TEST_CASE("ansible_group_priority orders groups of the same depth") {
  TempDir dir;
  std::string hosts = dir.Write("hosts", "[a]\nh\n[b]\nh\n[a:vars]\nx=from_a\nansible_group_priority=10\n[b:vars]\nx=from_b\n");
  Inventory inv = Load({hosts});
  CHECK(inv.HostVars("h")["x"] == "from_a");
  CHECK(!inv.HostVars("h").contains("ansible_group_priority"));
}

TEST_CASE("magic variables: group_names and groups") {
  Inventory inv = Load({Fixture("yaml/hosts.yml")});
  CHECK(inv.GroupNames("serve02") == Names{"gpu", "serving", "training"});
  CHECK(inv.GroupNames("bastion.example.com") == Names{"ungrouped"});
  Json groups = inv.GroupsJson();
  CHECK(groups["all"] == Json{"bastion.example.com", "mlflow1", "mlflow2", "serve01", "serve02", "loner"});
  CHECK(groups["training"] == Json{"serve02"});
  CHECK(groups["ungrouped"] == Json{"bastion.example.com"});
  CHECK(inv.HostVars("mlflow1")["mode"] == 493);     // YAML 1.1 octal
  CHECK(inv.HostVars("mlflow1")["quoted"] == "0755");
  CHECK(inv.HostVars("bastion.example.com")["ansible_port"] == 2222);
}

TEST_CASE("add_host and group_by at run time") {
  Inventory inv = Load({Fixture("ini/hosts")});
  inv.AddHost("new1", {"dynamic", "web"}, Json{{"k", "v"}});
  CHECK(inv.HasGroup("dynamic"));
  CHECK(Hosts(inv, "dynamic") == Names{"new1"});
  CHECK(inv.HostVars("new1")["k"] == "v");
  CHECK(inv.HostVars("new1")["ntp_server"] == "ntp.example.com");
  CHECK(inv.GroupNames("new1") == Names{"dynamic", "prod", "web"});
  REQUIRE(inv.AddGroup("os_Debian"));
  inv.AddHost("alpha", {"os_Debian"});
  CHECK(Hosts(inv, "os_Debian") == Names{"alpha"});
  REQUIRE(inv.AddGroup("child", "os_Debian"));
  CHECK(inv.FindGroup("child")->parents == Names{"os_Debian"});
}

TEST_CASE("several -i sources merge in order; host lists") {
  Inventory inv = Load({Fixture("ini/hosts"), Fixture("yaml/hosts.yml"), "extra1,extra2:2200,"});
  CHECK(inv.HasHost("alpha"));
  CHECK(inv.HasHost("mlflow2"));
  CHECK(inv.HostVars("extra2")["ansible_port"] == 2200);
  CHECK(Hosts(inv, "ungrouped").back() == "extra2");
}

TEST_CASE("scripts: _meta, --host fallback, bad JSON, failure, timeout") {
  Inventory with_meta = Load({Fixture("script/inventory.sh")});
  CHECK(with_meta.HostVars("w1")["ansible_host"] == "10.0.0.1");
  CHECK(with_meta.HostVars("w2")["env"] == "prod");
  Inventory no_meta = Load({Fixture("script/nometa.sh")});
  CHECK(no_meta.HostVars("a2")["which"] == "a2");

  TempDir dir;
  std::string failing = dir.Write("fail.sh", "#!/bin/sh\necho 'no cloud creds' >&2\nexit 3\n", true);
  auto r = LoadInventory({failing}, Quiet());
  REQUIRE(!r);
  CHECK(r.error().ToString() ==
        fmt::format("{0}: inventory script '{0} --list' exited with 3: no cloud creds", failing));
  auto bad = LoadInventory({Fixture("script/broken.sh")}, Quiet());
  REQUIRE(!bad);
  CHECK(bad.error().ToString().starts_with(fmt::format(
      "{0}: inventory script '{0} --list' printed invalid JSON: ", Fixture("script/broken.sh"))));
  std::string slow = dir.Write("slow.sh", "#!/bin/sh\nsleep 5\n", true);
  InventoryOptions options = Quiet();
  options.script_timeout = std::chrono::milliseconds(200);
  auto timed_out = LoadInventory({slow}, options);
  REQUIRE(!timed_out);
  CHECK(timed_out.error().ToString() ==
        fmt::format("{0}: inventory script failed: {1} did not finish within 0.2 seconds", slow,
                    fs::absolute(slow).string()));
}

TEST_CASE("located errors for bad inventories") {
  TempDir dir;
  struct Case {
    const char* name;
    const char* text;
    const char* want;  // after "<path>:"
  };
  const Case cases[] = {
      {"bad-var", "[web]\nh1 novalue\n", "2: expected key=value host variable assignment, got: novalue"},
      {"bad-section", "[web servers]\nh1\n",
       "1: invalid section entry: '[web servers]'; make sure there are no spaces or other invalid "
       "characters in it"},
      {"unclosed-section", "[nodes\nh1\n",
       "1: invalid section entry: '[nodes'; make sure there are no spaces or other invalid "
       "characters in it"},
      {"bad-type", "[web:hosts2]\n", "1: section [web:hosts2] has unknown type: hosts2"},
      {"bad-groupvar", "[web:vars]\nnovalue\n", "2: expected key=value, got: novalue"},
      {"undefined-vars", "[ghost:vars]\nx=1\n", "1: section [ghost:vars] is not valid for undefined group: ghost"},
      {"undefined-child", "[p:children]\nghost\n", "2: section [p:children] includes undefined group: ghost"},
      {"cycle", "[a:children]\nb\n[b:children]\na\n",
       "4: adding group 'a' as a child of 'b' makes 'b' its own ancestor"},
      {"all-child", "[web]\nh1\n[prod:children]\nall\nweb\n",
       "4: Adding group 'prod' as child to 'all' creates a recursive dependency loop."},
      {"bad-range", "[web]\nweb[01:100]\n",
       "2: invalid host pattern 'web[01:100]': host range must specify equal-length begin and end formats"},
      {"bad-quote", "[web]\nh1 x='open\n", "2: cannot parse host line 'h1 x='open': No closing quotation"},
      {"bad.yml", "all:\n  hosts: [a, b\n", "3:1: YAML syntax error: end of sequence flow not found"},
      {"self.yml", "all:\n  children:\n    a:\n      children:\n        a: {}\n",
       "5:12: group 'a' cannot be a child of itself"},
  };
  for (const auto& c : cases) {
    std::string what = c.name;
    CAPTURE(what);
    std::string path = dir.Write(c.name, c.text);
    auto r = LoadInventory({path}, Quiet());
    REQUIRE(!r);
    std::string text = r.error().ToString();
    CHECK(text.substr(0, text.find('\n')) == path + ":" + c.want);
  }
  dir.Write("inv/hosts", "[web]\nh1\n");
  std::string unreadable = dir.Write("inv/group_vars/web.yml", "x: 1\n");
  fs::permissions(unreadable, fs::perms::none);
  if (getuid() != 0) {
    auto r = LoadInventory({dir.path + "/inv/hosts"}, Quiet());
    REQUIRE(!r);
    CHECK(r.error().ToString() ==
          fmt::format("{0}: cannot read {0}: Permission denied", unreadable));
  }
  fs::permissions(unreadable, fs::perms(0644));
  fs::remove(unreadable);
  fs::create_symlink(dir.path + "/nowhere.yml", unreadable);  // unreadable even for root
  auto dangling = LoadInventory({dir.path + "/inv/hosts"}, Quiet());
  REQUIRE(!dangling);
  CHECK(dangling.error().ToString() ==
        fmt::format("{0}: cannot read {0}: No such file or directory", unreadable));
  fs::remove(unreadable);
  dir.Write("inv/group_vars/web.yml", "- not\n- a mapping\n");
  auto r = LoadInventory({dir.path + "/inv/hosts"}, Quiet());
  REQUIRE(!r);
  CHECK(r.error().ToString() ==
        fmt::format("{}:1: a vars file must hold a mapping of variable names to values", unreadable));
  CHECK(LoadInventory({dir.path + "/missing"}, Quiet()).error().ToString() ==
        fmt::format("inventory source {}/missing does not exist", dir.path));
}

TEST_CASE("vaulted group_vars decrypt with secrets and are redacted, else fail clearly") {
  VaultSecrets secrets{{"default", "secret"}};
  InventoryOptions options = Quiet();
  options.secrets = &secrets;
  Inventory inv = Load({Fixture("vaulted/hosts")}, options);
  CHECK(inv.HostVars("db1")["db_password"] == "s3cret-db");
  CHECK(inv.HostVars("db1")["api_token"] == "tok-123");
  CHECK(SecretRegistry::Global().Redact(std::string("pw=s3cret-db")) == "pw=********");
  auto locked = LoadInventory({Fixture("vaulted/hosts")}, Quiet());
  REQUIRE(!locked);
  CHECK(locked.error().ToString().ends_with(
      "group_vars/db/vault.yml is vault encrypted (use "
      "--vault-password-file, --vault-id or --ask-vault-pass)"));
}

TEST_CASE("terraform state: clouds, provider resources, outputs") {
  Inventory inv = Load({Fixture("terraform/terraform.tfstate")});
  CHECK(inv.HostVars("train-0")["ansible_host"] == "10.0.0.2");
  CHECK(inv.HostVars("tracking-1")["ansible_host"] == "10.0.1.5");
  CHECK(inv.HostVars("edge-1")["ansible_host"] == "5.6.7.8");
  CHECK(Hosts(inv, "role_tracking") == Names{"tracking-1"});
  CHECK(Hosts(inv, "ml") == Names{"train-0", "tracking-1"});
  CHECK(inv.HostVars("db-1")["ansible_user"] == "postgres");
  CHECK(Hosts(inv, "batch") == Names{"batch01"});
  CHECK(inv.HostVars("vpn01")["ansible_host"] == "192.0.2.10");
  CHECK(!inv.HasHost("not-a-host"));
  InventoryOptions public_ip = Quiet();
  public_ip.terraform_public_ip = true;
  CHECK(Load({Fixture("terraform/terraform.tfstate")}, public_ip).HostVars("train-0")["ansible_host"] == "34.1.2.3");
}

TEST_CASE("terraform end to end with the real binary and terraform_data") {
  if (!HaveProgram("terraform")) {
    MESSAGE("skipped: terraform is not installed");
    return;
  }
  TempDir dir;
  dir.Write("main.tf", R"(resource "terraform_data" "node" {
  input = { name = "train01", ip = "10.1.0.5" }
}
output "hosts" {
  value = [{ name = terraform_data.node.output.name, ip = terraform_data.node.output.ip, groups = ["training"] }]
}
output "tracking" {
  value = { "track01" = "10.1.0.6" }
}
)");
  auto run = RunProgram({"/bin/sh", "-c",
                         "cd \"$1\" && terraform init -input=false >/dev/null 2>&1 && terraform "
                         "apply -auto-approve -input=false >/dev/null 2>&1",
                         "sh", dir.path},
                        std::chrono::seconds(120));
  if (!run || run->exit_code != 0) {
    MESSAGE("skipped: terraform init/apply failed here (offline?)");
    return;
  }
  Inventory from_dir = Load({dir.path});
  CHECK(Hosts(from_dir, "training") == Names{"train01"});
  CHECK(from_dir.HostVars("track01")["ansible_host"] == "10.1.0.6");
  // Without a local state file the project is read through `terraform show -json`.
  auto show = RunProgram({"/bin/sh", "-c", "cd \"$1\" && terraform show -json > show.json", "sh", dir.path},
                         std::chrono::seconds(60));
  REQUIRE(show);
  auto state = Json::parse(ReadFile(dir.path + "/show.json"));
  Inventory shown;
  REQUIRE(ParseTerraformState(state, "show.json", shown.impl()));
  shown.impl().Reconcile();
  CHECK(Hosts(shown, "training") == Names{"train01"});
}

TEST_CASE("tend inventory matches Debian's ansible-inventory on every fixture") {
  if (!HaveProgram("ansible-inventory")) {
    MESSAGE("skipped: ansible-inventory is not installed");
    return;
  }
  if (!fs::exists(TendBinary())) {
    MESSAGE("skipped: tend binary not built at " << TendBinary());
    return;
  }
  const char* sources[] = {"ini/hosts", "yaml/hosts.yml", "dir", "script/inventory.sh",
                           "script/nometa.sh", "a,b:2222,c"};
  for (const char* s : sources) {
    std::string src = std::string(s).find(',') != std::string::npos ? s : Fixture(s);
    for (const char* mode : {"--list", "--graph --vars", "--graph prod"}) {
      std::string what = std::string(s) + " " + mode;
      CAPTURE(what);
      auto theirs = RunProgram({"/bin/sh", "-c", fmt::format("ansible-inventory -i '{}' {} 2>/dev/null", src, mode)},
                               std::chrono::seconds(60));
      auto ours = RunProgram({"/bin/sh", "-c", fmt::format("'{}' inventory -i '{}' {} 2>/dev/null", TendBinary(), src, mode)},
                             std::chrono::seconds(60));
      REQUIRE(theirs);
      REQUIRE(ours);
      CHECK((ours->exit_code == 0) == (theirs->exit_code == 0));
      if (theirs->exit_code == 0) CHECK(ours->out == theirs->out);
    }
  }
  for (const char* pattern : {"all", "prod:!db", "web:&db", "~db-[ab]", "web[1:2]", "!db", "nosuch"}) {
    std::string what = pattern;
    CAPTURE(what);
    std::string ini = Fixture("ini/hosts");
    auto theirs = RunProgram({"/bin/sh", "-c", fmt::format("ansible '{}' -i '{}' --list-hosts 2>&1", pattern, ini)},
                             std::chrono::seconds(60));
    auto ours = RunProgram({"/bin/sh", "-c", fmt::format("'{}' inventory -i '{}' --list-hosts '{}' 2>&1", TendBinary(), ini, pattern)},
                           std::chrono::seconds(60));
    REQUIRE(theirs);
    REQUIRE(ours);
    CHECK(ours->out == theirs->out);
  }
}

}  // namespace
TEST_CASE("an INI inventory that is not UTF-8 is a located error, not a crash in --list") {
  // The input fuzz_ini_inventory found: --list threw nlohmann's type_error 316.
  Inventory inventory;
  auto r = ParseIniInventory("[ignored]\nsho\x89uld_notrep_aap\n", "hosts", inventory.impl());
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().ToString() ==
        "hosts:2:4: invalid UTF-8 (byte 0x89); inventory files must be UTF-8");
}

// Found by fuzz_ini_inventory: std::stoi/stol threw out of tend on numbers
// past their range, in an IPv6 host's port and in a pattern's index.
TEST_CASE("ports and pattern indexes past the integer range are no crash") {
  Inventory bad_port;
  auto r = ParseIniInventory("[ipv6]\n[fe80::1]:22666666666666666666666\n", "hosts",
                             bad_port.impl());
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().ToString().starts_with(
      "hosts:2: invalid host pattern '[fe80::1]:22666666666666666666666'"));

  Inventory inventory;
  REQUIRE(ParseIniInventory("[ipv6]\n[fe80::1]:22\nh2\n", "hosts", inventory.impl()));
  inventory.impl().Reconcile();
  CHECK(inventory.Match("ipv6")->size() == 2);
  CHECK(inventory.Match("ipv6[99999999999999999999]")->empty());
  CHECK(inventory.Match("ipv6[-99999999999999999999]")->empty());
  CHECK(inventory.Match("ipv6[0:99999999999999999999]")->size() == 2);
}

}  // namespace tend
