#include <fmt/format.h>

#include <algorithm>

#include "modules/framework/all.h"
#include "modules/network/http_common.h"
#include "modules/packages/apt_common.h"
#include "modules/framework/text.h"
#include "core/strings.h"

namespace tend {
namespace {

AptOptions OptionsFrom(const ModuleContext& context) {
  AptOptions options;
  options.dpkg_options = context.Str("dpkg_options", options.dpkg_options);
  if (context.Has("install_recommends")) options.install_recommends = context.Bool("install_recommends");
  options.default_release = context.Str("default_release");
  options.force = context.Bool("force");
  options.allow_unauthenticated = context.Bool("allow_unauthenticated");
  options.allow_downgrade = context.Bool("allow_downgrade");
  options.allow_change_held_packages = context.Bool("allow_change_held_packages");
  options.only_upgrade = context.Bool("only_upgrade");
  options.fail_on_autoremove = context.Bool("fail_on_autoremove");
  options.fixed = context.Str("state") == "fixed";
  options.purge = context.Bool("purge");
  options.autoremove = context.Bool("autoremove");
  return options;
}

std::string Joined(const std::vector<std::string>& items, std::string_view sep = " ") {
  return Join(items, sep);
}

void Sleep(Host& host, int64_t seconds) {
  (void)host.Run({.argv = {"sleep", std::to_string(seconds)}, .stdin_data = {}, .cwd = {}, .env = {}});
}

// update_cache / cache_valid_time, as Ansible: the cache counts as updated
// only when its timestamp moved (or, in check mode, when it would update).
Expected<void> MaybeUpdateCache(ModuleContext& context, Json& result) {
  Host& host = context.Machine();
  int64_t before = AptCacheTime(host);
  result["cache_updated"] = false;
  result["cache_update_time"] = before;
  int64_t valid = context.Int("cache_valid_time");
  if (!context.Bool("update_cache") && valid <= 0) return {};
  if (AptCacheFresh(before, valid, host.NowMicros() / 1000000)) return {};
  if (context.check) {
    result["cache_updated"] = true;
    return {};
  }
  int64_t retries = std::max<int64_t>(1, context.Int("update_cache_retries", 5));
  int64_t max_delay = context.Int("update_cache_retry_max_delay", 12);
  std::string error;
  for (int64_t attempt = 0; attempt < retries; ++attempt) {
    if (attempt > 0) Sleep(host, std::min<int64_t>(int64_t{1} << (attempt - 1), max_delay));
    auto ran = RunAptCommand(host, {"apt-get", "update", "-q"}, context.Int("lock_timeout", 60));
    if (!ran) return std::unexpected(ran.error());
    if (ran->rc == 0) {
      int64_t after = AptCacheTime(host);
      result["cache_updated"] = after != before;
      result["cache_update_time"] = after;
      return {};
    }
    error = std::string(StripTrailingNewlines(ran->stderr_data));
  }
  return Fail(fmt::format("Failed to update apt cache: {}", error));
}

Expected<std::map<std::string, AptPolicy>> Policy(ModuleContext& context,
                                                  const std::vector<PackagePin>& specs) {
  std::vector<std::string> argv{"apt-cache"};
  if (context.Has("default_release")) {
    argv.insert(argv.end(), {"-o", "APT::Default-Release=" + context.Str("default_release")});
  }
  argv.push_back("policy");
  for (const auto& spec : specs) argv.push_back(spec.NameWithArch());
  auto ran = context.Machine().Run(
      {.argv = argv, .stdin_data = {}, .cwd = {}, .env = AptEnvironment()});
  if (!ran) return std::unexpected(ran.error());
  if (ran->rc != 0) {
    return Fail(fmt::format("apt-cache policy failed: {}", StripTrailingNewlines(ran->stderr_data)));
  }
  return ParseAptPolicy(ran->stdout_data);
}

bool HasWildcard(const std::string& version) {
  return version.find_first_of("*?[") != std::string::npos;
}

bool IsInstalled(const DpkgStatus& status, const PackagePin& spec) {
  auto found = status.Find(spec.name, spec.arch);
  bool any = std::any_of(found.begin(), found.end(), [&](const DpkgPackage* pkg) {
    return pkg->Installed() && (spec.version.empty() || VersionMatches(pkg->version, spec.version));
  });
  // A virtual package counts as installed when an installed package provides it.
  return any || (found.empty() && spec.version.empty() && status.ProvidedByInstalled(spec.name));
}

// Checks that apt knows each package and turns wildcard pins into the
// highest matching version, as Ansible does before calling apt-get.
Expected<std::vector<std::string>> Resolve(ModuleContext& context,
                                           const std::vector<PackagePin>& specs) {
  std::vector<std::string> out;
  if (specs.empty()) return out;
  auto policy = Policy(context, specs);
  if (!policy) return std::unexpected(policy.error());
  for (const auto& spec : specs) {
    auto it = policy->find(spec.NameWithArch());
    if (it == policy->end()) it = policy->find(spec.name);
    if (it == policy->end()) return Fail(fmt::format("No package matching '{}' is available", spec.name));
    PackagePin chosen = spec;
    if (HasWildcard(spec.version)) {
      auto& versions = it->second.versions;
      auto match = std::find_if(versions.begin(), versions.end(),
                                [&](const std::string& v) { return VersionMatches(v, spec.version); });
      if (match == versions.end()) {
        return Fail(fmt::format("No package matching '{}' is available", spec.AptArgument()));
      }
      chosen.version = *match;
    }
    out.push_back(chosen.AptArgument());
  }
  return out;
}

// Runs (or simulates, in check mode) one apt-get command and shapes
// Ansible's result: changed unless apt-get's summary says nothing happened.
Expected<Json> Apply(ModuleContext& context, std::vector<std::string> argv, Json result) {
  auto ran = RunAptCommand(context.Machine(), argv, context.Int("lock_timeout", 60));
  if (!ran) return std::unexpected(ran.error());
  result["stdout"] = ran->stdout_data;
  result["stderr"] = ran->stderr_data;
  result["stdout_lines"] = SplitLines(ran->stdout_data);
  result["stderr_lines"] = SplitLines(ran->stderr_data);
  if (ran->rc != 0) {
    result["failed"] = true;
    result["rc"] = ran->rc;
    result["msg"] = fmt::format("'{}' failed: {}", Joined(argv),
                                StripTrailingNewlines(ran->stderr_data));
    return result;
  }
  result["changed"] = !AptDidNothing(ran->stdout_data);
  if (context.diff) result["diff"] = {{"prepared", ran->stdout_data}};
  return result;
}

std::vector<PackagePin> Specs(const ModuleContext& context) {
  std::vector<PackagePin> specs;
  if (!context.Has("name")) return specs;
  for (const auto& item : context.args["name"]) {
    std::string text = item.get<std::string>();
    if (!text.empty()) specs.push_back(ParsePackagePin(text));
  }
  return specs;
}

Expected<Json> Install(ModuleContext& context, const DpkgStatus& status, Json result) {
  std::string state = context.Str("state", "present");
  std::vector<PackagePin> specs = Specs(context);
  std::vector<PackagePin> wanted;
  if (state == "latest") {
    wanted = specs;  // the candidate decides; only those behind it remain below
  } else {
    std::vector<PackagePin> provided;
    for (const auto& spec : specs) {
      if (!IsInstalled(status, spec)) {
        wanted.push_back(spec);
      } else if (status.Find(spec.name, spec.arch).empty()) {
        provided.push_back(spec);
      }
    }
    // Only a purely virtual name counts as installed through what provides
    // it: a real package of that name (postgresql-client, provided by the
    // installed postgresql-client-15) is installed as Ansible installs it.
    if (!provided.empty()) {
      auto policy = Policy(context, provided);
      if (!policy) return std::unexpected(policy.error());
      for (const auto& spec : provided) {
        auto it = policy->find(spec.NameWithArch());
        if (it != policy->end() && !it->second.candidate.empty()) wanted.push_back(spec);
      }
    }
  }
  auto args = Resolve(context, wanted);
  if (!args) return std::unexpected(args.error());
  if (state == "latest") {
    auto policy = Policy(context, wanted);
    if (!policy) return std::unexpected(policy.error());
    std::vector<std::string> behind;
    for (size_t i = 0; i < wanted.size(); ++i) {
      const AptPolicy& p = (*policy)[wanted[i].NameWithArch()];
      bool current = IsInstalled(status, wanted[i]) && !p.installed.empty() &&
                     (p.candidate.empty() || p.candidate == p.installed);
      if (!current) behind.push_back((*args)[i]);
    }
    *args = behind;
  }
  if (args->empty()) return result;
  AptOptions options = OptionsFrom(context);
  return Apply(context, AptInstallArgv(options, *args, context.check), std::move(result));
}

Expected<Json> Remove(ModuleContext& context, const DpkgStatus& status, Json result) {
  bool purge = context.Bool("purge");
  std::vector<std::string> present;
  for (const auto& spec : Specs(context)) {
    auto found = status.Find(spec.name, spec.arch);
    bool has = std::any_of(found.begin(), found.end(), [&](const DpkgPackage* pkg) {
      bool there = purge ? pkg->Present() : pkg->Installed();
      return there && (spec.version.empty() || VersionMatches(pkg->version, spec.version));
    });
    if (has) present.push_back(spec.NameWithArch());
  }
  if (present.empty()) return result;
  return Apply(context, AptRemoveArgv(OptionsFrom(context), present, context.check),
               std::move(result));
}

Expected<Json> InstallDeb(ModuleContext& context, const DpkgStatus& status, Json result) {
  std::string deb = context.Str("deb");
  if (deb.find("://") != std::string::npos) {
    auto fetched = FetchFile(context, deb, "/tmp/tend-apt-");
    if (!fetched) return std::unexpected(fetched.error());
    deb = *fetched;
  }
  auto info = context.Machine().Stat(deb);
  if (!info || info->kind != FileKind::kFile) {
    return Fail(fmt::format("deb: {} does not exist or is not a file", deb));
  }
  auto fields = context.Machine().Run(
      {.argv = {"dpkg-deb", "--showformat=${Package}\n${Version}\n${Architecture}\n", "-W", deb},
       .stdin_data = {}, .cwd = {}, .env = AptEnvironment()});
  if (!fields) return std::unexpected(fields.error());
  Json lines = SplitLines(fields->stdout_data);
  if (fields->rc != 0 || lines.size() < 3) {
    return Fail(fmt::format("Unable to install package: {} is not a Debian package: {}", deb,
                            StripTrailingNewlines(fields->stderr_data)));
  }
  PackagePin spec{lines[0].get<std::string>(), "", lines[1].get<std::string>()};
  auto found = status.Find(spec.name, lines[2].get<std::string>());
  bool same = std::any_of(found.begin(), found.end(), [&](const DpkgPackage* pkg) {
    return pkg->Installed() && pkg->version == spec.version;
  });
  if (same && !context.Bool("force")) return result;
  if (!deb.starts_with('/')) deb = "./" + deb;
  return Apply(context, AptInstallArgv(OptionsFrom(context), {deb}, context.check),
               std::move(result));
}

Expected<Json> Upgrade(ModuleContext& context, const std::string& mode, Json result) {
  AptOptions options = OptionsFrom(context);
  std::string verb = (mode == "full" || mode == "dist") ? "dist-upgrade" : "upgrade";
  std::vector<std::string> extra;
  if (verb == "upgrade") extra.push_back("--with-new-pkgs");
  auto argv = AptInstallArgv(options, {}, context.check, verb);
  argv.insert(argv.end(), extra.begin(), extra.end());
  return Apply(context, argv, std::move(result));
}

// autoremove / autoclean on their own (with packages, --auto-remove rides
// on the install or remove command instead, as in Ansible).
Expected<Json> Cleanup(ModuleContext& context, Json result) {
  bool cache_changed = result.value("changed", false);
  for (const char* verb : {"autoremove", "autoclean"}) {
    if (!context.Bool(verb)) continue;
    std::vector<std::string> argv{"apt-get", "-y"};
    if (context.Bool("purge") && std::string_view(verb) == "autoremove") argv.push_back("--purge");
    if (context.check) argv.push_back("--simulate");
    argv.push_back(verb);
    auto applied = Apply(context, argv, result);
    if (!applied || applied->value("failed", false)) return applied;
    result = std::move(*applied);
    if (std::string_view(verb) == "autoclean") result["changed"] = cache_changed;
    cache_changed = result["changed"].get<bool>();
  }
  return result;
}

std::string UpgradeMode(const ModuleContext& context) {
  if (!context.Has("upgrade")) return "no";
  const Json& value = context.args["upgrade"];
  if (value.is_boolean()) return value.get<bool>() ? "yes" : "no";
  auto parsed = ParseBool(value);
  std::string text = value.is_string() ? value.get<std::string>() : value.dump();
  if (text == "safe" || text == "full" || text == "dist") return text;
  return parsed.value_or(false) ? "yes" : (parsed ? "no" : text);
}

}  // namespace

const ModuleSpec& AptSpec() {
  static const ModuleSpec spec{
      .name = "apt",
      .short_description = "Manages apt-packages",
      .args = {{.name = "name", .type = ArgType::kList, .aliases = {"package", "pkg"}},
               {.name = "state",
                .type = ArgType::kStr,
                .default_value = "present",
                .choices = {"absent", "build-dep", "latest", "present", "fixed"}},
               {.name = "update_cache", .type = ArgType::kBool, .aliases = {"update-cache"}},
               {.name = "update_cache_retries", .type = ArgType::kInt, .default_value = 5},
               {.name = "update_cache_retry_max_delay", .type = ArgType::kInt, .default_value = 12},
               {.name = "cache_valid_time", .type = ArgType::kInt, .default_value = 0},
               {.name = "purge", .type = ArgType::kBool, .default_value = false},
               {.name = "default_release", .type = ArgType::kStr, .aliases = {"default-release"}},
               {.name = "install_recommends",
                .type = ArgType::kBool,
                .aliases = {"install-recommends"}},
               {.name = "force", .type = ArgType::kBool, .default_value = false},
               {.name = "clean", .type = ArgType::kBool, .default_value = false},
               {.name = "upgrade", .type = ArgType::kRaw},
               {.name = "dpkg_options",
                .type = ArgType::kStr,
                .default_value = "force-confdef,force-confold"},
               {.name = "deb", .type = ArgType::kPath},
               {.name = "autoremove", .type = ArgType::kBool, .default_value = false},
               {.name = "autoclean", .type = ArgType::kBool, .default_value = false},
               {.name = "fail_on_autoremove", .type = ArgType::kBool, .default_value = false},
               {.name = "policy_rc_d", .type = ArgType::kInt},
               {.name = "only_upgrade", .type = ArgType::kBool, .default_value = false},
               {.name = "force_apt_get", .type = ArgType::kBool, .default_value = false},
               {.name = "allow_unauthenticated",
                .type = ArgType::kBool,
                .default_value = false,
                .aliases = {"allow-unauthenticated"}},
               {.name = "allow_downgrade",
                .type = ArgType::kBool,
                .default_value = false,
                .aliases = {"allow-downgrade", "allow_downgrades", "allow-downgrades"}},
               {.name = "allow_change_held_packages", .type = ArgType::kBool, .default_value = false},
               {.name = "lock_timeout", .type = ArgType::kInt, .default_value = 60}},
      .mutually_exclusive = {{"deb", "name", "upgrade"}},
      .required_one_of = {{"autoremove", "deb", "name", "update_cache", "upgrade", "clean",
                           "autoclean"}},
      .supports_diff = true,
      .returns = {"cache_updated", "cache_update_time", "stdout", "stderr"},
  };
  return spec;
}

Expected<Json> RunApt(ModuleContext& context) {
  std::string upgrade = UpgradeMode(context);
  if (upgrade != "no" && upgrade != "yes" && upgrade != "safe" && upgrade != "full" &&
      upgrade != "dist") {
    return Fail(fmt::format(
        "value of upgrade must be one of: dist, full, no, safe, yes, got: {}", upgrade));
  }
  Json result{{"changed", false}};
  auto updated = MaybeUpdateCache(context, result);
  if (!updated) return std::unexpected(updated.error());
  if (context.Bool("clean") && !context.check) {
    auto cleaned = RunAptCommand(context.Machine(), {"apt-get", "clean"}, context.Int("lock_timeout", 60));
    if (!cleaned) return std::unexpected(cleaned.error());
  }
  if (!context.Has("name") && !context.Has("deb") && upgrade == "no") {
    result["changed"] = result["cache_updated"];
    return Cleanup(context, std::move(result));
  }
  auto status = ReadDpkgStatus(context.Machine());
  if (!status) return std::unexpected(status.error());
  Expected<Json> done = result;
  std::string state = context.Str("state", "present");
  if (context.Has("deb")) {
    done = InstallDeb(context, *status, result);
  } else if (upgrade != "no") {
    done = Upgrade(context, upgrade, result);
  } else if (state == "absent") {
    done = Remove(context, *status, result);
  } else if (state == "build-dep") {
    std::vector<std::string> names;
    for (const auto& spec : Specs(context)) names.push_back(spec.NameWithArch());
    done = Apply(context, AptInstallArgv(OptionsFrom(context), names, context.check, "build-dep"),
                 result);
  } else if (context.Has("name")) {
    done = Install(context, *status, result);
  }
  return done;
}

// Ansible's package action hands every argument but `use` to the manager's
// module (apt here), so package accepts what apt does.
const ModuleSpec& PackageSpec() {
  static const ModuleSpec spec = [] {
    ModuleSpec s = AptSpec();
    s.name = "package";
    s.short_description = "Generic OS package manager";
    s.args.push_back({.name = "use", .type = ArgType::kStr, .default_value = "auto"});
    return s;
  }();
  return spec;
}

// Ansible resolves `package` to the target's manager (ansible_pkg_mgr);
// the agent knows only apt, so it checks that apt is there and runs it.
Expected<Json> RunPackage(ModuleContext& context) {
  std::string use = context.Str("use", "auto");
  if (use != "auto" && use != "apt") {
    return Fail(fmt::format("Could not find a module for {}.", use));
  }
  auto dpkg = context.Machine().Stat(kDpkgStatusPath);
  if (use == "auto" && (!dpkg || !dpkg->exists())) {
    return Fail("Could not detect which package manager to use. Try gathering facts or setting "
                "the \"use\" option.");
  }
  Json apt_args = context.args;
  apt_args.erase("use");
  auto args = ValidateArgs(AptSpec(), apt_args);
  if (!args) return std::unexpected(args.error());
  ModuleContext apt = context;
  apt.args = std::move(*args);
  return RunApt(apt);
}

}  // namespace tend
