#include "controller/playbook/executor.h"

#include <doctest/doctest.h>

#include <cstdio>

#include "controller/connection/fake_session.h"
#include "controller/playbook/fake_templar.h"
#include "controller/playbook/test_files.h"

namespace tend {
namespace {

// Hosts h1..hN in group `web`, plus whatever add_host/group_by add.
class FakeCatalog : public HostCatalog {
 public:
  explicit FakeCatalog(std::vector<std::string> hosts) : hosts_(std::move(hosts)) {
    for (const auto& h : hosts_) groups_["web"].push_back(h);
  }
  Expected<std::vector<std::string>> Match(const std::string& pattern) override {
    if (pattern == "all" || pattern == "web") return hosts_;
    if (groups_.contains(pattern)) return groups_[pattern];
    for (const auto& h : hosts_) {
      if (h == pattern) return std::vector<std::string>{h};
    }
    return std::vector<std::string>{};
  }
  Json HostVars(const std::string& host) override {
    return vars.contains(host) ? vars[host] : Json::object();
  }
  std::vector<std::string> GroupNames(const std::string& host) override {
    std::vector<std::string> out;
    for (const auto& [g, members] : groups_) {
      if (std::find(members.begin(), members.end(), host) != members.end()) out.push_back(g);
    }
    return out;
  }
  Json GroupsJson() override {
    Json out = {{"all", hosts_}};
    for (const auto& [g, members] : groups_) out[g] = members;
    return out;
  }
  std::vector<std::string> AllHosts() override { return hosts_; }
  void AddHost(const std::string& host, const std::vector<std::string>& groups,
               const Json&) override {
    if (std::find(hosts_.begin(), hosts_.end(), host) == hosts_.end()) hosts_.push_back(host);
    for (const auto& g : groups) groups_[g].push_back(host);
  }
  std::string InventoryDir() override { return "/inv"; }

  Json vars = Json::object();

