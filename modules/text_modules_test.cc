#include <doctest/doctest.h>

#include "modules/test_support.h"

namespace tend {

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

TEST_CASE("blockinfile: insert, update in place, remove") {
  FakeHost host = MakeHost();
  host.AddFile("/srv/hosts", "127.0.0.1 localhost\n");
  Task insert{host, "blockinfile", {{"path", "/srv/hosts"}, {"block", "10.0.0.1 a\n10.0.0.2 b"}}};
  CheckCheckMode(insert);
  CheckIdempotent(insert);
  CHECK(host.Content("/srv/hosts") ==
        "127.0.0.1 localhost\n# BEGIN ANSIBLE MANAGED BLOCK\n10.0.0.1 a\n10.0.0.2 b\n"
        "# END ANSIBLE MANAGED BLOCK\n");
  Json update = Task{host, "blockinfile", {{"path", "/srv/hosts"}, {"block", "10.0.0.3 c"}}}.Run();
  CHECK(update["msg"] == "Block inserted");
  CHECK(host.Content("/srv/hosts") ==
        "127.0.0.1 localhost\n# BEGIN ANSIBLE MANAGED BLOCK\n10.0.0.3 c\n"
        "# END ANSIBLE MANAGED BLOCK\n");
  Task remove{host, "blockinfile", {{"path", "/srv/hosts"}, {"state", "absent"}}};
  CHECK(remove.Run()["msg"] == "Block removed");
  CHECK(host.Content("/srv/hosts") == "127.0.0.1 localhost\n");
  CHECK(remove.Run()["changed"] == false);
  Json bof = Task{host,
                  "blockinfile",
                  {{"path", "/srv/hosts"},
                   {"block", "x"},
                   {"insertbefore", "BOF"},
                   {"marker", "## {mark} tend"}}}
                 .Run();
  CHECK(host.Content("/srv/hosts").starts_with("## BEGIN tend\nx\n## END tend\n127"));
  CHECK(Task{host, "blockinfile", {{"path", "/srv/none"}, {"block", "x"}}}.Run()["msg"] ==
        "Path /srv/none does not exist !");
}

TEST_CASE("replace: all matches with backreferences, idempotent, after/before") {
  FakeHost host = MakeHost();
  host.AddFile("/srv/app.ini", "host=old1\nport=1\nhost=old2\n");
  Task task{host,
            "replace",
            {{"path", "/srv/app.ini"}, {"regexp", "^host=old(\\d)$"}, {"replace", "host=new\\1"}}};
  CheckCheckMode(task);
  Json first = task.Run();
  CHECK(first["msg"] == "2 replacements made");
  CHECK(host.Content("/srv/app.ini") == "host=new1\nport=1\nhost=new2\n");
  CHECK(task.Run()["changed"] == false);
  Task{host,
       "replace",
       {{"path", "/srv/app.ini"}, {"regexp", "host"}, {"replace", "h"}, {"after", "port=1"}}}
      .Run();
  CHECK(host.Content("/srv/app.ini") == "host=new1\nport=1\nh=new2\n");
  CHECK(Task{host, "replace", {{"path", "/srv/none"}, {"regexp", "x"}}}.Run()["msg"] ==
        "Path /srv/none does not exist !");
}

TEST_CASE("slurp returns base64 content") {
  FakeHost host = MakeHost();
  host.AddFile("/srv/k", "hello!?");
  Json r = Task{host, "slurp", {{"src", "/srv/k"}}}.Run();
  CHECK(r["content"] == "aGVsbG8hPw==");
  CHECK(r["encoding"] == "base64");
  CHECK(Task{host, "slurp", {{"path", "/srv/none"}}}.Run()["msg"] == "file not found: /srv/none");
}

}  // namespace tend
