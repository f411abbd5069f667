// Modules tend has no native implementation of, run as Ansible's own Python
// code (issue 19), against ansible-playbook: tests/modules/python/modules.yml
// runs with tend on node1 and with ansible-playbook on node2 of the same
// fresh image, in check+diff mode, then diff mode, then again; each run must
// give both tools the same task statuses and output, the same end state
// (tests/modules/python/state.sh), and the re-run must change nothing.
#include <doctest/doctest.h>

#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "core/json.h"
#include "tests/support/lab_shell.h"

namespace {

using tend::labtest::HostsOf;
using tend::labtest::Lab;
using tend::labtest::LabHost;
using tend::labtest::RecapByHost;
using tend::labtest::Run;
using tend::labtest::Sh;
using tend::labtest::Slurp;
using tend::labtest::Contains;
using tend::labtest::SourceDir;

constexpr const char* kPlay = "tests/modules/python/modules.yml";

struct Pair {
  Lab lab;
  LabHost tend_host;
  LabHost ansible_host;
};

const Pair& GetPair() {
  static Pair pair = [] {
    Pair p;
    p.lab = tend::labtest::UpFreshLab("h19-python", "-n 2");
    auto hosts = HostsOf(Slurp(p.lab.inventory));
    REQUIRE(hosts.size() == 2);
    p.tend_host = hosts[0];
    p.ansible_host = hosts[1];
    return p;
  }();
  return pair;
}

std::string OnHost(const LabHost& host, const std::string& command) {
  const Lab& lab = GetPair().lab;
  return Sh("ssh -o BatchMode=yes -o IdentitiesOnly=yes -o StrictHostKeyChecking=yes -o "
            "UserKnownHostsFile=" + lab.dir + "/known_hosts -i " + lab.dir + "/id_ed25519 root@" +
            host.address + " " + command)
      .out;
}

// acl and make are not in the stock image; the lab's package source has them.
void EnsureTools(const LabHost& host) {
  std::string out = OnHost(host,
                           "'command -v setfacl >/dev/null && command -v make >/dev/null && echo rc=0 || "
                           "{ DEBIAN_FRONTEND=noninteractive apt-get -qq update >/dev/null && "
                           "DEBIAN_FRONTEND=noninteractive apt-get -qq install -y acl make >/dev/null; "
                           "echo rc=$?; }'");
  INFO(out);
  REQUIRE(out.find("rc=0") != std::string::npos);
}

std::string State(const LabHost& host) {
  return OnHost(host, "sh -s < " + SourceDir() + "/tests/modules/python/state.sh");
}

// Each task's status lines with the host name taken out, plus diffs and
// warnings, in order: what both tools must print alike.
std::string Outcome(const std::string& out, const std::string& host) {
  std::string text = std::regex_replace(out, std::regex("\\b" + host + "\\b"), "HOST");
  std::vector<std::string> kept;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line.starts_with("PLAY RECAP") || line.starts_with("HOST ")) continue;
    // The native copy's diff header names the file where Ansible names its tmp copy.
    if (line.starts_with("+++ after") || line.starts_with("--- before")) continue;
    // A new key pair is random on each host.
    if (Contains(line, "\"fingerprint\": ") || Contains(line, "\"public_key\": ")) continue;
    kept.push_back(line);
  }
  std::string joined;
  for (const auto& k : kept) joined += k + "\n";
  return joined;
}

struct Both {
  Run tend;
  Run ansible;
};

Both PlayBoth(const std::string& flags, const std::string& play = kPlay) {
  const Pair& p = GetPair();
  Both b;
  b.tend = Sh(p.lab.tend + " play -i " + p.lab.inventory + " --limit " + p.tend_host.name + " " +
              flags + " " + SourceDir() + "/" + play);
  b.ansible = Sh("cd /tmp && ANSIBLE_NOCOLOR=1 ansible-playbook -i " + p.lab.inventory + " --limit " +
                 p.ansible_host.name + " " + flags + " " + SourceDir() + "/" + play);
  return b;
}

// `tend run` and `ansible` of the same module and arguments, each on its host.
Both AdhocBoth(const std::string& module, const std::string& args, const std::string& flags = "") {
  const Pair& p = GetPair();
  Both b;
  b.tend = Sh(p.lab.tend + " run -i " + p.lab.inventory + " " + p.tend_host.name + " " + flags +
              " -m " + module + " -a '" + args + "'");
  b.ansible = Sh("cd /tmp && ANSIBLE_NOCOLOR=1 ansible -i " + p.lab.inventory + " " +
                 p.ansible_host.name + " " + flags + " -m " + module + " -a '" + args + "'");
  return b;
}