 private:
  std::vector<std::string> hosts_;
  std::map<std::string, std::vector<std::string>> groups_;
};

// Modules answer from their arguments: `command: fail` fails, `command: change`
// changes, `command: flaky` fails twice then succeeds.
Json Answer(const HostTarget& target, const ModuleCall& call) {
  std::string cmd = call.args.value("_raw_params", "");
  if (call.module == "setup") {
    return Json{
        {"ansible_facts", {{"ansible_hostname", target.name}, {"ansible_os_family", "Debian"}}}};
  }
  if (cmd == "fail" || cmd == "fail " + target.name) {
    return Json{{"changed", false}, {"failed", true}, {"msg", "boom"}, {"rc", 1}};
  }
  if (cmd == "change" || cmd == "change " + target.name) {
    return Json{{"changed", true}, {"rc", 0}, {"stdout", "did it"}};
  }
  if (cmd == "facts") {
    return Json{{"changed", false}, {"ansible_facts", {{"services", {{"ssh.service", {{"state", "running"}}}}}}}};
  }
  if (cmd == "become_password") {
    return Json{{"changed", false}, {"rc", 0}, {"stdout", target.become.password.value_or("")}};
  }
  if (cmd == "flaky") {
    static std::map<std::string, int> tries;
    return Json{{"changed", false}, {"rc", ++tries[target.name] >= 3 ? 0 : 1}};
  }
  return Json{{"changed", false}, {"rc", 0}, {"stdout", cmd}};
}

struct RunOutput {
  std::string text;
  RunSummary summary;
  std::vector<ModuleCall> calls;
};

// How RunPlaybook prints: Ansible's human output at a verbosity, or JSON lines.
struct OutputStyle {
  bool json = false;
  int verbosity = 0;
};

RunOutput RunPlaybook(const std::string& yaml, std::vector<std::string> hosts = {"h1", "h2"},
                      ExecOptions options = {}, FakeCatalog* catalog_in = nullptr,
                      std::map<std::string, std::string> unreachable = {},
                      OutputStyle style = {},
                      const std::map<std::string, std::string>& files = {}) {
  TestDir dir;
  dir.Write("site.yml", yaml);
  for (const auto& [name, text] : files) dir.Write(name, text);
  PlaybookLoader loader;
  auto book = loader.Load(dir.Path("site.yml"));
  REQUIRE_MESSAGE(book.has_value(), book.error().ToString());
  FakeCatalog local(hosts);
  FakeCatalog& catalog = catalog_in ? *catalog_in : local;
  FakeSessionFactory sessions(Answer);
  sessions.unreachable = unreachable;
  char* buffer = nullptr;
  size_t size = 0;
  std::FILE* out = open_memstream(&buffer, &size);
  RunOutput result;
  {
    HumanReporter human(out, HumanOptions{.verbosity = style.verbosity});
    JsonReporter json(out);
    Reporter& reporter = style.json ? static_cast<Reporter&>(json) : human;
    options.forks = options.forks == 50 ? 1 : options.forks;  // deterministic output order
    Executor executor(catalog, sessions, reporter, loader, FakeTemplarFactory(), options);
    result.summary = executor.Run(*book);
  }
  std::fclose(out);
  result.text.assign(buffer, size);
  std::free(buffer);
  result.calls = sessions.calls;
  return result;
}

TEST_CASE("linear output matches Ansible's default callback") {
  auto out = RunPlaybook(R"(- name: Demo
  hosts: all
  gather_facts: false
  tasks:
    - name: Say hi
      debug: msg="hi {{ inventory_hostname }}"
    - name: Change one
      command: change h2
    - name: Skip on h1
      command: ls
      when: inventory_hostname == 'h2'
)");
  CHECK(out.text == R"(
PLAY [Demo] ********************************************************************

TASK [Say hi] ******************************************************************
ok: [h1] => {
    "msg": "hi h1"
}
ok: [h2] => {
    "msg": "hi h2"
}

TASK [Change one] **************************************************************
ok: [h1]
changed: [h2]

TASK [Skip on h1] **************************************************************
skipping: [h1]
ok: [h2]

PLAY RECAP *********************************************************************
h1                         : ok=2    changed=0    unreachable=0    failed=0    skipped=1    rescued=0    ignored=0   
h2                         : ok=3    changed=1    unreachable=0    failed=0    skipped=0    rescued=0    ignored=0   

)");
  CHECK_FALSE(out.summary.any_failed);
}

TEST_CASE("play hosts and name are templates over extra vars and play vars") {
  ExecOptions options;
  options.extra_vars = Json{{"target", "h2"}};
  auto out = RunPlaybook(R"(- name: "Configure {{ target }} as {{ role }}"
  hosts: "{{ target }}"
  gather_facts: false
  vars:
    role: worker
  tasks:
    - command: change
)",
                         {"h1", "h2"}, options);
  CHECK(out.text.find("PLAY [Configure h2 as worker]") != std::string::npos);
  CHECK(out.text.find("changed: [h2]") != std::string::npos);
  CHECK(out.text.find("[h1]") == std::string::npos);
}

TEST_CASE("copy writes dict or list content as Python's json.dumps, like Ansible's copy action") {
  auto out = RunPlaybook(R"(- hosts: h1
  gather_facts: false
  tasks:
    - copy:
        dest: /etc/docker/daemon.json
        content: {log-driver: json-file, log-opts: {max-size: 10m}, n: [1, "b"]}
)",
                         {"h1"});
  REQUIRE(out.calls.size() == 1);
  CHECK(out.calls[0].args["content"] ==
        R"({"log-driver": "json-file", "log-opts": {"max-size": "10m"}, "n": [1, "b"]})");
}

