#pragma once

// tend's Jinja2 engine with Ansible's semantics (issue 5).
//
// Compile once, render many times: a Template is an immutable compiled tree,
// safe to share between threads. A Templar renders strings and values against
// a Scope of variables the way Ansible's templar does.

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/error.h"
#include "core/json.h"
#include "core/python_format.h"  // PythonJsonDumps: what the copy action writes for a dict `content`

namespace tend {

namespace jinja {
struct Program;
class Renderer;
}  // namespace jinja

/// Whitespace settings. The defaults are those of Ansible's `template` module
/// (trim_blocks on, lstrip_blocks off, the trailing newline kept).
struct TemplateOptions {
  bool trim_blocks = true;
  bool lstrip_blocks = false;
  bool keep_trailing_newline = true;
  /// Honour a first line `#jinja2: trim_blocks: False, lstrip_blocks: True`.
  bool allow_header = true;
  /// The tag delimiters (Ansible's variable_start_string and the like); none
  /// may be empty.
  std::string variable_start = "{{";
  std::string variable_end = "}}";
  std::string block_start = "{%";
  std::string block_end = "%}";
  std::string comment_start = "{#";
  std::string comment_end = "#}";
};

/// A compiled template.
class Template {
 public:
  Template() = default;
  /// The name errors use: a file, or "site.yml:12:9 (when)".
  const std::string& name() const;
  const std::string& source() const;
  /// True when the whole source is one `{{ expression }}`: rendering keeps the
  /// expression's native type (list, dict, int, bool) instead of a string.
  bool IsSingleExpression() const;
  bool valid() const { return program_ != nullptr; }

 private:
  friend struct jinja::Program;
  friend class jinja::Renderer;
  friend class Templar;
  std::shared_ptr<const jinja::Program> program_;
};

/// Parses a template. Errors name `name`, the line and column, and show the
/// source line with a caret ("unexpected end of template, expected 'endif'").
Expected<Template> CompileTemplate(std::string_view source, std::string name,
                                   const TemplateOptions& options = {});

/// Parses a bare expression, as `when:` and `that:` hold ("x is defined and y").
Expected<Template> CompileExpression(std::string_view expression, std::string name);

/// Whether `text` holds any `{{`, `{%` or `{#` (a string without them renders as itself).
bool ContainsTemplate(std::string_view text);

/// The variable whose values are templated when read, not when named.
inline constexpr std::string_view kLazyVariable = "hostvars";

/// Where variables come from. The playbook engine implements this over its
/// precedence chain; Find returns nullptr for an undefined name. Pointers must
/// stay valid while the Templar that reads them lives.
class Scope {
 public:
  virtual ~Scope() = default;
  virtual const Json* Find(std::string_view name) const = 0;
  /// Whether the value Find gives is data that is never templated again, as
  /// Ansible wraps a registered module result "unsafe" (a command's stdout
  /// that prints `{{ foo }}` stays that text).
  virtual bool Unsafe(std::string_view /*name*/) const { return false; }
};

/// A Scope over one Json object (tests, `tend render`, extra vars). Indexes
/// the object's keys once: `vars` must not change while the scope lives.
class JsonScope : public Scope {
 public:
  explicit JsonScope(const Json& vars, const Scope* parent = nullptr);
  const Json* Find(std::string_view name) const override;
  bool Unsafe(std::string_view name) const override;

