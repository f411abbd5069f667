#include "controller/connection/file_actions.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <variant>
#include <vector>

#include "core/hash.h"
#include "modules/packages/apt_common.h"
#include "modules/files/assemble.h"
#include "modules/host/real_host.h"
#include "modules/framework/spec.h"

namespace fs = std::filesystem;

namespace tend {
namespace {

Json Failed(std::string msg, Json extra = Json::object()) {
  extra["changed"] = false;
  extra["failed"] = true;
  extra["msg"] = std::move(msg);
  return extra;
}

bool Stops(const Json& r) {
  return r.value("unreachable", false) || ParseBool(r.value("failed", Json(false))) == true;
}

bool ArgBool(const Json& args, const char* name, bool fallback) {
  auto it = args.find(name);
  if (it == args.end() || it->is_null()) return fallback;
  return ParseBool(*it).value_or(fallback);
}

std::string ExpandLocalUser(const std::string& path) {
  if (path != "~" && !path.starts_with("~/")) return path;
  const char* home = std::getenv("HOME");
  return std::string(home ? home : "") + path.substr(1);
}

// Writes beside `path` then renames: an interrupted fetch never leaves a
// half-written file where the old one was.
Expected<void> WriteLocalAtomic(const std::string& path, const std::string& data) {
  std::error_code ec;
  fs::create_directories(fs::path(path).parent_path(), ec);
  if (ec) return Fail(fmt::format("can't create {}: {}", fs::path(path).parent_path().string(), ec.message()));
  std::string temp = fmt::format("{}.tend-{}.tmp", path, getpid());
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    out.write(data.data(), static_cast<std::streamsize>(data.size()));
    out.flush();
    if (!out) {
      std::string why = std::strerror(errno);
      fs::remove(temp, ec);
      return Fail(fmt::format("can't write {}: {}", temp, why));
    }
  }
  fs::rename(temp, path, ec);
  if (ec) {
    fs::remove(temp, ec);
    return Fail(fmt::format("can't rename {} to {}: {}", temp, path, ec.message()));
  }
  return {};
}

std::optional<std::string> LocalDigest(HashAlgorithm algorithm, const std::string& path) {
  if (!fs::is_regular_file(path)) return std::nullopt;
  auto sum = HexDigestOfFile(algorithm, path);
  return sum ? std::optional(*sum) : std::nullopt;
}

ModuleCall Derived(const ModuleCall& base, std::string module, Json args) {
  ModuleCall call = base;
  call.module = std::move(module);
  call.args = std::move(args);
  call.content.reset();
  return call;
}

// The remote file's stat; a result to return as is when the fetch ends there.
std::variant<Json, std::string> RemoteChecksum(const std::string& src, bool fail_on_missing,
                                               const ModuleCall& base, const AgentCall& agent) {
  ModuleCall stat = Derived(base, "stat", Json{{"path", src}, {"get_checksum", true}});
  stat.check = false;  // stat changes nothing; fetch needs its answer in check mode too
  Json r = agent(stat);
  if (Stops(r)) return r;
  const Json& st = r.value("stat", Json::object());
  if (!st.value("exists", false)) {
    Json out{{"changed", false},
             {"file", src},
             {"msg", "the remote file does not exist, not transferring, ignored"}};
    if (fail_on_missing) out["failed"] = true;
    return out;
  }
  if (st.value("isdir", false)) {
    return Failed("remote file is a directory, fetch cannot work on directories", {{"file", src}});
  }
  if (!st.contains("checksum")) {
    return Failed("unable to calculate the checksum of the remote file", {{"file", src}});
  }
  return st["checksum"].get<std::string>();
}

Expected<std::string> SlurpRemote(const std::string& src, const ModuleCall& base,
                                  const AgentCall& agent, Json& failure) {
  ModuleCall slurp = Derived(base, "slurp", Json{{"src", src}});
  slurp.check = false;
  Json r = agent(slurp);
  if (Stops(r)) {
    failure = r;
    return Fail(r.value("msg", "slurp failed"));
  }
  return Base64Decode(r.value("content", ""));
}

}  // namespace

Expected<std::string> ReadLocalFile(const std::string& path) {
  auto fail = [&path] { return Fail(fmt::format("could not read {}: {}", path, std::strerror(errno))); };
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return fail();
  struct stat st{};
  std::string content;
  // Sized from fstat and read in large blocks; a file that grows meanwhile is
  // read to its end all the same.
  if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) content.reserve(static_cast<size_t>(st.st_size));
  char block[1 << 16];
  for (;;) {
    ssize_t n = ::read(fd, block, sizeof block);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      auto error = fail();
      ::close(fd);
      return error;
    }
    content.append(block, static_cast<size_t>(n));
  }
  ::close(fd);
  return content;
}

namespace {

// What was read of one local file, valid while its size and mtime hold.
struct CachedFile {
  off_t size = 0;
  int64_t mtime_ns = 0;
  std::shared_future<Expected<Content>> content;
};

}  // namespace