TEST_CASE("fetch runs on the controller: it asks the host for a stat, then reports the missing file") {
  auto out = RunPlaybook(R"(- hosts: h1
  gather_facts: false
  tasks:
    - fetch: {src: /etc/missing.conf, dest: /tmp/fetched}
)",
                         {"h1"});
  REQUIRE(out.calls.size() == 1);
  CHECK(out.calls[0].module == "stat");
  CHECK(out.calls[0].args["path"] == "/etc/missing.conf");
  CHECK(out.text.find("the remote file does not exist, not transferring, ignored") !=
        std::string::npos);
}

// The agent calls a run of dir/site.yml on h1 makes (output discarded).
std::vector<ModuleCall> CallsOf(const TestDir& dir) {
  PlaybookLoader loader;
  auto book = loader.Load(dir.Path("site.yml"));
  REQUIRE_MESSAGE(book.has_value(), book.error().ToString());
  FakeCatalog catalog({"h1"});
  FakeSessionFactory sessions(Answer);
  std::FILE* out = std::fopen("/dev/null", "w");
  {
    HumanReporter reporter(out, HumanOptions{});
    Executor executor(catalog, sessions, reporter, loader, FakeTemplarFactory(), ExecOptions{});
    executor.Run(*book);
  }
  std::fclose(out);
  return sessions.calls;
}

TEST_CASE("copy and unarchive send a local src as content and keep its name for the module") {
  TestDir dir;
  dir.Write("site.yml", R"(- hosts: h1
  gather_facts: false
  tasks:
    - copy: {src: app.conf, dest: /etc/app/}
    - unarchive: {src: model.tar.gz, dest: /opt}
    - unarchive: {src: "https://example.invalid/m.tgz", dest: /opt}
)");
  dir.Write("files/app.conf", "port = 80\n");
  dir.Write("model.tar.gz", "not really gzip");
  auto calls = CallsOf(dir);
  REQUIRE(calls.size() == 3);
  CHECK(calls[0].args["src"] == "app.conf");
  CHECK(calls[0].content->text() == "port = 80\n");
  CHECK(calls[1].content->text() == "not really gzip");
  CHECK_FALSE(calls[2].content.has_value());  // a URL is the host's to download
}

TEST_CASE("assemble with remote_src false joins local fragments on the controller") {
  TestDir dir;
  dir.Write("site.yml", R"(- hosts: h1
  gather_facts: false
  tasks:
    - assemble: {src: conf.d, dest: /etc/app.conf, remote_src: false, delimiter: "# --"}
    - assemble: {src: /etc/app.d, dest: /etc/app.conf}
)");
  dir.Write("files/conf.d/10-base", "a = 1\n");
  dir.Write("files/conf.d/20-extra", "b = 2");
  auto calls = CallsOf(dir);
  REQUIRE(calls.size() == 2);
  CHECK(calls[0].content->text() == "a = 1\n# --\nb = 2");
  CHECK_FALSE(calls[1].content.has_value());  // fragments on the host: the agent joins
}

TEST_CASE("facts a module returns become host facts for the tasks after it") {
  auto out = RunPlaybook(R"(- hosts: h1
  gather_facts: false
  tasks:
    - command: facts
    - debug: msg="{{ ansible_facts['services']['ssh.service'].state }}"
)",
                         {"h1"});
  CHECK(out.text.find("\"msg\": \"running\"") != std::string::npos);
}

TEST_CASE("handlers run once, in definition order, at flush points") {
  auto out = RunPlaybook(R"(- hosts: h1
  gather_facts: false
  tasks:
    - command: change
      notify: [second, first]
    - command: change
      notify: second
    - meta: flush_handlers
    - command: change
      notify: web restarted
  handlers:
    - name: first
      command: h-first
    - name: second
      command: h-second
    - name: third
      command: h-third
      listen: web restarted
)",
                         {"h1"});
  std::vector<std::string> ran;
  for (const auto& c : out.calls) ran.push_back(c.args.value("_raw_params", ""));
  CHECK(ran ==
        std::vector<std::string>{"change", "change", "h-first", "h-second", "change", "h-third"});
  CHECK(out.text.find("RUNNING HANDLER [first]") != std::string::npos);
  CHECK(out.summary.stats["h1"].ok == 6);
  CHECK(out.summary.stats["h1"].changed == 3);
}

