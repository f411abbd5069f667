#include "controller/playbook/block_loader.h"

#include "controller/playbook/keyword_inheritance.h"
#include "controller/playbook/task_keywords.h"

namespace tend {

Expected<Task> LoadBlock(TaskLoader& tasks, const TaskContext& ctx, const Json& t,
                         const std::string& ptr) {
  const YamlSource& s = *ctx.src;
  if (auto ok = CheckKeywords(s, t, ptr, BlockKeywords(), "block"); !ok) {
    return std::unexpected(ok.error());
  }
  Task block = InheritedFrom(t);
  block.is_block = true;
  block.where = s.At(ptr);
  block.file = s.path;
  block.role = ctx.role;
  if (t.contains("name") && t["name"].is_string()) block.name = t["name"];
  auto inner = WithCollections(ctx, t, ptr);
  if (!inner) return std::unexpected(inner.error());
  block.collections = inner->collections;
  for (auto [key, list] : {std::pair{"block", &block.block}, std::pair{"rescue", &block.rescue},
                           std::pair{"always", &block.always}}) {
    if (!t.contains(key)) continue;
    auto loaded = tasks.LoadList(*inner, t[key], Pointer(ptr, key));
    if (!loaded) return std::unexpected(loaded.error());
    *list = std::move(*loaded);
  }
  Task carrier = block;
  carrier.block.clear();
  carrier.rescue.clear();
  carrier.always.clear();
  for (auto* list : {&block.block, &block.rescue, &block.always}) {
    for (auto& child : *list) Inherit(carrier, child);
  }
  return block;
}

}  // namespace tend
