#include <doctest/doctest.h>
#include <fmt/format.h>

#include <atomic>
#include <thread>

#include "controller/bootstrap/bootstrap_playbook.h"
#include "controller/bootstrap/bootstrap_probe.h"
#include "controller/connection/fake_session.h"
#include "controller/yaml/yaml.h"

namespace tend {
namespace {

// Opens succeed only for users listed per host, like sshd after hardening.
class UserGateFactory : public SessionFactory {
 public:
  std::map<std::string, std::string> admin_works;  // host -> user that can log in
  std::atomic<int> opens{0};

  Expected<std::unique_ptr<HostSession>> Open(const HostTarget& target) override {
    ++opens;
    auto it = admin_works.find(target.name);
    if (it == admin_works.end() || it->second != target.user) {
      return Fail(fmt::format("{}@{}: Permission denied (publickey)", target.user, target.name));
    }
    return inner_.Open(target);
  }

 private:
  FakeSessionFactory inner_;
};

Json LabVars() {
  return Json{{"ansible_host", "127.0.0.11"},
              {"ansible_user", "root"},
              {"ansible_password", "initial"},
              {"admin_user", "mlops"}};
}

TEST_CASE("AdminUserFor: flag, then the admin_user variable, then admin") {
  CHECK(AdminUserFor("ops", LabVars()) == "ops");
  CHECK(AdminUserFor("", LabVars()) == "mlops");
  CHECK(AdminUserFor("", Json::object()) == "admin");
  CHECK(AdminUserFor("", Json{{"admin_user", "{{ team }}"}}) == "admin");
}

TEST_CASE("AdminProbe: a bootstrapped host is reached as the admin user with become") {
  UserGateFactory sessions;
  sessions.admin_works["node1"] = "mlops";
  std::vector<std::string> notes;
  AdminProbe probe(sessions, ConnectionOptions{}, "",
                   [&](const std::string& n) { notes.push_back(n); });
  Json vars = LabVars();
  probe.Adjust("node1", vars);
  CHECK(vars["ansible_user"] == "mlops");
  CHECK(vars["ansible_become"] == true);
  CHECK_FALSE(vars.contains("ansible_password"));
  CHECK(notes == std::vector<std::string>{
                     "node1: already bootstrapped, connecting as mlops (with become)"});
}

TEST_CASE("AdminProbe: a fresh host keeps its initial user and password") {
  UserGateFactory sessions;
  AdminProbe probe(sessions, ConnectionOptions{}, "");
  Json vars = LabVars();
  probe.Adjust("node2", vars);
  CHECK(vars == LabVars());
}

TEST_CASE("AdminProbe: each host is probed once, however many threads ask") {
  UserGateFactory sessions;
  sessions.admin_works["node1"] = "mlops";
  AdminProbe probe(sessions, ConnectionOptions{}, "");
  std::vector<std::thread> threads;
  std::atomic<int> as_admin{0};
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      Json vars = LabVars();
      probe.Adjust("node1", vars);
      if (vars["ansible_user"] == "mlops") ++as_admin;
    });
  }
  for (auto& t : threads) t.join();
  CHECK(sessions.opens == 1);
  CHECK(as_admin == 8);
}

TEST_CASE("AdminProbe: hosts already using the admin user or local are left alone") {
  UserGateFactory sessions;
  AdminProbe probe(sessions, ConnectionOptions{}, "");
  Json admin = LabVars();
  admin["ansible_user"] = "mlops";
  Json copy = admin;
  probe.Adjust("node1", copy);
  CHECK(copy == admin);
  Json local = Json{{"ansible_connection", "local"}};
  probe.Adjust("box", local);
  CHECK(sessions.opens == 0);
}

TEST_CASE("The embedded bootstrap playbook is one play over the given pattern") {
  auto book = ParseYaml(kBootstrapPlaybook, "bootstrap.yml");
  REQUIRE(book);
  REQUIRE(book->is_array());
  REQUIRE(book->size() == 1);
  CHECK((*book)[0]["hosts"] == "{{ tend_bootstrap_pattern }}");
  // sshd is hardened only after the admin login was proven.
  std::vector<std::string> names;
  for (const auto& t : (*book)[0]["tasks"]) names.push_back(t["name"]);
  auto at = [&](const std::string& n) {
    return std::find(names.begin(), names.end(), n) - names.begin();
  };
  CHECK(at("Prove that the admin user logs in with a key and can sudo") <
        at("Turn off password and root login in sshd"));
  CHECK(at("Let the admin user sudo without a password") <
        at("Prove that the admin user logs in with a key and can sudo"));
}

}  // namespace
}  // namespace tend
