#include "controller/template/list_lookups.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <optional>
#include <sstream>

#include "controller/template/jinja.h"
#include "core/regex.h"

namespace tend {
namespace {

std::string Str(const Json& v) { return v.is_string() ? v.get<std::string>() : PythonStr(v); }

void FlattenInto(const Json& value, bool deep, Json& out) {
  for (const auto& e : value) {
    if (e.is_array() && deep)
      FlattenInto(e, deep, out);
    else
      out.push_back(e);
  }
}

// What Ansible's LookupBase._flatten does: one level of lists spliced in.
Json FlattenOnce(const Json& terms) {
  Json out = Json::array();
  for (const auto& term : terms) {
    if (term.is_array())
      FlattenInto(term, false, out);
    else
      out.push_back(term);
  }
  return out;
}

struct Sequence {
  int64_t start = 1;
  std::optional<int64_t> end;
  std::optional<int64_t> count;
  int64_t stride = 1;
  std::string format = "%d";
};

// Numbers as the sequence lookup documents them: decimal, hexadecimal
// (0x3f8) or octal (0600).
Expected<int64_t> SequenceInt(const std::string& key, const Json& value) {
  if (value.is_number_integer()) return value.get<int64_t>();
  if (value.is_number()) return static_cast<int64_t>(value.get<double>());
  std::string text = Str(value);
  size_t at = text.starts_with('-') || text.starts_with('+') ? 1 : 0;
  int base = 10;
  if (text.size() > at + 1 && text[at] == '0' && (text[at + 1] == 'x' || text[at + 1] == 'X')) {
    base = 16;
    at += 2;
  } else if (text.size() > at + 1 && text[at] == '0') {
    base = 8;
    at += 1;
  }
  int64_t n = 0;
  const char* last = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data() + at, last, n, base);
  if (at >= text.size() || ec != std::errc() || ptr != last) {
    return Fail(fmt::format("can't parse {}={} as integer", key, text));
  }
  return text.starts_with('-') ? -n : n;
}

Expected<void> SetSequenceField(Sequence& seq, const std::string& key, const Json& value) {
  if (key == "format") {
    seq.format = Str(value);
    return {};
  }
  auto n = SequenceInt(key, value);
  if (!n) return std::unexpected(n.error());
  if (key == "start") seq.start = *n;
  if (key == "end") seq.end = *n;
  if (key == "count") seq.count = *n;
  if (key == "stride") seq.stride = *n;
  return {};
}

// The shortcut form `[start-]end[/stride][:format]`, as Ansible's SHORTCUT
// pattern matches it; false when the term is not in that form.
Expected<bool> ParseSequenceShortcut(const std::string& term, Sequence& seq) {
  static const Regex kShortcut = Regex::Fixed(
      "((0?x?[0-9a-f]+)-)?(0?x?[0-9a-f]+)(/(0?x?[0-9a-f]+))?(:(.+))?", {.ignorecase = true});
  auto match = kShortcut.FullMatch(term);
  if (!match || !*match) return false;
  const RegexMatch& m = **match;
  const std::pair<int, const char*> fields[] = {{2, "start"}, {3, "end"}, {5, "stride"}, {7, "format"}};
  for (const auto& [group, key] : fields) {
    auto text = m.Group(group);
    if (!text) continue;
    if (auto ok = SetSequenceField(seq, key, Json(std::string(*text))); !ok) {
      return std::unexpected(ok.error());
    }
  }
  return true;
}

Expected<void> ParseSequenceKeyValues(const std::string& term, Sequence& seq) {
  std::istringstream in(term);
  std::vector<std::string> unknown;
  for (std::string kv; in >> kv;) {
    size_t eq = kv.find('=');
    std::string key = eq == std::string::npos ? "_raw_params" : kv.substr(0, eq);
    if (key != "start" && key != "end" && key != "count" && key != "stride" && key != "format") {
      unknown.push_back("'" + key + "'");
      continue;
    }
    if (auto ok = SetSequenceField(seq, key, Json(kv.substr(eq + 1))); !ok) return ok;
  }
  if (!unknown.empty()) {
    std::string listed;
    for (const auto& k : unknown) listed += (listed.empty() ? "" : ", ") + k;
    return Fail(fmt::format("unrecognized arguments to with_sequence: [{}]", listed));
  }
  return {};
}

// Ansible's sanity_check and generate_sequence. `count` becomes
// `end = start + count * stride - 1`, Ansible's formula (exact for positive
// strides); count=0 and stride=0 yield nothing.
Expected<void> AppendSequence(const Sequence& seq, Json& out) {
  if (!seq.count && !seq.end) return Fail("must specify count or end in with_sequence");
  if (seq.count && seq.end) return Fail("can't specify both count and end in with_sequence");
  if (seq.count && *seq.count == 0) return {};
  int64_t end = seq.count ? seq.start + *seq.count * seq.stride - 1 : *seq.end;
  if (seq.stride > 0 && end < seq.start) return Fail("to count backwards make stride negative");
  if (seq.stride < 0 && end > seq.start) return Fail("to count forward don't make stride negative");
  if (seq.stride == 0) return {};
  if (std::count(seq.format.begin(), seq.format.end(), '%') != 1) {
    return Fail("bad formatting string: " + seq.format);
  }
  for (int64_t k = seq.start; seq.stride > 0 ? k <= end : k >= end; k += seq.stride) {
    out.push_back(jinja::PyPercentFormat(seq.format, Json(k)));
  }
  return {};
}

// One walk of Ansible's subelements: `subkey` may be dotted (`a.b`), and the
// list it names is taken out of the item that pairs with each element.
struct SubelementWalk {
  const std::vector<std::string>& subkeys;
  bool skip_missing;
};

Expected<void> AppendSubelements(const SubelementWalk& walk, Json item, Json& out) {
  Json* value = &item;
  Json sublist = Json::array();
  for (size_t i = 0; i < walk.subkeys.size(); ++i) {
    const std::string& key = walk.subkeys[i];
    bool last = i + 1 == walk.subkeys.size();
    if (!value->is_object() || !value->contains(key)) {
      if (walk.skip_missing) continue;
      return Fail(fmt::format("could not find '{}' key in iterated item '{}'", key,
                              PythonStr(*value)));
    }
    Json& next = (*value)[key];
    if (!last && !next.is_object()) {
      if (walk.skip_missing) continue;
      return Fail(fmt::format("the key {} should point to a dictionary, got '{}'", key,
                              PythonStr(next)));
    }
    if (!last) {
      value = &next;
      continue;
    }
    if (!next.is_array()) {
      return Fail(fmt::format("the key {} should point to a list, got '{}'", key,
                              PythonStr(next)));
    }
    sublist = std::move(next);
    value->erase(key);
  }
  for (auto& element : sublist) out.push_back(Json::array({item, std::move(element)}));
  return {};
}

std::unexpected<Error> SubelementsTermsError(const std::string& detail) {
  return Fail("subelements lookup expects a list of two or three items, " + detail);
}

// A registered result or item that was skipped has `skipped` set to
// anything but false.
bool WasSkipped(const Json& v) {
  auto it = v.find("skipped");
  return it != v.end() && !(it->is_boolean() && !it->get<bool>());
}

}  // namespace