// "host | CHANGED => {json}": the status word and the JSON, without the
// interpreter Ansible reports discovering (tend discovers it on the host).
std::pair<std::string, tend::Json> AdhocResult(const std::string& out) {
  size_t bar = out.find(" | ");
  size_t arrow = out.find(" => ", bar);
  if (bar == std::string::npos || arrow == std::string::npos) return {out, tend::Json()};
  tend::Json json = tend::Json::parse(out.substr(arrow + 4), nullptr, false);
  if (json.is_object() && json.contains("ansible_facts")) {
    json["ansible_facts"].erase("discovered_interpreter_python");
    if (json["ansible_facts"].empty()) json.erase("ansible_facts");
  }
  return {out.substr(bar + 3, arrow - bar - 3), json};
}

void CheckAdhocAlike(const Both& b, const char* what) {
  INFO(what);
  INFO("tend:\n", b.tend.out);
  INFO("ansible:\n", b.ansible.out);
  CHECK(b.tend.rc == b.ansible.rc);
  auto [tend_status, tend_json] = AdhocResult(b.tend.out);
  auto [ansible_status, ansible_json] = AdhocResult(b.ansible.out);
  CHECK(tend_status == ansible_status);
  CHECK(tend_json.dump() == ansible_json.dump());
}

void CheckAlike(const Both& b, const char* what) {
  const Pair& p = GetPair();
  INFO(what);
  INFO("tend:\n", b.tend.out);
  INFO("ansible-playbook:\n", b.ansible.out);
  CHECK(b.tend.rc == 0);
  CHECK(b.ansible.rc == 0);
  auto tend_recap = RecapByHost(b.tend.out)[p.tend_host.name];
  auto ansible_recap = RecapByHost(b.ansible.out)[p.ansible_host.name];
  CHECK(tend_recap == ansible_recap);
  CHECK(Outcome(b.tend.out, p.tend_host.name) == Outcome(b.ansible.out, p.ansible_host.name));
}

TEST_CASE("thirteen non-native modules through Python match ansible-playbook: check, diff, re-run") {
  const Pair& p = GetPair();
  EnsureTools(p.tend_host);
  EnsureTools(p.ansible_host);
  std::string stock = State(p.tend_host);
  REQUIRE(stock == State(p.ansible_host));

  Both check = PlayBoth("--check --diff");
  CheckAlike(check, "check mode with diff");
  // The fixtures are check_mode: false; nothing the modules own was made.
  std::string after_check = State(p.tend_host);
  CHECK(after_check == State(p.ansible_host));
  CHECK(after_check.find("tendtest\tsoft") == std::string::npos);
  CHECK(after_check.find("Link: /usr/local/bin/tendtest") == std::string::npos);
  CHECK(after_check.find("example.org") == std::string::npos);

  Both first = PlayBoth("--diff");
  CheckAlike(first, "first run with diff");
  std::string state = State(p.tend_host);
  CHECK(state == State(p.ansible_host));
  CHECK(state.find("example.org ssh-ed25519") != std::string::npos);
  CHECK(state.find("tendtest\tsoft\tnofile\t4096") != std::string::npos);
  CHECK(state.find("user:nobody:r--") != std::string::npos);
  CHECK(state.find("== keypair\npresent") != std::string::npos);
  CHECK(tend::labtest::Contains(first.tend.out, "TASK [acl]"));

  Both again = PlayBoth("");
  CheckAlike(again, "second run");
  auto recap = RecapByHost(again.tend.out)[p.tend_host.name];
  CHECK(recap[1] == 0);  // changed=0
  CHECK(State(p.tend_host) == state);
}

TEST_CASE("-v and JSON events say which tasks ran through Python; the payload is cached") {
  const Pair& p = GetPair();
  std::string base = p.lab.tend + " play -i " + p.lab.inventory + " --limit " + p.tend_host.name + " ";
  Run verbose = Sh(base + "-v " + SourceDir() + "/" + kPlay);
  INFO(verbose.out);
  CHECK(verbose.out.find("ran through Python: Ansible's ansible.posix.acl") != std::string::npos);
  CHECK(verbose.out.find("ran through Python: Ansible's ansible.builtin.copy") == std::string::npos);
  Run json = Sh(base + "--output json " + SourceDir() + "/" + kPlay);
  CHECK(json.out.find("\"python_module\":\"community.general.pam_limits\"") != std::string::npos);
  // One payload per module, kept under the agent's cache: 13 modules.
  std::string cached = OnHost(p.tend_host, "'ls /root/.cache/tend/python/*.zip | wc -l'");
  CHECK(std::stoi(cached) == 13);
  CHECK(OnHost(p.tend_host, "'ls /root/.ansible/tmp 2>/dev/null | wc -l'") == "0\n");
}