Expected<Content> ReadLocalContent(const std::string& path) {
  // Every host of a play copies the same files at about the same time: the
  // first reads and hashes, the others wait for it and share the bytes.
  static std::mutex mutex;
  static std::map<std::string, CachedFile> cache;
  struct stat st{};
  if (::stat(path.c_str(), &st) != 0) {
    return Fail(fmt::format("could not read {}: {}", path, std::strerror(errno)));
  }
  int64_t mtime_ns = int64_t{st.st_mtim.tv_sec} * 1'000'000'000 + st.st_mtim.tv_nsec;
  std::promise<Expected<Content>> promise;
  std::shared_future<Expected<Content>> future;
  bool reader = false;
  {
    std::lock_guard lock(mutex);
    CachedFile& entry = cache[path];
    if (!entry.content.valid() || entry.size != st.st_size || entry.mtime_ns != mtime_ns) {
      entry = CachedFile{.size = st.st_size, .mtime_ns = mtime_ns, .content = promise.get_future().share()};
      reader = true;
    }
    future = entry.content;
  }
  if (reader) {
    auto text = ReadLocalFile(path);
    if (text) {
      promise.set_value(Content(std::move(*text)));
    } else {
      promise.set_value(std::unexpected(text.error()));
      std::lock_guard lock(mutex);
      cache.erase(path);  // a failure is not remembered: the next call tries again
    }
  }
  return future.get();
}

std::string FetchDestination(const std::string& src, const std::string& dest, bool flat,
                             const ActionPlace& place) {
  std::string base = ExpandLocalUser(dest);
  if (!fs::path(base).is_absolute()) base = (fs::path(place.base_dir) / base).string();
  if (flat) {
    if (dest.ends_with('/')) return base + fs::path(src).filename().string();
    return base;
  }
  std::string rel = src;
  while (rel.starts_with('/')) rel.erase(0, 1);
  return (fs::path(base) / place.inventory_hostname / rel).lexically_normal().string();
}

Json RunFetch(const Json& args, const ActionPlace& place, const ModuleCall& base,
              const AgentCall& agent) {
  std::string src = args.value("src", "");
  std::string dest = args.value("dest", "");
  if (src.empty() || dest.empty()) return Failed("src and dest are required");
  auto remote = RemoteChecksum(src, ArgBool(args, "fail_on_missing", true), base, agent);
  if (auto* done = std::get_if<Json>(&remote)) return *done;
  const std::string& remote_sum = std::get<std::string>(remote);
  std::string local = FetchDestination(src, dest, ArgBool(args, "flat", false), place);
  if (fs::is_directory(local)) {
    return Failed(fmt::format("dest '{}' is an existing directory, use a trailing slash if you "
                              "want to fetch src into that directory", local),
                  {{"file", src}});
  }
  if (LocalDigest(HashAlgorithm::kSha1, local) == remote_sum) {
    return Json{{"changed", false},
                {"md5sum", LocalDigest(HashAlgorithm::kMd5, local).value_or("")},
                {"file", src},
                {"dest", local},
                {"checksum", remote_sum}};
  }
  if (base.check) {
    return Json{{"changed", true}, {"dest", local}, {"remote_checksum", remote_sum}};
  }
  Json failure;
  auto data = SlurpRemote(src, base, agent, failure);
  if (!data) return failure.is_null() ? Failed(data.error().message) : failure;
  std::string sum = Sha1Hex(*data);
  Json result{{"changed", true},
              {"md5sum", HexDigest(HashAlgorithm::kMd5, *data)},
              {"dest", local},
              {"remote_md5sum", nullptr},
              {"checksum", sum},
              {"remote_checksum", remote_sum}};
  if (ArgBool(args, "validate_checksum", true) && sum != remote_sum) {
    result["failed"] = true;
    result["msg"] = "checksum mismatch";
    result["file"] = src;
    return result;
  }
  if (auto written = WriteLocalAtomic(local, *data); !written) {
    return Failed(written.error().message, {{"file", src}, {"dest", local}});
  }
  return result;
}

namespace {

struct TreeEntry {
  std::string rel;  // path below the copied root, "" for the root itself
  bool directory = false;
};

// Sorted so the directories come before what they hold; symlinks are
// followed (copy's local_follow default).
Expected<std::vector<TreeEntry>> WalkLocalTree(const std::string& root) {
  std::vector<TreeEntry> entries{{"", true}};
  std::error_code ec;
  auto options = fs::directory_options::follow_directory_symlink;
  for (fs::recursive_directory_iterator it(root, options, ec), end; !ec && it != end;
       it.increment(ec)) {
    std::string rel = fs::relative(it->path(), root).string();
    if (it->is_directory()) {
      entries.push_back({rel, true});
    } else if (it->is_regular_file()) {
      entries.push_back({rel, false});
    }
  }
  if (ec) return Fail(fmt::format("could not read the directory {}: {}", root, ec.message()));
  std::sort(entries.begin(), entries.end(),
            [](const TreeEntry& a, const TreeEntry& b) { return a.rel < b.rel; });
  return entries;
}

std::string JoinDest(const std::string& dir, const std::string& rel) {
  if (rel.empty()) return dir;
  return dir.ends_with('/') ? dir + rel : dir + "/" + rel;
}

// Arguments of the per-directory `file` call: directory_mode, owner, group.
Json DirectoryArgs(const Json& args, const std::string& path) {
  Json out{{"path", path}, {"state", "directory"}};
  if (args.contains("directory_mode") && !args["directory_mode"].is_null()) {
    out["mode"] = args["directory_mode"];
  }
  for (const char* name : {"owner", "group"}) {
    if (args.contains(name) && !args[name].is_null()) out[name] = args[name];
  }
  return out;
}

Json FileArgs(const Json& args, const std::string& dest, const std::string& name) {
  Json out = args;
  for (const char* drop : {"src", "directory_mode", "local_follow", "remote_src", "content"}) {
    out.erase(drop);
  }
  out["dest"] = dest;
  out["src"] = name;  // for messages; the bytes travel as content
  return out;
}

bool Inside(const std::set<std::string>& dirs, const std::string& rel) {
  for (fs::path p = fs::path(rel).parent_path(); !p.empty(); p = p.parent_path()) {
    if (dirs.contains(p.string())) return true;
  }
  return dirs.contains("") && !rel.empty();
}

}  // namespace

