#include "modules/python/ansible_module.h"

#include <doctest/doctest.h>

#include "core/hash.h"
#include "modules/testing/fake_host.h"

namespace tend {
namespace {

// A zip's local entries, stored (no central directory: the agent reads
// entries front to back).
std::string StoredZip(const std::vector<std::pair<std::string, std::string>>& files) {
  std::string out;
  auto put16 = [&](uint16_t v) { out += static_cast<char>(v & 0xff), out += static_cast<char>(v >> 8); };
  auto put32 = [&](uint32_t v) { put16(v & 0xffff), put16(v >> 16); };
  for (const auto& [name, content] : files) {
    put32(0x04034b50);
    put16(20), put16(0), put16(0), put16(0), put16(0);
    put32(0), put32(content.size()), put32(content.size());
    put16(name.size()), put16(0);
    out += name + content;
  }
  return out;
}

const std::string kPayload = StoredZip({{"__main__.py", "import runpy\n"}, {"ansible/modules/m.py", "x = 1\n"}});

// The module on a fake host whose python3 answers with `reply` and keeps the
// stdin it was given; counts the controller's content sends.
struct PythonRun {
  FakeHost host;
  std::string stdin_seen;
  std::vector<std::string> argv_seen;
  int sends = 0;

  PythonRun() {
    host.SetEnv("HOME", "/root");
    host.SetEnv("PATH", "/usr/local/bin:/usr/bin");
    host.AddDirectory("/root", 0700);
    host.AddDirectory("/usr/bin");
    host.AddFile("/usr/bin/python3", "", 0755);
    host.ClearRecords();
  }

