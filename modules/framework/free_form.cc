#include "modules/framework/free_form.h"

#include <fmt/format.h>

#include "modules/framework/registry.h"

namespace tend {
namespace {

bool IsKeyChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-';
}

// Removes one pair of matching outer quotes, and the escapes of that quote
// character inside a double-quoted value.
std::string Unquote(std::string_view value) {
  if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') &&
      value.back() == value.front()) {
    std::string out;
    std::string_view inner = value.substr(1, value.size() - 2);
    for (size_t i = 0; i < inner.size(); ++i) {
      if (inner[i] == '\\' && i + 1 < inner.size() && inner[i + 1] == value.front()) ++i;
      out += inner[i];
    }
    return out;
  }
  return std::string(value);
}

// "key=value" with a plain key before the first '=': the key, else "".
std::string_view KeyOf(std::string_view token) {
  size_t eq = token.find('=');
  if (eq == 0 || eq == std::string_view::npos) return {};
  std::string_view key = token.substr(0, eq);
  for (char c : key) {
    if (!IsKeyChar(c)) return {};
  }
  return key;
}

}  // namespace

Expected<std::vector<std::string>> SplitArgs(std::string_view text) {
  std::vector<std::string> tokens;
  std::string current;
  bool in_token = false;
  char quote = 0;
  int block_depth = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    char next = i + 1 < text.size() ? text[i + 1] : '\0';
    if (quote) {
      current += c;
      if (c == '\\' && quote == '"' && next) {
        current += next;
        ++i;
      } else if (c == quote) {
        quote = 0;
      }
      continue;
    }
    if (c == '{' && (next == '{' || next == '%' || next == '#')) {
      ++block_depth;
      current += c;
      current += next;
      ++i;
      in_token = true;
      continue;
    }
    if (block_depth > 0 && (c == '}' || c == '%' || c == '#') && next == '}') {
      --block_depth;
      current += c;
      current += next;
      ++i;
      continue;
    }
    if (block_depth == 0 && std::isspace(static_cast<unsigned char>(c))) {
      if (in_token) tokens.push_back(std::move(current));
      current.clear();
      in_token = false;
      continue;
    }
    if ((c == '"' || c == '\'') && block_depth == 0) quote = c;
    current += c;
    in_token = true;
  }
  if (quote) return Fail(fmt::format("unbalanced quotes in arguments: {}", text));
  if (block_depth > 0) return Fail(fmt::format("unbalanced Jinja2 block in arguments: {}", text));
  if (in_token) tokens.push_back(std::move(current));
  return tokens;
}

Expected<Json> ParseFreeFormArgs(std::string_view module, std::string_view text) {
  auto tokens = SplitArgs(text);
  if (!tokens) return std::unexpected(tokens.error());
  const ModuleSpec* spec = FindModuleSpec(module);
  bool free_form = spec && spec->free_form;
  Json args = Json::object();
  std::string raw;
  for (const auto& token : *tokens) {
    std::string_view key = KeyOf(token);
    bool take = !key.empty() && (!free_form || (key != "_raw_params" && spec->FindArg(key)));
    if (take) {
      args[std::string(key)] = Unquote(std::string_view(token).substr(key.size() + 1));
      continue;
    }
    if (!raw.empty()) raw += ' ';
    raw += token;
  }
  if (!raw.empty()) args["_raw_params"] = raw;
  return args;
}

}  // namespace tend
