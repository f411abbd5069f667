// git (ansible.builtin.git): a checkout of a repository at a version, made
// with the target's git CLI the way Ansible's module drives it: clone when
// dest holds no repository, otherwise fetch and switch to the version; the
// remote's refs come from `git ls-remote`. Check mode asks the remote what
// the version is now and touches nothing in dest.

#include <fmt/format.h>

#include "modules/framework/all.h"
#include "modules/files/file_common.h"
#include "modules/framework/text.h"
#include "modules/parsers/tools_parse.h"

namespace tend {
namespace {

std::string Trimmed(std::string_view text) { return std::string(StripTrailingNewlines(text)); }

bool Contains(std::string_view haystack, std::string_view needle) {
  return haystack.find(needle) != std::string_view::npos;
}

// GIT_SSH_COMMAND as set_git_ssh_env builds it: the user's ssh_opts, host
// key acceptance, BatchMode (never prompt) and the key file.
std::string SshCommand(ModuleContext& context) {
  Host& host = context.Machine();
  std::optional<std::string> opts;
  if (context.Has("ssh_opts")) opts = context.Str("ssh_opts");
  auto accept = [&](const char* option) {
    if (!opts) {
      opts = std::string("-o ") + option;
    } else if (!Contains(*opts, "-o StrictHostKeyChecking=no") &&
               !Contains(*opts, "-o StrictHostKeyChecking=accept-new")) {
      *opts += std::string(" -o ") + option;
    }
  };
  if (context.Bool("accept_hostkey")) accept("StrictHostKeyChecking=no");
  if (context.Bool("accept_newhostkey")) accept("StrictHostKeyChecking=accept-new");
  std::string ssh_opts = host.GetEnv("GIT_SSH_OPTS").value_or("");
  if (opts) ssh_opts += " " + *opts;
  if (!Contains(ssh_opts, "BatchMode=yes")) ssh_opts += " -o BatchMode=yes";
  if (context.Has("key_file")) {
    std::string key = "-i " + ExpandUser(host, context.Str("key_file"));
    if (!Contains(ssh_opts, key)) ssh_opts += "  " + key;
    if (!Contains(ssh_opts, "IdentitiesOnly=yes")) ssh_opts += " -o IdentitiesOnly=yes";
  }
  std::string command =
      host.GetEnv("GIT_SSH").value_or(host.GetEnv("GIT_SSH_COMMAND").value_or("ssh"));
  if (!ssh_opts.empty()) command += " " + ssh_opts;
  return command;
}

// A failed git command as Ansible's run_command(check_rc=True) reports it.
Json CommandFailure(const std::string& msg, const std::vector<std::string>& argv,
                    const ProcessResult& ran) {
  return FailedResult(msg, Json{{"cmd", tools::CommandLine(argv)},
                                {"rc", ran.rc},
                                {"stdout", ran.stdout_data},
                                {"stderr", ran.stderr_data}});
}

// A module run in progress: the arguments it needs everywhere and what it
// learnt from the remote so far.
class Checkout {
 public:
  explicit Checkout(ModuleContext& context) : context_(context), host_(context.Machine()) {}

  Expected<void> Init() {
    if (context_.Has("executable")) {
      git_ = context_.Str("executable");
    } else {
      auto git = tools::RequireProgram(host_, "git");
      if (!git) return std::unexpected(git.error());
      git_ = *git;
    }
    dest_ = ExpandUser(host_, context_.Str("dest"));
    while (dest_.size() > 1 && dest_.ends_with('/')) dest_.pop_back();
    repo_ = ExpandUser(host_, context_.Str("repo"));
    // Paths need file:// for --depth to work (Ansible forces it too).
    if (repo_.starts_with('/')) repo_ = "file://" + repo_;
    remote_ = context_.Str("remote", "origin");
    version_ = context_.Str("version", "HEAD");
    bare_ = context_.Bool("bare");
    depth_ = context_.Int("depth", 0);
    env_ = {{"LANG", "C"},
            {"LC_ALL", "C"},
            {"LC_MESSAGES", "C"},
            {"LC_CTYPE", "C"},
            {"GIT_SSH_COMMAND", SshCommand(context_)}};
    return {};
  }

