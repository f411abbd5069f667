#include "controller/records/record.h"

#include <chrono>

namespace tend {

void CountResult(Json& counts, const std::string& host, const std::string& status) {
  Json& c = counts[host];
  if (c.is_null()) {
    c = {{"ok", 0}, {"changed", 0}, {"failed", 0}, {"unreachable", 0}, {"skipped", 0}};
  }
  if (status == "ok" || status == "changed") c["ok"] = c["ok"].get<int>() + 1;
  if (status != "ok" && c.contains(status)) c[status] = c[status].get<int>() + 1;
}

int64_t NowMs() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

}  // namespace tend