 private:
  const Json& vars_;
  const Scope* parent_;
  std::unordered_map<std::string_view, const Json*> index_;
};

/// What lookups, `template` lookups and file tests may touch on the controller.
/// Every member has a working default (the real disk, the real environment).
struct LookupContext {
  /// Searched in order for relative paths: role files/ and templates/ dirs,
  /// the role dir, the playbook dir. Empty means the current directory.
  std::vector<std::string> search_paths;
  /// Reads a file; the default reads the disk.
  std::function<Expected<std::string>(const std::string& path)> read_file;
  /// The environment for lookup('env'); the default is the process environment.
  std::function<std::optional<std::string>(const std::string& name)> getenv;
  /// Runs a shell command for lookup('pipe'); returns stdout. Default: /bin/sh -c.
  std::function<Expected<std::string>(const std::string& command)> run_pipe;
  /// Writes a file (lookup('password') stores what it generates). Default: disk.
  std::function<Expected<void>(const std::string& path, const std::string& content)> write_file;
};

class Templar;

/// One lookup plugin: terms are the positional arguments, kwargs the named ones.
/// Returns a list (query semantics); lookup() joins it with "," unless wantlist.
using LookupFunction = std::function<Expected<Json>(const Json& terms, const Json& kwargs,
                                                    Templar& templar)>;
struct LookupRegistration {
  std::string name;
  LookupFunction run;
  /// `with_<name>: {a: 1}` hands a mapping to the lookup as its terms (Ansible's
  /// listify keeps it); most lookups take it as one term, these judge it themselves.
  bool sees_mapping_terms = false;
};

/// The built-in lookups: env, file, template, vars, items, flattened, pipe, first_found,
/// fileglob, filetree, password, dict, indexed_items, sequence, subelements,
/// together, nested, list. The engine may append its own.
std::vector<LookupRegistration> BuiltinLookups();

/// `query(name, *terms)`: the lookup named `name` (a collection prefix such as
/// `community.general.` is ignored) from the templar's hooks, or a builtin.
/// Fails naming the plugin when there is none. `terms` may be a mapping (a
/// `with_<name>` loop over one); it is one term unless the lookup sees mappings.
Expected<Json> RunQuery(Templar& templar, const std::string& name, const Json& terms);

/// Rendered text as Ansible's templar hands it on: text that starts like a
/// Python list or dict literal, or is "True"/"False", becomes that value when
/// it parses as one (ast.literal_eval); anything else stays the string.
Json ConvertData(std::string text);

/// "community.general.filetree" -> "filetree": lookups are found by short name.
std::string LookupShortName(const std::string& name);

/// Marker values. Ansible's `omit` is a placeholder string; the engine drops a
/// module argument whose rendered value IsOmit.
inline constexpr std::string_view kOmitPlaceholder = "__omit_place_holder__tend";
bool IsOmit(const Json& value);
/// {"__ansible_unsafe": text} (from `!unsafe`): never templated.
bool IsUnsafe(const Json& value);
/// {"__ansible_vault": text} (from `!vault`): decrypted on use.
bool IsVaulted(const Json& value);

/// Hooks a Templar calls; all optional.
struct TemplarHooks {
  /// Decrypts one `!vault` value (the "$ANSIBLE_VAULT;..." text).
  std::function<Expected<std::string>(const std::string& vaulttext)> decrypt_vault;
  /// Lookups by name; empty means BuiltinLookups().
  std::vector<LookupRegistration> lookups;
  LookupContext lookup_context;
  /// Whitespace options for the `template` lookup and RenderFile.
  TemplateOptions file_options;
};

/// Renders with Ansible's semantics against one Scope:
/// - variables whose values hold templates are rendered lazily and recursively
///   ("recursive loop detected in template string: x" on a cycle);
/// - text that is exactly one expression keeps its native type;
/// - an undefined variable is an error naming it and where it was used,
///   unless guarded by `default` or `is defined`;
/// - `omit` is defined (kOmitPlaceholder) unless the Scope defines it.
/// A Templar caches compiled templates and resolved variables: make one per
/// (host, task, loop item), or call Reset() when the Scope's values change.
/// Not thread-safe; Templates are.
class Templar {
 public:
  explicit Templar(const Scope& vars, TemplarHooks hooks = {});
  ~Templar();
  Templar(const Templar&) = delete;
  Templar& operator=(const Templar&) = delete;

  /// Renders one string. `where` names it in errors ("site.yml:12:9 (name)").
  /// Text without templates comes back unchanged as a string.
  Expected<Json> Render(std::string_view text, std::string_view where);
  /// Like Render, but always a string (as when the result is written to a file).
  Expected<std::string> RenderString(std::string_view text, std::string_view where);
  /// Templates every string inside a Json tree (keys too); unsafe values are
  /// unwrapped without templating, vaulted ones decrypted.
  Expected<Json> RenderValue(const Json& value, std::string_view where);
  /// A `when:`/`changed_when:`/`failed_when:`/`until:`/assert `that:` expression,
  /// without braces (braces are tolerated as Ansible does); truthy per Jinja.
  Expected<bool> EvaluateCondition(std::string_view expression, std::string_view where);
  /// A `when:` as loaded from YAML: a bool is itself, a list is ANDed, a
  /// string is an expression as above.
  Expected<bool> EvaluateWhen(const Json& condition, std::string_view where);
  /// Renders a compiled template to text (the `template` module).
  Expected<std::string> RenderTemplate(const Template& tmpl);
  /// Reads, compiles (with `hooks.file_options`) and renders a template file,
  /// searching `lookup_context.search_paths` (templates/ of the role first).
  /// `{% include %}` renders with `preserve_trailing_newlines` false: Jinja2
  /// drops an included file's last newline, the template module keeps it.
  Expected<std::string> RenderFile(const std::string& path, bool preserve_trailing_newlines = true);

  /// Variable access as templates see it: rendered, unsafe unwrapped, vault decrypted.
  /// Returns nullptr (no error) for an undefined name.
  Expected<const Json*> Resolve(std::string_view name);

  const Scope& scope() const { return vars_; }
  TemplarHooks& hooks() { return hooks_; }
  void Reset();

 private:
  friend class jinja::Renderer;
  struct State;
  const Scope& vars_;
  TemplarHooks hooks_;
  std::unique_ptr<State> state_;
};

}  // namespace tend