  Expected<Json> Run();
  /// The failed result (with cmd, rc, stdout, stderr) behind the last error.
  const std::optional<Json>& failure() const { return failure_; }

 private:
  // Remembers the full failed result; the error carries its message.
  std::unexpected<Error> Failed(Json failure) {
    std::string msg = failure.value("msg", "");
    failure_ = std::move(failure);
    return Fail(msg);
  }
  std::unexpected<Error> CommandFailed(const std::string& msg, const ProcessResult& ran) {
    return Failed(CommandFailure(msg, last_argv_, ran));
  }

  Expected<ProcessResult> Git(std::vector<std::string> args, std::optional<std::string> cwd = {}) {
    args.insert(args.begin(), git_);
    last_argv_ = args;
    return host_.Run(
        {.argv = std::move(args), .stdin_data = {}, .cwd = cwd.value_or(dest_), .env = env_});
  }

  std::string RepoPath() const { return bare_ ? dest_ : JoinPath(dest_, ".git"); }

  bool HasRepository() {
    auto info = host_.Stat(JoinPath(RepoPath(), "config"));
    return info && info->exists();
  }

  Expected<std::string> Revision() {
    auto ran = Git({"rev-parse", "HEAD"});
    if (!ran) return std::unexpected(ran.error());
    return Trimmed(ran->stdout_data);
  }

  Expected<const std::vector<tools::RemoteRef>*> RemoteRefs(const std::string& remote);
  Expected<bool> IsRemoteBranch(const std::string& remote, const std::string& name);
  Expected<bool> IsRemoteTag(const std::string& remote, const std::string& name);
  Expected<std::string> RemoteHead(const std::string& remote, bool cloning);
  std::optional<std::string> HeadBranch();
  Expected<bool> HasLocalMods();
  Expected<std::vector<std::string>> CloneArgs();
  Expected<void> Clone();
  Expected<bool> SetRemoteUrl();
  Expected<std::vector<std::string>> ShallowRefspecs();
  Expected<void> Fetch();
  Expected<void> CheckoutBranch(const std::string& branch);
  Expected<std::vector<std::string>> BranchSteps();
  Expected<void> SwitchVersion();
  Expected<bool> IsLocalBranch(const std::string& name);
  Json Diff(const Json& before, const std::string& after);
  Expected<Json> Update(Json result);
  Expected<Json> Finish(Json result);
  Expected<Json> CheckModeResult(Json result, const std::string& remote, bool cloning);