// A mapping's items are its keys, as Python iterates it.
Expected<Json> LookupItems(const Json& terms, const Json&, Templar&) {
  if (!terms.is_object()) return FlattenOnce(terms);
  Json keys = Json::array();
  for (const auto& [key, value] : terms.items()) keys.push_back(key);
  return keys;
}

Expected<Json> LookupFlattened(const Json& terms, const Json&, Templar&) {
  Json out = Json::array();
  FlattenInto(terms, true, out);
  return out;
}

// Sees a with_list loop's mapping, to refuse it as Ansible's does.
Expected<Json> LookupList(const Json& terms, const Json&, Templar&) {
  if (!terms.is_array()) return Fail("with_list expects a list");
  return terms;
}

Expected<Json> LookupDict(const Json& terms, const Json&, Templar&) {
  Json out = Json::array();
  for (const auto& term : terms) {
    if (!term.is_object()) return Fail("with_dict expects a dict");
    for (auto it = term.begin(); it != term.end(); ++it) {
      out.push_back(Json{{"key", it.key()}, {"value", it.value()}});
    }
  }
  return out;
}

Expected<Json> LookupIndexedItems(const Json& terms, const Json&, Templar&) {
  if (!terms.is_array()) return Fail("with_indexed_items expects a list");
  Json flat = FlattenOnce(terms);
  Json out = Json::array();
  for (size_t k = 0; k < flat.size(); ++k) out.push_back(Json::array({k, flat[k]}));
  return out;
}

