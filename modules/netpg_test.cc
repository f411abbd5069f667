#include <doctest/doctest.h>
#include <fmt/format.h>

#include <deque>

#include "modules/http_client.h"
#include "modules/netpg_net.h"
#include "modules/netpg_parsers.h"
#include "modules/postgresql_user.h"
#include "modules/test_support.h"

namespace tend {
namespace {

// A scripted network: each listening "address:port" answers requests with a
// function of the request bytes; everything else refuses. Sleeping advances
// the fake host's clock, so timeouts run instantly.
class FakeNetwork : public Network {
 public:
  using Handler = std::function<std::string(const std::string& request)>;
  explicit FakeNetwork(FakeHost& host) : host_(host) {}

  void Listen(const std::string& endpoint, Handler handler) { handlers_[endpoint] = std::move(handler); }
  void Close(const std::string& endpoint) { handlers_.erase(endpoint); }
  const std::vector<std::string>& requests() const { return requests_; }
  int connects = 0;

  Expected<std::unique_ptr<NetStream>> Connect(const std::string& address, int port, int) override {
    ++connects;
    auto it = handlers_.find(fmt::format("{}:{}", address, port));
    if (it == handlers_.end()) return Fail("Connection refused");
    return std::make_unique<Stream>(*this, it->second);
  }
  void SleepMicros(int64_t micros) override { host_.SetNow(host_.NowMicros() + micros); }

 private:
  class Stream : public NetStream {
   public:
    Stream(FakeNetwork& net, Handler handler) : net_(net), handler_(std::move(handler)) {}
    Expected<void> Send(std::string_view data) override {
      sent_.append(data);
      return {};
    }
    // Answers in 7-byte pieces so parsers see split headers and chunks.
    Expected<size_t> Receive(std::string& out, int) override {
      if (!answered_) {
        net_.requests_.push_back(sent_);
        pending_ = handler_(sent_);
        answered_ = true;
      }
      size_t n = std::min<size_t>(7, pending_.size());
      out.append(pending_.substr(0, n));
      pending_.erase(0, n);
      return n;
    }

   private:
    FakeNetwork& net_;
    Handler handler_;
    std::string sent_, pending_;
    bool answered_ = false;
  };

