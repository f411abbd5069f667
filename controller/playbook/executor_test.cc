#include "controller/playbook/executor.h"

#include <doctest/doctest.h>

#include <cstdio>

#include <fmt/format.h>

#include "controller/connection/fake_session.h"
#include "controller/playbook/fake_catalog.h"
#include "controller/playbook/fake_templar.h"
#include "controller/playbook/test_files.h"
#include "modules/python/ansible_module.h"

namespace tend {
namespace {

// Modules answer from their arguments: `command: fail` fails, `command: change`
// changes, `command: failchange` does both, `command: flaky` fails twice then succeeds.
Json Answer(const HostTarget& target, const ModuleCall& call) {
  std::string cmd = call.args.value("_raw_params", "");
  if (call.async_seconds > 0) {
    return Json{{"changed", true}, {"started", 1}, {"finished", 0},
                {"ansible_job_id", "j1." + target.name}, {"results_file", "/r/j1"}};
  }
  if (call.module == "async_status") {
    if (call.args.value("mode", "") == "cleanup") return Json{{"changed", false}, {"erased", "/r/j1"}};
    return Json{{"changed", true}, {"finished", 1}, {"started", 1}, {"rc", 0}, {"stdout", "done"},
                {"ansible_job_id", call.args["jid"]}};
  }
  if (cmd == "whoami") {
    return Json{{"changed", false}, {"rc", 0},
                {"stdout", fmt::format("{}@{}:{}", target.user, target.name, target.port)}};
  }
  if (call.module == "setup") {
    return Json{
        {"ansible_facts", {{"ansible_hostname", target.name}, {"ansible_os_family", "Debian"}}}};
  }
  if (cmd == "fail" || cmd == "fail " + target.name) {
    return Json{{"changed", false}, {"failed", true}, {"msg", "boom"}, {"rc", 1}};
  }
  if (cmd == "failchange") {
    return Json{{"changed", true}, {"failed", true}, {"msg", "non-zero return code"}, {"rc", 2}};
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
  if (cmd == "become_user") {
    return Json{{"changed", false}, {"rc", 0},
                {"stdout", fmt::format("{} {}", call.become.value_or(target.become.enabled),
                                       call.become_user.value_or(target.become.user))}};
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
  std::vector<std::string> warnings;
};

// The human output, with warnings kept apart (they go to stderr).
class KeepingReporter : public HumanReporter {
 public:
  using HumanReporter::HumanReporter;
  void Warning(const std::string& text) override { warnings.push_back(text); }
  std::vector<std::string> warnings;
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
    KeepingReporter human(out, HumanOptions{.verbosity = style.verbosity});
    JsonReporter json(out);
    Reporter& reporter = style.json ? static_cast<Reporter&>(json) : human;
    options.forks = options.forks == 50 ? 1 : options.forks;  // deterministic output order
    Executor executor(catalog, sessions, reporter, loader, FakeTemplarFactory(), options);
    result.summary = executor.Run(*book);
    result.warnings = human.warnings;
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

TEST_CASE("environment: the play's and the task's merge and reach the agent call") {
  auto out = RunPlaybook(R"(- hosts: h1
  gather_facts: false
  environment: {https_proxy: "http://127.0.0.9:3128", LANG: C}
  tasks:
    - command: env
      environment:
        - {no_proxy: internal.example}
        - {LANG: C.UTF-8, RETRIES: 3, DEBUG: true}
    - command: env
)",
                         {"h1"});
  REQUIRE(out.calls.size() == 2);
  using Env = std::map<std::string, std::string>;
  CHECK(out.calls[0].args["_environment"].get<Env>() == Env{{"https_proxy", "http://127.0.0.9:3128"},
                                                            {"LANG", "C.UTF-8"},
                                                            {"no_proxy", "internal.example"},
                                                            {"RETRIES", "3"},
                                                            {"DEBUG", "True"}});
  CHECK(out.calls[1].args["_environment"].get<Env>() == Env{{"https_proxy", "http://127.0.0.9:3128"}, {"LANG", "C"}});
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
    KeepingReporter reporter(out, HumanOptions{});
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
    - debug: msg="top-level {{ services['ssh.service'].state }}"
    - assert:
        that: ansible_services is not defined
)",
                         {"h1"});
  CHECK(out.text.find("\"msg\": \"running\"") != std::string::npos);
  // Ansible injects a module's facts as variables under the module's own names.
  CHECK(out.text.find("\"msg\": \"top-level running\"") != std::string::npos);
  CHECK(out.text.find("All assertions passed") != std::string::npos);
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

TEST_CASE("an ignored failure that changed counts as ok, ignored and changed, as in Ansible's recap") {
  auto out = RunPlaybook(R"(- hosts: h1
  gather_facts: false
  tasks:
    - command: failchange
      ignore_errors: true
)",
                         {"h1"});
  CHECK(out.summary.stats["h1"].ok == 1);
  CHECK(out.summary.stats["h1"].ignored == 1);
  CHECK(out.summary.stats["h1"].changed == 1);
  CHECK(out.summary.stats["h1"].failed == 0);
}

TEST_CASE("a task that ran registers failed: false, which the display leaves out") {
  auto out = RunPlaybook(R"(- hosts: h1
  gather_facts: false
  tasks:
    - command: ls
      register: r
    - command: ls
      when: false
      register: s
    - assert:
        that:
          - "'failed' in r"
          - not r.failed
          - "'changed' in r"
          - "'failed' not in s"
)",
                         {"h1"});
  CHECK(out.summary.stats["h1"].failed == 0);
  CHECK(out.text.find("All assertions passed") != std::string::npos);
  CHECK(out.text.find("\"failed\": false") == std::string::npos);
}

TEST_CASE("group_by and add_host are changed only when the inventory changed") {
  auto out = RunPlaybook(R"(- hosts: h1
  gather_facts: false
  tasks:
    - group_by: key=new_group
      register: first
    - group_by: key=new_group
      register: again
    - add_host: name=h9 groups=web
      register: added
    - add_host: name=h9 groups=web
      register: readded
    - assert:
        that:
          - first is changed
          - again is not changed
          - added is changed
          - readded is not changed
)",
                         {"h1"});
  CHECK(out.summary.stats["h1"].failed == 0);
  CHECK(out.text.find("All assertions passed") != std::string::npos);
}

