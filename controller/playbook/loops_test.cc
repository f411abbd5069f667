#include "controller/playbook/loops.h"

#include <doctest/doctest.h>

namespace tend {
namespace {

TEST_CASE("loop_control extended: ansible_loop with the neighbours each item has") {
  Task task;
  task.loop_control = {{"extended", true}};
  Json names = {{"loop_var", "fruit"}, {"index_var", "i"}};
  Json items = Json::array({"apple", "orange", "banana"});
  Json first = ItemVars(task, names, items, 0);
  CHECK(first["fruit"] == "apple");
  CHECK(first["i"] == 0);
  CHECK(first["ansible_loop_var"] == "fruit");
  CHECK(first["ansible_loop"] == Json{{"index", 1},
                                      {"index0", 0},
                                      {"revindex", 3},
                                      {"revindex0", 2},
                                      {"first", true},
                                      {"last", false},
                                      {"length", 3},
                                      {"allitems", items},
                                      {"nextitem", "orange"}});
  Json middle = ItemVars(task, names, items, 1)["ansible_loop"];
  CHECK(middle["previtem"] == "apple");
  CHECK(middle["nextitem"] == "banana");
  Json last = ItemVars(task, names, items, 2)["ansible_loop"];
  CHECK(last["previtem"] == "orange");
  CHECK_FALSE(last.contains("nextitem"));
  CHECK(last["last"] == true);
  task.loop_control["extended_allitems"] = false;
  CHECK_FALSE(ItemVars(task, names, items, 0)["ansible_loop"].contains("allitems"));
  task.loop_control = Json::object();
  CHECK(ItemVars(task, Json::object(), items, 1) == Json{{"item", "orange"}, {"ansible_loop_var", "item"}});
}

}  // namespace
}  // namespace tend
