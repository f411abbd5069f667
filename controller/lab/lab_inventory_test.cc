#include "controller/lab/lab_inventory.h"

#include <doctest/doctest.h>

namespace tend::lab {

TEST_CASE("host names map to groups") {
  struct Case {
    const char* name;
    const char* group;
  };
  Case cases[] = {
      {"training-node", "training"},
      {"tracking-node", "tracking"},
      {"serving-node", "serving"},
      {"training-node2", "training"},
      {"serving-node-3", "serving"},
      {"node1", "nodes"},
      {"node10", "nodes"},
      {"node", "nodes"},
      {"web1", "web"},
      {"db-2", "db"},
      {"gpu-box-7", "gpu_box"},
      {"bastion", ""},
      {"42", ""},
      {"my-node", "my"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.name);
    CHECK(GroupForHost(c.name) == c.group);
  }
}

TEST_CASE("the inventory groups hosts and sets strict host-key checking") {
  std::vector<InventoryHost> hosts = {
      {"training-node", "127.0.1.11", ""},
      {"bastion", "127.0.1.12", ""},
      {"tracking-node", "127.0.1.13", ""},
      {"training-node2", "127.0.1.14", ""},
  };
  std::string text =
      RenderInventory("ml", hosts, {"/s/labs/ml/id_ed25519", "/s/labs/ml/known_hosts"});
  CHECK(text ==
        "# tend lab \"ml\": written by `tend lab up`, rewritten on every up.\n"
        "bastion ansible_host=127.0.1.12\n"
        "\n[training]\n"
        "training-node ansible_host=127.0.1.11\n"
        "training-node2 ansible_host=127.0.1.14\n"
        "\n[tracking]\n"
        "tracking-node ansible_host=127.0.1.13\n"
        "\n[all:vars]\n"
        "ansible_port=22\n"
        "ansible_ssh_private_key_file=/s/labs/ml/id_ed25519\n"
        "ansible_ssh_common_args='-o UserKnownHostsFile=/s/labs/ml/known_hosts -o "
        "StrictHostKeyChecking=yes'\n"
        "tend_known_hosts=/s/labs/ml/known_hosts\n"
        "tend_lab=ml\n");
}

TEST_CASE("known_hosts lists each address with its host's key, without the comment") {
  std::vector<InventoryHost> hosts = {
      {"node1", "127.0.0.11", "ssh-ed25519 AAAAC3one root@node1\n"},
      {"node2", "127.0.0.12", "ssh-ed25519 AAAAC3two root@node2\n"},
  };
  CHECK(RenderKnownHosts(hosts) ==
        "127.0.0.11 ssh-ed25519 AAAAC3one\n127.0.0.12 ssh-ed25519 AAAAC3two\n");
}

}  // namespace tend::lab