TEST_CASE("a failed host runs no handlers unless forced") {
  const char* play = R"(- hosts: h1
  gather_facts: false
  tasks:
    - command: change
      notify: h
    - command: fail
  handlers:
    - name: h
      command: handler
)";
  auto out = RunPlaybook(play, {"h1"});
  CHECK(out.calls.size() == 2);
  CHECK(out.summary.any_failed);
  ExecOptions forced;
  forced.force_handlers = true;
  out = RunPlaybook(play, {"h1"}, forced);
  CHECK(out.calls.size() == 3);
}

TEST_CASE("rescue counts rescued, not failed; always runs") {
  auto out = RunPlaybook(R"(- hosts: all
  gather_facts: false
  tasks:
    - block:
        - command: fail h1
        - command: after
      rescue:
        - debug: msg="rescued {{ ansible_failed_task.action }}"
      always:
        - command: always
    - command: next
)");
  CHECK(out.summary.stats["h1"].rescued == 1);
  CHECK(out.summary.stats["h1"].failed == 0);
  CHECK(out.summary.stats["h1"].ok == 3);  // debug, always, next
  CHECK(out.summary.stats["h2"].ok == 4);  // fail h1, after, always, next
  CHECK(out.text.find("fatal: [h1]: FAILED! => {\"changed\": false, \"failed\": true, \"msg\": "
                      "\"boom\", \"rc\": 1}") != std::string::npos);
  CHECK(out.text.find("\"msg\": \"rescued command\"") != std::string::npos);
  CHECK_FALSE(out.summary.any_failed);
}

TEST_CASE("a failure without rescue ends the host; ignore_errors does not") {
  auto out = RunPlaybook(R"(- hosts: all
  gather_facts: false
  tasks:
    - command: fail h1
      ignore_errors: true
    - command: fail h2
    - command: last
)");
  CHECK(out.text.find("...ignoring") != std::string::npos);
  CHECK(out.summary.stats["h1"].ignored == 1);
  CHECK(out.summary.stats["h1"].ok == 3);
  CHECK(out.summary.stats["h2"].failed == 1);
  CHECK(out.summary.stats["h2"].ok == 1);
  CHECK(out.summary.any_failed);
}

TEST_CASE("loops: when per item, item lines, register .results") {
  auto out = RunPlaybook(R"(- hosts: h1
  gather_facts: false
  tasks:
    - command: "{{ item }}"
      loop: [a, change, c]
      when: item != 'c'
      register: r
    - debug: msg="{{ r.results[1].changed }} {{ r.changed }}"
    - command: "{{ x.name }}"
      with_items:
        - [{name: n1}]
        - {name: n2}
      loop_control:
        loop_var: x
        label: "{{ x.name }}"
)",
                         {"h1"});
  CHECK(out.text.find("ok: [h1] => (item=a)\nchanged: [h1] => (item=change)\n"
                      "skipping: [h1] => (item=c)\n") != std::string::npos);
  CHECK(out.text.find("\"msg\": \"true true\"") != std::string::npos);
  CHECK(out.text.find("ok: [h1] => (item=n1)\nok: [h1] => (item=n2)") != std::string::npos);
  CHECK(out.summary.stats["h1"].changed == 1);
  CHECK(out.summary.stats["h1"].ok == 3);
}

