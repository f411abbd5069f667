#pragma once

// Reading a filter's arguments: positional index or keyword name, as Jinja2
// binds them (an index of 99 means keyword-only).

#include <string>
#include <vector>

#include "controller/template/jinja.h"

namespace tend::jinja {

/// The argument, or RenderError "missing required argument 'name'".
const Json& Arg(const Args& a, size_t i, const char* name);
/// The argument, or nullptr when not given.
const Json* Opt(const Args& a, size_t i, const char* name);
bool OptBool(const Args& a, size_t i, const char* name, bool def);
int64_t OptInt(const Args& a, size_t i, const char* name, int64_t def);
std::string OptStr(const Args& a, size_t i, const char* name, const std::string& def);
/// A value's items as Python's list() sees them (dict keys, string characters).
std::vector<Json> ToList(const Value& v);
Json ListJson(std::vector<Json> items);
/// The input string, or RenderError "<filter> expects a string, got <type>".
const std::string& Str(const Value& v, const char* filter);

}  // namespace tend::jinja
