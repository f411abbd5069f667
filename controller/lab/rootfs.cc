#include "controller/lab/rootfs.h"

#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <random>
#include <sstream>

#include "controller/lab/files.h"
#include "controller/lab/mounts.h"
#include "controller/lab/process.h"
#include "core/hash.h"
#include "core/strings.h"

namespace tend::lab {
namespace fs = std::filesystem;
namespace {

// Bump when FinishBase changes, so cached bases are rebuilt.
constexpr int kRecipeVersion = 1;

// Timers that would run apt or disk maintenance inside the hosts behind a
// playbook's back (apt-daily holds the dpkg lock a playbook's apt task needs).
constexpr const char* kMaskedUnits[] = {"apt-daily.timer", "apt-daily-upgrade.timer",
                                        "e2scrub_all.timer", "fstrim.timer"};

std::string JoinPackages(std::vector<std::string> packages) {
  std::sort(packages.begin(), packages.end());
  return Join(packages, ",");
}

// The machine's apt configuration, so `apt` inside the hosts uses the same
// mirrors, proxies and keyrings as the machine (which is known to reach them).
Expected<void> CopyAptConfig(const std::string& rootfs) {
  std::error_code ec;
  for (const char* dir : {"/etc/apt/keyrings", "/etc/apt/trusted.gpg.d"}) {
    if (!fs::is_directory(dir, ec)) continue;
    fs::create_directories(rootfs + dir, ec);
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
      if (!entry.is_regular_file()) continue;
      fs::copy_file(entry.path(), rootfs + entry.path().string(),
                    fs::copy_options::overwrite_existing, ec);
    }
  }
  std::vector<AptSourceFile> usable;
  for (auto& file : ReadAptSourceFiles("")) {
    if (AptSourceUsable(file.text, AptSourceFormatOf(file.path), rootfs)) {
      usable.push_back(std::move(file));
    }
  }
  if (usable.empty()) return {};  // keep debootstrap's own sources.list
  fs::remove(rootfs + "/etc/apt/sources.list", ec);
  for (const auto& file : usable) {
    if (auto r = WriteFile(rootfs + file.path, file.text); !r) return r;
  }
  // Proxies and Acquire settings (e.g. Check-Valid-Until for snapshot mirrors).
  for (const auto& entry : fs::directory_iterator("/etc/apt/apt.conf.d", ec)) {
    auto text = ReadFile(entry.path().string());
    if (!text || text->find("Acquire") == std::string::npos) continue;
    if (auto r = WriteFile(rootfs + entry.path().string(), *text); !r) return r;
  }
  return {};
}

// What debootstrap leaves that must not be shared by every host, or that
// would get in a playbook's way.
Expected<void> FinishBase(const std::string& rootfs) {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(rootfs + "/etc/ssh", ec)) {
    if (entry.path().filename().string().starts_with("ssh_host_")) fs::remove(entry.path(), ec);
  }
  fs::remove(rootfs + "/etc/hostname", ec);
  if (auto r = WriteFile(rootfs + "/etc/machine-id", ""); !r) return r;
  for (const char* unit : kMaskedUnits) {
    std::string link = rootfs + "/etc/systemd/system/" + unit;
    fs::remove(link, ec);
    fs::create_symlink("/dev/null", link, ec);
    if (ec) return Fail(fmt::format("cannot mask {} in the base: {}", unit, ec.message()));
  }
  return CopyAptConfig(rootfs);
}

Expected<void> Debootstrap(const BaseSpec& spec, const std::string& rootfs,
                           const std::string& log_path) {
  std::vector<std::string> argv = {
      spec.debootstrap, "--variant=minbase", "--include=" + JoinPackages(spec.packages), spec.suite,
      rootfs,           spec.mirror};
  auto run = RunCommand(argv, {.log_path = log_path, .private_mounts = true});
  if (!run) return std::unexpected(run.error());
  if (run->exit_code == 0) return {};
  auto log = ReadFile(log_path);
  return Fail(
      fmt::format("building the lab base with debootstrap failed (exit {}); last lines of {}:",
                  run->exit_code, log_path),
      {}, LogTail(log.value_or(""), 15));
}

