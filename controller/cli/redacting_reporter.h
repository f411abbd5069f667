#pragma once

// Hides every decrypted vault secret (SecretRegistry) from results, item
// labels, warnings and notes before the reporter inside prints or records them.

#include <memory>

#include "controller/playbook/reporter.h"

namespace tend {

class RedactingReporter : public Reporter {
 public:
  explicit RedactingReporter(std::unique_ptr<Reporter> inner) : inner_(std::move(inner)) {}
  void PlayStart(const Play& play) override { inner_->PlayStart(play); }
  void TaskStart(const Task& task, std::string_view kind) override {
    inner_->TaskStart(task, kind);
  }
  void Result(const HostResult& result) override;
  void Included(const std::string& file, const std::vector<std::string>& hosts) override {
    inner_->Included(file, hosts);
  }
  void Warning(const std::string& text) override;
  void Note(const std::string& text) override;
  void Recap(const std::map<std::string, HostStats>& stats) override { inner_->Recap(stats); }
  void Progress(std::string_view task, int running, int total) override {
    inner_->Progress(task, running, total);
  }

 private:
  std::unique_ptr<Reporter> inner_;
};

}  // namespace tend