TEST_CASE("no Python on the host, or a module with an action plugin, is a clear error") {
  const Pair& p = GetPair();
  std::string base = p.lab.tend + " play -i " + p.lab.inventory + " --limit " + p.tend_host.name + " ";
  Run missing = Sh(base + SourceDir() + "/tests/modules/python/errors.yml");
  INFO(missing.out);
  CHECK(missing.out.find("module known_hosts has no native implementation in tend and needs "
                         "Python 3 on the host; none found (tried /nonexistent/python3)") !=
        std::string::npos);
  CHECK(missing.out.find("module ansible.builtin.reboot is not native in tend and needs Ansible's "
                         "action plugin") != std::string::npos);
}

TEST_CASE("async on modules run through Python, and the collections keyword, match ansible-playbook") {
  const Pair& p = GetPair();
  Both first = PlayBoth("", "tests/modules/python/async.yml");
  INFO("tend:\n", first.tend.out);
  INFO("ansible-playbook:\n", first.ansible.out);
  CHECK(first.tend.rc == 0);
  CHECK(first.ansible.rc == 0);
  // until/retries prints as many retries as the job took: compare recaps.
  CHECK(RecapByHost(first.tend.out)[p.tend_host.name] == RecapByHost(first.ansible.out)[p.ansible_host.name]);
  std::string files = "'stat -c \"%n %s\" /srv/pyt/async/blob; getfacl -p /srv/pyt/async/acl.txt'";
  CHECK(OnHost(p.tend_host, files) == OnHost(p.ansible_host, files));
  CHECK(Contains(OnHost(p.tend_host, files), "/srv/pyt/async/blob 8192"));
  CHECK(Contains(OnHost(p.tend_host, files), "user:nobody:rw-"));
  // The job's payload came from the cache the first call filled.
  CHECK(OnHost(p.tend_host, "'ls /root/.ansible_async | wc -l'") != "0\n");
}

TEST_CASE("tend run with a non-native module runs Ansible's code, as ansible does") {
  const std::string args = "domain=adhoc limit_type=soft limit_item=core value=0 dest=/srv/pyt/adhoc-limits.conf";
  const Pair& p = GetPair();
  for (const LabHost* host : {&p.tend_host, &p.ansible_host}) {
    OnHost(*host, "'mkdir -p /srv/pyt && printf \"name,uid\\nalice,1001\\n\" > /srv/pyt/adhoc.csv'");
  }
  Both check = AdhocBoth("community.general.pam_limits", args, "-C");
  CheckAdhocAlike(check, "check mode");
  Both first = AdhocBoth("community.general.pam_limits", args);
  CheckAdhocAlike(first, "first run");
  CHECK(AdhocResult(first.tend.out).first == "CHANGED");
  Both again = AdhocBoth("community.general.pam_limits", args);
  CheckAdhocAlike(again, "second run");
  CHECK(AdhocResult(again.tend.out).first == "SUCCESS");
  CHECK(OnHost(p.tend_host, "cat /srv/pyt/adhoc-limits.conf") ==
        OnHost(p.ansible_host, "cat /srv/pyt/adhoc-limits.conf"));
  // A short name ansible-core routes to a collection, and a module's failure.
  CheckAdhocAlike(AdhocBoth("read_csv", "path=/srv/pyt/adhoc.csv key=name"), "read_csv");
  CheckAdhocAlike(AdhocBoth("read_csv", "path=/srv/pyt/missing.csv"), "a failing module");
}

TEST_CASE("tend run: an action-plugin module and an unknown module are clear errors") {
  const Pair& p = GetPair();
  std::string base = p.lab.tend + " run -i " + p.lab.inventory + " " + p.tend_host.name + " ";
  Run sync = Sh(base + "-m synchronize -a 'src=/tmp dest=/tmp'");
  INFO(sync.out);
  CHECK(sync.rc != 0);
  CHECK(Contains(sync.out, "module synchronize is not native in tend and needs Ansible's action plugin "
                           "(controller-side Python: "));
  CHECK(Contains(sync.out, "which tend does not run; the action plugins tend implements natively are: "));
  // A name neither tend nor Ansible knows is the agent's "couldn't resolve".
  Run unknown = Sh(base + "-m nosuch.coll.thing -a x=1");
  INFO(unknown.out);
  CHECK(unknown.rc == 2);
  CHECK(Contains(unknown.out, "couldn't resolve module 'nosuch.coll.thing'"));
}

}  // namespace