  Json Run(Json args, std::string reply = "{\"changed\": true, \"x\": 1}\n") {
    host.OnRun([this, reply](const ProcessSpec& spec, FakeHost&) -> ProcessResult {
      stdin_seen = spec.stdin_data.value_or("");
      argv_seen = spec.argv;
      return {0, reply, ""};
    });
    ModuleContext context{.args = std::move(args), .host = &host};
    context.fetch_content = [this]() -> ContentSource {
      ++sends;
      return StringSource(kPayload);
    };
    return RunModule(PythonModule(), context);
  }
};

Json Args() {
  return Json{{"name", "known_hosts"},
              {"payload", Sha256Hex(kPayload)},
              {"interpreters", {"/usr/bin/python3.99", "python3"}},
              {"module_args", {{"name", "h"}, {"_ansible_check_mode", false}}}};
}

TEST_CASE("python module: payload cached by checksum, sent once, args on stdin, tmpdir removed") {
  PythonRun run;
  Json first = run.Run(Args());
  CHECK(first["changed"] == true);
  CHECK(first["x"] == 1);
  CHECK(run.sends == 1);
  std::string cached = "/root/.cache/tend/python/" + Sha256Hex(kPayload) + ".zip";
  CHECK(run.host.Content(cached) == kPayload);
  CHECK(run.host.Find(cached)->mode == 0600);
  std::string unpacked = cached.substr(0, cached.size() - 4);
  CHECK(run.argv_seen == std::vector<std::string>{"/usr/bin/python3", unpacked + "/__main__.py"});
  CHECK(run.host.Content(unpacked + "/ansible/modules/m.py") == "x = 1\n");
  Json sent = Json::parse(run.stdin_seen);
  CHECK(sent["ANSIBLE_MODULE_ARGS"]["name"] == "h");
  std::string tmpdir = sent["ANSIBLE_MODULE_ARGS"]["_ansible_tmpdir"];
  CHECK(tmpdir.starts_with("/root/.ansible/tmp/ansible-tmp-"));
  CHECK(run.host.Find(tmpdir) == nullptr);

  Json second = run.Run(Args());
  CHECK(second["changed"] == true);
  CHECK(run.sends == 1);
}

TEST_CASE("python module: a damaged cached payload is sent again") {
  PythonRun run;
  run.host.AddDirectory("/root/.cache/tend/python", 0700);
  run.host.AddFile("/root/.cache/tend/python/" + Sha256Hex(kPayload) + ".zip", "truncated");
  run.Run(Args());
  CHECK(run.sends == 1);
}

TEST_CASE("python module: a HOME the user cannot write caches in /tmp, the module picks its tmpdir") {
  PythonRun run;
  run.host.SetEnv("HOME", "/nonexistent");
  run.host.AddFile("/nonexistent", "");  // not a directory: nothing can be made under it
  run.host.SetEffectiveIds(65534, 65534);
  run.host.AddDirectory("/tmp", 01777);
  Json r = run.Run(Args());
  CHECK(r["changed"] == true);
  CHECK(run.host.Content("/tmp/tend-python-65534/" + Sha256Hex(kPayload) + ".zip") == kPayload);
  CHECK(Json::parse(run.stdin_seen)["ANSIBLE_MODULE_ARGS"]["_ansible_tmpdir"].is_null());
}

TEST_CASE("python module: no interpreter is a clear error naming what was tried") {
  PythonRun run;
  Json args = Args();
  args["interpreters"] = {"/usr/bin/python3.99", "python3.98"};
  Json r = run.Run(args);
  CHECK(r["failed"] == true);
  CHECK(r["msg"] ==
        "module known_hosts has no native implementation in tend and needs Python 3 on the host; "
        "none found (tried /usr/bin/python3.99, python3.98)");
  CHECK(run.sends == 0);
}

TEST_CASE("StagePythonModule: for async, the payload cached and unpacked before the job detaches") {
  PythonRun run;
  int ran = 0;
  run.host.OnRun([&](const ProcessSpec&, FakeHost&) -> ProcessResult {
    ++ran;
    return {0, "{\"changed\": false}", ""};
  });
  ModuleContext context{.args = Args(), .host = &run.host};
  context.fetch_content = [&]() -> ContentSource {
    ++run.sends;
    return StringSource(kPayload);
  };
  REQUIRE(StagePythonModule(context));
  CHECK(run.sends == 1);
  CHECK(ran == 0);
  std::string cached = "/root/.cache/tend/python/" + Sha256Hex(kPayload);
  CHECK(run.host.Content(cached + ".zip") == kPayload);
  CHECK(run.host.Content(cached + "/__main__.py") == "import runpy\n");
  // The job then runs from the cache, with no controller to ask.
  ModuleContext job{.args = Args(), .host = &run.host};
  CHECK(RunModule(PythonModule(), job)["changed"] == false);
  CHECK(ran == 1);
  CHECK(run.sends == 1);

  Json no_python = Args();
  no_python["interpreters"] = {"/usr/bin/python3.99"};
  ModuleContext bare{.args = no_python, .host = &run.host};
  auto refused = StagePythonModule(bare);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().message ==
        "module known_hosts has no native implementation in tend and needs Python 3 on the host; "
        "none found (tried /usr/bin/python3.99)");
}

TEST_CASE("python module: output that is not JSON is MODULE FAILURE") {
  PythonRun run;
  Json r = run.Run(Args(), "oops\n");
  CHECK(r["failed"] == true);
  CHECK(r["module_stdout"] == "oops\n");
}

TEST_CASE("ReadStoredZip: stored entries in order; compressed, unsafe or foreign data refused") {
  auto entries = ReadStoredZip(StoredZip({{"a.py", "A"}, {"b/c.py", ""}}));
  REQUIRE(entries);
  REQUIRE(entries->size() == 2);
  CHECK((*entries)[0].name == "a.py");
  CHECK((*entries)[0].content == "A");
  CHECK((*entries)[1].name == "b/c.py");
  CHECK(ReadStoredZip(StoredZip({{"../x", "A"}})).error().message == "unsafe name in zip: ../x");
  CHECK(ReadStoredZip(StoredZip({{"/etc/x", "A"}})).error().message == "unsafe name in zip: /etc/x");
  CHECK(ReadStoredZip("not a zip").error().message == "not a zip of stored entries");
  std::string compressed = StoredZip({{"a.py", "A"}});
  compressed[8] = 8;  // deflate
  CHECK(ReadStoredZip(compressed).error().message == "a zip entry is compressed; expected stored entries");
}

TEST_CASE("FindInterpreter: absolute paths as given, names along PATH, executables only") {
  FakeHost host;
  host.AddDirectory("/opt");
  host.AddDirectory("/opt/bin");
  host.AddFile("/opt/bin/python3", "", 0644);
  host.AddFile("/opt/bin/python3.11", "", 0755);
  CHECK(FindInterpreter(host, {"/opt/bin/python3", "python3.11"}, "/nope:/opt/bin") ==
        "/opt/bin/python3.11");
  CHECK_FALSE(FindInterpreter(host, {"python3"}, "/opt/bin").has_value());
}

}  // namespace
}  // namespace tend
