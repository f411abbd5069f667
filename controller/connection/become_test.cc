#include "controller/connection/become.h"

#include <doctest/doctest.h>

namespace tend {

TEST_CASE("become: no wrapper when not asked or already that user") {
  BecomeSettings s;
  CHECK(!ResolveRunAs(false, s, "root", "alice"));
  CHECK(!ResolveRunAs(true, s, "root", "root"));
  CHECK(!ResolveRunAs(true, s, "", "root"));
  auto r = ResolveRunAs(true, s, "postgres", "alice");
  REQUIRE(r);
  CHECK(r->user == "postgres");
  CHECK(!r->has_password);
}

TEST_CASE("become command lines; the password never appears in them") {
  CHECK(*WrapCommand("echo hi", std::nullopt, "P") == "/bin/sh -c 'echo hi'");
  CHECK(*WrapCommand("echo 'x'", RunAs{"root", BecomeMethod::kSudo, false}, "P") ==
        "sudo -H -S -n -u 'root' -- /bin/sh -c 'echo '\\''x'\\'''");
  BecomeSettings s;
  s.password = "s3cret";
  auto with_password = WrapCommand("id", ResolveRunAs(true, s, "bob", "alice"), "[tend 1]");
  CHECK(*with_password == "sudo -H -S -p '[tend 1]' -u 'bob' -- /bin/sh -c 'id'");
  CHECK(with_password->find("s3cret") == std::string::npos);
  CHECK(*WrapCommand("id", RunAs{"bob", BecomeMethod::kSu, false}, "P") ==
        "su -s /bin/sh 'bob' -c 'id'");
  CHECK(WrapCommand("id", RunAs{"bob", BecomeMethod::kSu, true}, "P").error().message ==
        "become_method su with a password is not supported; use sudo");
}

TEST_CASE("agent scripts verify the checksum before exec and after upload") {
  std::string sha(64, 'a');
  CHECK(AgentFileName(sha) == "agent-aaaaaaaaaaaaaaaa");
  std::string start = AgentStartScript(sha);
  CHECK(start.find("sha256sum") < start.find("exec"));
  CHECK(start.find("exit 97") != std::string::npos);
  std::string upload = AgentUploadScript(sha, 1234);
  CHECK(upload.find("head -c 1234") != std::string::npos);
  CHECK(upload.find("sha256sum") < upload.find("mv -f"));
}

}  // namespace tend