Expected<BaseImage> BuildBase(const std::string& base_dir, const BaseSpec& spec,
                              const BaseImage& image, const Progress& progress) {
  std::string building = base_dir + ".building";
  std::string log_path = base_dir + ".log";
  if (auto r = RemoveTreeSafely(building); !r) return std::unexpected(r.error());
  if (auto r = RemoveTreeSafely(base_dir); !r) return std::unexpected(r.error());
  if (auto r = MakeDirs(building); !r) return std::unexpected(r.error());
  if (auto r = WriteFile(log_path, ""); !r) return std::unexpected(r.error());
  progress(fmt::format("building the Debian {} base once (debootstrap, about a minute; log: {})",
                       spec.suite, log_path));
  auto built = Debootstrap(spec, building + "/rootfs", log_path);
  if (built) built = FinishBase(building + "/rootfs");
  if (!built) {
    (void)RemoveTreeSafely(building);
    return std::unexpected(built.error());
  }
  std::string manifest = fmt::format(
      "{{\"suite\": \"{}\", \"mirror\": \"{}\", \"packages\": \"{}\", \"recipe\": {}}}\n",
      spec.suite, spec.mirror, JoinPackages(spec.packages), kRecipeVersion);
  if (auto r = WriteFile(building + "/manifest.json", manifest); !r) {
    return std::unexpected(r.error());
  }
  if (rename(building.c_str(), base_dir.c_str()) != 0) {
    return Fail(fmt::format("cannot rename {} to {}: {}", building, base_dir, ErrnoText(errno)));
  }
  return image;
}

std::string RandomMachineId() {
  std::random_device random;
  std::string id;
  for (int i = 0; i < 4; ++i) id += fmt::format("{:08x}", random());
  return id;
}

// mkdir -p of `rel` under `upper`, each new directory copying owner and mode
// from `lower` (or `fallback_mode` where lower has no such directory).
Expected<void> MirrorDirs(const std::string& upper, const std::string& lower,
                          const std::string& rel, mode_t fallback_mode) {
  std::string path;
  std::istringstream parts(rel);
  std::string part;
  while (std::getline(parts, part, '/')) {
    if (part.empty()) continue;
    path += "/" + part;
    std::string target = upper + path;
    struct stat st;
    if (lstat(target.c_str(), &st) == 0) continue;
    struct stat lower_st;
    bool in_lower = stat((lower + path).c_str(), &lower_st) == 0 && S_ISDIR(lower_st.st_mode);
    mode_t mode = in_lower ? (lower_st.st_mode & 07777) : fallback_mode;
    if (mkdir(target.c_str(), mode) != 0) {
      return Fail(fmt::format("cannot create {}: {}", target, ErrnoText(errno)));
    }
    chmod(target.c_str(), mode);
    if (in_lower && chown(target.c_str(), lower_st.st_uid, lower_st.st_gid) != 0) {
      return Fail(fmt::format("cannot chown {}: {}", target, ErrnoText(errno)));
    }
  }
  return {};
}

}  // namespace

std::string BaseKey(const BaseSpec& spec) {
  std::string recipe = fmt::format("{}|minbase|{}|recipe={}", spec.suite,
                                   JoinPackages(spec.packages), kRecipeVersion);
  return fmt::format("{}-{}", spec.suite, Sha256Hex(recipe).substr(0, 12));
}