// issue 21: no_log loops printed their items, passwords and all.
TEST_CASE("no_log loop items show as (item=None) in human and JSON output at every verbosity") {
  const std::string play = R"(- hosts: h1
  gather_facts: false
  tasks:
    - command: "{{ item.password }}"
      loop: [{name: alice, password: change}]
      no_log: true
      loop_control: {label: "{{ item.name }}"}
    - include_tasks: inc.yml
      loop: [{name: bob, password: secret}]
      no_log: true
)";
  for (OutputStyle style : {OutputStyle{}, OutputStyle{.verbosity = 4}, OutputStyle{.json = true}}) {
    CAPTURE(style.json);
    CAPTURE(style.verbosity);
    auto out = RunPlaybook(play, {"h1"}, {}, nullptr, {}, style,
                           {{"inc.yml", "- command: \"{{ item.password }}\"\n"}});
    CHECK(out.text.find("alice") == std::string::npos);
    CHECK(out.text.find("bob") == std::string::npos);
    CHECK(out.text.find("secret") == std::string::npos);
    if (style.json) {
      CHECK(out.text.find(R"("item":"None")") != std::string::npos);
    } else {
      CHECK(out.text.find("changed: [h1] => (item=None)") != std::string::npos);
      CHECK(out.text.find("for h1 => (item=None)") != std::string::npos);
    }
  }
}

// issue 21: only the inventory's become password reached the connection.
TEST_CASE("the become password comes from extra vars and play vars too") {
  const std::string play = R"(- hosts: h1
  gather_facts: false
  become: true
  vars: {ansible_sudo_pass: from-play}
  tasks:
    - command: become_password
      register: r
    - debug: msg="pw={{ r.stdout }}"
)";
  CHECK(RunPlaybook(play, {"h1"}).text.find("pw=from-play") != std::string::npos);
  ExecOptions options;
  options.extra_vars = {{"ansible_become_password", "from-extra"}};
  CHECK(RunPlaybook(play, {"h1"}, options).text.find("pw=from-extra") != std::string::npos);
}

// issue 21: a vaulted include_vars file loaded nothing and reported ok; a
// vaulted vars_files file was "not a mapping" even with the password.
TEST_CASE("vaulted vars_files and include_vars files are decrypted, or fail without a password") {
  const std::string play = R"(- hosts: h1
  gather_facts: false
  vars_files: [play_secrets.yml]
  tasks:
    - include_vars: task_secrets.yml
    - debug: msg="{{ db_password }} {{ api_token }}"
)";
  VaultSecret secret{"default", "right"};
  std::map<std::string, std::string> files = {
      {"play_secrets.yml", Encrypt("db_password: s3cret-db\n", secret).value()},
      {"task_secrets.yml", Encrypt("api_token: t0ken\n", secret).value()}};
  ExecOptions options;
  options.vault_secrets = {secret};
  auto out = RunPlaybook(play, {"h1"}, options, nullptr, {}, {}, files);
  CHECK(out.text.find("\"msg\": \"s3cret-db t0ken\"") != std::string::npos);

  auto locked = RunPlaybook(play, {"h1"}, {}, nullptr, {}, {}, files);
  REQUIRE(locked.summary.error);
  CHECK(locked.summary.error->ToString().ends_with(
      "play_secrets.yml:1:1: Attempting to decrypt but no vault secrets found: " +
      locked.summary.error->where.file + " is vault encrypted (use --vault-password-file, "
      "--vault-id or --ask-vault-pass)"));

  files["play_secrets.yml"] = "db_password: plain\n";
  auto task_locked = RunPlaybook(play, {"h1"}, {}, nullptr, {}, {}, files);
  CHECK(task_locked.text.find("fatal: [h1]: FAILED!") != std::string::npos);
  CHECK(task_locked.text.find("task_secrets.yml:1:1: Attempting to decrypt but no vault secrets "
                              "found") != std::string::npos);
  CHECK(task_locked.summary.any_failed);
}