TEST_CASE("a loop over an undefined variable under a false when is skipped, as in Ansible") {
  auto out = RunPlaybook(R"(- hosts: h1
  gather_facts: false
  tasks:
    - command: ls
      with_items: "{{ nowhere }}"
      when: false
    - command: ls
      with_items: "{{ nowhere }}"
      ignore_errors: true
)",
                         {"h1"});
  CHECK(out.summary.stats["h1"].skipped == 1);
  CHECK(out.summary.stats["h1"].ignored == 1);
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

// issue 21: no_log loops printed their items, passwords and all. (The
// include's no_log does not reach the included tasks, as in Ansible: a
// dynamic include is skipped when keywords are inherited.)
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
                           {{"inc.yml", "- command: included\n"}});
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

// `vars: {ansible_become: yes, ansible_become_user: x}` on a task becomes x
// for that task only, as Ansible reads connection variables from all vars.
TEST_CASE("ansible_become and ansible_become_user from task vars reach the connection") {
  auto out = RunPlaybook(R"(- hosts: h1
  gather_facts: false
  tasks:
    - command: become_user
      vars: {ansible_become: yes, ansible_become_user: tester}
      register: as_tester
    - command: become_user
      register: plain
    - debug: msg="{{ as_tester.stdout }}/{{ plain.stdout }}"
)",
                         {"h1"});
  CHECK(out.text.find("\"msg\": \"true tester/false root\"") != std::string::npos);
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
  // retries: 5 is six attempts, as in Ansible.
  CHECK(out.text.find("FAILED - RETRYING: [h1]: command (5 retries left).") != std::string::npos);
  CHECK(out.text.find("\"msg\": 3") != std::string::npos);
}