  FakeHost& host_;
  std::map<std::string, Handler> handlers_;
  std::vector<std::string> requests_;
};

std::string Reply(int status, const std::string& reason, const std::string& body,
                  const std::string& type = "text/plain") {
  return fmt::format("HTTP/1.0 {} {}\r\nContent-Type: {}\r\nContent-Length: {}\r\n\r\n{}", status,
                     reason, type, body.size(), body);
}

FakeHost NetHost() {
  FakeHost host = MakeHost();
  host.AddFile("/etc/hosts", "127.0.0.1\tlocalhost\n# comment\n10.0.0.5 db.internal db  # trailing\n::1 localhost ip6-localhost\n");
  host.AddDirectory("/opt", 0755);
  host.ClearRecords();
  return host;
}

}  // namespace

TEST_CASE("URL parsing") {
  auto u = ParseUrl("http://user:pw@Example.com:8080/a/b?q=1#frag");
  REQUIRE(u);
  CHECK(u->scheme == "http");
  CHECK(u->userinfo == "user:pw");
  CHECK(u->host == "Example.com");
  CHECK(u->port == 8080);
  CHECK(u->target == "/a/b?q=1");
  CHECK(u->HostHeader() == "Example.com:8080");
  auto v6 = ParseUrl("http://[::1]/x");
  REQUIRE(v6);
  CHECK(v6->host == "::1");
  CHECK(v6->port == 80);
  CHECK(v6->ToString() == "http://[::1]/x");
  CHECK(ParseUrl("http://h")->target == "/");
  CHECK(ParseUrl("https://h/")->port == 443);
  CHECK(ParseUrl("ftp://h/").error().message == "unsupported URL scheme 'ftp' in 'ftp://h/'");
  CHECK(ParseUrl("h/x").error().message == "'h/x' is not an absolute URL (scheme://host/path)");
  CHECK(ParseUrl("http://h:99999/").error().message == "bad port '99999' in URL 'http://h:99999/'");
  CHECK(ResolveReference(*u, "/c")->ToString() == "http://Example.com:8080/c");
  CHECK(ResolveReference(*u, "d")->ToString() == "http://Example.com:8080/a/d");
  CHECK(ResolveReference(*u, "http://o/p")->ToString() == "http://o/p");
}

TEST_CASE("HTTP responses: Content-Length, chunked, close-delimited, byte by byte") {
  struct Case {
    std::string wire;
    int status;
    std::string body;
    bool needs_eof;
  };
  std::vector<Case> cases{
      {"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", 200, "hello", false},
      {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-T: 1\r\n\r\n",
       200, "hello world", false},
      {"HTTP/1.0 404 Not Found\r\nServer: x\r\n\r\nnope", 404, "nope", true},
      {"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\nContent-Length: 3\r\n\r\n", 204, "", false},
  };
  for (const auto& c : cases) {
    for (size_t piece : {1, 3, 1000}) {
      ResponseParser parser;
      for (size_t i = 0; i < c.wire.size(); i += piece) REQUIRE(parser.Feed(c.wire.substr(i, piece)));
      CHECK(parser.done() == !c.needs_eof);
      REQUIRE(parser.FinishAtEof());
      CHECK(parser.response().status == c.status);
      CHECK(parser.response().body == c.body);
    }
  }
  ResponseParser cut;
  REQUIRE(cut.Feed("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc"));
  CHECK(cut.FinishAtEof().error().message == "connection closed before the response was complete");
  ResponseParser bad;
  CHECK(bad.Feed("SSH-2.0-OpenSSH\r\n\r\n").error().message == "malformed HTTP status line 'SSH-2.0-OpenSSH'");
  ResponseParser head(true);
  REQUIRE(head.Feed("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n"));
  CHECK(head.done());
}

TEST_CASE("HTTP requests on the wire") {
  HttpRequest r;
  r.method = "POST";
  r.url = *ParseUrl("http://127.0.0.1:8000/api?x=1");
  r.headers = {{"Content-Type", "application/json"}, {"Host", "ignored"}};
  r.body = "{}";
  r.basic_auth = "alice:s3cret";
  CHECK(SerializeRequest(r) ==
        "POST /api?x=1 HTTP/1.1\r\nHost: 127.0.0.1:8000\r\nUser-Agent: ansible-httpget\r\n"
        "Accept-Encoding: identity\r\nAuthorization: Basic YWxpY2U6czNjcmV0\r\n"
        "Content-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}");
  CHECK(Base64Encode("") == "");
  CHECK(Base64Encode("a") == "YQ==");
  CHECK(Base64Encode("ab") == "YWI=");
  CHECK(FormUrlEncode(Json{{"name", "a b&c"}, {"n", 1}}) == "name=a+b%26c&n=1");
}

TEST_CASE("/etc/hosts resolution without NSS") {
  FakeHost host = NetHost();
  std::string hosts = host.Content("/etc/hosts");
  CHECK(LookupHostsFile(hosts, "DB") == std::vector<std::string>{"10.0.0.5"});
  CHECK(LookupHostsFile(hosts, "localhost") == std::vector<std::string>{"127.0.0.1", "::1"});
  CHECK(LookupHostsFile(hosts, "comment").empty());
  CHECK(*ResolveName(host, "db.internal") == "10.0.0.5");
  CHECK(*ResolveName(host, "ip6-localhost") == "::1");
  CHECK(*ResolveName(host, "192.168.1.1") == "192.168.1.1");
  CHECK(*ResolveName(host, "[::1]") == "::1");
  CHECK(ResolveName(host, "example.org").error().message.starts_with(
      "could not resolve host name 'example.org': the agent resolves names only through /etc/hosts"));
  FakeHost bare;
  CHECK(*ResolveName(bare, "localhost") == "127.0.0.1");
}

TEST_CASE("wait_for: port up, port timeout, stopped, file with regex, drained") {
  FakeHost host = NetHost();
  FakeNetwork net(host);
  ScopedNetwork scoped(net);
  net.Listen("127.0.0.1:5432", [](const std::string&) { return "220 ready\n"; });
  Json up = Task{host, "wait_for", {{"port", 5432}, {"host", "localhost"}}}.Run();
  CHECK(up["failed"] != true);
  CHECK(up["state"] == "started");
  CHECK(up["elapsed"] == 0);
  Json banner = Task{host, "wait_for", {{"port", 5432}, {"search_regex", "(\\d+) (re)ady"}}}.Run();
  CHECK(banner["match_groups"] == Json::array({"220", "re"}));
  Json down = Task{host, "wait_for", {{"port", 8080}, {"timeout", 3}}}.Run();
  CHECK(down["failed"] == true);
  CHECK(down["msg"] == "Timeout when waiting for 127.0.0.1:8080");
  CHECK(down["elapsed"] == 3);
  CHECK(net.connects == 2 + 4);  // at 0, 1, 2 and 3 seconds
  Json stopped = Task{host, "wait_for", {{"port", 8080}, {"state", "stopped"}}}.Run();
  CHECK(stopped["failed"] != true);
  Json still = Task{host, "wait_for", {{"port", 5432}, {"state", "stopped"}, {"timeout", 1}, {"msg", "db still up"}}}.Run();
  CHECK(still["msg"] == "db still up");
  host.AddFile("/var/log/app.log", "starting\nlistening on 8000\n");
  Json file = Task{host, "wait_for", {{"path", "/var/log/app.log"}, {"search_regex", "listening on (\\d+)"}}}.Run();
  CHECK(file["match_groups"] == Json::array({"8000"}));
  Json missing = Task{host, "wait_for", {{"path", "/nope"}, {"timeout", 2}}}.Run();
  CHECK(missing["msg"] == "Timeout when waiting for file /nope");
  Json absent = Task{host, "wait_for", {{"path", "/nope"}, {"state", "absent"}}}.Run();
  CHECK(absent["failed"] != true);
  Json no_regex = Task{host, "wait_for", {{"path", "/var/log/app.log"}, {"search_regex", "ready"}, {"timeout", 1}}}.Run();
  CHECK(no_regex["msg"] == "Timeout when waiting for search string ready in /var/log/app.log");
  host.AddFile("/proc/net/tcp",
               "  sl  local_address rem_address   st tx_queue rx_queue\n"
               "   0: 0100007F:1538 00000000:0000 0A 00000000:00000000\n"
               "   1: 0100007F:1538 0100007F:D3F2 01 00000000:00000000\n");
  Json busy = Task{host, "wait_for", {{"port", 5432}, {"state", "drained"}, {"timeout", 1}}}.Run();
  CHECK(busy["msg"] == "Timeout when waiting for 127.0.0.1:5432 to drain");
  CHECK(Task{host, "wait_for", {{"port", 5433}, {"state", "drained"}}}.Run()["failed"] != true);
  CHECK(Task{host, "wait_for", {{"port", 1}, {"path", "/x"}}}.Run()["msg"] ==
        "parameters are mutually exclusive: port|path");
}

TEST_CASE("uri: GET JSON, POST json with status_code, 404, refused, redirects, https") {
  FakeHost host = NetHost();
  FakeNetwork net(host);
  ScopedNetwork scoped(net);
  net.Listen("127.0.0.1:8000", [](const std::string& request) {
    if (request.starts_with("GET /api")) return Reply(200, "OK", "{\"ok\": true}", "application/json");
    if (request.starts_with("POST /runs")) {
      std::string body = request.substr(request.find("\r\n\r\n") + 4);
      return Reply(201, "Created", body, "application/json; charset=utf-8");
    }
    if (request.starts_with("GET /old"))
      return std::string("HTTP/1.1 301 Moved\r\nLocation: /api\r\nContent-Length: 0\r\n\r\n");
    return Reply(404, "Not Found", "missing");
  });
  Json get = Task{host, "uri", {{"url", "http://localhost:8000/api"}}}.Run();
  CHECK(get["status"] == 200);
  CHECK(get["json"] == Json{{"ok", true}});
  CHECK(get["msg"] == "OK (12 bytes)");
  CHECK(get["content_type"] == "application/json");
  CHECK(get["content_length"] == "12");
  CHECK(get["changed"] == false);
  CHECK(!get.contains("content"));
  Json post = Task{host, "uri", {{"url", "http://127.0.0.1:8000/runs"}, {"method", "post"},
                                 {"body_format", "json"}, {"body", {{"name", "exp1"}}},
                                 {"status_code", Json::array({200, 201})}, {"return_content", true}}}.Run();
  CHECK(post["status"] == 201);
  CHECK(post["json"]["name"] == "exp1");
  CHECK(post["content"] == "{\"name\":\"exp1\"}");
  CHECK(net.requests().back().find("Content-Type: application/json\r\n") != std::string::npos);
  Json missing = Task{host, "uri", {{"url", "http://127.0.0.1:8000/nope"}}}.Run();
  CHECK(missing["failed"] == true);
  CHECK(missing["status"] == 404);
  CHECK(missing["msg"] == "Status code was 404 and not [200]: HTTP Error 404: Not Found");
  Json moved = Task{host, "uri", {{"url", "http://127.0.0.1:8000/old"}}}.Run();
  CHECK(moved["redirected"] == true);
  CHECK(moved["url"] == "http://127.0.0.1:8000/api");
  Json kept = Task{host, "uri", {{"url", "http://127.0.0.1:8000/old"}, {"follow_redirects", "none"},
                                 {"status_code", "301"}}}.Run();
  CHECK(kept["status"] == 301);
  CHECK(kept["location"] == "/api");
  Json refused = Task{host, "uri", {{"url", "http://127.0.0.1:9/"}}}.Run();
  CHECK(refused["status"] == -1);
  CHECK(refused["msg"] == "Status code was -1 and not [200]: Request failed: <urlopen error Connection refused> (127.0.0.1:9)");
  Json tls = Task{host, "uri", {{"url", "https://127.0.0.1/"}}}.Run();
  CHECK(tls["msg"].get<std::string>().find("https is not supported by the agent yet") != std::string::npos);
  Json form = Task{host, "uri", {{"url", "http://127.0.0.1:8000/runs"}, {"method", "POST"},
                                 {"body_format", "form-urlencoded"}, {"body", {{"a", "b c"}}},
                                 {"status_code", 201}, {"url_username", "u"}, {"url_password", "p"}}}.Run();
  CHECK(form["status"] == 201);
  CHECK(net.requests().back().ends_with("\r\n\r\na=b+c"));
  CHECK(net.requests().back().find("Authorization: Basic dTpw\r\n") != std::string::npos);
}

TEST_CASE("uri: dest written once; creates skips") {
  FakeHost host = NetHost();
  FakeNetwork net(host);
  ScopedNetwork scoped(net);
  net.Listen("127.0.0.1:80", [](const std::string&) { return Reply(200, "OK", "data"); });
  CheckIdempotent(Task{host, "uri", {{"url", "http://127.0.0.1/file.txt"}, {"dest", "/opt"}}});
  CHECK(host.Content("/opt/file.txt") == "data");
  Json skipped = Task{host, "uri", {{"url", "http://127.0.0.1/x"}, {"creates", "/opt/file.txt"}}}.Run();
  CHECK(skipped["msg"] == "skipped, since '/opt/file.txt' exists");
}

TEST_CASE("get_url: download, checksum, idempotence, check mode, failures") {
  FakeHost host = NetHost();
  FakeNetwork net(host);
  ScopedNetwork scoped(net);
  std::string payload = "model weights v1\n";
  net.Listen("127.0.0.1:8000", [&](const std::string& request) {
    if (request.starts_with("GET /SHA256SUMS"))
      return Reply(200, "OK", Sha256Hex(payload) + "  model.bin\n" + std::string(64, 'a') + "  other\n");
    if (request.starts_with("GET /model.bin")) {
      // Chunked, as servers stream large files.
      return "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" +
             fmt::format("{:x}\r\n{}\r\n0\r\n\r\n", payload.size(), payload);
    }
    return Reply(404, "Not Found", "");
  });
  Json args{{"url", "http://127.0.0.1:8000/model.bin"}, {"dest", "/opt/model.bin"},
            {"checksum", "sha256:" + Sha256Hex(payload)}, {"mode", "0640"}};
  CheckCheckMode(Task{host, "get_url", args});
  CHECK(net.requests().empty());
  CheckIdempotent(Task{host, "get_url", args});
  CHECK(host.Content("/opt/model.bin") == payload);
  CHECK(host.Find("/opt/model.bin")->mode == 0640);
  CHECK(host.ListDirectory("/opt")->size() == 1);  // no temporary file left
  CHECK(net.requests().size() == 1);                // the second run downloaded nothing
  Json again = Task{host, "get_url", args}.Run();
  CHECK(again["msg"] == "file already exists");
  CHECK(again["checksum_dest"] == Sha1Hex(payload));
  // force: downloads, but identical content changes nothing.
  Json forced = Task{host, "get_url", {{"url", args["url"]}, {"dest", "/opt/model.bin"}, {"force", true}}}.Run();
  CHECK(forced["changed"] == false);
  CHECK(forced["checksum_src"] == Sha1Hex(payload));
  CHECK(forced["status_code"] == 200);
  // A wrong checksum on an existing file downloads again and then fails, leaving the file.
  Json wrong = Task{host, "get_url", {{"url", args["url"]}, {"dest", "/opt/model.bin"},
                                      {"checksum", "sha256:" + std::string(64, '0')}}}.Run();
  CHECK(wrong["failed"] == true);
  CHECK(wrong["msg"].get<std::string>().find("did not match " + std::string(64, '0') + "; it was " + Sha256Hex(payload)) != std::string::npos);
  CHECK(host.Content("/opt/model.bin") == payload);
  CHECK(host.ListDirectory("/opt")->size() == 1);
  // Into a directory, with the checksum from a checksums file.
  host.AddDirectory("/opt/dl");
  Json into_dir = Task{host, "get_url", {{"url", args["url"]}, {"dest", "/opt/dl"},
                                         {"checksum", "sha256:http://127.0.0.1:8000/SHA256SUMS"}}}.Run();
  CHECK(into_dir["dest"] == "/opt/dl/model.bin");
  CHECK(host.Content("/opt/dl/model.bin") == payload);
  Json missing = Task{host, "get_url", {{"url", "http://127.0.0.1:8000/none"}, {"dest", "/opt/none"}}}.Run();
  CHECK(missing["failed"] == true);
  CHECK(missing["msg"] == "Request failed");
  CHECK(missing["status_code"] == 404);
  CHECK(missing["response"] == "HTTP Error 404: Not Found");
  CHECK(!host.Find("/opt/none"));
  CHECK(host.ListDirectory("/opt")->size() == 2);
  Json bad = Task{host, "get_url", {{"url", args["url"]}, {"dest", "/opt/x"}, {"checksum", "crc:1"}}}.Run();
  CHECK(bad["msg"] == "Unsupported hash algorithm 'crc' in checksum");
}

TEST_CASE("pip requirement and list parsing, version decisions") {
  CHECK(NormalizePipName("Foo_Bar.baz") == "foo-bar-baz");
  auto r = ParsePipRequirement("MLflow[extras] >= 2.9");
  REQUIRE(r);
  CHECK(r->name == "mlflow");
  CHECK(r->op == ">=");
  CHECK(r->version == "2.9");
  CHECK(ParsePipRequirement("psycopg2-binary")->op == "");
  CHECK(!ParsePipRequirement("==1.0"));
  auto listed = ParsePipList(R"([{"name": "MLflow", "version": "2.9.2"}, {"name": "pip", "version": "23.0.1"}])");
  REQUIRE(listed);
  CHECK(listed->at("mlflow") == "2.9.2");
  CHECK(!ParsePipList("not json"));
  struct Case {
    const char* installed;
    const char* op;
    const char* wanted;
    bool ok;
  };
  for (const auto& c : std::vector<Case>{{"2.9.2", "==", "2.9.2", true}, {"2.9.2", "==", "2.9", false},
                                         {"1.0", "==", "1.0.0", true},   {"2.10", ">=", "2.9", true},
                                         {"2.9", ">", "2.9", false},     {"2.9.2", "==", "2.9.*", true},
                                         {"3.0", "~=", "2.9", false},    {"2.11", "~=", "2.9", true},
                                         {"1.4", "!=", "1.4", false},    {"1.4", "<", "1.10", true}}) {
    CHECK_MESSAGE(VersionSatisfies(c.installed, c.op, c.wanted) == c.ok,
                  fmt::format("{} {} {}", c.installed, c.op, c.wanted));
  }
}

namespace {

// Stands in for python3 -m venv and pip: keeps the installed set in a map.
struct FakePython {
  std::map<std::string, std::string> installed{{"pip", "23.0.1"}};
  ProcessResult operator()(const ProcessSpec& spec, FakeHost& host) {
    const auto& argv = spec.argv;
    if (argv[0] == "python3") {
      host.AddFile(argv.back() + "/bin/activate", "");
      host.AddFile(argv.back() + "/bin/pip", "", 0755);
      return {};
    }
    if (argv[1] == "list") {
      Json out = Json::array();
      for (const auto& [n, v] : installed) out.push_back({{"name", n}, {"version", v}});
      return {0, out.dump(), ""};
    }
    if (argv[1] == "install") {
      std::string names;
      for (size_t i = 2; i < argv.size(); ++i) {
        if (argv[i].starts_with("-") || argv[i - 1] == "--find-links") continue;
        auto req = ParsePipRequirement(argv[i]);
        if (!req) return {1, "", "bad requirement"};
        if (req->name == "nosuch") return {1, "", "ERROR: No matching distribution found for nosuch"};
        installed[req->name] = req->version.empty() ? "1.0" : req->version;
        names += " " + req->name;
      }
      return {0, "Successfully installed" + names + "\n", ""};
    }
    if (argv[1] == "uninstall") {
      for (size_t i = 3; i < argv.size(); ++i) installed.erase(NormalizePipName(argv[i]));
      return {0, "Successfully uninstalled\n", ""};
    }
    return {1, "", "unexpected"};
  }
};

}  // namespace

TEST_CASE("pip: venv created, only missing installs, second run unchanged, absent, check mode") {
  FakeHost host = NetHost();
  auto python = std::make_shared<FakePython>();
  host.OnRun([python](const ProcessSpec& spec, FakeHost& h) { return (*python)(spec, h); });
  Json args{{"name", Json::array({"tinypkg==0.1", "other"})}, {"virtualenv", "/opt/venv"},
            {"virtualenv_command", "python3 -m venv"}, {"extra_args", "--no-index --find-links /opt/wheels"}};
  CheckCheckMode(Task{host, "pip", args});
  CHECK(host.commands().empty());
  Json first = Task{host, "pip", args}.Run();
  CHECK(first["changed"] == true);
  CHECK(first["cmd"] == "/opt/venv/bin/pip install --no-index --find-links /opt/wheels tinypkg==0.1 other");
  CHECK(host.commands()[0] == "python3 -m venv /opt/venv");
  CHECK(first["virtualenv"] == "/opt/venv");
  CHECK(first["name"] == Json::array({"tinypkg==0.1", "other"}));
  host.ClearRecords();
  Json second = Task{host, "pip", args}.Run();
  CHECK(second["changed"] == false);
  CHECK(host.commands() == std::vector<std::string>{"/opt/venv/bin/pip list --format=json"});
  Json upgrade = Task{host, "pip", {{"name", "tinypkg"}, {"version", "0.2"}, {"virtualenv", "/opt/venv"}}}.Run();
  CHECK(upgrade["changed"] == true);
  CHECK(python->installed["tinypkg"] == "0.2");
  Json removed = Task{host, "pip", {{"name", Json::array({"other", "never-installed"})}, {"state", "absent"},
                                    {"virtualenv", "/opt/venv"}}}.Run();
  CHECK(removed["changed"] == true);
  CHECK(removed["cmd"] == "/opt/venv/bin/pip uninstall -y other");
  Json gone = Task{host, "pip", {{"name", "other"}, {"state", "absent"}, {"virtualenv", "/opt/venv"}}}.Run();
  CHECK(gone["changed"] == false);
  Json failed = Task{host, "pip", {{"name", "nosuch"}, {"virtualenv", "/opt/venv"}}}.Run();
  CHECK(failed["failed"] == true);
  CHECK(failed["msg"] == "\n:stderr: ERROR: No matching distribution found for nosuch");
  Json nopip = Task{host, "pip", {{"name", "x"}}}.Run();
  CHECK(nopip["msg"] == "Unable to find any of pip3 to use.  pip needs to be installed.");
  CHECK(Task{host, "pip", {{"virtualenv", "/opt/venv"}}}.Run()["msg"] ==
        "one of the following is required: name, requirements");
}

TEST_CASE("SQL quoting and parameters") {
  CHECK(QuoteIdent("mlflow") == "\"mlflow\"");
  CHECK(QuoteIdent("we\"ird") == "\"we\"\"ird\"");
  CHECK(QuoteLiteral("it's") == "'it''s'");
  CHECK(QuoteLiteral("a\\b") == "E'a\\\\b'");
  CHECK(QuoteQualified("public.runs") == "\"public\".\"runs\"");
  CHECK(*BindQueryParams("SELECT %s, %s, 100%%", Json::array({"o'k", 3}), Json()) == "SELECT 'o''k', 3, 100%");
  CHECK(*BindQueryParams("SELECT %(a)s IS %(b)s", Json(), Json{{"a", nullptr}, {"b", true}}) == "SELECT NULL IS TRUE");
  CHECK(BindQueryParams("SELECT %s", Json::array(), Json()).error().message ==
        "not enough positional_args for the %s placeholders in query");
  CHECK(BindQueryParams("SELECT %(x)s", Json(), Json::object()).error().message == "named_args has no value for %(x)s");
}

TEST_CASE("PostgreSQL passwords: md5 and SCRAM-SHA-256 verifiers") {
  CHECK(Md5Password("mlflow", "secret") == "md5" + HexDigest(HashAlgorithm::kMd5, "secretmlflow"));
  CHECK(PasswordMatches(Md5Password("mlflow", "secret"), "mlflow", "secret"));
  CHECK(!PasswordMatches(Md5Password("mlflow", "secret"), "mlflow", "other"));
  // Computed independently with Python's hashlib (pbkdf2_hmac, 4096 rounds, salt "0123456789abcdef").
  std::string scram =
      "SCRAM-SHA-256$4096:MDEyMzQ1Njc4OWFiY2RlZg==$"
      "nQpbZ77WudtqufPwikHXGRt6g2QJ4zns8bZLw273DRM=:jn2amWP1q1h+jgjy0YTO14S6/F02SV7taipOeB7ef20=";
  CHECK(PasswordMatches(scram, "u", "pencil"));
  CHECK(!PasswordMatches(scram, "u", "wrong"));
  CHECK(PasswordMatches(scram, "u", scram));  // the hash itself given
  CHECK(!PasswordMatches("", "u", "x"));
}

TEST_CASE("postgresql_user decisions") {
  Json role{{"rolname", "mlflow"}, {"rolsuper", false}, {"rolcreaterole", false}, {"rolcreatedb", false},
            {"rolinherit", true},  {"rolcanlogin", true}, {"rolreplication", false}, {"rolbypassrls", false},
            {"rolconnlimit", -1},  {"rolvaliduntil", nullptr}, {"rolpassword", Md5Password("mlflow", "pw")},
            {"comment", nullptr},  {"member_of", Json::array()}};
  RoleRequest want{.name = "mlflow", .password = "pw", .role_attr_flags = "LOGIN"};
  auto same = PlanRole(want, role, std::nullopt);
  REQUIRE(same);
  CHECK(same->statements.empty());
  auto created = PlanRole(want, std::nullopt, std::nullopt);
  REQUIRE(created);
  CHECK(created->statements == std::vector<std::string>{"CREATE USER \"mlflow\" WITH ENCRYPTED PASSWORD 'pw' LOGIN"});
  CHECK(created->shown == std::vector<std::string>{"CREATE USER \"mlflow\" WITH ENCRYPTED PASSWORD %(password)s LOGIN"});
  want.password = "new";
  want.role_attr_flags = "CREATEDB,NOLOGIN";
  want.conn_limit = 10;
  want.groups = {"readers"};
  auto altered = PlanRole(want, role, std::nullopt);
  REQUIRE(altered);
  CHECK(altered->shown == std::vector<std::string>{
                              "ALTER USER \"mlflow\" WITH ENCRYPTED PASSWORD %(password)s NOLOGIN CREATEDB CONNECTION LIMIT 10",
                              "GRANT \"readers\" TO \"mlflow\""});
  for (const auto& s : altered->shown) CHECK(s.find("new") == std::string::npos);
  want.no_password_changes = true;
  CHECK(PlanRole(want, role, std::nullopt)->shown[0].find("PASSWORD") == std::string::npos);
  CHECK(PlanRole({.name = "x", .role_attr_flags = "FLY"}, std::nullopt, std::nullopt).error().message ==
        "Invalid role_attr_flags specified: FLY");
}

TEST_CASE("postgresql_db and postgresql_user through psql; passwords stay out of results") {
  FakeHost host = NetHost();
  std::vector<std::string> stdin_seen;
  bool exists = false;
  host.OnRun([&](const ProcessSpec& spec, FakeHost&) -> ProcessResult {
    std::string sql = spec.stdin_data.value_or("");
    stdin_seen.push_back(sql);
    if (sql.find("FROM pg_database") != std::string::npos) {
      return {0, exists ? R"([{"name":"mlflow","owner":"mlflow","encoding":"UTF8","lc_collate":"C.UTF-8","lc_ctype":"C.UTF-8","conn_limit":-1,"tablespace":"pg_default"}])" : "[]", ""};
    }
    if (sql.starts_with("CREATE DATABASE")) exists = true;
    if (sql.find("FROM pg_roles") != std::string::npos) return {0, "[]\n", ""};
    if (sql.find("CREATE USER") != std::string::npos)
      return {1, "", "ERROR:  syntax error\nLINE 2: CREATE USER \"u\" WITH ENCRYPTED PASSWORD 'hunter2'"};
    return {};
  });
  Json db_args{{"name", "mlflow"}, {"owner", "mlflow"}, {"encoding", "UTF-8"}};
  CheckIdempotent(Task{host, "postgresql_db", db_args});
  CHECK(stdin_seen[1] == "CREATE DATABASE \"mlflow\" OWNER \"mlflow\" ENCODING 'UTF-8';\n");
  CHECK(host.commands()[0].starts_with("psql -X -A -t -q -v ON_ERROR_STOP=1 -p 5432 -U postgres -d postgres -f -"));
  Json enc = Task{host, "postgresql_db", {{"name", "mlflow"}, {"encoding", "LATIN1"}}}.Run();
  CHECK(enc["msg"] == "Changing database encoding is not supported. Current encoding: UTF8");
  Json user = Task{host, "postgresql_user", {{"name", "u"}, {"password", "hunter2"}}}.Run();
  CHECK(user["failed"] == true);
  CHECK(user.dump().find("hunter2") == std::string::npos);
  CHECK(user["msg"].get<std::string>().find("PASSWORD '********'") != std::string::npos);
  for (const auto& c : host.commands()) CHECK(c.find("hunter2") == std::string::npos);
}

}  // namespace tend

