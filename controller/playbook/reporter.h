#pragma once

#include <chrono>
#include <cstdio>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "controller/playbook/model.h"
#include "controller/playbook/status_line.h"
#include "core/json.h"
#include "core/python_format.h"

namespace tend {

/// The PLAY RECAP counters of one host.
struct HostStats {
  int ok = 0;
  int changed = 0;
  int unreachable = 0;
  int failed = 0;
  int skipped = 0;
  int rescued = 0;
  int ignored = 0;
};

enum class ResultStatus { kOk, kChanged, kFailed, kSkipped, kUnreachable };

/// One host's result of one task, or of one loop item of it.
struct HostResult {
  std::string host;
  std::string delegated_to;  // "h1 -> h2" when delegated
  const Task* task = nullptr;
  ResultStatus status = ResultStatus::kOk;
  bool ignored = false;  // a failure covered by ignore_errors / ignore_unreachable
  bool is_item = false;
  /// The whole-task result after a loop's item lines: only "...ignoring" shows.
  bool loop_summary = false;
  std::string item_label;  // what "(item=...)" shows
  Json result;             // the module's result, already censored for no_log
  double seconds = 0;
  /// The FQCN when Ansible's Python code ran the module (issue 19): -v,
  /// --timing and the JSON events say so.
  std::string python_module{};
};

/// Where the executor's events go (docs/architecture.md: the Reporter seam).
class Reporter {
 public:
  virtual ~Reporter() = default;
  virtual void PlayStart(const Play& play) = 0;
  /// `kind` is "TASK" or "RUNNING HANDLER".
  virtual void TaskStart(const Task& task, std::string_view kind) = 0;
  virtual void Result(const HostResult& result) = 0;
  virtual void Included(const std::string& file, const std::vector<std::string>& hosts) = 0;
  virtual void Warning(const std::string& text) = 0;
  /// "No hosts matched" and the like.
  virtual void Note(const std::string& text) = 0;
  virtual void Recap(const std::map<std::string, HostStats>& stats) = 0;
  /// Hosts still busy on the current task (for a live status line); optional.
  virtual void Progress(std::string_view task, int running, int total) {
    (void)task, (void)running, (void)total;
  }
};

struct HumanOptions {
  bool color = false;
  int verbosity = 0;
  bool diff = false;
  bool status_line = false;  // a live line on a terminal (stderr): status_line.h
  bool timing = false;       // profile_tasks-style summary after the recap
};

// Pure formatting, as Ansible's default callback prints it.

/// "\nTEXT ****...": at least three stars, 80 columns in all.
std::string Banner(std::string_view text);
/// One PLAY RECAP line (docs/ansible-compat.md format), optionally coloured like Ansible.
std::string RecapLine(const std::string& host, const HostStats& s, bool color);
/// json.dumps as Ansible's default callback calls it: keys sorted, non-ASCII kept,
/// `indent` spaces per level when > 0 (one item per line), one line otherwise.
std::string PyJson(const Json& value, int indent = 0, bool sort_keys = true);
/// "(item=...)" text for a loop item: strings bare, everything else repr'd.
std::string ItemLabel(const Json& item);

/// What "(item=...)" shows under `no_log`, in every output and verbosity,
/// whatever loop_control.label says: Ansible's None (issue 21).
inline constexpr std::string_view kCensoredItemLabel = "None";
/// The lines for one host result (without a trailing newline), uncoloured.
std::string ResultText(const HostResult& r, int verbosity);
/// A unified-diff block for a result's "diff" field (before/after text), or "".
std::string DiffText(const Json& diff);
/// What a result looks like after `no_log: true`.
Json CensoredResult(const Json& result);

/// Ansible's "[DEPRECATION WARNING]: ..." line for a module's deprecation.
std::string DeprecationText(const Json& entry);
/// The internal keys hidden from output (_ansible_*, invocation below -vvv).
Json CleanResult(const Json& result, int verbosity);

/// Ansible-style output to a FILE* (stdout), thread-safe.
class HumanReporter : public Reporter {
 public:
  /// `terminal` is where the status line goes when options.status_line.
  HumanReporter(std::FILE* out, HumanOptions options, Terminal& terminal = StderrTerminal());
  void PlayStart(const Play& play) override;
  void TaskStart(const Task& task, std::string_view kind) override;
  void Result(const HostResult& result) override;
  void Included(const std::string& file, const std::vector<std::string>& hosts) override;
  void Warning(const std::string& text) override;
  void Note(const std::string& text) override;
  void Recap(const std::map<std::string, HostStats>& stats) override;
  void Progress(std::string_view task, int running, int total) override;

 private:
  void WarningLocked(const std::string& text);
  void ResultWarnings(const Json& result);
  void Write(const std::string& text, const char* color);
  void ClearStatus();
  void RecordTiming(const HostResult& r);

  std::FILE* out_;
  HumanOptions options_;
  std::mutex mutex_;
  StatusLine status_;
  std::vector<std::pair<std::string, double>> timings_;  // task → seconds (max over hosts)
  std::map<const Task*, size_t> timing_index_;
};

/// One JSON object per line: play, task, result, included, warning, recap.
class JsonReporter : public Reporter {
 public:
  explicit JsonReporter(std::FILE* out) : out_(out) {}
  void PlayStart(const Play& play) override;
  void TaskStart(const Task& task, std::string_view kind) override;
  void Result(const HostResult& result) override;
  void Included(const std::string& file, const std::vector<std::string>& hosts) override;
  void Warning(const std::string& text) override;
  void Note(const std::string& text) override;
  void Recap(const std::map<std::string, HostStats>& stats) override;

 private:
  void Emit(const Json& event);
  std::FILE* out_;
  std::mutex mutex_;
};

std::string_view StatusName(ResultStatus status);

}  // namespace tend
