#include "controller/cli/run_records.h"

#include <fmt/format.h>
#include <pwd.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "controller/cli/config_flags.h"
#include "controller/records/git_commit.h"
#include "controller/records/records_location.h"
#include "controller/vault/vault.h"

namespace tend {
namespace {

std::string& StoredCommandLine() {
  static std::string line;
  return line;
}

std::string ShellQuoted(std::string_view word) {
  bool plain = !word.empty() && word.find_first_not_of(
                                    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                    "0123456789-_./=:,@%+") == std::string_view::npos;
  if (plain) return std::string(word);
  std::string out = "'";
  for (char c : word) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::string UserName() {
  if (const passwd* pw = getpwuid(getuid())) return pw->pw_name;
  const char* user = std::getenv("USER");
  return user ? user : std::to_string(getuid());
}

std::string HostName() {
  char name[256] = {};
  if (gethostname(name, sizeof name - 1) != 0) return "";
  return name;
}

void AddSources(RunInfo& info, const std::string& kind, const std::vector<std::string>& paths) {
  for (const auto& p : paths) {
    std::error_code ec;
    // A comma list of hosts ("web1,web2,") is an inventory but no file.
    if (!std::filesystem::exists(p, ec)) {
      info.sources.push_back({kind, p, ""});
      continue;
    }
    std::string absolute = std::filesystem::absolute(p, ec).lexically_normal().string();
    info.sources.push_back({kind, absolute, GitCommitOf(absolute)});
  }
}

}  // namespace

void SetCommandLine(int argc, char** argv) {
  std::string line;
  for (int i = 0; i < argc; ++i) line += (i ? " " : "") + ShellQuoted(argv[i]);
  StoredCommandLine() = line;
}

const std::string& CommandLine() { return StoredCommandLine(); }

void AddRecordsOption(CLI::App& app, std::string& records) {
  if (const auto& config = CliConfig()) records = config->String("tend.records");
  app.add_option("--records", records,
                 "Run records: off, a SQLite file, or postgresql://... "
                 "(default: ~/.local/state/tend/records.db)");
}

RunInfo NewRunInfo(const std::string& command, const std::vector<std::string>& inventory,
                   const std::vector<std::string>& playbooks) {
  RunInfo info;
  info.command = command;
  // A secret given on the command line (a vaulted -e value decrypted) stays out.
  info.command_line = SecretRegistry::Global().Redact(CommandLine());
  info.user = UserName();
  info.controller = HostName();
  info.started_ms = NowMs();
  AddSources(info, "inventory", inventory);
  AddSources(info, "playbook", playbooks);
  return info;
}

std::unique_ptr<Reporter> WithRecords(std::unique_ptr<Reporter> inner, const std::string& records,
                                      RunInfo info, RecordingReporter** recorder) {
  *recorder = nullptr;
  RecordsLocation where = ResolveRecords(records);
  if (where.kind == RecordsLocation::Kind::kOff) return inner;
  auto store = OpenRecords(where);
  if (!store) {
    inner->Warning(fmt::format("run records: {}; this run goes on unrecorded",
                               store.error().message));
    return inner;
  }
  auto recording =
      std::make_unique<RecordingReporter>(std::move(inner), std::move(*store), std::move(info));
  *recorder = recording.get();
  return recording;
}

std::unique_ptr<RecordStore> OpenRecordsForReading(const std::string& records) {
  RecordsLocation where = ResolveRecords(records);
  if (where.kind == RecordsLocation::Kind::kOff) {
    fmt::print(stderr, "tend: run records are off; nothing to read\n");
    return nullptr;
  }
  auto store = OpenRecords(where);
  if (!store) {
    fmt::print(stderr, "tend: {}\n", store.error().ToString());
    return nullptr;
  }
  return std::move(*store);
}

}  // namespace tend