// Ansible evaluates failed_when on each attempt before until, until does not
// clear a failure, and a task out of attempts reports one fewer than it made.
TEST_CASE("until sees failed_when's verdict; attempts as Ansible reports them") {
  auto out = RunPlaybook(R"(- hosts: h1
  gather_facts: false
  tasks:
    - command: ls
      register: r
      failed_when: true
      until: r is successful
      retries: 2
      delay: 0
      ignore_errors: true
    - command: fail
      register: q
      until: true
      ignore_errors: true
    - command: ls
      register: t
      until: false
      retries: 1
      delay: 0
      failed_when: false
    - debug: msg="{{ r.attempts }} {{ q.attempts }} {{ t.failed }}"
)",
                         {"h1"});
  INFO(out.text);
  CHECK(out.text.find("(2 retries left).") != std::string::npos);
  CHECK(out.text.find("(1 retries left).") != std::string::npos);
  // Out of attempts sets `failed`, but failed_when's false verdict decides the status.
  CHECK(out.text.find("\"msg\": \"2 1 true\"") != std::string::npos);  // the fake templar's spelling
  CHECK(out.summary.stats["h1"].ignored == 2);
  CHECK(out.summary.stats["h1"].failed == 0);
}

TEST_CASE("an error in changed_when or failed_when fails the task and keeps its text in <cond>_result") {
  auto out = RunPlaybook(R"(- hosts: h1
  gather_facts: false
  tasks:
    - command: change
      changed_when: boomboomboom
      register: c
      ignore_errors: true
    - command: ls
      failed_when: boomboomboom
      register: f
      ignore_errors: true
    - assert:
        that:
          - c is failed
          - c is changed
          - "'changed_when_result' in c"
          - f is failed
          - "'failed_when_result' in f"
)",
                         {"h1"});
  CHECK(out.summary.stats["h1"].ignored == 2);
  CHECK(out.text.find("All assertions passed") != std::string::npos);
}

TEST_CASE("include_vars of a directory: extensions, ignore_files, files_matching, depth, name") {
  std::map<std::string, std::string> files = {
      {"vars/web/a.yml", "a: 1\nshared: a\n"},
      {"vars/web/b.json", "{\"b\": 2, \"shared\": \"b\"}"},
      {"vars/web/plain", "plain: 3\n"},
      {"vars/web/skip.yml", "skipped: 4\n"},
      {"vars/web/notes.txt", "not yaml at all: [\n"},
      {"vars/web/deep/c.yml", "deep: 5\n"},
  };
  auto out = RunPlaybook(R"(- hosts: h1
  gather_facts: false
  tasks:
    - include_vars:
        dir: vars/web
        extensions: ['', yml, json]
        ignore_unknown_extensions: true
        ignore_files: [skip.yml]
        depth: 1
      register: all
    - include_vars: {dir: vars/web, files_matching: '^a', name: only_a}
    - include_vars: {dir: vars/web}
      register: strict
      ignore_errors: true
    - include_vars: {file: vars/web/a.yml, depth: 1}
      register: mixed
      ignore_errors: true
    - assert:
        that:
          - a == 1
          - b == 2
          - plain == 3
          - shared == 'b'
          - skipped is not defined
          - deep is not defined
          - only_a.a == 1
          - only_a.b is not defined
          - strict is failed
          - mixed is failed
)",
                         {"h1"}, {}, nullptr, {}, {}, files);
  CHECK(out.text.find("All assertions passed") != std::string::npos);
  CHECK(out.text.find("does not have a valid extension: yaml, yml, json") != std::string::npos);
  CHECK(out.text.find("You are mixing file only and dir only arguments") != std::string::npos);
}

TEST_CASE("ansible_host and ansible_connection are defined under everything else, as Ansible's play context adds them") {
  FakeCatalog catalog({"h1", "h2"});
  catalog.vars["h2"] = {{"ansible_host", "10.0.0.2"}, {"ansible_connection", "paramiko"}};
  auto out = RunPlaybook(R"(- hosts: all
  gather_facts: false
  tasks:
    - debug: msg="{{ inventory_hostname }} {{ ansible_host }} {{ ansible_connection }}"
)",
                         {"h1", "h2"}, {}, &catalog);
  CHECK(out.text.find("\"msg\": \"h1 h1 ssh\"") != std::string::npos);
  CHECK(out.text.find("\"msg\": \"h2 10.0.0.2 paramiko\"") != std::string::npos);
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

