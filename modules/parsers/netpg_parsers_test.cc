#include <doctest/doctest.h>
#include <fmt/format.h>

#include <deque>

#include "modules/host/http_client.h"
#include "modules/host/network.h"
#include "modules/parsers/netpg_parsers.h"
#include "modules/postgres/postgresql_user.h"
#include "modules/testing/test_support.h"

namespace tend {
namespace {

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

}  // namespace
}  // namespace tend
