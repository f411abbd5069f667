#include "controller/playbook/loader.h"

#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "controller/playbook/test_files.h"

namespace tend {
namespace {

// Paths relative to the test dir, so the expected strings stay readable.
std::string Relative(const TestDir& dir, std::string text) {
  std::string prefix = dir.root() + "/";
  for (size_t at; (at = text.find(prefix)) != std::string::npos;) text.erase(at, prefix.size());
  for (size_t at; (at = text.find(dir.root())) != std::string::npos;) {
    text.replace(at, dir.root().size(), ".");
  }
  return text;
}

std::string LoadError(TestDir& dir, const std::string& playbook = "site.yml") {
  PlaybookLoader loader;
  auto book = loader.Load(dir.Path(playbook));
  REQUIRE_FALSE(book.has_value());
  return Relative(dir, book.error().ToString());
}

TEST_CASE("a play with tasks in every argument style loads") {
  TestDir dir;
  dir.Write("site.yml", R"(- name: Web
  hosts: web:&prod
  become: yes
  serial: 2
  vars:
    port: 80
  tasks:
    - name: Make a dir
      ansible.builtin.file: path=/srv/www state=directory mode=0755
    - command: ls -l /tmp creates=/x chdir=/tmp
    - name: Free form with args
      shell: echo hi > /tmp/out
      args:
        chdir: /tmp
    - community.docker.docker_container:
        name: web
      when:
        - a
        - b | bool
      register: out
      notify: restart
    - action: debug msg="hello world"
    - debug: msg={{ port }}
      with_items: [1, 2]
  handlers:
    - name: restart
      service: name=nginx state=restarted
      listen: web changed
)");
  PlaybookLoader loader;
  auto book = loader.Load(dir.Path("site.yml"));
  REQUIRE_MESSAGE(book.has_value(), book.error().ToString());
  REQUIRE(book->plays.size() == 1);
  const Play& play = book->plays[0];
  CHECK(play.name == "Web");
  CHECK(play.hosts == "web:&prod");
  CHECK(play.become == true);
  CHECK(play.serial == 2);
  CHECK(play.vars["port"] == 80);
  REQUIRE(play.tasks.size() == 6);
  CHECK(play.tasks[0].action == "file");
  CHECK(play.tasks[0].args == Json{{"path", "/srv/www"}, {"state", "directory"}, {"mode", "0755"}});
  CHECK(play.tasks[0].where.line == 8);
  CHECK(play.tasks[1].action == "command");
  CHECK(play.tasks[1].args ==
        Json{{"creates", "/x"}, {"chdir", "/tmp"}, {"_raw_params", "ls -l /tmp"}});
  CHECK(play.tasks[2].args == Json{{"_raw_params", "echo hi > /tmp/out"}, {"chdir", "/tmp"}});
  CHECK(play.tasks[3].action == "docker_container");
  CHECK(play.tasks[3].when == std::vector<std::string>{"a", "b | bool"});
  CHECK(play.tasks[3].register_as == "out");
  CHECK(play.tasks[3].notify == std::vector<std::string>{"restart"});
  CHECK(play.tasks[4].action == "debug");
  CHECK(play.tasks[4].args == Json{{"msg", "hello world"}});
  CHECK(play.tasks[5].args == Json{{"msg", "{{ port }}"}});
  CHECK(play.tasks[5].loop_kind == "items");
  REQUIRE(play.handlers.size() == 1);
  CHECK(play.handlers[0].listen == std::vector<std::string>{"web changed"});
  CHECK(play.handlers[0].DisplayName() == "restart");
}

TEST_CASE("located errors before any host is touched") {
  TestDir dir;
  struct Case {
    const char* name;
    const char* playbook;
    const char* expected;
  };
  const Case cases[] = {
      {"unknown module", "- hosts: all\n  tasks:\n    - name: x\n      copyy: {src: a, dest: b}\n",
       "site.yml:3:7: unknown module 'copyy', did you mean 'copy'?"},
      {"unknown FQCN", "- hosts: all\n  tasks:\n    - ansible.builtin.lineinfil: {}\n",
       "site.yml:3:7: unknown module 'ansible.builtin.lineinfil', did you mean 'lineinfile'?"},
      {"unknown task keyword", "- hosts: all\n  tasks:\n    - debug: msg=x\n      whn: x\n",
       "site.yml:3:7: unknown task keyword 'whn', did you mean 'when'?"},
      {"unknown loop", "- hosts: all\n  tasks:\n    - debug: msg=x\n      with_filetre: a\n",
       "site.yml:4:21: unknown loop 'with_filetre': no lookup plugin named 'filetre', did you "
       "mean 'filetree'?"},
      {"unknown play keyword", "- hosts: all\n  taks: []\n",
       "site.yml:2:9: unknown play keyword 'taks', did you mean 'tasks'?"},
      {"two modules", "- hosts: all\n  tasks:\n    - debug: msg=x\n      command: ls\n",
       "site.yml:4:16: conflicting action statements: debug, command"},
      {"no hosts", "- name: x\n  tasks: []\n", "site.yml:1:3: the play has no 'hosts'"},
      {"missing role", "- hosts: all\n  roles:\n    - nope\n",
       "site.yml:3:7: the role 'nope' was not found in roles:."},
      {"bad yaml", "- hosts: all\n  tasks:\n    - debug: {msg: x\n",
       "site.yml:4:1: YAML syntax error: end of map flow not found\n    \n    ^"},
      {"block keyword", "- hosts: all\n  tasks:\n    - block: []\n      rescu: []\n",
       "site.yml:4:14: unknown block keyword 'rescu', did you mean 'rescue'?"},
      // issue 21: these ran nothing and exited 0; Ansible refuses them.
      {"empty playbook", "# nothing here\n", "Empty playbook, nothing to do: site.yml"},
      {"empty list", "[]\n", "Empty playbook, nothing to do: site.yml"},
      {"unclosed quote", "- hosts: all\n  tasks:\n    - debug: \"msg=hi\n    - debug: msg=next\n",
       "site.yml:3:14: YAML syntax error: found unexpected end of stream (a quote is not "
       "closed)\n        - debug: \"msg=hi\n                 ^"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.name);
    dir.Write("site.yml", c.playbook);
    CHECK(LoadError(dir) == c.expected);
  }
}

TEST_CASE("recursive imports are located errors") {
  TestDir dir;
  dir.Write("site.yml", "- hosts: all\n  tasks:\n    - import_tasks: a.yml\n");
  dir.Write("a.yml", "- debug: msg=a\n- import_tasks: b.yml\n");
  dir.Write("b.yml", "- import_tasks: a.yml\n");
  CHECK(LoadError(dir) == "b.yml:1:3: recursive import_tasks of 'a.yml'");

  dir.Write("site.yml", "- import_playbook: other.yml\n");
  dir.Write("other.yml", "- import_playbook: site.yml\n");
  CHECK(LoadError(dir) == "other.yml:1:20: recursive import_playbook of 'site.yml'");
}

TEST_CASE("what Ansible reports when a task runs is a load warning, an error under --syntax-check") {
  TestDir dir;
  struct Case {
    const char* name;
    const char* task;
    const char* problem;
  };
  const Case cases[] = {
      {"a missing argument", "    - file: {state: hard}\n      ignore_errors: true\n",
       "site.yml:3:7: missing required arguments: path"},
      {"an unknown argument", "    - action: slurp srcc=/x\n",
       "site.yml:3:7: unsupported parameter 'srcc' for module 'slurp', did you mean 'src'?"},
      {"unbalanced quotes", "    - file: path='/x state=touch\n",
       "site.yml:3:13: unbalanced quotes in arguments: path='/x state=touch"},
      {"stray words", "    - file: /x state=touch\n",
       "site.yml:3:7: module 'file' takes no free-form arguments, got '/x'"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.name);
    dir.Write("site.yml", std::string("- hosts: all\n  tasks:\n") + c.task);
    PlaybookLoader loader;
    auto book = loader.Load(dir.Path("site.yml"));
    REQUIRE_MESSAGE(book.has_value(), book.error().ToString());
    auto warnings = loader.TakeWarnings();
    REQUIRE(warnings.size() == 1);
    CHECK(Relative(dir, warnings[0]).starts_with(c.problem));
    CHECK(warnings[0].ends_with(" (the task fails on each host that runs it)"));
    CHECK(loader.TakeWarnings().empty());

    PlaybookLoader strict(LoadOptions{.roles_path = {}, .syntax_check = true});
    auto refused = strict.Load(dir.Path("site.yml"));
    REQUIRE_FALSE(refused.has_value());
    CHECK(Relative(dir, refused.error().ToString()).starts_with(c.problem));
  }
}

TEST_CASE("a module only Ansible has loads without a warning: it runs as Ansible's Python code") {
  TestDir dir;
  for (const char* task : {"    - pacman: name=tree\n", "    - ansible.windows.win_file: {path: x}\n"}) {
    CAPTURE(task);
    dir.Write("site.yml", std::string("- hosts: all\n  tasks:\n") + task);
    PlaybookLoader strict(LoadOptions{.roles_path = {}, .syntax_check = true});
    auto book = strict.Load(dir.Path("site.yml"));
    REQUIRE_MESSAGE(book.has_value(), book.error().ToString());
    CHECK(strict.TakeWarnings().empty());
  }
}

TEST_CASE("a task that fails at run time keeps what it needs to fail there") {
  TestDir dir;
  dir.Write("site.yml", R"(- hosts: all
  tasks:
    - community.general.pacman: {name: tree}
    - file: path='/x
    - action: "{{ ansible_facts.pkg_mgr }} name=libuser"
      args: {state: present}
    - local_action: {module: "{{ mod }}", msg: hi}
)");
  PlaybookLoader loader;
  auto book = loader.Load(dir.Path("site.yml"));
  REQUIRE_MESSAGE(book.has_value(), book.error().ToString());
  const auto& tasks = book->plays[0].tasks;
  REQUIRE(tasks.size() == 4);
  CHECK(tasks[0].action == "community.general.pacman");
  CHECK(tasks[0].args == Json{{"name", "tree"}});
  CHECK(tasks[1].action == "file");
  REQUIRE(tasks[1].args_error.has_value());
  CHECK(tasks[1].args_error->message == "unbalanced quotes in arguments: path='/x");
  CHECK(tasks[2].action == "{{ ansible_facts.pkg_mgr }}");
  CHECK(tasks[2].args == Json{{"name", "libuser"}, {"state", "present"}});
  CHECK(tasks[3].action == "{{ mod }}");
  CHECK(tasks[3].delegate_to == "localhost");
  // The unreadable arguments; pacman runs as Ansible's Python code (issue 19),
  // templated names are resolved when they run.
  CHECK(loader.TakeWarnings().size() == 1);
}

TEST_CASE("cmd is the free form of command, shell and script") {
  TestDir dir;
  dir.Write("site.yml", R"(- hosts: all
  tasks:
    - command: {cmd: "true", chdir: /tmp}
    - shell: cat x
      args: {cmd: id}
    - copy: {cmd: x, dest: /y}
)");
  PlaybookLoader loader;
  auto book = loader.Load(dir.Path("site.yml"));
  REQUIRE_MESSAGE(book.has_value(), book.error().ToString());
  const auto& tasks = book->plays[0].tasks;
  REQUIRE(tasks.size() == 3);
  CHECK(tasks[0].args == Json{{"chdir", "/tmp"}, {"_raw_params", "true"}});
  // Both places at once is the task's error; other modules keep their `cmd`.
  REQUIRE(tasks[1].args_error.has_value());
  CHECK(tasks[1].args_error->message ==
        "The 'cmd' argument cannot be used when other raw parameters are specified. Please put "
        "everything in one or the other place.");
  CHECK(tasks[2].args == Json{{"cmd", "x"}, {"dest", "/y"}});
}

TEST_CASE("names neither tend nor Ansible knows stay load errors") {
  TestDir dir;
  dir.Write("site.yml", "- hosts: all\n  tasks:\n    - pacmann: name=tree\n");
  CHECK(LoadError(dir) == "site.yml:3:7: unknown module 'pacmann'");
  dir.Write("site.yml", "- hosts: all\n  tasks:\n    - action: copyy src=a\n");
  CHECK(LoadError(dir) == "site.yml:3:15: unknown module 'copyy', did you mean 'copy'?");
}

TEST_CASE("include_tasks files are read when the include runs, not at load") {
  TestDir dir;
  dir.Write("site.yml", R"(- hosts: all
  tasks:
    - include_tasks: arch.yml
      when: false
    - include_tasks: broken.yml
    - include_tasks: missing.yml
    - include_tasks: self.yml
)");
  dir.Write("arch.yml", "- pacmann: name=tree\n");
  dir.Write("broken.yml", "- debug: {msg: x\n");
  dir.Write("self.yml", "- include_tasks: self.yml\n");
  PlaybookLoader loader;
  auto book = loader.Load(dir.Path("site.yml"));
  REQUIRE_MESSAGE(book.has_value(), book.error().ToString());
  CHECK(loader.TakeWarnings().empty());
  auto bad = loader.IncludeTasks(dir.Path("arch.yml"), nullptr, book->plays[0].tasks[0].where, {});
  REQUIRE_FALSE(bad.has_value());
  CHECK(Relative(dir, bad.error().ToString()) == "arch.yml:1:3: unknown module 'pacmann'");
}

TEST_CASE("collections: play, block, task and role meta lists resolve short module names") {
  TestDir dir;
  dir.Write("site.yml", R"(- hosts: all
  collections: [community.general]
  tasks:
    - filesize: {path: /a, size: 1KiB}
    - action: filesize path=/b size=1KiB
    - modprobe: {name: dummy}
    - block:
        - ufw: {rule: allow}
      collections: ansible.builtin
    - sudoers: {name: x, user: y, commands: /bin/true}
      collections: [ansible.posix, community.general]
    - import_tasks: more.yml
    - import_role: {name: r}
  roles: [plain]
)");
  dir.Write("more.yml", "- filesize: {path: /c, size: 1KiB}\n");
  dir.Write("roles/r/meta/main.yml", "collections: [community.general]\n");
  dir.Write("roles/r/tasks/main.yml", "- filesize: {path: /d, size: 1KiB}\n");
  dir.Write("roles/plain/tasks/main.yml", "- debug: msg=x\n");
  PlaybookLoader loader;
  auto book = loader.Load(dir.Path("site.yml"));
  REQUIRE_MESSAGE(book.has_value(), book.error().ToString());
  const auto& tasks = book->plays[0].tasks;
  REQUIRE(tasks.size() == 8);
  CHECK(tasks[1].action == "community.general.filesize");
  CHECK(tasks[2].action == "community.general.filesize");
  CHECK(tasks[3].action == "modprobe");
  // The nearer list replaces the play's: ufw is ansible-core's routed name.
  CHECK(tasks[4].block[0].action == "ufw");
  CHECK(tasks[5].action == "community.general.sudoers");
  CHECK(tasks[6].block[0].action == "community.general.filesize");
  CHECK(tasks[7].block[0].action == "community.general.filesize");
  CHECK(tasks[7].block[0].collections == std::vector<std::string>{"community.general"});
}

TEST_CASE("collections: modules of a collection installed on the controller, found by the probe") {
  TestDir dir;
  dir.Write("site.yml", R"(- hosts: all
  tasks:
    - my.coll.thing: {x: 1}
    - thing: {x: 2}
      collections: [my.coll]
)");
  LoadOptions options;
  options.module_code = [](std::string_view fqcn) { return fqcn == "my.coll.thing"; };
  PlaybookLoader loader(options);
  auto book = loader.Load(dir.Path("site.yml"));
  REQUIRE_MESSAGE(book.has_value(), book.error().ToString());
  CHECK(book->plays[0].tasks[0].action == "my.coll.thing");
  CHECK(book->plays[0].tasks[1].action == "my.coll.thing");
  CHECK(LoadError(dir) == "site.yml:3:7: unknown module 'my.coll.thing'");
}

TEST_CASE("collections: a role does not search its play's list; a bad list is located") {
  TestDir dir;
  dir.Write("site.yml", R"(- hosts: all
  collections: [community.general]
  roles: [r]
)");
  dir.Write("roles/r/tasks/main.yml", "- filesize: {path: /d, size: 1KiB}\n");
  CHECK(LoadError(dir) == "roles/r/tasks/main.yml:1:3: unknown module 'filesize'");
  dir.Write("site.yml", R"(- hosts: all
  tasks:
    - filesize: {path: /d, size: 1KiB}
      collections: [{bad: 1}]
)");
  CHECK(LoadError(dir) == "site.yml:4:20: 'collections' must be a list of collection names");
}

TEST_CASE("roles: defaults, vars, handlers, dependencies and params") {
  TestDir dir;
  dir.Write("site.yml", R"(- hosts: all
  roles:
    - role: app
      app_port: 8080
      tags: [app]
      when: deploy
  tasks:
    - debug: msg=play
  handlers:
    - name: play handler
      debug: msg=h
)");
  dir.Write("roles/base/tasks/main.yml", "- name: base task\n  debug: msg=base\n");
  dir.Write("roles/base/defaults/main.yaml", "base_var: 1\n");
  dir.Write("roles/app/meta/main.yml", "dependencies:\n  - base\n  - role: base\n");
  dir.Write("roles/app/defaults/main.yml", "app_port: 80\n");
  dir.Write("roles/app/vars/main.yml", "app_user: www\n");
  dir.Write("roles/app/tasks/main.yml",
            "- name: app task\n  debug: msg=app\n- import_tasks: extra.yml\n");
  dir.Write("roles/app/tasks/extra.yml", "- name: extra\n  debug: msg=extra\n");
  dir.Write("roles/app/handlers/main.yml", "- name: restart app\n  debug: msg=r\n");
  PlaybookLoader loader;
  auto book = loader.Load(dir.Path("site.yml"));
  REQUIRE_MESSAGE(book.has_value(), book.error().ToString());
  const Play& play = book->plays[0];
  REQUIRE(play.roles.size() == 2);  // base once (same params), then app
  CHECK(play.roles[0]->name == "base");
  CHECK(play.roles[0]->defaults["base_var"] == 1);
  CHECK(play.roles[1]->params == Json{{"app_port", 8080}});
  CHECK(play.roles[1]->vars["app_user"] == "www");
  REQUIRE(play.tasks.size() == 4);
  CHECK(play.tasks[0].DisplayName() == "base : base task");
  CHECK(play.tasks[0].when == std::vector<std::string>{"deploy"});
  CHECK(play.tasks[1].DisplayName() == "app : app task");
  CHECK(play.tasks[1].tags == std::vector<std::string>{"app"});
  CHECK(play.tasks[2].is_block);
  CHECK(play.tasks[2].block[0].DisplayName() == "app : extra");
  CHECK(play.tasks[2].block[0].when == std::vector<std::string>{"deploy"});
  CHECK(play.tasks[3].DisplayName() == "debug");
  REQUIRE(play.handlers.size() == 2);
  CHECK(play.handlers[0].DisplayName() == "app : restart app");
  CHECK(play.handlers[1].DisplayName() == "play handler");
}

TEST_CASE("block keywords reach every task inside") {
  TestDir dir;
  dir.Write("site.yml", R"(- hosts: all
  tasks:
    - block:
        - debug: msg=a
          when: y
      rescue:
        - debug: msg=r
      always:
        - debug: msg=al
      when: x
      become: true
      tags: t
      vars: {v: 1}
)");
  PlaybookLoader loader;
  auto book = loader.Load(dir.Path("site.yml"));
  REQUIRE_MESSAGE(book.has_value(), book.error().ToString());
  const Task& block = book->plays[0].tasks[0];
  REQUIRE(block.is_block);
  CHECK(block.block[0].when == std::vector<std::string>{"x", "y"});
  CHECK(block.block[0].become == true);
  CHECK(block.rescue[0].tags == std::vector<std::string>{"t"});
  CHECK(block.always[0].vars == Json{{"v", 1}});
}

TEST_CASE("k=v arguments") {
  struct Case {
    const char* text;
    Json expected;
  };
  const Case cases[] = {
      {"name=x state=present", {{"name", "x"}, {"state", "present"}}},
      {"msg=\"a b\" update_cache=yes", {{"msg", "a b"}, {"update_cache", true}}},
      {"msg='{{ a }} b'", {{"msg", "{{ a }} b"}}},
      {"msg={{ a | default('x y') }}", {{"msg", "{{ a | default('x y') }}"}}},
      {"mode=0644", {{"mode", "0644"}}},
      {"hello there k=v", {{"k", "v"}, {"_raw_params", "hello there"}}},
  };
  for (const auto& c : cases) {
    CAPTURE(c.text);
    auto parsed = ParseKeyValueArgs(c.text, true);
    REQUIRE(parsed.has_value());
    CHECK(*parsed == c.expected);
  }
  CHECK_FALSE(ParseKeyValueArgs("oops", false).has_value());
}

}  // namespace
}  // namespace tend

namespace tend {
namespace {

TEST_CASE("the estate playbooks in playbooks/ load") {
  const char* source = std::getenv("TEND_SOURCE_DIR");
  std::string root = source ? source : ".";
  PlaybookLoader loader;
  auto book = loader.Load(root + "/playbooks/site.yml");
  REQUIRE_MESSAGE(book.has_value(), book.error().ToString());
  CHECK(book->plays.size() >= 4);
  for (const auto& play : book->plays) {
    CAPTURE(play.name);
    CHECK_FALSE(play.tasks.empty());
  }
}

}  // namespace
}  // namespace tend