TEST_CASE("with_<lookup> loops over what the lookup returns for its terms") {
  TestDir files;
  files.Write("tree/a.txt", "a\n");
  auto out = RunPlaybook(R"(- hosts: h1
  gather_facts: false
  tasks:
    - command: "{{ item.state }}"
      with_community.general.filetree: )" + files.Path("tree") + R"(
      loop_control:
        label: "{{ item.path }}"
)",
                         {"h1"});
  CHECK(out.text.find("ok: [h1] => (item=a.txt)") != std::string::npos);
  CHECK(out.summary.stats["h1"].ok == 1);
}

TEST_CASE("with_<lookup> loops use the lookups: sequence shortcut, subelements with dotted keys") {
  auto out = RunPlaybook(R"(- hosts: h1
  gather_facts: false
  vars:
    users:
      - name: ann
        auth: {keys: [k1, k2]}
      - name: bob
  tasks:
    - debug: msg="n{{ item }}"
      with_sequence: 0x8-0xc/2
    - debug: msg="{{ item[0].name }} {{ item[1] }}"
      with_subelements:
        - "{{ users }}"
        - auth.keys
        - skip_missing: true
    - debug: msg="{{ item }}"
      with_flattened: [[a, [b]], c]
)",
                         {"h1"});
  for (const char* line : {"\"msg\": \"n8\"", "\"msg\": \"n10\"", "\"msg\": \"n12\"",
                           "\"msg\": \"ann k1\"", "\"msg\": \"ann k2\"", "\"msg\": \"b\""}) {
    CAPTURE(line);
    CHECK(out.text.find(line) != std::string::npos);
  }
  CHECK(out.text.find("bob") == std::string::npos);
  CHECK(out.summary.stats["h1"].failed == 0);
}

TEST_CASE("facts set by loop items become host facts, the last item's value winning") {
  auto out = RunPlaybook(R"(- hosts: h1
  gather_facts: false
  tasks:
    - set_fact:
        picked: "{{ item }}"
      loop: [first, last]
    - debug: msg="picked {{ picked }}"
)",
                         {"h1"});
  CHECK(out.text.find("\"msg\": \"picked last\"") != std::string::npos);
  CHECK(out.summary.stats["h1"].failed == 0);
}

TEST_CASE("register stores skipped and failed results too") {
  auto out = RunPlaybook(R"(- hosts: h1
  gather_facts: false
  tasks:
    - command: ls
      when: false
      register: s
    - command: fail
      register: f
      ignore_errors: yes
    - assert:
        that:
          - s is skipped
          - f is failed
          - f.rc == 1
)",
                         {"h1"});
  CHECK(out.summary.stats["h1"].failed == 0);
  CHECK(out.text.find("All assertions passed") != std::string::npos);
}

TEST_CASE("changed_when, failed_when and until") {
  auto out = RunPlaybook(R"(- hosts: h1
  gather_facts: false
  tasks:
    - command: ls
      register: r
      changed_when: r.rc == 0
    - command: fail
      failed_when: false
    - command: flaky
      register: f
      until: f.rc == 0
      retries: 5
      delay: 0
    - debug: msg="{{ f.attempts }}"
)",
                         {"h1"});
  CHECK(out.summary.stats["h1"].changed == 1);
  CHECK(out.summary.stats["h1"].failed == 0);
  CHECK(out.text.find("FAILED - RETRYING: [h1]: command (4 retries left).") != std::string::npos);
  CHECK(out.text.find("\"msg\": 3") != std::string::npos);
}

TEST_CASE("variable precedence") {
  FakeCatalog catalog({"h1"});
  catalog.vars["h1"] = {{"a", "inventory"}, {"b", "inventory"}, {"c", "inventory"}};
  ExecOptions options;
  options.extra_vars = {{"e", "extra"}};
  TestDir dir;
  auto out = RunPlaybook(R"(- hosts: h1
  gather_facts: false
  vars:
    b: play
    c: play
    e: play
  tasks:
    - set_fact:
        c: fact
        e: fact
    - debug: msg="{{ a }} {{ b }} {{ c }} {{ d }} {{ e }}"
      vars:
        d: task
)",
                         {"h1"}, options, &catalog);
  CHECK(out.text.find("\"msg\": \"inventory play fact task extra\"") != std::string::npos);
}

