#include <doctest/doctest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "controller/template/template.h"

namespace tend {
namespace {

namespace fs = std::filesystem;

// A scratch directory under /tmp, removed with the object.
struct ScratchDir {
  fs::path path;
  ScratchDir() {
    std::string pattern = (fs::temp_directory_path() / "tend-lookups.XXXXXX").string();
    path = ::mkdtemp(pattern.data());
  }
  ~ScratchDir() { fs::remove_all(path); }
};

void Write(const fs::path& path, const std::string& text, fs::perms mode) {
  std::ofstream(path) << text;
  fs::permissions(path, mode);
}

Expected<Json> Query(const std::string& name, const Json& terms,
                     std::vector<std::string> search_paths = {}) {
  JsonScope scope(Json::object());
  TemplarHooks hooks;
  hooks.lookup_context.search_paths = std::move(search_paths);
  Templar templar(scope, std::move(hooks));
  return RunQuery(templar, name, terms);
}

TEST_CASE("filetree: directories, files and links under a root found in files/, parents first") {
  ScratchDir scratch;
  fs::path tree = scratch.path / "files" / "site";
  fs::create_directories(tree / "conf" / "deep");
  Write(tree / "index.html", "<p>hi</p>\n", fs::perms(0644));
  Write(tree / "conf" / "app.conf", "x=1\n", fs::perms(0600));
  Write(tree / "conf" / "deep" / "run.sh", "#!/bin/sh\n", fs::perms(0755));
  fs::create_symlink("index.html", tree / "home.html");

  auto items = Query("community.general.filetree", Json::array({"site/"}), {scratch.path});
  REQUIRE(items.has_value());
  std::vector<std::string> listed;
  for (const auto& item : *items)
    listed.push_back(item["state"].get<std::string>() + " " + item["path"].get<std::string>());
  CHECK(listed == std::vector<std::string>{"directory conf", "link home.html", "file index.html",
                                           "file conf/app.conf", "directory conf/deep",
                                           "file conf/deep/run.sh"});
  const Json& conf = (*items)[3];
  CHECK(conf["root"] == tree.string());
  CHECK(conf["src"] == (tree / "conf" / "app.conf").string());
  CHECK(conf["mode"] == "0600");
  CHECK(conf["size"] == 4);
  CHECK(conf.contains("owner"));
  CHECK(conf.contains("group"));
  CHECK((*items)[1]["src"] == "index.html");
}

TEST_CASE("filetree: an overlapping second tree adds only the paths the first lacked") {
  ScratchDir scratch;
  fs::create_directories(scratch.path / "a");
  fs::create_directories(scratch.path / "b");
  Write(scratch.path / "a" / "same", "from a\n", fs::perms(0644));
  Write(scratch.path / "b" / "same", "from b\n", fs::perms(0644));
  Write(scratch.path / "b" / "extra", "b only\n", fs::perms(0644));
  auto items = Query("filetree", Json::array({(scratch.path / "a").string(),
                                              (scratch.path / "b").string()}));
  REQUIRE(items.has_value());
  REQUIRE(items->size() == 2);
  CHECK((*items)[0]["src"] == (scratch.path / "a" / "same").string());
  CHECK((*items)[1]["path"] == "extra");
}

TEST_CASE("filetree: a missing root yields nothing; an unknown lookup is named") {
  auto none = Query("filetree", Json::array({"/nonexistent/tend-tree"}));
  REQUIRE(none.has_value());
  CHECK(none->empty());
  auto unknown = Query("filetre", Json::array({"x"}));
  REQUIRE_FALSE(unknown.has_value());
  CHECK(unknown.error().message == "lookup plugin (filetre) not found");
}

TEST_CASE("file: rstrip by default, lstrip on request, terms spread from a list") {
  ScratchDir scratch;
  Write(scratch.path / "a.txt", "\n  one \n\n", fs::perms(0644));
  Write(scratch.path / "b.txt", "\ttwo\n", fs::perms(0644));
  Json vars{{"names", Json::array({"a.txt", "b.txt"})}};
  JsonScope scope(vars);
  TemplarHooks hooks;
  hooks.lookup_context.search_paths = {scratch.path.string()};
  Templar templar(scope, std::move(hooks));
  const std::pair<const char*, Json> cases[] = {
      {"{{ q('file', 'a.txt') }}", Json::array({"\n  one"})},
      {"{{ q('file', 'a.txt', 'b.txt', lstrip=True) }}", Json::array({"one", "two"})},
      {"{{ q('file', lstrip=True, *names) }}", Json::array({"one", "two"})},
      {"{{ q('file', 'a.txt', lstrip=True, rstrip=False) }}", Json::array({"one \n\n"})},
  };
  for (const auto& [text, expected] : cases) {
    CAPTURE(text);
    auto rendered = templar.Render(text, "test");
    REQUIRE_MESSAGE(rendered.has_value(), rendered.error().message);
    CHECK(*rendered == expected);
  }
}

TEST_CASE("template: other delimiters and convert_data, as the lookup's options") {
  ScratchDir scratch;
  Write(scratch.path / "hello.txt", "[# hi #]Hello [% who %]! {{ kept }}\n", fs::perms(0644));
  Write(scratch.path / "data.j2", "{\"k\": [{{ 1 + 1 }}]}\n", fs::perms(0644));
  Json vars{{"who", "world"}};
  JsonScope scope(vars);
  TemplarHooks hooks;
  hooks.lookup_context.search_paths = {scratch.path.string()};
  Templar templar(scope, std::move(hooks));
  const std::pair<const char*, Json> cases[] = {
      {"{{ lookup('template', 'hello.txt', variable_start_string='[%', variable_end_string='%]', "
       "comment_start_string='[#', comment_end_string='#]') }}",
       "Hello world! {{ kept }}\n"},
      {"{{ lookup('template', 'data.j2') }}", Json{{"k", Json::array({2})}}},
      {"{{ lookup('template', 'data.j2', convert_data=False) }}", "{\"k\": [2]}\n"},
  };
  for (const auto& [text, expected] : cases) {
    CAPTURE(text);
    auto rendered = templar.Render(text, "test");
    REQUIRE_MESSAGE(rendered.has_value(), rendered.error().message);
    CHECK(*rendered == expected);
  }
  // The options last for that lookup only.
  CHECK(templar.hooks().file_options.variable_start == "{{");
}

TEST_CASE("fileglob: each term searches on past the first term's directory") {
  ScratchDir one, two;
  Write(one.path / "a.txt", "a", fs::perms(0644));
  Write(two.path / "b.conf", "b", fs::perms(0644));
  auto items = Query("fileglob", Json::array({"*.txt", "*.conf"}), {one.path, two.path});
  REQUIRE(items.has_value());
  CHECK(*items == Json::array({(one.path / "a.txt").string(), (two.path / "b.conf").string()}));
}

}  // namespace
TEST_CASE("first_found: skip in the term, legacy separators, errors='ignore' per call") {
  ScratchDir scratch;
  fs::create_directories(scratch.path / "etc");
  Write(scratch.path / "etc" / "hosts", "127.0.0.1 localhost\n", fs::perms(0644));

  auto skipped = Query("first_found", Json::array({{{"files", Json::array({"no/such.yml"})}, {"skip", true}}}));
  REQUIRE(skipped.has_value());
  CHECK(*skipped == Json::array());

  // Files split on , and ; paths on : as well (Ansible's legacy string forms).
  std::string etc = (scratch.path / "etc").string();
  auto legacy = Query("first_found", Json::array({{{"files", "not/a/file.yaml;hosts"}, {"paths", "not/a/path:" + etc}}}));
  REQUIRE(legacy.has_value());
  CHECK(*legacy == Json::array({etc + "/hosts"}));

  JsonScope scope(Json::object());
  Templar templar(scope);
  auto q = templar.Render("{{ q('first_found', 'no/such.yml', errors='ignore') }}", "t");
  REQUIRE(q.has_value());
  CHECK(*q == Json::array());
  auto l = templar.Render("{{ lookup('first_found', 'no/such.yml', errors='ignore') is none }}", "t");
  REQUIRE(l.has_value());
  CHECK(*l == Json(true));
  auto strict = templar.Render("{{ lookup('first_found', 'no/such.yml') }}", "t");
  REQUIRE_FALSE(strict.has_value());
  CHECK(strict.error().message.find("No file was found when using first_found.") != std::string::npos);
}

}  // namespace tend

namespace tend {
namespace {

TEST_CASE("vars: a name that is not a string or not defined fails with Ansible's words") {
  auto number = Query("vars", Json::array({42}));
  REQUIRE_FALSE(number.has_value());
  CHECK(number.error().message == "Invalid setting identifier, \"42\" is not a string, its a <class 'int'>");
  auto missing = Query("vars", Json::array({"nowhere"}));
  REQUIRE_FALSE(missing.has_value());
  CHECK(missing.error().message == "No variable found with this name: nowhere");
}

}  // namespace
}  // namespace tend
