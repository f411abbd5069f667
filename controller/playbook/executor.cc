#include "controller/playbook/executor.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "controller/playbook/play_runner.h"
#include "controller/playbook/run_context.h"

namespace tend {

bool TagsSelect(const std::vector<std::string>& task_tags, const std::vector<std::string>& only,
                const std::vector<std::string>& skip) {
  auto has = [](const std::vector<std::string>& list, std::string_view s) {
    return std::find(list.begin(), list.end(), s) != list.end();
  };
  auto intersects = [&](const std::vector<std::string>& a, const std::vector<std::string>& b) {
    for (const auto& x : a) {
      if (has(b, x)) return true;
    }
    return false;
  };
  bool tagged = !task_tags.empty();
  if (!skip.empty()) {
    if (intersects(task_tags, skip)) return false;
    if (has(skip, "all") && !has(task_tags, "always")) return false;
    if (has(skip, "tagged") && tagged) return false;
    if (has(skip, "untagged") && !tagged) return false;
  }
  bool all = only.empty() || has(only, "all");
  if (has(task_tags, "never") && !intersects(task_tags, only)) return false;
  if (all || has(task_tags, "always")) return true;
  if (has(only, "tagged") && tagged) return true;
  if (has(only, "untagged") && !tagged) return true;
  return intersects(task_tags, only);
}

std::vector<size_t> SerialBatches(const Json& serial, size_t host_count) {
  std::vector<size_t> out;
  if (host_count == 0) return out;
  auto size_of = [&](const Json& v) -> size_t {
    double n = 0;
    if (v.is_number())
      n = v.get<double>();
    else if (v.is_string()) {
      std::string s = v.get<std::string>();
      if (!s.empty() && s.back() == '%')
        n = std::floor(host_count * std::atof(s.c_str()) / 100.0);
      else
        n = std::atof(s.c_str());
      if (!s.empty() && s.back() == '%' && n < 1) n = 1;
    }
    if (n <= 0) return host_count;
    return static_cast<size_t>(n);
  };
  std::vector<Json> steps;
  if (serial.is_array() && !serial.empty())
    steps.assign(serial.begin(), serial.end());
  else
    steps.push_back(serial.is_null() ? Json(0) : serial);
  size_t done = 0;
  for (size_t i = 0; done < host_count; ++i) {
    size_t n = std::min(size_of(steps[std::min(i, steps.size() - 1)]), host_count - done);
    out.push_back(n);
    done += n;
  }
  return out;
}

// The run's shared services; a play at a time runs over them.
struct Executor::Impl {
  Impl(HostCatalog& hosts, SessionFactory& sessions, Reporter& reporter, PlaybookLoader& loader,
       TemplarFactory templar, ExecOptions options)
      : ctx(hosts, sessions, reporter, loader, std::move(templar), std::move(options)) {}
  RunContext ctx;
};

Executor::Executor(HostCatalog& hosts, SessionFactory& sessions, Reporter& reporter,
                   PlaybookLoader& loader, TemplarFactory templar, ExecOptions options)
    : impl_(std::make_unique<Impl>(hosts, sessions, reporter, loader, std::move(templar),
                                   std::move(options))) {}

Executor::~Executor() = default;

RunSummary Executor::Run(const Playbook& book) { return PlayRunner(impl_->ctx).Run(book); }

}  // namespace tend
