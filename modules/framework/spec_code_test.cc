// A module's spec must not accept an argument its code never reads: an
// accepted, ignored argument looks like a setting and silently does nothing
// (user's password_lock did). The check reads the sources: every argument
// of every registered module must appear as a string literal in the code
// that implements it, outside the spec itself.

#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "modules/framework/registry.h"

namespace tend {
namespace {

namespace fs = std::filesystem;

// Arguments several modules share (file attributes, PostgreSQL and Docker
// connection settings) and accept without reading, each with its reason.
const std::map<std::string, std::string>& SharedAllowList() {
  static const std::map<std::string, std::string> allow{
      {"attributes", "not implemented yet: chattr attributes are not set"},
      {"selevel", "SELinux context; Debian runs without SELinux, where Ansible skips it too"},
      {"serole", "SELinux context; Debian runs without SELinux, where Ansible skips it too"},
      {"setype", "SELinux context; Debian runs without SELinux, where Ansible skips it too"},
      {"seuser", "SELinux context; Debian runs without SELinux, where Ansible skips it too"},
      {"unsafe_writes", "tend always writes atomically; Ansible only falls back when it cannot"},
      {"decrypt", "not implemented yet: a vault-encrypted source is not decrypted"},
      {"connect_params", "not implemented yet: extra libpq parameters do not reach psql"},
      {"trust_input", "tend quotes every identifier and literal, so there is no check to skip"},
      {"debug", "Ansible's extra logging; the agent has no debug output"},
  };
  return allow;
}

// Arguments accepted on purpose and not read, as Ansible accepts some for
// compatibility. Each needs its reason; the test fails when an entry is read
// after all, so the list only shrinks.
const std::map<std::string, std::map<std::string, std::string>>& AllowList() {
  // The agent runs no Python: installing a Python binding is not needed.
  static const std::string kNoPython = "installs a Python binding tend does not use";
  // OpenSSL cipher names; the agent's TLS (mbedTLS) names suites otherwise.
  static const std::string kNoCiphers = "not implemented yet: mbedTLS's default TLS 1.2 suites";
  static const std::string kNoDelimiters = "not implemented yet: Jinja's default delimiters";
  static const std::string kNoExpand = "not implemented yet: $VARS in arguments stay literal";
  static const std::map<std::string, std::map<std::string, std::string>> allow{
      {"apt",
       {{"force_apt_get", "tend always uses apt-get (never aptitude)"},
        {"policy_rc_d", "not implemented yet: services start as apt-get leaves them"}}},
      // package hands its arguments to apt (RunPackage), with apt's gaps.
      {"package",
       {{"force_apt_get", "passed to apt, which always uses apt-get (never aptitude)"},
        {"policy_rc_d", "passed to apt, which does not implement it yet"}}},
      {"apt_repository",
       {{"codename", "only used for PPAs, which tend does not add"},
        {"install_python_apt", kNoPython},
        {"validate_certs", "only used for PPA keys, which tend does not add"}}},
      {"deb822_repository", {{"install_python_debian", kNoPython}}},
      {"command", {{"expand_argument_vars", kNoExpand}}},
      // The controller renders templates with Ansible's defaults; a
      // `#jinja2:` first line sets trim_blocks and lstrip_blocks.
      {"template",
       {{"newline_sequence", "not implemented yet: rendered text keeps \\n"},
        {"block_start_string", kNoDelimiters},
        {"block_end_string", kNoDelimiters},
        {"variable_start_string", kNoDelimiters},
        {"variable_end_string", kNoDelimiters},
        {"comment_start_string", kNoDelimiters},
        {"comment_end_string", kNoDelimiters},
        {"output_encoding", "not implemented yet: output is UTF-8"},
        {"trim_blocks", "not implemented yet as an argument: use the #jinja2: line"},
        {"lstrip_blocks", "not implemented yet as an argument: use the #jinja2: line"}}},
      {"unarchive",
       {{"io_buffer_size", "a copy buffer size; tend's extraction picks its own"}}},
      {"blockinfile",
       {{"append_newline", "not implemented yet: no blank line is added after the block"},
        {"prepend_newline", "not implemented yet: no blank line is added before the block"}}},
      {"docker_image", {{"force_tag", "not implemented yet: tag never overwrites"}}},
      {"find", {{"encoding", "tend matches contains= on bytes; UTF-8 and ASCII agree"}}},
      {"replace", {{"encoding", "tend edits bytes; UTF-8 and ASCII files agree"}}},
      {"get_url",
       {{"ciphers", kNoCiphers},
        {"use_gssapi", "Kerberos; not implemented"},
        {"decompress", "tend sends no Accept-Encoding, so bodies arrive uncompressed"},
        {"unredirected_headers", "not implemented yet: headers follow redirects"},
        {"use_netrc", "not implemented yet: ~/.netrc is not read"}}},
      {"uri",
       {{"ciphers", kNoCiphers},
        {"use_gssapi", "Kerberos; not implemented"},
        {"decompress", "tend sends no Accept-Encoding, so bodies arrive uncompressed"},
        {"force", "Ansible ignores it too (no cache to bypass)"},
        {"remote_src", "not implemented yet: src is refused with an explicit error"},
        {"unredirected_headers", "not implemented yet: headers follow redirects"},
        {"use_netrc", "not implemented yet: ~/.netrc is not read"}}},
      {"git", {{"recursive", "not implemented yet: submodules are not cloned"}}},
      {"group", {{"local", "not implemented yet: always groupadd, never lgroupadd"}}},
      {"mount", {{"opts_no_log", "only hides opts from logs; the agent logs no arguments"}}},
      {"package_facts", {{"strategy", "the agent knows one manager (apt): first and all agree"}}},
      {"pip",
       {{"break_system_packages", "not implemented yet: pip decides from EXTERNALLY-MANAGED"},
        {"umask", "not implemented yet: pip runs with the agent's umask"}}},
      {"postgresql_db", {{"dump_extra_args", "not implemented yet: dump/restore take no extras"}}},
      {"postgresql_privs",
       {{"fail_on_role", "not implemented yet: a missing role always fails"},
        {"target_roles", "not implemented yet: default privileges apply to the login role"},
        {"usage_on_types", "not implemented yet: no USAGE on types is granted"}}},
      {"postgresql_query",
       {{"as_single_query", "tend always sends the query as one (Ansible's default)"}}},
      {"postgresql_user",
       {{"encrypted", "PostgreSQL 10+ stores every password encrypted; Ansible ignores it too"}}},
      {"stat",
       {{"get_attributes", "not implemented yet: no lsattr attributes are reported"},
        {"get_mime", "not implemented yet: no mimetype is reported"}}},
      {"wait_for",
       {{"active_connection_states", "not implemented yet: drained counts every state"},
        {"exclude_hosts", "not implemented yet: drained counts every peer"}}},
  };
  return allow;
}

// Controller halves read some arguments on the controller before the agent
// runs the module (RunWithControllerHalf).
const std::map<std::string, std::vector<std::string>>& ControllerSources() {
  static const std::map<std::string, std::vector<std::string>> sources{
      {"copy", {"controller/connection/file_actions.cc"}},
      {"assemble", {"controller/connection/file_actions.cc"}},
      {"unarchive", {"controller/connection/file_actions.cc"}},
  };
  return sources;
}

fs::path SourceDir() {
  const char* source = std::getenv("TEND_SOURCE_DIR");
  return source ? source : ".";
}

std::string ReadText(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// ini_file -> IniFile, the prefix of its IniFileSpec().
std::string CamelCase(std::string_view name) {
  std::string out;
  bool upper = true;
  for (char c : name) {
    if (c == '_') {
      upper = true;
      continue;
    }
    out += upper ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : c;
    upper = false;
  }
  return out;
}

// Comments and the functions that build specs or argument lists go: a
// name there is the spec itself, not code reading it.
std::string CodeOnly(std::string text) {
  text = std::regex_replace(text, std::regex("//[^\n]*"), "");
  static const std::regex spec_function(
      R"(\n[^\n]*(ModuleSpec& \w*Spec\(\)|std::vector<ArgSpec> \w+\([^)]*\))[^\n]*\{\n)");
  std::string out;
  std::smatch m;
  while (std::regex_search(text, m, spec_function)) {
    out += m.prefix();
    size_t end = text.find("\n}\n", m.position() + m.length());
    text = end == std::string::npos ? "" : text.substr(end + 3);
  }
  return out + text;
}

// The module's file and the modules/ files it includes, with their .cc
// (helpers the module calls); the framework's files name no arguments.
void CollectSources(const std::string& relative, std::set<std::string>& seen) {
  static const std::set<std::string> framework{"all.h", "module.h", "spec.h", "registry.h"};
  if (seen.contains(relative) || !fs::exists(SourceDir() / relative)) return;
  if (framework.contains(fs::path(relative).filename().string())) return;
  seen.insert(relative);
  static const std::regex include(R"(#include "(modules/[^"]+)\.h")");
  std::string text = ReadText(SourceDir() / relative);
  for (std::sregex_iterator it(text.begin(), text.end(), include), end; it != end; ++it) {
    CollectSources((*it)[1].str() + ".h", seen);
    CollectSources((*it)[1].str() + ".cc", seen);
  }
}

// The file under modules/ that defines `<Camel>Spec()`.
std::string DefiningFile(const std::string& module) {
  std::string needle = "\nconst ModuleSpec& " + CamelCase(module) + "Spec() {";
  for (const auto& entry : fs::recursive_directory_iterator(SourceDir() / "modules")) {
    if (entry.path().extension() != ".cc") continue;
    if (ReadText(entry.path()).find(needle) != std::string::npos) {
      return fs::relative(entry.path(), SourceDir()).string();
    }
  }
  return "";
}

// Code reading the module's arguments, spec definitions left out.
std::string ImplementationOf(const std::string& module) {
  std::string file = DefiningFile(module);
  REQUIRE_MESSAGE(!file.empty(), "no source defines the spec of " << module);
  std::set<std::string> sources;
  CollectSources(file, sources);
  auto half = ControllerSources().find(module);
  if (half != ControllerSources().end()) {
    for (const auto& path : half->second) {
      REQUIRE_MESSAGE(fs::exists(SourceDir() / path), path << " moved: update ControllerSources");
      sources.insert(path);
    }
  }
  std::string code;
  for (const auto& path : sources) code += CodeOnly(ReadText(SourceDir() / path));
  return code;
}

bool Allowed(const std::string& module, const std::string& arg) {
  auto it = AllowList().find(module);
  return SharedAllowList().contains(arg) || (it != AllowList().end() && it->second.contains(arg));
}

}  // namespace

TEST_CASE("every argument a module's spec accepts is read by its code") {
  for (const auto& module : ModuleNames()) {
    std::string code = ImplementationOf(module);
    for (const auto& arg : FindModuleSpec(module)->args) {
      bool read = code.find('"' + arg.name + '"') != std::string::npos;
      if (Allowed(module, arg.name)) {
        // A shared entry may be read by one module and not another.
        if (SharedAllowList().contains(arg.name)) continue;
        CHECK_MESSAGE(!read, module << "." << arg.name << " is read: drop it from the allow-list");
      } else {
        CHECK_MESSAGE(read, module << "." << arg.name << " is accepted and never read");
      }
    }
  }
}

TEST_CASE("the allow-list names arguments the specs have, each with a reason") {
  for (const auto& [arg, reason] : SharedAllowList()) CHECK_MESSAGE(!reason.empty(), arg);
  for (const auto& [module, args] : AllowList()) {
    const ModuleSpec* spec = FindModuleSpec(module);
    REQUIRE_MESSAGE(spec != nullptr, module);
    for (const auto& [arg, reason] : args) {
      CHECK_MESSAGE(spec->FindArg(arg) != nullptr, module << "." << arg);
      CHECK(!reason.empty());
    }
  }
}

TEST_CASE("the spec-vs-code check finds an argument that is never read") {
  // The check itself: spec text is not code, code is.
  std::string spec_only =
      "\nconst ModuleSpec& DemoSpec() {\n  .args = {{.name = \"ghost\"}}\n}\n";
  CHECK(CodeOnly(spec_only).find("\"ghost\"") == std::string::npos);
  std::string reads = spec_only + "Expected<Json> RunDemo(ModuleContext& c) {\n"
                                  "  return c.Str(\"ghost\");\n}\n";
  CHECK(CodeOnly(reads).find("\"ghost\"") != std::string::npos);
}

}  // namespace tend