TEST_CASE("tags select tasks") {
  const char* play = R"(- hosts: h1
  gather_facts: false
  tasks:
    - command: one
      tags: [a]
    - command: two
      tags: [always]
    - command: three
      tags: never
    - command: four
)";
  auto run = [&](std::vector<std::string> only, std::vector<std::string> skip) {
    ExecOptions options;
    options.tags = only;
    options.skip_tags = skip;
    auto out = RunPlaybook(play, {"h1"}, options);
    std::string ran;
    for (const auto& c : out.calls) ran += c.args.value("_raw_params", "") + " ";
    return ran;
  };
  CHECK(run({}, {}) == "one two four ");
  CHECK(run({"a"}, {}) == "one two ");
  CHECK(run({"never"}, {}) == "two three ");
  CHECK(run({}, {"a"}) == "two four ");
  CHECK(run({"untagged"}, {}) == "two four ");
  CHECK(run({}, {"always"}) == "one four ");
}

TEST_CASE("serial batches run the whole play per batch") {
  auto out = RunPlaybook(R"(- hosts: all
  gather_facts: false
  serial: 1
  tasks:
    - command: one
    - command: two
)",
                         {"h1", "h2"});
  std::string order;
  for (const auto& c : out.calls) order += c.args.value("_raw_params", "") + " ";
  CHECK(order == "one two one two ");
  CHECK(SerialBatches(Json("30%"), 10) == std::vector<size_t>{3, 3, 3, 1});
  CHECK(SerialBatches(Json::array({1, "50%"}), 5) == std::vector<size_t>{1, 2, 2});
  CHECK(SerialBatches(Json(), 4) == std::vector<size_t>{4});
}

TEST_CASE("unreachable hosts leave the play and count as unreachable") {
  auto out = RunPlaybook(R"(- hosts: all
  gather_facts: false
  tasks:
    - command: one
    - command: two
)",
                         {"h1", "h2"}, {}, nullptr, {{"h2", "ssh: connect to host h2: refused"}});
  CHECK(out.summary.any_unreachable);
  CHECK(out.summary.stats["h2"].unreachable == 1);
  CHECK(out.summary.stats["h1"].ok == 2);
  CHECK(out.text.find("fatal: [h2]: UNREACHABLE! => {\"changed\": false, \"msg\": \"ssh: connect "
                      "to host h2: refused\", \"unreachable\": true}") != std::string::npos);
}

TEST_CASE("facts are gathered once and reachable three ways") {
  auto out = RunPlaybook(R"(- hosts: h1
  tasks:
    - debug: msg="{{ ansible_hostname }} {{ ansible_facts.os_family }} {{ ansible_facts['hostname'] }}"
)",
                         {"h1"});
  CHECK(out.text.find("TASK [Gathering Facts]") != std::string::npos);
  CHECK(out.text.find("\"msg\": \"h1 Debian h1\"") != std::string::npos);
}

TEST_CASE("run_once runs on the first host and registers for all") {
  auto out = RunPlaybook(R"(- hosts: all
  gather_facts: false
  tasks:
    - command: once
      run_once: true
      register: r
    - debug: msg="{{ r.stdout }}"
)");
  CHECK(out.calls.size() == 1);
  CHECK(out.text.find("ok: [h2] => {\n    \"msg\": \"once\"") != std::string::npos);
}

TEST_CASE("any_errors_fatal ends the play for every host") {
  auto out = RunPlaybook(R"(- hosts: all
  gather_facts: false
  any_errors_fatal: true
  tasks:
    - command: fail h1
    - command: two
)");
  CHECK(out.calls.size() == 2);
}

}  // namespace
}  // namespace tend
