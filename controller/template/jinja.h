#pragma once

// Internals of the Jinja2 engine: values, the compiled tree, the renderer.
// Only controller/template/*.cc include this.

#include <cstdint>
#include <deque>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "controller/template/template.h"
#include "core/python_format.h"

namespace tend::jinja {

struct Node;
struct LoopState;

/// The local name under which a filter block's rendered body is bound.
inline constexpr const char* kFilterInputName = " filter input";
struct MacroDef;

/// A runtime failure; the renderer adds the template name and line.
struct RenderError : std::runtime_error {
  explicit RenderError(const std::string& message, bool undefined = false)
      : std::runtime_error(message), is_undefined(undefined) {}
  bool is_undefined;
};

/// A runtime value: a Json (borrowed when it lives in the variables, owned
/// when computed), an undefined (carrying the message its use raises), or an
/// object Jinja has and Json does not (macro, loop, namespace).
class Value {
 public:
  enum class Kind : uint8_t { kUndefined, kJson, kMacro, kLoop, kNamespace };

  Value() = default;
  Value(Json j) : kind_(Kind::kJson), own_(std::move(j)) {}  // NOLINT: implicit on purpose
  static Value Ref(const Json& j) {
    Value v;
    v.kind_ = Kind::kJson;
    v.ref_ = &j;
    return v;
  }
  static Value Undefined(std::string message) {
    Value v;
    v.own_ = std::move(message);
    return v;
  }
  /// Jinja2's default (lenient) Undefined, which an inline `x if c` with no
  /// else yields: it prints as '', is empty when iterated or measured, is
  /// still `undefined` to `is defined` and `default`, and raises its message
  /// only when an attribute or item is read from it.
  static Value LenientUndefined(std::string message) {
    Value v = Undefined(std::move(message));
    v.lenient_ = true;
    return v;
  }
  static Value Object(Kind kind, std::shared_ptr<void> obj) {
    Value v;
    v.kind_ = kind;
    v.obj_ = std::move(obj);
    return v;
  }

  Kind kind() const { return kind_; }
  bool undefined() const { return kind_ == Kind::kUndefined; }
  bool is_json() const { return kind_ == Kind::kJson; }
  bool owned() const { return kind_ == Kind::kJson && !ref_; }
  bool is_ref() const { return ref_ != nullptr; }
  /// The Json; throws the undefined error for an undefined, "null" for objects.
  const Json& json() const {
    if (kind_ == Kind::kJson) return ref_ ? *ref_ : own_;
    if (kind_ == Kind::kUndefined) {
      if (lenient_) return EmptyString();
      ThrowUndefined();
    }
    return own_;
  }
  /// The Json, moved out when owned.
  Json Take() {
    if (kind_ == Kind::kUndefined) {
      if (lenient_) return EmptyString();
      ThrowUndefined();
    }
    if (ref_) return *ref_;
    return std::move(own_);
  }
  [[noreturn]] void ThrowUndefined() const;
  const std::string& undefined_message() const { return own_.get_ref<const std::string&>(); }
  template <class T>
  T* object() const {
    return static_cast<T*>(obj_.get());
  }
  /// Reached through `hostvars`: like Ansible's HostVars, its strings are
  /// templated when read, not when `hostvars` is named (rendering every
  /// host's variables up front would loop on any of them that uses hostvars).
  bool lazy() const { return lazy_; }
  bool lenient() const { return lenient_; }
  void set_lazy(bool on) { lazy_ = on; }

 private:
  static const Json& EmptyString();

  Kind kind_ = Kind::kUndefined;
  bool lazy_ = false;
  bool lenient_ = false;
  const Json* ref_ = nullptr;
  Json own_;
  std::shared_ptr<void> obj_;
};

/// Python's view of values, which Jinja2 output follows (str() and repr() of a
/// value are core/python_format.h).
std::string PyTypeName(const Json& v);
/// str.lower/upper/capitalize/title on ASCII letters, as the renderer applies them.
std::string PyLower(const std::string& s);
std::string PyUpper(const std::string& s);
std::string PyCapitalize(const std::string& s);
std::string PyTitle(const std::string& s);
/// str.strip/lstrip/rstrip: `chars` or, when null, ASCII whitespace.
std::string StripChars(const std::string& s, const std::string* chars, bool left, bool right);
/// str.replace(old, new, count); count < 0 replaces all, an empty `old` inserts
/// `new` between code points.
std::string ReplaceAll(std::string s, const std::string& from, const std::string& to, int64_t count);
/// sep.join(str(e) for e in list).
std::string StringJoin(const Json& list, const std::string& sep);
bool PyTruthy(const Json& v);
bool PyEquals(const Json& a, const Json& b);
/// -1, 0, 1; throws TypeError-like RenderError for unorderable types.
int PyCompare(const Json& a, const Json& b, const char* op);
/// Python's `%` string formatting and str.format.
std::string PyPercentFormat(const std::string& fmt, const Json& args);
std::string PyStrFormat(const std::string& fmt, const std::vector<Json>& args, const Json& kwargs);
bool IsNumber(const Json& v);  // int or float, not bool
double ToDouble(const Json& v);

/// Arguments of a filter, test, method or global call.
struct Args {
  std::vector<Value> positional;
  std::vector<std::pair<std::string, Value>> named;