TEST_CASE("the timeout keyword gives the task's calls a deadline naming the action") {
  auto out = RunPlaybook(R"(- hosts: all
  gather_facts: false
  tasks:
    - command: slow
      timeout: 2
    - command: plain
    - command: templated
      timeout: "{{ 3 }}"
)",
                         {"h1"});
  REQUIRE(out.calls.size() == 3);
  REQUIRE(out.calls[0].deadline.has_value());
  CHECK(out.calls[0].deadline->seconds == 2);
  CHECK(out.calls[0].deadline->at - std::chrono::steady_clock::now() <= std::chrono::seconds(2));
  CHECK(TimedOutMessage(*out.calls[0].deadline) ==
        "The command action failed to execute in the expected time frame (2) and was terminated");
  CHECK_FALSE(out.calls[1].deadline.has_value());
  REQUIRE(out.calls[2].deadline.has_value());
  CHECK(out.calls[2].deadline->seconds == 3);
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

// Ansible fails a task whose module it cannot run, or whose arguments the
// module rejects, only on the hosts that run it: `when`, ignore_errors and
// rescue apply, and the other hosts go on.
TEST_CASE("a module tend does not implement and bad arguments fail only where they run") {
  auto out = RunPlaybook(R"(- hosts: all
  gather_facts: false
  tasks:
    - name: Arch only
      pacman: name=tree
      when: inventory_hostname == 'h2'
    - ansible.windows.win_file: {path: x}
      ignore_errors: true
    - block:
        - community.general.pacman_key: {id: x}
      rescue:
        - debug: msg=rescued
    - file: {state: hard}
      register: hard
      ignore_errors: true
    - assert: {that: "hard.msg == 'missing required arguments: path'"}
    - file: path='/x
      ignore_errors: true
    - command: last
)");
  CHECK(out.summary.stats["h1"].failed == 0);
  CHECK(out.summary.stats["h1"].skipped == 1);
  CHECK(out.summary.stats["h1"].ignored == 3);
  CHECK(out.summary.stats["h1"].rescued == 1);
  CHECK(out.summary.stats["h2"].failed == 1);
  CHECK(out.text.find("fatal: [h2]: FAILED! => {\"changed\": false, \"failed\": true, "
                      "\"msg\": \"" ) != std::string::npos);
  CHECK(out.text.find("site.yml:4:7: module 'pacman' is not implemented natively by tend") !=
        std::string::npos);
  CHECK(out.text.find("module 'ansible.windows.win_file' is not implemented natively") !=
        std::string::npos);
  CHECK(out.text.find("site.yml:17:13: unbalanced quotes in arguments: path='/x") !=
        std::string::npos);
  // Only `command: last` on h1 reached a host.
  REQUIRE(out.calls.size() == 1);
  CHECK(out.calls[0].args["_raw_params"] == "last");
}

TEST_CASE("action: \"{{ var }}\" names its module when the task runs") {
  FakeCatalog catalog({"h1"});
  catalog.vars["h1"] = {{"mgr", "command"}, {"nope", "nosuchmodule"}, {"arch", "pacman"}};
  auto out = RunPlaybook(R"(- hosts: all
  gather_facts: false
  tasks:
    - action: "{{ mgr }} change"
    - action: "{{ nope }}"
      ignore_errors: true
    - action: "{{ arch }}"
      args: {name: tree}
      ignore_errors: true
)",
                         {"h1"}, {}, &catalog);
  REQUIRE(out.calls.size() == 1);
  CHECK(out.calls[0].module == "command");
  CHECK(out.calls[0].args["_raw_params"] == "change");
  CHECK(out.summary.stats["h1"].changed == 1);
  CHECK(out.summary.stats["h1"].ignored == 2);
  CHECK(out.text.find("couldn't resolve module/action 'nosuchmodule'") != std::string::npos);
  CHECK(out.text.find("module 'pacman' is not implemented natively") != std::string::npos);
}

TEST_CASE("set_fact k=v text: keys templated per item, values kept, names checked") {
  FakeCatalog catalog({"h1"});
  catalog.vars["h1"] = {{"bad", "a-b"}};
  auto out = RunPlaybook(R"(- hosts: all
  gather_facts: false
  tasks:
    - set_fact: "x{{ item }}={{ item }} flag=yes"
      loop: ['0', '1']
    - debug: msg="{{ x0 }}-{{ x1 }}-{{ flag }}"
    - set_fact: "{{ bad }}=1"
      ignore_errors: true
)",
                         {"h1"}, {}, &catalog);
  CHECK(out.text.find("\"msg\": \"0-1-true\"") != std::string::npos);
  CHECK(out.text.find("The variable name 'a-b' is not valid.") != std::string::npos);
  CHECK(out.summary.stats["h1"].ignored == 1);
}