Json RunCopyTree(const std::string& local_dir, const Json& args, const ModuleCall& base,
                 const AgentCall& agent) {
  std::string src = args.value("src", "");
  std::string dest = args.value("dest", "");
  if (dest.empty()) return Failed("dest is required");
  std::string top = src.ends_with('/')
                        ? dest
                        : JoinDest(dest, fs::path(local_dir).lexically_normal().filename().string());
  auto entries = WalkLocalTree(local_dir);
  if (!entries) return Failed(entries.error().message);
  bool changed = false;
  // In check mode a directory that does not exist yet is not made, so what
  // would go into it is counted as changed without asking the host.
  std::set<std::string> missing_dirs;
  for (const auto& e : *entries) {
    if (base.check && Inside(missing_dirs, e.rel)) {
      changed = true;
      if (e.directory) missing_dirs.insert(e.rel);
      continue;
    }
    std::string path = JoinDest(top, e.rel);
    Json r;
    if (e.directory) {
      r = agent(Derived(base, "file", DirectoryArgs(args, path)));
      if (base.check && r.value("changed", false)) missing_dirs.insert(e.rel);
    } else {
      std::string local = (fs::path(local_dir) / e.rel).string();
      auto content = ReadLocalContent(local);
      if (!content) return Failed(content.error().message);
      ModuleCall call = Derived(base, "copy", FileArgs(args, path, e.rel));
      call.content = std::move(*content);
      r = agent(call);
    }
    if (Stops(r)) return r;
    changed = changed || r.value("changed", false);
  }
  return Json{{"changed", changed}, {"dest", top}, {"src", src}};
}

namespace {

// A URL src is downloaded by the host itself (unarchive), never read here.
bool HasLocalSource(const Json& args) {
  auto src = args.find("src");
  if (src == args.end() || !src->is_string()) return false;
  if (src->get<std::string>().find("://") != std::string::npos) return false;
  return !ArgBool(args, "remote_src", false);
}

Expected<std::string> FindLocal(const ActionPlace& place, const Json& args) {
  std::string src = args["src"].get<std::string>();
  std::string path = place.find_local ? place.find_local(src) : "";
  if (path.empty()) return Fail(fmt::format("Could not find or access '{}'", src));
  return path;
}

// copy and unarchive: the local file rides along as content; copy of a
// directory becomes a tree of calls.
Json RunLocalSource(ModuleCall call, const ActionPlace& place, const AgentCall& agent) {
  auto path = FindLocal(place, call.args);
  if (!path) return Failed(path.error().message);
  if (fs::is_directory(*path)) {
    if (call.module == "copy") return RunCopyTree(*path, call.args, call, agent);
    return Failed(fmt::format("Source '{}' is not a file", call.args["src"].get<std::string>()));
  }
  auto content = ReadLocalContent(*path);
  if (!content) return Failed(content.error().message);
  call.content = std::move(*content);
  return agent(call);
}

// assemble with remote_src false joins the fragments of a local directory.
Json RunLocalAssemble(ModuleCall call, const ActionPlace& place, const AgentCall& agent) {
  auto path = FindLocal(place, call.args);
  if (!path) return Failed(path.error().message);
  RealHost local;
  auto content = AssembleFromFragments(local, *path, call.args);
  if (!content) return Failed(content.error().message);
  call.content = Content(std::move(*content));
  return agent(call);
}

}  // namespace

Json RunWithControllerHalf(ModuleCall call, const ActionPlace& place, const AgentCall& agent) {
  if (call.module == "fetch") return RunFetch(call.args, place, call, agent);
  if ((call.module == "copy" || call.module == "unarchive") && HasLocalSource(call.args)) {
    return RunLocalSource(std::move(call), place, agent);
  }
  if (call.module == "assemble" && call.args.contains("src") &&
      !ArgBool(call.args, "remote_src", true)) {
    return RunLocalAssemble(std::move(call), place, agent);
  }
  return agent(call);
}

}  // namespace tend
