#include "controller/cli/redacting_reporter.h"

#include "controller/vault/vault.h"

namespace tend {

void RedactingReporter::Result(const HostResult& result) {
  const SecretRegistry& secrets = SecretRegistry::Global();
  if (secrets.empty()) return inner_->Result(result);
  HostResult copy = result;
  copy.result = secrets.RedactJson(result.result);
  copy.item_label = secrets.Redact(result.item_label);
  inner_->Result(copy);
}

void RedactingReporter::Warning(const std::string& text) {
  inner_->Warning(SecretRegistry::Global().Redact(text));
}

void RedactingReporter::Note(const std::string& text) {
  inner_->Note(SecretRegistry::Global().Redact(text));
}

}  // namespace tend