  /// The argument at `index` or named `name`, or nullptr.
  const Value* Get(size_t index, std::string_view name) const;
  size_t size() const { return positional.size() + named.size(); }
};

class Renderer;
using FilterFn = Value (*)(Renderer& r, Value& input, const Args& args);
using TestFn = bool (*)(Renderer& r, const Value& input, const Args& args);

struct FilterEntry {
  const char* name;
  FilterFn fn;
};
struct TestEntry {
  const char* name;
  TestFn fn;
};
/// Explicit lists, one row per filter/test (filters.cc, tests.cc).
const std::vector<FilterEntry>& Filters();
const std::vector<TestEntry>& Tests();
FilterFn FindFilter(std::string_view name);
TestFn FindTest(std::string_view name);

enum class Op : uint8_t {
  // expressions
  kLiteral, kName, kGetAttr, kGetItem, kSlice, kNeg, kPos, kNot, kAdd, kSub, kMul, kDiv,
  kFloorDiv, kMod, kPow, kConcat, kAnd, kOr, kCompare, kCondExpr, kFilter, kTest, kCall,
  kList, kTuple, kDict,
  // statements
  kText, kOutput, kIf, kFor, kSet, kSetBlock, kMacro, kCallBlock, kInclude, kFilterBlock,
  kWith, kBody,
};

/// One node of the compiled tree. A deliberately uniform shape: children in
/// `kids`, the rest in a few fields whose meaning depends on `op`.
struct Node {
  Op op;
  int line = 0;
  int column = 0;
  std::string name;               // variable, attribute, filter, test, macro, set target
  std::string_view text;          // kText: a slice of the Program's source
  Json literal;                   // kLiteral
  std::vector<std::unique_ptr<Node>> kids;
  std::vector<std::string> names;  // for targets, macro params, keyword argument names, compare ops
  FilterFn filter = nullptr;
  TestFn test = nullptr;
  bool negated = false;           // `is not`
  int n_positional = 0;           // calls, filters, tests: kids[1..] split positional/named
  std::shared_ptr<MacroDef> macro;
};

/// A compiled template: owns its source (text nodes point into it).
struct Program {
  std::string name;
  std::string source;
  std::unique_ptr<Node> root;
  bool single_expression = false;
  bool multi_line = false;
  static const Program& Of(const Template& t) { return *t.program_; }
  static Template Wrap(std::shared_ptr<const Program> p) {
    Template t;
    t.program_ = std::move(p);
    return t;
  }
};

struct ParseOptions {
  TemplateOptions ws;
  /// Ansible's templar doubles backslashes inside `{{ }}` string literals of
  /// playbook strings, so there `\1` reaches regex_replace as written.
  bool literal_backslashes = false;
  bool expression_only = false;
};
Expected<std::shared_ptr<Program>> Parse(std::string_view source, std::string name,
                                         const ParseOptions& options);

/// Evaluates compiled trees against a Templar.
class Renderer {
 public:
  Renderer(Templar& templar, const Program& program) : templar_(templar), program_(program) {}

  void Render(const Node& body, std::string& out);
  Value Eval(const Node& n);
  Templar& templar() { return templar_; }
  const Program& program() const { return program_; }

  /// Calls a callable value (macro) with arguments.
  Value CallValue(const Value& callee, const Args& args, const Node* caller_body);
  /// Applies a filter by name at run time (map, select...).
  Value ApplyFilter(std::string_view name, Value input, const Args& args);
  bool ApplyTest(std::string_view name, const Value& input, const Args& args);

  /// Text of a value as `{{ }}` prints it (None prints as "").
  static void Print(const Value& v, std::string& out);

 private:
  const Value* FindLocal(std::string_view name) const;
  void SetLocal(std::string_view name, Value v);
  void ExecFor(const Node& n, std::string& out);
  void ExecSet(const Node& n, std::string& out);
  void ExecInclude(const Node& n, std::string& out);
  Value EvalName(const Node& n);
  // A read through a lazy value (hostvars) templates what it reads.
  Value ReadLazy(const Value& source, Value result);
  Value EvalCall(const Node& n);
  Value EvalCompare(const Node& n);
  Value EvalArith(const Node& n);
  Value EvalFilter(const Node& n);
  Value CallMethod(const Value& self, const std::string& name, const Args& args);
  Value CallGlobal(const std::string& name, const Args& args);
  Args EvalArgs(const Node& n, size_t first);

  Templar& templar_;
  const Program& program_;
  // A deque: references to its elements survive push_back (loops iterate
  // values that live here).
  // Names point into the compiled tree (or are literals), which outlives us.
  std::deque<std::pair<std::string_view, Value>> locals_;
  size_t scope_start_ = 0;  // `set` writes here and above (for bodies and macros are scopes)
  int depth_ = 0;

 public:
  int current_line = 0;  // of the statement being run, for runtime errors
};

/// Loop variables (`loop.index` ...): computed on access.
struct LoopState {
  const std::vector<Value>* items = nullptr;
  size_t index0 = 0;
  size_t length = 0;
  int depth0 = 0;
};

struct MacroDef {
  std::string name;
  std::vector<std::string> params;
  std::vector<const Node*> defaults;  // nullptr = required
  const Node* body = nullptr;
};

/// a + b, a - b, ... with Python's number and sequence rules (kAdd..kPow).
Value Arith(Op op, const Json& a, const Json& b);
Value GetAttr(const Value& obj, const std::string& name);
Value GetItem(const Value& obj, const Value& key);
/// Everything iterable as a list of values (dict -> keys, string -> chars).
std::vector<Value> Iterate(const Value& v);
/// Python's sort of Json values (numbers, strings, lists), stable.
void PySort(std::vector<Json>& items, bool reverse, bool case_sensitive,
            const std::string& attribute = {});
Json AttributePath(const Json& item, const std::string& attribute);

/// Hooks into the Templar (templar.cc) for filters and lookups.
Value RunLookup(Renderer& r, const std::string& name, const Args& args, bool wantlist);
bool TemplarIsUnsafeCtx(Templar& t);

}  // namespace tend::jinja
