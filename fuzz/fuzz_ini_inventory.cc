// The INI inventory parser, then what every command does with the result:
// reconcile the groups, list them as `tend inventory --list`, and match a pattern.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "controller/inventory/inventory_impl.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  tend::Inventory inventory;
  auto parsed = tend::ParseIniInventory(text, "fuzz.ini", inventory.impl());
  if (!parsed) {
    (void)parsed.error().ToString();
    return 0;
  }
  inventory.impl().Reconcile();
  (void)inventory.ListJson().dump();
  (void)inventory.Graph("all", true);
  (void)inventory.Match("all:!ungrouped");
  return 0;
}