TEST_CASE("errors in an included file fail the include on the hosts that run it") {
  auto out = RunPlaybook(R"(- hosts: all
  gather_facts: false
  tasks:
    - include_tasks: windows.yml
      when: inventory_hostname == 'none'
    - include_tasks: linux.yml
    - include_tasks: broken.yml
      when: inventory_hostname == 'h2'
    - include_tasks: self.yml
      when: inventory_hostname == 'h1'
)",
                         {"h1", "h2"}, {}, nullptr, {}, {},
                         {{"windows.yml", "- win_file: {path: x}\n"},
                          {"linux.yml", "- pacman: name=x\n  when: false\n- command: ok\n"},
                          {"broken.yml", "- debug: {msg: x\n"},
                          {"self.yml", "- include_tasks: self.yml\n"}});
  // linux.yml's pacman (under a false `when`) would run as Ansible's Python
  // code (issue 19): reading the file warns about nothing.
  CHECK(out.warnings.empty());
  CHECK(out.text.find("win_file") == std::string::npos);
  CHECK(out.calls.size() == 2);  // command: ok on each host
  CHECK(out.summary.stats["h2"].failed == 1);
  CHECK(out.text.find("broken.yml:2:1: YAML syntax error") != std::string::npos);
  CHECK(out.summary.stats["h1"].failed == 1);
  CHECK(out.text.find("include depth exceeded") != std::string::npos);
}

}  // namespace
TEST_CASE("async with poll 0 returns the job; async_status polls it; poll > 0 waits for it") {
  auto out = RunPlaybook(R"(- hosts: h1
  gather_facts: false
  tasks:
    - command: sleep 2
      async: 30
      poll: 0
      register: job
    - debug: var=job.ansible_job_id
    - command: sleep 1
      async: 10
      poll: 1
      register: waited
    - debug: var=waited.stdout
)");
  REQUIRE(out.calls.size() == 4);
  CHECK(out.calls[0].async_seconds == 30);
  CHECK(out.calls[1].async_seconds == 10);
  CHECK(out.calls[2].module == "async_status");
  CHECK(out.calls[2].args == Json{{"jid", "j1.h1"}});
  CHECK(out.calls[3].args == Json{{"jid", "j1.h1"}, {"mode", "cleanup"}});
  CHECK(out.text.find(R"("job.ansible_job_id": "j1.h1")") != std::string::npos);
  CHECK(out.text.find(R"("waited.stdout": "done")") != std::string::npos);
  CHECK_FALSE(out.summary.any_failed);
}

TEST_CASE("async on an action that runs on the controller fails the task, as in Ansible") {
  auto out = RunPlaybook(R"(- hosts: h1
  gather_facts: false
  tasks:
    - template: src=a dest=/b
      async: 10
)");
  CHECK(out.text.find("async is not supported for this task.") != std::string::npos);
  CHECK(out.calls.empty());
}

// known_hosts has no native module: with this tree the run packs Ansible's code for it.
std::shared_ptr<PythonModules> FakePythonModules() {
  static const FakeCodeTree tree = [] {
    FakeCodeTree t;
    t.Add("/site/ansible/modules/known_hosts.py", "import json\n");
    return t;
  }();
  return std::make_shared<PythonModules>(CodeRoots{"/site", {}}, tree);
}

TEST_CASE("async on a module run through Python: poll 0 starts the job, poll > 0 waits for it") {
  ExecOptions options;
  options.python_modules = FakePythonModules();
  auto out = RunPlaybook(R"(- hosts: h1
  gather_facts: false
  tasks:
    - known_hosts: {name: a, state: absent}
      async: 30
      poll: 0
      register: job
    - debug: var=job.ansible_job_id
    - known_hosts: {name: b, state: absent}
      async: 10
      poll: 1
      register: waited
    - debug: var=waited.stdout_lines
)", {"h1"}, options);
  REQUIRE(out.calls.size() == 4);
  CHECK(out.calls[0].module == kPythonModuleOp);
  CHECK(out.calls[0].async_seconds == 30);
  CHECK(out.calls[0].args["module_args"]["name"] == "a");
  CHECK(out.calls[0].content.has_value());
  CHECK(out.calls[1].module == kPythonModuleOp);
  CHECK(out.calls[1].async_seconds == 10);
  CHECK(out.calls[2].module == "async_status");
  CHECK(out.calls[3].args == Json{{"jid", "j1.h1"}, {"mode", "cleanup"}});
  CHECK(out.text.find(R"("job.ansible_job_id": "j1.h1")") != std::string::npos);
  // The job's result is cleaned as the module's own return would be.
  CHECK(out.text.find(R"("waited.stdout_lines": [)") != std::string::npos);
  CHECK_FALSE(out.summary.any_failed);
}

