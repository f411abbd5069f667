// Run records in a shared PostgreSQL: a real server started by the test (as
// the postgres user, on a private socket directory and port), two
// controllers writing to it at once, and both runs land whole.

#include <doctest/doctest.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "core/json.h"
#include "tests/support/lab_shell.h"

namespace {

namespace fs = std::filesystem;
using tend::labtest::Contains;
using tend::labtest::Run;
using tend::labtest::Sh;

constexpr const char* kBin = "/usr/lib/postgresql/15/bin";
// A port nothing listens on now (the kernel picks it).
int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

// A throwaway cluster, stopped and removed at the end.
struct Server {
  Server() {
    std::string tmpl = (fs::temp_directory_path() / "tend-pg-XXXXXX").string();
    dir = mkdtemp(tmpl.data());
    Sh("chown postgres " + dir);
    Run init = AsPostgres(std::string(kBin) + "/initdb -A trust -U tend -D " + dir + "/data");
    INFO(init.out);
    REQUIRE(init.rc == 0);
    Run start = AsPostgres(std::string(kBin) + "/pg_ctl -w -D " + dir + "/data -l " + dir +
                           "/log -o '-k " + dir + " -p " + std::to_string(port) +
                           " -c listen_addresses=127.0.0.1' start");
    INFO(start.out);
    REQUIRE(start.rc == 0);
    REQUIRE(AsPostgres(std::string(kBin) + "/createdb -h " + dir + " -p " +
                       std::to_string(port) + " -U tend records")
                .rc == 0);
  }
  ~Server() {
    AsPostgres(std::string(kBin) + "/pg_ctl -w -D " + dir + "/data -m immediate stop");
    fs::remove_all(dir);
  }
  static Run AsPostgres(const std::string& command) {
    return Sh("cd / && runuser -u postgres -- " + command);
  }
  std::string Url() const {
    return "postgresql://tend@127.0.0.1:" + std::to_string(port) + "/records";
  }
  std::string dir;
  int port = FreePort();
};

TEST_CASE("two controllers writing to one PostgreSQL at once: both runs land") {
  Server pg;
  tend::labtest::UseBuiltAgent();
  std::string tend = tend::labtest::TendBinary();
  std::string suite = tend::labtest::SourceDir() + "/tests/records";
  std::string play = tend + " play -i localhost, -c local --records " + pg.Url() + " " + suite +
                     "/parallel.yml";
  // Both start on a fresh database: the schema is created once (migration lock).
  Run both = Sh("(" + play + " -e who=a > " + pg.dir + "/a.out 2>&1 & " + play + " -e who=b > " +
                pg.dir + "/b.out 2>&1 & wait)");
  std::string a = tend::labtest::Slurp(pg.dir + "/a.out");
  std::string b = tend::labtest::Slurp(pg.dir + "/b.out");
  INFO(a);
  INFO(b);
  CHECK_FALSE(Contains(a + b, "[WARNING]"));
  Run list = Sh(tend + " history --json --records " + pg.Url());
  INFO(list.out);
  REQUIRE(list.rc == 0);
  auto runs = tend::Json::parse(list.out);
  REQUIRE(runs.size() == 2);
  for (const auto& run : runs) {
    CHECK(run["status"] == "ok");
    Run detail = Sh(tend + " history " + run["id"].dump() + " --json --records " + pg.Url());
    auto d = tend::Json::parse(detail.out);
    CHECK(d["results"].size() == 20);  // every task of its run, none of the other's
  }
  Run text = Sh(tend + " history --records " + pg.Url());
  CHECK(Contains(text.out, "play parallel.yml"));
}

}  // namespace