Expected<Json> LookupSequence(const Json& terms, const Json& kwargs, Templar&) {
  Json out = Json::array();
  // Every argument may come as a keyword; there is still one term to loop over.
  Json loop_terms = terms.empty() && !kwargs.empty() ? Json::array({""}) : terms;
  for (const auto& term : loop_terms) {
    Sequence seq;
    for (const auto& [key, value] : kwargs.items()) {
      if (auto ok = SetSequenceField(seq, key, value); !ok) return std::unexpected(ok.error());
    }
    std::string text = Str(term);
    auto shortcut = ParseSequenceShortcut(text, seq);
    if (!shortcut) return std::unexpected(shortcut.error());
    if (!*shortcut) {
      if (auto ok = ParseSequenceKeyValues(text, seq); !ok) return std::unexpected(ok.error());
    }
    if (auto ok = AppendSequence(seq, out); !ok) return std::unexpected(ok.error());
  }
  return out;
}

Expected<Json> LookupSubelements(const Json& terms, const Json&, Templar&) {
  if (!terms.is_array() || terms.size() < 2 || terms.size() > 3) {
    return SubelementsTermsError("");
  }
  // A lone first term is a list of one, as Ansible's listify makes it.
  const Json list = terms[0].is_array() || terms[0].is_object() ? terms[0] : Json::array({terms[0]});
  if (!terms[1].is_string()) {
    return SubelementsTermsError("first a dict or a list, second a string pointing to the subkey");
  }
  if (list.is_object() && WasSkipped(list)) return Json::array();
  std::vector<std::string> subkeys;
  std::istringstream keys(terms[1].get<std::string>());
  for (std::string part; std::getline(keys, part, '.');) subkeys.push_back(part);
  if (terms.size() == 3 && !terms[2].is_object()) {
    return SubelementsTermsError("the optional third item must be a dict with flags ('skip_missing',)");
  }
  bool skip_missing = terms.size() == 3 && jinja::PyTruthy(terms[2].value("skip_missing", Json(false)));
  SubelementWalk walk{subkeys, skip_missing};
  Json out = Json::array();
  for (const auto& item : list) {
    if (!item.is_object()) {
      return Fail(fmt::format("subelements lookup expects a dictionary, got '{}'", Str(item)));
    }
    if (WasSkipped(item)) continue;
    if (auto ok = AppendSubelements(walk, item, out); !ok) return std::unexpected(ok.error());
  }
  return out;
}

Expected<Json> LookupTogether(const Json& terms, const Json&, Templar&) {
  if (terms.empty()) return Fail("with_together requires at least one element in each list");
  size_t n = 0;
  for (const auto& t : terms) n = std::max(n, t.is_array() ? t.size() : size_t{1});
  Json out = Json::array();
  for (size_t k = 0; k < n; ++k) {
    Json row = Json::array();
    for (const auto& t : terms) {
      row.push_back(t.is_array() ? (k < t.size() ? t[k] : Json(nullptr)) : t);
    }
    out.push_back(row);
  }
  return out;
}

Expected<Json> LookupNested(const Json& terms, const Json&, Templar&) {
  if (terms.empty()) return Json::array();
  Json out = Json::array({Json::array()});
  for (const auto& t : terms) {
    Json next = Json::array();
    Json list = t.is_array() ? t : Json::array({t});
    for (const auto& prefix : out) {
      for (const auto& e : list) {
        Json row = prefix;
        row.push_back(e);
        next.push_back(row);
      }
    }
    out = next;
  }
  return out;
}

}  // namespace tend