namespace tend {

TEST_CASE("postgresql_privs decisions") {
  Json current = Json::array({Json{{"obj", "runs"}, {"grantee", "reader"}, {"priv", "SELECT"}, {"grantable", false}},
                              Json{{"obj", "runs"}, {"grantee", "PUBLIC"}, {"priv", "SELECT"}, {"grantable", true}}});
  CHECK(PrivilegesSatisfied(current, {"runs"}, {"reader"}, {"SELECT"}, true, false));
  CHECK(!PrivilegesSatisfied(current, {"runs"}, {"reader"}, {"SELECT"}, true, true));
  CHECK(PrivilegesSatisfied(current, {"runs"}, {"PUBLIC"}, {"SELECT"}, true, true));
  CHECK(!PrivilegesSatisfied(current, {"runs", "metrics"}, {"reader"}, {"SELECT"}, true, false));
  CHECK(!PrivilegesSatisfied(current, {"runs"}, {"reader"}, {"SELECT", "INSERT"}, true, false));
  CHECK(PrivilegesSatisfied(current, {"runs"}, {"writer"}, {"INSERT"}, false, false));
  CHECK(!PrivilegesSatisfied(current, {"runs"}, {"reader"}, {"SELECT"}, false, false));
}

TEST_CASE("postgresql_privs through psql: grant once, then nothing") {
  FakeHost host = MakeHost();
  bool granted = false;
  host.OnRun([&](const ProcessSpec& spec, FakeHost&) -> ProcessResult {
    std::string sql = spec.stdin_data.value_or("");
    if (sql.starts_with("GRANT")) granted = true;
    if (sql.find("aclexplode") != std::string::npos) {
      return {0, granted ? R"([{"obj":"mlflow","grantee":"mlflow","priv":"CONNECT","grantable":false},
                              {"obj":"mlflow","grantee":"mlflow","priv":"CREATE","grantable":false}])"
                         : "[]", ""};
    }
    return {};
  });
  Task task{host, "postgresql_privs", {{"database", "mlflow"}, {"type", "database"}, {"privs", "connect,create"},
                                       {"roles", "mlflow"}}};
  Json first = task.Run();
  CHECK(first["queries"] == Json::array({"GRANT CONNECT, CREATE ON DATABASE \"mlflow\" TO \"mlflow\""}));
  CHECK(first["changed"] == true);
  CHECK(task.Run()["changed"] == false);
  Json unsupported = Task{host, "postgresql_privs", {{"database", "d"}, {"type", "function"}, {"roles", "r"}}}.Run();
  CHECK(unsupported["msg"] == "type=function is not supported by the agent yet (database, schema, table, sequence)");
}

}  // namespace tend
