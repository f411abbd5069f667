#include <doctest/doctest.h>

#include "modules/testing/test_support.h"

namespace tend {
namespace {

TEST_CASE("lineinfile: regexp replaces, a missing line is appended, idempotent") {
  FakeHost host = MakeHost();
  host.AddFile("/srv/sshd_config", "Port 22\n#PermitRootLogin yes\nUsePAM yes\n");
  host.ClearRecords();
  Task replace{host,
               "lineinfile",
               {{"path", "/srv/sshd_config"},
                {"regexp", "^#?PermitRootLogin"},
                {"line", "PermitRootLogin no"}}};
  CheckCheckMode(replace);
  CheckIdempotent(replace);
  CHECK(host.Content("/srv/sshd_config") == "Port 22\nPermitRootLogin no\nUsePAM yes\n");

  Task append{host, "lineinfile", {{"path", "/srv/sshd_config"}, {"line", "X11Forwarding no"}}};
  CheckIdempotent(append);
  CHECK(host.Content("/srv/sshd_config").ends_with("UsePAM yes\nX11Forwarding no\n"));
}

TEST_CASE("lineinfile: a pattern that no longer matches finds the line it wrote") {
  FakeHost host = MakeHost();
  host.AddFile("/srv/app.conf", "mode=a\nOLD [x] OLD\nend\n");
  Task search{host,
              "lineinfile",
              {{"path", "/srv/app.conf"}, {"search_string", "[x]"}, {"line", "mode=b"}}};
  CheckIdempotent(search);
  CHECK(host.Content("/srv/app.conf") == "mode=a\nmode=b\nend\n");

  host.AddFile("/srv/re.conf", "mode=b\nend\n");
  Json kept = Task{host,
                   "lineinfile",
                   {{"path", "/srv/re.conf"}, {"regexp", "^OLD"}, {"line", "mode=b"}}}
                  .Run();
  CHECK(kept["changed"] == false);
  CHECK(host.Content("/srv/re.conf") == "mode=b\nend\n");
}

TEST_CASE("lineinfile: insertafter, insertbefore BOF, backrefs, absent, create") {
  FakeHost host = MakeHost();
  host.AddFile("/srv/f", "[main]\nkey=1\n[other]\n");
  Json after = Task{host,
                    "lineinfile",
                    {{"path", "/srv/f"}, {"line", "new=2"}, {"insertafter", "^\\[main\\]"}}}
                   .Run();
  CHECK(after["msg"] == "line added");
  CHECK(host.Content("/srv/f") == "[main]\nnew=2\nkey=1\n[other]\n");
  Task{host, "lineinfile", {{"path", "/srv/f"}, {"line", "# top"}, {"insertbefore", "BOF"}}}.Run();
  CHECK(host.Content("/srv/f").starts_with("# top\n[main]\n"));
  Json backrefs = Task{
      host,
      "lineinfile",
      {{"path", "/srv/f"},
       {"regexp", "^key=(\\d+)$"},
       {"line", "key=\\g<1>0"},
       {"backrefs",
        true}}}.Run();
  CHECK(backrefs["msg"] == "line replaced");
  CHECK(host.Content("/srv/f").find("key=10\n") != std::string::npos);
  Json nomatch = Task{host,
                      "lineinfile",
                      {{"path", "/srv/f"}, {"regexp", "^zzz"}, {"line", "x"}, {"backrefs", true}}}
                     .Run();
  CHECK(nomatch["changed"] == false);
  Task absent{host, "lineinfile", {{"path", "/srv/f"}, {"regexp", "^new="}, {"state", "absent"}}};
  Json removed = absent.Run();
  CHECK(removed["msg"] == "1 line(s) removed");
  CHECK(removed["found"] == 1);
  CHECK(absent.Run()["changed"] == false);
  CHECK(Task{host, "lineinfile", {{"path", "/srv/none"}, {"line", "x"}}}.Run()["msg"] ==
        "Destination /srv/none does not exist !");
  Task create{host,
              "lineinfile",
              {{"path", "/srv/new"}, {"line", "x"}, {"create", true}, {"mode", "0600"}}};
  CheckIdempotent(create);
  CHECK(host.Content("/srv/new") == "x\n");
  CHECK(host.Stat("/srv/new")->mode == 0600);
  CHECK(Task{host, "lineinfile", {{"path", "/srv/f"}, {"regexp", "("}, {"line", "x"}}}
            .Run()["msg"]
            .get<std::string>()
            .starts_with("regexp is not a valid regular expression: ("));
  CHECK(Task{host, "lineinfile", {{"path", "/srv/f"}}}.Run()["msg"] ==
        "line is required with state=present");
}

TEST_CASE("lineinfile: diff mode shows before and after") {
  FakeHost host = MakeHost();
  host.AddFile("/srv/f", "a\n");
  Json r = Task{host, "lineinfile", {{"path", "/srv/f"}, {"line", "b"}}, true, true}.Run();
  CHECK(r["diff"][0]["before"] == "a\n");
  CHECK(r["diff"][0]["after"] == "a\nb\n");
  CHECK(r["diff"][0]["before_header"] == "/srv/f (content)");
  CHECK(host.Content("/srv/f") == "a\n");
}

// `create: true` under a missing directory makes it, as Ansible does
// (check mode makes nothing).
TEST_CASE("lineinfile: create makes the missing parent directories") {
  FakeHost host = MakeHost();
  Task create{host, "lineinfile", {{"path", "/srv/p/q/new"}, {"line", "x"}, {"create", true}}};
  CheckCheckMode(create);
  CheckIdempotent(create);
  CHECK(host.Stat("/srv/p/q")->kind == FileKind::kDirectory);
  CHECK(host.Stat("/srv/p")->mode == 0755);
}

// An empty pattern matches every line, so `line` replaces the last one: the
// edit is made, with Ansible's warning.
TEST_CASE("lineinfile: an empty regexp or search_string warns and replaces the last line") {
  const std::pair<const char*, std::string> cases[] = {
      {"regexp",
       "The regular expression is an empty string, which will match every line in the file. This "
       "may have unintended consequences, such as replacing the last line in the file rather than "
       "appending. If this is desired, use '^' to match every line in the file and avoid this "
       "warning."},
      {"search_string",
       "The search string is an empty string, which will match every line in the file. This may "
       "have unintended consequences, such as replacing the last line in the file rather than "
       "appending."},
  };
  for (const auto& [key, warning] : cases) {
    CAPTURE(key);
    FakeHost host = MakeHost();
    host.AddFile("/srv/f", "a\nb\n");
    Json r = Task{host, "lineinfile", {{"path", "/srv/f"}, {key, ""}, {"line", "c"}}}.Run();
    CHECK(r["changed"] == true);
    CHECK(r["warnings"] == Json::array({warning}));
    CHECK(host.Content("/srv/f") == "a\nc\n");
  }
  FakeHost host = MakeHost();
  host.AddFile("/srv/f", "a\n");
  CHECK_FALSE(Task{host, "lineinfile", {{"path", "/srv/f"}, {"regexp", "^a"}, {"line", "a"}}}
                  .Run()
                  .contains("warnings"));
}

}  // namespace
}  // namespace tend