  ModuleContext& context_;
  Host& host_;
  std::string git_, dest_, repo_, remote_, version_;
  bool bare_ = false;
  int64_t depth_ = 0;
  std::map<std::string, std::string> env_;
  std::vector<std::string> last_argv_;
  std::map<std::string, std::vector<tools::RemoteRef>> refs_;
  std::vector<std::string> warnings_;
  std::optional<Json> failure_;
};

// One `git ls-remote` per remote and run answers every question Ansible asks
// with separate -h/-t queries.
Expected<const std::vector<tools::RemoteRef>*> Checkout::RemoteRefs(const std::string& remote) {
  if (auto it = refs_.find(remote); it != refs_.end()) return &it->second;
  bool in_repo = remote == remote_ && HasRepository();
  auto ran = Git({"ls-remote", remote}, in_repo ? dest_ : std::string("/"));
  if (!ran) return std::unexpected(ran.error());
  if (ran->rc != 0) {
    return Fail(
        fmt::format("{}", Trimmed(ran->stderr_data.empty() ? ran->stdout_data : ran->stderr_data)));
  }
  return &(refs_[remote] = tools::ParseLsRemote(ran->stdout_data));
}

Expected<bool> Checkout::IsRemoteBranch(const std::string& remote, const std::string& name) {
  auto refs = RemoteRefs(remote);
  if (!refs) return std::unexpected(refs.error());
  for (const auto& r : **refs) {
    if (r.ref == "refs/heads/" + name) return true;
  }
  return false;
}

Expected<bool> Checkout::IsRemoteTag(const std::string& remote, const std::string& name) {
  auto refs = RemoteRefs(remote);
  if (!refs) return std::unexpected(refs.error());
  for (const auto& r : **refs) {
    if (r.ref == "refs/tags/" + name || r.ref == "refs/tags/" + name + "^{}") return true;
  }
  return false;
}

// get_remote_head: the commit `version` names on the remote now (an
// annotated tag's commit, not the tag object); a sha is taken as is.
Expected<std::string> Checkout::RemoteHead(const std::string& remote, bool cloning) {
  auto refs = RemoteRefs(remote);
  if (!refs) return std::unexpected(refs.error());
  std::vector<std::string> wanted;
  if (version_ == "HEAD") {
    std::optional<std::string> branch = cloning ? std::nullopt : HeadBranch();
    wanted = {branch ? "refs/heads/" + *branch : "HEAD"};
  } else {
    auto branch = IsRemoteBranch(remote, version_);
    if (!branch) return std::unexpected(branch.error());
    auto tag = IsRemoteTag(remote, version_);
    if (!tag) return std::unexpected(tag.error());
    if (*branch) {
      wanted = {"refs/heads/" + version_};
    } else if (*tag) {
      wanted = {"refs/tags/" + version_ + "^{}", "refs/tags/" + version_};
    } else {
      return version_;
    }
  }
  for (const auto& name : wanted) {
    for (const auto& r : **refs) {
      if (r.ref == name) return r.sha;
    }
  }
  return Fail(fmt::format("Could not determine remote revision for {}", version_));
}

// get_head_branch: the branch .git/HEAD names, or when HEAD is detached the
// one the remote's HEAD points at.
std::optional<std::string> Checkout::HeadBranch() {
  auto head = host_.ReadFile(JoinPath(RepoPath(), "HEAD"));
  std::string line = head ? Trimmed(head->substr(0, head->find('\n'))) : "";
  if (!line.starts_with("ref:")) {
    auto remote_head = host_.ReadFile(JoinPath(RepoPath(), "refs/remotes/" + remote_ + "/HEAD"));
    if (!remote_head) return std::nullopt;
    line = Trimmed(remote_head->substr(0, remote_head->find('\n')));
    size_t at = line.find("refs/remotes/" + remote_);
    if (at != std::string::npos) line.erase(at, ("refs/remotes/" + remote_).size());
  }
  std::string ref = line.substr(line.rfind(' ') == std::string::npos ? 0 : line.rfind(' ') + 1);
  // "refs/heads/x/y" -> "x/y"; "/main" (remote HEAD with the prefix cut) -> "main"
  size_t first = ref.find('/');
  if (first == std::string::npos) return ref;
  size_t second = ref.find('/', first + 1);
  return second == std::string::npos ? ref.substr(first + 1) : ref.substr(second + 1);
}

// Untracked files do not count, as in Ansible.
Expected<bool> Checkout::HasLocalMods() {
  if (bare_) return false;
  auto ran = Git({"status", "--porcelain"});
  if (!ran) return std::unexpected(ran.error());
  for (const auto& line : tools::Lines(ran->stdout_data)) {
    if (!line.starts_with("??")) return true;
  }
  return false;
}

Expected<bool> Checkout::IsLocalBranch(const std::string& name) {
  auto ran = Git({"branch", "--no-color", "-a"});
  if (!ran) return std::unexpected(ran.error());
  if (ran->rc != 0) {
    return Fail(fmt::format("Could not determine branch data - received {}", ran->stdout_data));
  }
  for (const auto& line : tools::Lines(ran->stdout_data)) {
    size_t first = line.find_first_not_of(" \t");
    if (first == std::string::npos) continue;
    std::string stripped = line.substr(first, line.find_last_not_of(" \t") + 1 - first);
    if (stripped == name || stripped == "* " + name) return true;
  }
  return false;
}

// git clone makes dest itself; its parents are ours to make (os.makedirs).
void MakeParents(Host& host, const std::string& dir) {
  std::vector<std::string> missing;
  for (std::string p = dir; p != "/" && p != "." && !p.empty(); p = DirName(p)) {
    auto info = host.Stat(p);
    if (!info || info->exists()) break;
    missing.insert(missing.begin(), p);
  }
  for (const auto& p : missing) (void)host.MakeDirectory(p, 0755);
}

// clone's options: depth and single_branch name the version when the remote
// has it as a branch or tag.
Expected<std::vector<std::string>> Checkout::CloneArgs() {
  std::vector<std::string> args{"clone"};
  if (bare_) {
    args.push_back("--bare");
  } else {
    args.insert(args.end(), {"--origin", remote_});
  }
  bool branch_or_tag = false;
  if ((depth_ > 0 || context_.Bool("single_branch")) && version_ != "HEAD") {
    auto branch = IsRemoteBranch(repo_, version_);
    if (!branch) return std::unexpected(branch.error());
    auto tag = IsRemoteTag(repo_, version_);
    if (!tag) return std::unexpected(tag.error());
    branch_or_tag = *branch || *tag;
  }
  if (depth_ > 0) {
    if (version_ == "HEAD" || context_.Has("refspec")) {
      args.insert(args.end(), {"--depth", std::to_string(depth_)});
    } else if (branch_or_tag) {
      args.insert(args.end(), {"--depth", std::to_string(depth_), "--branch", version_});
    } else {
      warnings_.push_back(
          "Ignoring depth argument. Shallow clones are only available for HEAD, "
          "branches, tags or in combination with refspec.");
    }
  }
  if (context_.Has("reference"))
    args.insert(args.end(), {"--reference", context_.Str("reference")});
  if (context_.Bool("single_branch")) {
    args.push_back("--single-branch");
    if (branch_or_tag) args.insert(args.end(), {"--branch", version_});
  }
  args.insert(args.end(), {repo_, dest_});
  return args;
}

Expected<void> Checkout::Clone() {
  std::string parent = DirName(dest_);
  MakeParents(host_, parent);
  auto args = CloneArgs();
  if (!args) return std::unexpected(args.error());
  auto ran = Git(*args, parent);
  if (!ran) return std::unexpected(ran.error());
  if (ran->rc != 0) return CommandFailed(Trimmed(ran->stderr_data), *ran);
  std::vector<std::vector<std::string>> more;
  if (bare_ && remote_ != "origin") more.push_back({"remote", "add", remote_, repo_});
  if (context_.Has("refspec")) {
    std::vector<std::string> fetch{"fetch"};
    if (depth_ > 0) fetch.insert(fetch.end(), {"--depth", std::to_string(depth_)});
    fetch.insert(fetch.end(), {remote_, context_.Str("refspec")});
    more.push_back(fetch);
  }
  for (auto& command : more) {
    auto step = Git(command);
    if (!step) return std::unexpected(step.error());
    if (step->rc != 0) return CommandFailed(Trimmed(step->stderr_data), *step);
  }
  return {};
}

// set_remote_url: points the remote at `repo` when it names another place
// (in check mode only says whether it would).
Expected<bool> Checkout::SetRemoteUrl() {
  auto ran = Git({"ls-remote", "--get-url", remote_});
  if (!ran) return std::unexpected(ran.error());
  if (ran->rc != 0 || Trimmed(ran->stdout_data) == repo_) return false;
  if (context_.check) return true;
  auto set = Git({"remote", "set-url", remote_, repo_});
  if (!set) return std::unexpected(set.error());
  if (set->rc != 0) {
    return Failed(FailedResult(fmt::format("Failed to set a new url {} for {}: {} {}", repo_,
                                           remote_, set->stdout_data, set->stderr_data)));
  }
  return true;
}

// The refspecs for a shallow fetch that still lets the version be checked
// out; empty when depth cannot name it (a sha).
Expected<std::vector<std::string>> Checkout::ShallowRefspecs() {
  std::vector<std::string> refspecs;
  std::string current = HeadBranch().value_or("");
  auto branch = IsRemoteBranch(remote_, version_);
  if (!branch) return std::unexpected(branch.error());
  auto tag = IsRemoteTag(remote_, version_);
  if (!tag) return std::unexpected(tag.error());
  if (context_.Has("refspec")) {
    refspecs.push_back(context_.Str("refspec"));
  } else if (version_ == "HEAD") {
    refspecs.push_back(current);
  } else if (*branch) {
    if (current != version_) {
      refspecs.push_back(fmt::format("+refs/heads/{0}:refs/heads/{0}", version_));
    }
    refspecs.push_back(fmt::format("+refs/heads/{0}:refs/remotes/{1}/{0}", version_, remote_));
  } else if (*tag) {
    refspecs.push_back(fmt::format("+refs/tags/{0}:refs/tags/{0}", version_));
  }
  return refspecs;
}

Expected<void> Checkout::Fetch() {
  std::vector<std::string> args{"fetch"};
  std::vector<std::string> refspecs;
  if (depth_ > 0) {
    auto shallow = ShallowRefspecs();
    if (!shallow) return std::unexpected(shallow.error());
    refspecs = *shallow;
    if (!refspecs.empty()) args.insert(args.end(), {"--depth", std::to_string(depth_)});
  }
  if (refspecs.empty()) {
    if (bare_) {
      refspecs = {"+refs/heads/*:refs/heads/*", "+refs/tags/*:refs/tags/*"};
    } else {
      args.push_back("--tags");
    }
    if (context_.Has("refspec")) refspecs.push_back(context_.Str("refspec"));
  }
  if (context_.Bool("force")) args.push_back("--force");
  args.push_back(remote_);
  args.insert(args.end(), refspecs.begin(), refspecs.end());
  auto ran = Git(args);
  if (!ran) return std::unexpected(ran.error());
  if (ran->rc != 0) {
    return Failed(FailedResult(fmt::format("Failed to download remote objects and refs: {} {}",
                                           ran->stdout_data, ran->stderr_data),
                               Json{{"cmd", tools::CommandLine(last_argv_)}}));
  }
  return {};
}

Expected<void> Checkout::CheckoutBranch(const std::string& branch) {
  auto ran = Git({"checkout", "--force", branch});
  if (!ran) return std::unexpected(ran.error());
  if (ran->rc != 0) return CommandFailed("Failed to checkout branch " + branch, *ran);
  return {};
}

// The steps that put a remote branch's tip into the working tree: a new
// tracking branch, or the local branch hard-reset to the remote one.
Expected<std::vector<std::string>> Checkout::BranchSteps() {
  auto local = IsLocalBranch(version_);
  if (!local) return std::unexpected(local.error());
  if (depth_ > 0 && !*local) {
    // A shallow clone has only its own branch: fetch this one first.
    auto fetched = Git({"fetch", fmt::format("--depth={}", depth_), remote_,
                        fmt::format("+refs/heads/{0}:refs/heads/{0}", version_),
                        fmt::format("+refs/heads/{0}:refs/remotes/{1}/{0}", version_, remote_)});
    if (!fetched) return std::unexpected(fetched.error());
    if (fetched->rc != 0) {
      return CommandFailed("Failed to fetch branch from remote: " + version_, *fetched);
    }
    local = IsLocalBranch(version_);
    if (!local) return std::unexpected(local.error());
  }
  if (!*local)
    return std::vector<std::string>{"checkout", "--track", "-b", version_,
                                    remote_ + "/" + version_};
  if (auto ok = CheckoutBranch(version_); !ok) return std::unexpected(ok.error());
  return std::vector<std::string>{"reset", "--hard", remote_ + "/" + version_};
}

// switch_version: the working tree at the version.
Expected<void> Checkout::SwitchVersion() {
  std::vector<std::string> last;
  std::string what = "Failed to checkout " + version_;
  if (version_ == "HEAD") {
    std::string branch = HeadBranch().value_or("HEAD");
    if (auto ok = CheckoutBranch(branch); !ok) return ok;
    last = {"reset", "--hard", remote_ + "/" + branch, "--"};
    what = "Failed to checkout branch " + branch;
  } else {
    auto branch = IsRemoteBranch(remote_, version_);
    if (!branch) return std::unexpected(branch.error());
    if (*branch) {
      auto steps = BranchSteps();
      if (!steps) return std::unexpected(steps.error());
      last = *steps;
    } else {
      last = {"checkout", "--force", version_};
    }
  }
  auto ran = Git(last);
  if (!ran) return std::unexpected(ran.error());
  if (ran->rc != 0) return CommandFailed(what, *ran);
  return {};
}

// get_diff without its fetch: the objects are there after a real run; in
// check mode a diff to a commit not fetched yet says it could not be made.
Json Checkout::Diff(const Json& before, const std::string& after) {
  if (before.is_null()) return Json{{"prepared", ">> Newly checked out " + after}};
  std::string from = before.get<std::string>();
  auto ran = Git({"diff", from, after});
  if (ran && ran->rc == 0 && !ran->stdout_data.empty()) return Json{{"prepared", ran->stdout_data}};
  if (ran && ran->rc == 0) {
    return Json{
        {"prepared", fmt::format(">> No visual differences between {} and {}", from, after)}};
  }
  std::string err = ran ? ran->stderr_data : ran.error().message;
  return Json{{"prepared", fmt::format(">> Failed to get proper diff between {} and {}:\n>> {}",
                                       from, after, err)}};
}

Expected<Json> Checkout::CheckModeResult(Json result, const std::string& remote, bool cloning) {
  auto head = RemoteHead(remote, cloning);
  if (!head) return std::unexpected(head.error());
  bool url_changed = result.value("remote_url_changed", false);
  result["changed"] = result["before"] != *head || url_changed;
  result["after"] = *head;
  if (context_.diff && result["changed"] == true) result["diff"] = Diff(result["before"], *head);
  return result;
}

// Updates an existing checkout (or says what an update would do).
Expected<Json> Checkout::Update(Json result) {
  auto mods = HasLocalMods();
  if (!mods) return std::unexpected(mods.error());
  auto rev = Revision();
  if (!rev) return std::unexpected(rev.error());
  result["before"] = *rev;
  if (*mods) {
    // Refused in check mode too: the real run would be.
    if (!context_.Bool("force")) {
      return Failed(FailedResult(fmt::format("Local modifications exist in the destination: {} "
                                             "(force=no).",
                                             dest_),
                                 Json{{"before", *rev}}));
    }
    if (!context_.check) {
      auto reset = Git({"reset", "--hard", "HEAD"});
      if (!reset) return std::unexpected(reset.error());
      if (reset->rc != 0) return CommandFailed(Trimmed(reset->stderr_data), *reset);
      result["changed"] = true;
      result["msg"] = "Local modifications exist in the destination: " + dest_;
    }
  }
  auto url_changed = SetRemoteUrl();
  if (!url_changed) return std::unexpected(url_changed.error());
  result["remote_url_changed"] = *url_changed;
  if (context_.check) return CheckModeResult(result, remote_, false);
  // The sha already checked out needs no fetch (Ansible would fetch and find
  // the same commit).
  if (tools::LooksLikeSha(version_) && rev->starts_with(version_) && !*url_changed && !*mods) {
    result["after"] = *rev;
    return result;
  }
  if (auto ok = Fetch(); !ok) return std::unexpected(ok.error());
  if (!bare_) {
    if (auto ok = SwitchVersion(); !ok) return std::unexpected(ok.error());
  }
  return Finish(result);
}

// after, changed and the diff once the checkout is where it should be.
Expected<Json> Checkout::Finish(Json result) {
  auto after = Revision();
  if (!after) return std::unexpected(after.error());
  result["after"] = *after;
  bool moved = result["before"] != *after;
  if (moved || result.value("remote_url_changed", false)) result["changed"] = true;
  if (context_.diff && moved) result["diff"] = Diff(result["before"], *after);
  if (!warnings_.empty()) result["warnings"] = tools::StringArray(warnings_);
  return result;
}

Expected<Json> Checkout::Run() {
  Json result{{"changed", false}, {"before", nullptr}};
  if (!dest_.empty() && HasRepository()) {
    if (context_.Bool("update", true)) return Update(result);
    // update=no: report what is there, whatever repository it is.
    auto rev = Revision();
    if (!rev) return std::unexpected(rev.error());
    result["before"] = result["after"] = *rev;
    return result;
  }
  if (context_.check || !context_.Bool("clone", true)) return CheckModeResult(result, repo_, true);
  if (auto ok = Clone(); !ok) return std::unexpected(ok.error());
  if (!bare_) {
    if (auto ok = SwitchVersion(); !ok) return std::unexpected(ok.error());
  }
  return Finish(result);
}

}  // namespace

const ModuleSpec& GitSpec() {
  static const ModuleSpec spec{
      .name = "git",
      .short_description = "Deploy software (or files) from git checkouts",
      .args =
          {
              {.name = "repo", .type = ArgType::kStr, .required = true, .aliases = {"name"}},
              {.name = "dest", .type = ArgType::kPath},
              {.name = "version", .type = ArgType::kStr, .default_value = "HEAD"},
              {.name = "remote", .type = ArgType::kStr, .default_value = "origin"},
              {.name = "refspec", .type = ArgType::kStr},
              {.name = "reference", .type = ArgType::kStr},
              {.name = "force", .type = ArgType::kBool, .default_value = false},
              {.name = "depth", .type = ArgType::kInt},
              {.name = "clone", .type = ArgType::kBool, .default_value = true},
              {.name = "update", .type = ArgType::kBool, .default_value = true},
              // No defaults (false) for the mutually exclusive pair: the
              // controller sends defaulted arguments on to the agent.
              {.name = "accept_hostkey", .type = ArgType::kBool},
              {.name = "accept_newhostkey", .type = ArgType::kBool},
              {.name = "key_file", .type = ArgType::kPath},
              {.name = "ssh_opts", .type = ArgType::kStr},
              {.name = "executable", .type = ArgType::kPath},
              {.name = "bare", .type = ArgType::kBool, .default_value = false},
              {.name = "recursive", .type = ArgType::kBool, .default_value = true},
              {.name = "single_branch", .type = ArgType::kBool, .default_value = false},
          },
      .mutually_exclusive = {{"accept_hostkey", "accept_newhostkey"}},
      .supports_diff = true,
      .returns = {"before", "after", "remote_url_changed", "diff", "warnings"},
  };
  return spec;
}

Expected<Json> RunGit(ModuleContext& context) {
  if (!context.Has("dest") && context.Bool("clone", true)) {
    return Fail("the destination directory must be specified unless clone=no");
  }
  Checkout checkout(context);
  if (auto ok = checkout.Init(); !ok) return std::unexpected(ok.error());
  auto result = checkout.Run();
  if (!result && checkout.failure()) return *checkout.failure();
  return result;
}

}  // namespace tend
