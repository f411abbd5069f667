#include "controller/playbook/listing.h"

#include <fmt/format.h>

#include <set>

namespace tend {
namespace {

std::string TagList(const std::vector<std::string>& tags) {
  std::string out;
  for (const auto& t : tags) out += (out.empty() ? "" : ", ") + t;
  return "[" + out + "]";
}

void CollectTasks(const std::vector<Task>& tasks, const std::vector<std::string>& only,
                  const std::vector<std::string>& skip, std::vector<const Task*>& out) {
  for (const auto& t : tasks) {
    if (t.is_block) {
      CollectTasks(t.block, only, skip, out);
      CollectTasks(t.rescue, only, skip, out);
      CollectTasks(t.always, only, skip, out);
    } else if (TagsSelect(t.tags, only, skip)) {
      out.push_back(&t);
    }
  }
}

}  // namespace

Expected<std::string> ListPlaybook(const Playbook& book, HostCatalog& hosts, bool list_hosts,
                                   bool list_tasks, bool list_tags,
                                   const std::vector<std::string>& only,
                                   const std::vector<std::string>& skip) {
  std::string out = fmt::format("\nplaybook: {}\n", book.path);
  int n = 0;
  for (const auto& play : book.plays) {
    out += fmt::format("\n  play #{} ({}): {}\tTAGS: {}\n", ++n, play.hosts, play.name,
                       TagList(play.tags));
    if (list_hosts) {
      auto matched = hosts.Match(play.hosts);
      if (!matched) return std::unexpected(matched.error());
      out += fmt::format("    pattern: ['{}']\n    hosts ({}):\n", play.hosts, matched->size());
      for (const auto& h : *matched) out += "      " + h + "\n";
    }
    std::vector<const Task*> tasks;
    for (const auto* list : {&play.pre_tasks, &play.tasks, &play.post_tasks}) {
      CollectTasks(*list, only, skip, tasks);
    }
    if (list_tasks) {
      out += "    tasks:\n";
      for (const Task* t : tasks) {
        out += fmt::format("      {}\tTAGS: {}\n", t->DisplayName(), TagList(t->tags));
      }
    }
    if (list_tags) {
      std::set<std::string> all;
      for (const Task* t : tasks) all.insert(t->tags.begin(), t->tags.end());
      out += fmt::format("      TASK TAGS: {}\n", TagList({all.begin(), all.end()}));
    }
  }
  return out;
}

}  // namespace tend
