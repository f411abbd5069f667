#include "controller/lab/lab.h"

#include <doctest/doctest.h>

#include <cstdlib>

namespace tend::lab {

TEST_CASE("the lab needs root, and says why") {
  CHECK(CheckRoot(0));
  auto r = CheckRoot(1000);
  REQUIRE_FALSE(r);
  CHECK(r.error().message ==
        "tend lab must run as root: it mounts overlays and starts containers (try: sudo tend lab "
        "...)");
}

TEST_CASE("the state directory comes from TEND_LAB_DIR, else /var/lib/tend/lab") {
  const char* saved = std::getenv("TEND_LAB_DIR");
  std::string keep = saved ? saved : "";
  setenv("TEND_LAB_DIR", "/tmp/x/../labs/", 1);
  CHECK(StateDir() == "/tmp/labs");
  unsetenv("TEND_LAB_DIR");
  CHECK(StateDir() == "/var/lib/tend/lab");
  if (saved) setenv("TEND_LAB_DIR", keep.c_str(), 1);
}

TEST_CASE("the lab's files sit under labs/<name>") {
  LabPaths paths{"/s", "ml"};
  CHECK(paths.Record() == "/s/labs/ml/lab.json");
  CHECK(paths.Key() == "/s/labs/ml/id_ed25519");
  CHECK(paths.KnownHosts() == "/s/labs/ml/known_hosts");
  CHECK(paths.Inventory() == "/s/labs/ml/inventory.ini");
  CHECK(paths.HostDir("node1") == "/s/labs/ml/hosts/node1");
  CHECK(paths.LabLock() == "/s/locks/lab-ml.lock");
}

TEST_CASE("lab records round-trip through lab.json") {
  LabRecord record{"ml",
                   2,
                   Runtime::kChroot,
                   "/s/base/bookworm-x/rootfs",
                   {{"node1", "127.0.2.11", {1234, 99}}, {"node2", "127.0.2.12", {}}}};
  auto back = RecordFromJson(RecordToJson(record));
  REQUIRE(back);
  CHECK(back->name == "ml");
  CHECK(back->block == 2);
  CHECK(back->runtime == Runtime::kChroot);
  CHECK(back->lower == record.lower);
  REQUIRE(back->hosts.size() == 2);
  CHECK(back->hosts[0].process.pid == 1234);
  CHECK(back->hosts[0].process.start_time == 99u);
  CHECK(back->hosts[1].address == "127.0.2.12");
  CHECK_FALSE(RecordFromJson(Json{{"name", "x"}}));
  CHECK_FALSE(RecordFromJson(
      Json::parse(R"({"name":"x","block":0,"runtime":"vm","lower":"/","hosts":[]})")));
}

}  // namespace tend::lab