TEST_CASE("a module whose code is missing, or that needs an action plugin, fails located at its task") {
  static const FakeCodeTree tree = [] {
    FakeCodeTree t;
    t.Add("/site/ansible/modules/known_hosts.py", "import json\n");
    t.Add("/site/ansible_collections/ansible/posix/plugins/modules/synchronize.py", "");
    t.Add("/site/ansible_collections/ansible/posix/plugins/action/synchronize.py", "");
    return t;
  }();
  ExecOptions options;
  options.python_modules = std::make_shared<PythonModules>(CodeRoots{"/site", {"/site"}}, tree);
  auto out = RunPlaybook(R"(- hosts: h1
  gather_facts: false
  tasks:
    - community.general.pam_limits: {domain: x, limit_type: soft, limit_item: core, value: 0}
      ignore_errors: true
    - ansible.posix.synchronize: {src: /a, dest: /b}
      async: 10
      ignore_errors: true
)", {"h1"}, options);
  CHECK(out.calls.empty());
  CHECK(out.text.find("site.yml:4:7: module community.general.pam_limits is not native in tend and "
                      "Ansible's code for it was not found in /site/ansible/modules, "
                      "/site/ansible_collections; install ansible-core or collection community.general") !=
        std::string::npos);
  CHECK(out.text.find("site.yml:6:7: module ansible.posix.synchronize is not native in tend and needs "
                      "Ansible's action plugin (controller-side Python: /site/ansible_collections/ansible/"
                      "posix/plugins/action/synchronize.py), which tend does not run") != std::string::npos);
}

TEST_CASE("become_method, become_flags, become_exe and environment reach the module call") {
  auto out = RunPlaybook(R"(- hosts: h1
  gather_facts: false
  become_flags: -E
  environment: {PLAY: p}
  tasks:
    - command: x
      become: true
      become_method: su
      become_exe: /bin/su
      environment:
        - {A: "1"}
        - {B: 2}
    - command: y
)");
  REQUIRE(out.calls.size() == 2);
  CHECK(out.calls[0].become_method == BecomeMethod::kSu);
  CHECK(out.calls[0].become_flags == "-E");
  CHECK(out.calls[0].become_exe == "/bin/su");
  using Env = std::map<std::string, std::string>;
  CHECK(out.calls[0].args["_environment"].get<Env>() == Env{{"PLAY", "p"}, {"A", "1"}, {"B", "2"}});
  CHECK(out.calls[1].args["_environment"].get<Env>() == Env{{"PLAY", "p"}});
  CHECK_FALSE(out.calls[1].become_method.has_value());
}

TEST_CASE("port, remote_user and connection keywords apply where the host's vars set none") {
  FakeCatalog catalog({"h1", "h2"});
  catalog.vars["h2"] = Json{{"ansible_user", "own"}, {"ansible_port", 2200}};
  auto out = RunPlaybook(R"(- hosts: all
  gather_facts: false
  remote_user: deploy
  port: 2222
  tasks:
    - command: whoami
      register: w
    - debug: var=w.stdout
    - command: whoami
      port: 22
      register: v
    - debug: var=v.stdout
)",
                         {"h1", "h2"}, {}, &catalog);
  CHECK(out.text.find(R"("w.stdout": "deploy@h1:2222")") != std::string::npos);
  CHECK(out.text.find(R"("w.stdout": "own@h2:2200")") != std::string::npos);
  CHECK(out.text.find(R"("v.stdout": "deploy@h1:22")") != std::string::npos);
}

