#pragma once

// Every keyword a play, block or task accepts, and what tend does with it:
// honoured (and by which code), or refused at load with a located message.
// keyword_use_test fails when an accepted keyword has no row here, so no
// keyword can be accepted and then silently ignored (issue 18).

#include <span>
#include <string>
#include <string_view>

#include "controller/playbook/yaml_source.h"
#include "core/error.h"
#include "core/json.h"

namespace tend {

enum class KeywordUse { kHonoured, kRefused };

struct KeywordRow {
  const char* keyword;
  KeywordUse use;
  /// Honoured: the code that reads it. Refused: why, for the message.
  const char* note;
  /// Refused: a value that is accepted anyway because it asks for what tend
  /// does (`debugger: never`), or null.
  const char* accepted_value = nullptr;
};

std::span<const KeywordRow> KeywordUses();
const KeywordRow* FindKeywordUse(std::string_view keyword);

/// Fails on the first refused keyword of `mapping` (a play, block or task):
/// "the 'timeout' keyword is not supported by tend: ...".
Expected<void> RefuseUnsupportedKeywords(const YamlSource& src, const Json& mapping,
                                         const std::string& ptr);

}  // namespace tend