Expected<BaseImage> EnsureBase(const std::string& state_dir, const BaseSpec& spec,
                               const Progress& progress) {
  BaseImage image{BaseKey(spec), ""};
  std::string base_dir = state_dir + "/base/" + image.key;
  image.rootfs = base_dir + "/rootfs";
  std::string manifest = base_dir + "/manifest.json";
  if (PathExists(manifest)) return image;
  if (!FindProgram(spec.debootstrap)) {
    return Fail(fmt::format(
        "{} is not installed: the lab builds its Debian base with it (apt-get install debootstrap)",
        spec.debootstrap));
  }
  BaseSpec resolved = spec;
  if (resolved.mirror.empty()) {
    auto mirror = DebianMirrorFromApt(spec.apt_root);
    if (!mirror) return std::unexpected(mirror.error());
    resolved.mirror = *mirror;
  }
  if (auto r = MakeDirs(state_dir + "/locks"); !r) return std::unexpected(r.error());
  if (auto r = MakeDirs(state_dir + "/base"); !r) return std::unexpected(r.error());
  auto lock = FileLock::Acquire(state_dir + "/locks/base-" + image.key + ".lock");
  if (!lock) return std::unexpected(lock.error());
  if (PathExists(manifest)) return image;  // another `lab up` built it while we waited
  return BuildBase(base_dir, resolved, image, progress);
}

std::string RenderSshdConfig(std::string_view address) {
  return fmt::format(
      "# Written by tend lab: this host's sshd listens on its own loopback address only.\n"
      "ListenAddress {}\n"
      "HostKey /etc/ssh/ssh_host_ed25519_key\n"
      "PermitRootLogin prohibit-password\n"
      "PasswordAuthentication no\n"
      "KbdInteractiveAuthentication no\n"
      "UseDNS no\n"
      "MaxStartups 100:30:200\n",
      address);
}

std::string RenderEtcHosts(std::string_view name, std::string_view address) {
  return fmt::format(
      "127.0.0.1\tlocalhost\n{}\t{}\n::1\tlocalhost ip6-localhost ip6-loopback\n"
      "ff02::1\tip6-allnodes\nff02::2\tip6-allrouters\n",
      address, name);
}

Expected<void> WriteHostIdentity(const std::string& upper, const std::string& lower,
                                 const HostIdentity& id) {
  struct File {
    std::string rel;
    std::string content;
    mode_t mode;
  };
  std::vector<File> files = {
      {"etc/hostname", id.name + "\n", 0644},
      {"etc/hosts", RenderEtcHosts(id.name, id.address), 0644},
      {"etc/resolv.conf", id.resolv_conf, 0644},
      {"etc/ssh/ssh_host_ed25519_key", id.host_private_key, 0600},
      {"etc/ssh/ssh_host_ed25519_key.pub", id.host_public_key, 0644},
      {"etc/ssh/sshd_config.d/tend-lab.conf", RenderSshdConfig(id.address), 0644},
      {"root/.ssh/authorized_keys", id.authorized_key, 0600},
  };
  // A machine id of its own, kept across restarts (only a reset renews it).
  if (!PathExists(upper + "/etc/machine-id")) {
    files.push_back({"etc/machine-id", RandomMachineId() + "\n", 0444});
  }
  for (const auto& f : files) {
    std::string dir = f.rel.substr(0, f.rel.rfind('/'));
    if (auto r = MirrorDirs(upper, lower, dir, 0700); !r) return r;
    std::string path = upper + "/" + f.rel;
    // An earlier write may have left a read-only file; replace it.
    unlink(path.c_str());
    if (auto r = WriteFile(path, f.content, f.mode); !r) return r;
  }
  // sshd's privilege-separation directory, for hosts without systemd to make it.
  return MirrorDirs(upper, lower, "run/sshd", 0755);
}

bool AptSourceUsable(std::string_view text, AptSourceFormat format, const std::string& rootfs) {
  for (const auto& source : ParseAptSources(text, format)) {
    for (const auto& keyring : source.signed_by) {
      if (!PathExists(rootfs + keyring)) return false;
    }
  }
  return true;
}

}  // namespace tend::lab