TEST_CASE("delegate_facts gives the facts a task sets to the delegated host") {
  auto out = RunPlaybook(R"(- hosts: all
  gather_facts: false
  tasks:
    - set_fact: seen=yes
      delegate_to: h2
      delegate_facts: true
      when: inventory_hostname == 'h1'
    - set_fact: own=yes
      delegate_to: h2
      when: inventory_hostname == 'h1'
    - debug: var=seen
    - debug: var=own
)");
  CHECK(out.text.find("ok: [h1] => {\n    \"seen\": \"VARIABLE IS NOT DEFINED!\"") !=
        std::string::npos);
  // set_fact turns a "yes" written as k=v into a boolean, as Ansible's does.
  CHECK(out.text.find("ok: [h2] => {\n    \"seen\": true") != std::string::npos);
  CHECK(out.text.find("ok: [h1] => {\n    \"own\": true") != std::string::npos);
  CHECK(out.text.find("ok: [h2] => {\n    \"own\": \"VARIABLE IS NOT DEFINED!\"") !=
        std::string::npos);
}

TEST_CASE("ansible.cfg's gathering: explicit gathers only when the play asks") {
  ExecOptions options;
  options.gathering = "explicit";
  auto out = RunPlaybook("- hosts: h1\n  tasks:\n    - command: x\n", {"h1"}, options);
  REQUIRE(out.calls.size() == 1);
  CHECK(out.calls[0].module == "command");
  auto asked = RunPlaybook("- hosts: h1\n  gather_facts: true\n  tasks: []\n", {"h1"}, options);
  CHECK(asked.text.find("TASK [Gathering Facts]") != std::string::npos);
}

}  // namespace tend

namespace tend {
namespace {

TEST_CASE("debug's verbosity may be k=v text, as Ansible's int() reads it") {
  auto out = RunPlaybook(R"(- hosts: h1
  gather_facts: false
  tasks:
    - debug: var=inventory_hostname verbosity=3
    - debug: msg=shown verbosity=0
    - debug: msg=x verbosity=lots
      ignore_errors: true
)",
                         {"h1"});
  CHECK(out.summary.stats["h1"].skipped == 1);
  CHECK(out.text.find("\"msg\": \"shown\"") != std::string::npos);
  CHECK(out.text.find("invalid literal for int() with base 10: 'lots'") != std::string::npos);
  CHECK(out.summary.stats["h1"].ignored == 1);
}

}  // namespace
}  // namespace tend

namespace tend {
namespace {

TEST_CASE("script finds its file in the role's files/, as copy's src") {
  auto out = RunPlaybook("- hosts: h1\n  gather_facts: false\n  roles: [r]\n", {"h1"}, {},
                         nullptr, {}, {},
                         {{"roles/r/tasks/main.yml",
                           "- script: 'list.sh \"{{ inventory_hostname }}\"'\n"},
                          {"roles/r/files/list.sh", "echo hi\n"}});
  REQUIRE(out.calls.size() == 1);
  CHECK(out.calls[0].module == "script");
  std::string raw = out.calls[0].args.value("_raw_params", "");
  CHECK_MESSAGE(raw.ends_with("/roles/r/files/list.sh \"h1\""), raw);
  CHECK(raw.starts_with("/"));
}

}  // namespace

TEST_CASE("a play's gather_subset, gather_timeout and fact_path reach setup; a play asking the same reuses") {
  auto out = RunPlaybook(R"(- hosts: all
  gather_subset: [network, "!hardware"]
  gather_timeout: 5
  fact_path: /opt/facts.d
  tasks: []
- hosts: all
  gather_subset: [network, "!hardware"]
  gather_timeout: 5
  fact_path: /opt/facts.d
  tasks: []
- hosts: all
  tasks:
    - setup: {filter: "ansible_local"}
      register: r
    - assert: {that: [r.ansible_facts.ansible_hostname == inventory_hostname]}
)", {"h1"});
  std::vector<Json> setups;
  for (const auto& c : out.calls) {
    if (c.module == "setup") setups.push_back(c.args);
  }
  // The second play asks what the first did: gathered once. The third
  // asks for the default set, so it gathers; so does its explicit setup.
  REQUIRE(setups.size() == 3);
  CHECK(setups[0] == Json::parse(R"({"gather_subset": ["network", "!hardware"], "gather_timeout": 5,
                                      "fact_path": "/opt/facts.d"})"));
  CHECK(setups[1] == Json::object());
  CHECK(setups[2] == Json::parse(R"({"filter": "ansible_local"})"));
  CHECK_FALSE(out.summary.any_failed);
}

}  // namespace tend
