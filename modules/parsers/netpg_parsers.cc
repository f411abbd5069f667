#include "modules/parsers/netpg_parsers.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>

#include "core/hash.h"

namespace tend {
namespace {

std::string Upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}


// Kernel TCP state numbers as /proc/net/tcp prints them (include/net/tcp_states.h).
const std::map<std::string, int>& TcpStates() {
  static const std::map<std::string, int> states{
      {"ESTABLISHED", 1}, {"SYN_SENT", 2},   {"SYN_RECV", 3},   {"FIN_WAIT1", 4},
      {"FIN_WAIT2", 5},   {"TIME_WAIT", 6},  {"CLOSE", 7},      {"CLOSE_WAIT", 8},
      {"LAST_ACK", 9},    {"LISTEN", 10},    {"CLOSING", 11}};
  return states;
}

std::vector<int> ReleaseNumbers(std::string_view version) {
  std::vector<int> numbers;
  size_t i = 0;
  while (i < version.size() && std::isdigit(static_cast<unsigned char>(version[i]))) {
    int n = 0;
    auto [end, ec] = std::from_chars(version.data() + i, version.data() + version.size(), n);
    numbers.push_back(n);
    i = static_cast<size_t>(end - version.data());
    if (i < version.size() && version[i] == '.') ++i;
    else break;
  }
  return numbers;
}

std::string Base64Decode(std::string_view text) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  std::string out;
  uint32_t bits = 0;
  int count = 0;
  for (char c : text) {
    int v = value(c);
    if (v < 0) continue;
    bits = (bits << 6) | static_cast<uint32_t>(v);
    count += 6;
    if (count >= 8) {
      count -= 8;
      out += static_cast<char>((bits >> count) & 0xff);
    }
  }
  return out;
}

// RFC 7677 verifier check: "SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>".
bool ScramMatches(std::string_view stored, std::string_view password) {
  std::string_view rest = stored.substr(std::string_view("SCRAM-SHA-256$").size());
  size_t colon = rest.find(':'), dollar = rest.find('$');
  if (colon == std::string_view::npos || dollar == std::string_view::npos || colon > dollar)
    return false;
  int iterations = 0;
  std::from_chars(rest.data(), rest.data() + colon, iterations);
  std::string salt = Base64Decode(rest.substr(colon + 1, dollar - colon - 1));
  std::string_view keys = rest.substr(dollar + 1);
  size_t split = keys.find(':');
  if (split == std::string_view::npos || iterations <= 0) return false;
  std::string salted = Pbkdf2HmacSha256(password, salt, iterations, 32);
  std::string stored_key =
      RawDigest(HashAlgorithm::kSha256, HmacSha256(salted, "Client Key"));
  std::string server_key = HmacSha256(salted, "Server Key");
  return stored_key == Base64Decode(keys.substr(0, split)) &&
         server_key == Base64Decode(keys.substr(split + 1));
}

std::string LiteralOf(const Json& value) {
  if (value.is_null()) return "NULL";
  if (value.is_boolean()) return value.get<bool>() ? "TRUE" : "FALSE";
  if (value.is_number()) return value.dump();
  if (value.is_string()) return QuoteLiteral(value.get<std::string>());
  return QuoteLiteral(value.dump());
}

}  // namespace

std::vector<std::string_view> SplitFields(std::string_view line) {
  std::vector<std::string_view> fields;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && std::isspace(static_cast<unsigned char>(line[i]))) ++i;
    size_t j = i;
    while (j < line.size() && !std::isspace(static_cast<unsigned char>(line[j]))) ++j;
    if (j > i) fields.push_back(line.substr(i, j - i));
    i = j;
  }
  return fields;
}

