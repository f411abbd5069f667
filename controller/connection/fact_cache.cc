#include "controller/connection/fact_cache.h"

#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace tend {

namespace fs = std::filesystem;

std::optional<Json> ReadCachedFacts(const std::string& dir, const std::string& host,
                                    long ttl_seconds) {
  fs::path path = fs::path(dir) / host;
  std::error_code ec;
  auto mtime = fs::last_write_time(path, ec);
  if (ec) return std::nullopt;
  if (ttl_seconds > 0) {
    auto age = fs::file_time_type::clock::now() - mtime;
    if (age > std::chrono::seconds(ttl_seconds)) return std::nullopt;
  }
  std::ifstream in(path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  Json facts = Json::parse(buffer.str(), nullptr, /*allow_exceptions=*/false);
  if (facts.is_discarded() || !facts.is_object()) return std::nullopt;
  return facts;
}

Expected<void> WriteCachedFacts(const std::string& dir, const std::string& host,
                                const Json& facts) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Fail(fmt::format("cannot create fact cache {}: {}", dir, ec.message()));
  fs::path path = fs::path(dir) / host;
  fs::path tmp = fs::path(dir) / fmt::format(".{}.{}.tmp", host, getpid());
  {
    std::ofstream out(tmp);
    out << facts.dump(4) << "\n";
    if (!out) return Fail(fmt::format("cannot write {}", tmp.string()));
  }
  fs::rename(tmp, path, ec);
  if (ec) return Fail(fmt::format("cannot write {}: {}", path.string(), ec.message()));
  return {};
}

}  // namespace tend