int CountActiveConnections(std::string_view content, int port,
                           const std::vector<std::string>& states) {
  std::vector<int> wanted;
  for (const auto& s : states) {
    if (auto it = TcpStates().find(Upper(s)); it != TcpStates().end()) wanted.push_back(it->second);
  }
  if (states.empty()) wanted = {1, 2, 3, 4, 5, 6};
  int count = 0;
  size_t start = content.find('\n');  // the header line
  while (start != std::string_view::npos && start < content.size()) {
    size_t end = content.find('\n', start + 1);
    auto fields = SplitFields(content.substr(start + 1, end - start - 1));
    start = end;
    if (fields.size() < 4) continue;
    std::string_view local = fields[1];
    size_t colon = local.rfind(':');
    if (colon == std::string_view::npos) continue;
    int local_port = 0, state = 0;
    std::from_chars(local.data() + colon + 1, local.data() + local.size(), local_port, 16);
    std::from_chars(fields[3].data(), fields[3].data() + fields[3].size(), state, 16);
    if (local_port == port && std::find(wanted.begin(), wanted.end(), state) != wanted.end())
      ++count;
  }
  return count;
}

std::string NormalizePipName(std::string_view name) {
  std::string out;
  bool in_separator = false;
  for (char c : name) {
    if (c == '-' || c == '_' || c == '.') {
      in_separator = true;
      continue;
    }
    if (in_separator && !out.empty()) out += '-';
    in_separator = false;
    out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

Expected<PipRequirement> ParsePipRequirement(std::string_view text) {
  PipRequirement req{.text = std::string(text), .name = {}, .op = {}, .version = {}};
  std::string_view s = text;
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  size_t end = 0;
  while (end < s.size() && (std::isalnum(static_cast<unsigned char>(s[end])) || s[end] == '-' ||
                            s[end] == '_' || s[end] == '.'))
    ++end;
  if (end == 0) return Fail(fmt::format("cannot parse pip requirement '{}'", text));
  req.name = NormalizePipName(s.substr(0, end));
  std::string_view rest = s.substr(end);
  if (rest.starts_with('[')) rest.remove_prefix(std::min(rest.find(']') + 1, rest.size()));
  while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
  if (rest.empty()) return req;
  for (std::string_view op : {"===", "==", ">=", "<=", "!=", "~=", ">", "<"}) {
    if (rest.starts_with(op)) {
      req.op = std::string(op);
      std::string_view v = rest.substr(op.size());
      while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
      while (!v.empty() && v.back() == ' ') v.remove_suffix(1);
      // A compound spec ("<3,>=2") is left to pip: treat it as unsatisfied-unknown.
      req.version = std::string(v);
      return req;
    }
  }
  return Fail(fmt::format("cannot parse pip requirement '{}'", text));
}

Expected<std::map<std::string, std::string>> ParsePipList(std::string_view json_text) {
  Json parsed = Json::parse(json_text, nullptr, false);
  if (parsed.is_discarded() || !parsed.is_array())
    return Fail(fmt::format("could not parse pip list output: {}", json_text.substr(0, 200)));
  std::map<std::string, std::string> installed;
  for (const auto& item : parsed) {
    if (!item.is_object() || !item.contains("name") || !item.contains("version")) continue;
    installed[NormalizePipName(item["name"].get<std::string>())] =
        item["version"].get<std::string>();
  }
  return installed;
}

bool VersionSatisfies(std::string_view installed, std::string_view op, std::string_view wanted) {
  if (op.empty()) return true;
  if (wanted.find(',') != std::string_view::npos) return false;
  if (op == "===") return installed == wanted;
  if (wanted.ends_with(".*") && (op == "==" || op == "!=")) {
    std::string prefix(wanted.substr(0, wanted.size() - 1));
    bool match = installed.starts_with(prefix) || std::string(installed) + "." == prefix;
    return (op == "==") == match;
  }
  auto a = ReleaseNumbers(installed), b = ReleaseNumbers(wanted);
  std::vector<int> pa = a, pb = b;  // 1.0 == 1.0.0
  pa.resize(std::max(a.size(), b.size()));
  pb.resize(pa.size());
  int cmp = pa < pb ? -1 : (pa > pb ? 1 : 0);
  if (op == "==") return cmp == 0;
  if (op == "!=") return cmp != 0;
  if (op == ">=") return cmp >= 0;
  if (op == "<=") return cmp <= 0;
  if (op == ">") return cmp > 0;
  if (op == "<") return cmp < 0;
  if (op == "~=") {
    // Compatible release: >= wanted and the same prefix but for the last segment.
    std::vector<int> prefix = b;
    if (cmp < 0 || prefix.size() < 2) return false;
    prefix.pop_back();
    a.resize(std::max(a.size(), prefix.size()));
    return std::equal(prefix.begin(), prefix.end(), a.begin());
  }
  return false;
}

std::string QuoteIdent(std::string_view name) {
  std::string out = "\"";
  for (char c : name) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::string QuoteLiteral(std::string_view value) {
  std::string out;
  bool backslash = value.find('\\') != std::string_view::npos;
  for (char c : value) {
    if (c == '\'') out += "''";
    else if (c == '\\') out += "\\\\";
    else out += c;
  }
  return (backslash ? "E'" : "'") + out + "'";
}

std::string QuoteQualified(std::string_view dotted) {
  std::string out;
  size_t start = 0;
  while (true) {
    size_t dot = dotted.find('.', start);
    out += QuoteIdent(dotted.substr(start, dot - start));
    if (dot == std::string_view::npos) return out;
    out += '.';
    start = dot + 1;
  }
}

Expected<std::string> BindQueryParams(std::string_view query, const Json& positional,
                                      const Json& named) {
  std::string out;
  size_t next_positional = 0;
  for (size_t i = 0; i < query.size(); ++i) {
    if (query[i] != '%' || i + 1 >= query.size()) {
      out += query[i];
      continue;
    }
    char c = query[i + 1];
    if (c == '%') {
      out += '%';
      ++i;
    } else if (c == 's') {
      if (!positional.is_array() || next_positional >= positional.size())
        return Fail("not enough positional_args for the %s placeholders in query");
      out += LiteralOf(positional[next_positional++]);
      ++i;
    } else if (c == '(') {
      size_t close = query.find(")s", i);
      if (close == std::string_view::npos) return Fail("unterminated %(name)s placeholder in query");
      std::string key(query.substr(i + 2, close - i - 2));
      if (!named.is_object() || !named.contains(key))
        return Fail(fmt::format("named_args has no value for %({})s", key));
      out += LiteralOf(named[key]);
      i = close + 1;
    } else {
      out += '%';
    }
  }
  if (positional.is_array() && next_positional < positional.size() && !positional.empty())
    return Fail("more positional_args than %s placeholders in query");
  return out;
}

std::string Md5Password(std::string_view user, std::string_view password) {
  return "md5" + HexDigest(HashAlgorithm::kMd5, std::string(password) + std::string(user));
}

bool PasswordMatches(std::string_view stored, std::string_view user, std::string_view password) {
  if (stored.empty()) return password.empty();
  if (stored == password) return true;  // the task gave the stored hash itself
  if (password.starts_with("md5") && password.size() == 35) return false;
  if (password.starts_with("SCRAM-SHA-256$")) return false;
  if (stored.starts_with("md5")) return stored == Md5Password(user, password);
  if (stored.starts_with("SCRAM-SHA-256$")) return ScramMatches(stored, password);
  return false;
}

Expected<std::map<std::string, bool>> ParseRoleAttrFlags(std::string_view flags) {
  static const std::map<std::string, std::string> kColumns{
      {"SUPERUSER", "rolsuper"},     {"CREATEROLE", "rolcreaterole"},
      {"CREATEDB", "rolcreatedb"},   {"INHERIT", "rolinherit"},
      {"LOGIN", "rolcanlogin"},      {"REPLICATION", "rolreplication"},
      {"BYPASSRLS", "rolbypassrls"}};
  std::map<std::string, bool> wanted;
  size_t start = 0;
  while (start <= flags.size()) {
    size_t comma = flags.find(',', start);
    std::string flag = Upper(flags.substr(start, comma - start));
    std::erase(flag, ' ');
    start = comma == std::string_view::npos ? flags.size() + 1 : comma + 1;
    if (flag.empty()) continue;
    bool negate = flag.starts_with("NO") && kColumns.contains(flag.substr(2));
    auto it = kColumns.find(negate ? flag.substr(2) : flag);
    if (it == kColumns.end()) {
      return Fail(fmt::format("Invalid role_attr_flags specified: {}", flag));
    }
    wanted[it->second] = !negate;
  }
  return wanted;
}

}  // namespace tend
