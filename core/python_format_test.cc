#include "core/python_format.h"

#include <doctest/doctest.h>

#include <limits>
#include <string>
#include <vector>

namespace tend {
namespace {

using namespace std::string_literals;

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNan = std::numeric_limits<double>::quiet_NaN();

}  // namespace

// Every expected string below is what python3 (3.11) prints. Before there was one
// formatter, the inventory printed 1e15 as "1e+15" and 1e-05 as "1e-05" through
// nlohmann's dump while the template engine printed "1000000000000000.0"; the
// reporter's repr() left "\r" and control characters unescaped; to_json escaped DEL
// even with ensure_ascii=False.
TEST_CASE("floats print as Python's repr() and json.dumps() print them") {
  struct Case {
    double value;
    std::string repr;
    std::string json;
  };
  const std::vector<Case> cases = {
      {0.0, "0.0"s, "0.0"s},
      {-0.0, "-0.0"s, "-0.0"s},
      {1.0, "1.0"s, "1.0"s},
      {-1.5, "-1.5"s, "-1.5"s},
      {0.1, "0.1"s, "0.1"s},
      {100.0, "100.0"s, "100.0"s},
      {2.5, "2.5"s, "2.5"s},
      {0.30000000000000004, "0.30000000000000004"s, "0.30000000000000004"s},
      {1000000000000000.0, "1000000000000000.0"s, "1000000000000000.0"s},
      {1e+16, "1e+16"s, "1e+16"s},
      {1.5e+16, "1.5e+16"s, "1.5e+16"s},
      {123456789012345.6, "123456789012345.6"s, "123456789012345.6"s},
      {1234567890123456.8, "1234567890123456.8"s, "1234567890123456.8"s},
      {9007199254740992.0, "9007199254740992.0"s, "9007199254740992.0"s},
      {0.0001, "0.0001"s, "0.0001"s},
      {1e-05, "1e-05"s, "1e-05"s},
      {1.5e-07, "1.5e-07"s, "1.5e-07"s},
      {1e+22, "1e+22"s, "1e+22"s},
      {1e+100, "1e+100"s, "1e+100"s},
      {5e-324, "5e-324"s, "5e-324"s},
      {1.7976931348623157e+308, "1.7976931348623157e+308"s, "1.7976931348623157e+308"s},
      {kInf, "inf"s, "Infinity"s},
      {-kInf, "-inf"s, "-Infinity"s},
      {kNan, "nan"s, "NaN"s},
  };
  for (const auto& c : cases) {
    CAPTURE(c.repr);
    CHECK(PythonFloatRepr(c.value) == c.repr);
    CHECK(PythonRepr(Json(c.value)) == c.repr);
    CHECK(PythonJsonDumps(Json(c.value)) == c.json);
  }
}

TEST_CASE("strings print as Python's repr() and json.dumps() print them") {
  struct Case {
    std::string value;
    std::string repr;
    std::string json;       // ensure_ascii=True, Python's default
    std::string json_utf8;  // ensure_ascii=False
  };
  const std::vector<Case> cases = {
      {"plain"s, "'plain'"s, "\"plain\""s, "\"plain\""s},
      {"it's"s, "\"it's\""s, "\"it's\""s, "\"it's\""s},
      {"say \"hi\""s, "'say \"hi\"'"s, "\"say \\\"hi\\\"\""s, "\"say \\\"hi\\\"\""s},
      {"both ' and \""s, "'both \\' and \"'"s, "\"both ' and \\\"\""s, "\"both ' and \\\"\""s},
      {"back\\slash"s, "'back\\\\slash'"s, "\"back\\\\slash\""s, "\"back\\\\slash\""s},
      {"tab\tnew\nret\r"s, "'tab\\tnew\\nret\\r'"s, "\"tab\\tnew\\nret\\r\""s, "\"tab\\tnew\\nret\\r\""s},
      {"bell\x07"" del\x7f"s, "'bell\\x07 del\\x7f'"s, "\"bell\\u0007 del\\u007f\""s, "\"bell\\u0007 del\x7f""\""s},
      {"café"s, "'café'"s, "\"caf\\u00e9\""s, "\"café\""s},
      {"nbsp\xc2""\xa0"" c1\xc2""\x85"s, "'nbsp\\xa0 c1\\x85'"s, "\"nbsp\\u00a0 c1\\u0085\""s, "\"nbsp\xc2""\xa0"" c1\xc2""\x85""\""s},
      {"zero\xe2""\x80""\x8b""width"s, "'zero\\u200bwidth'"s, "\"zero\\u200bwidth\""s, "\"zero\xe2""\x80""\x8b""width\""s},
      {"\xe2""\x80""\xa8"s, "'\\u2028'"s, "\"\\u2028\""s, "\"\xe2""\x80""\xa8""\""s},
      {"emoji 😀"s, "'emoji 😀'"s, "\"emoji \\ud83d\\ude00\""s, "\"emoji 😀\""s},
      {"pua \xf3""\xb0""\x80""\x80"s, "'pua \\U000f0000'"s, "\"pua \\udb80\\udc00\""s, "\"pua \xf3""\xb0""\x80""\x80""\""s},
      {"snow☃"s, "'snow☃'"s, "\"snow\\u2603\""s, "\"snow☃\""s},
      {"\x00""\x1f""\x08""\x0c"s, "'\\x00\\x1f\\x08\\x0c'"s, "\"\\u0000\\u001f\\b\\f\""s, "\"\\u0000\\u001f\\b\\f\""s},
      {"bad \xff"" byte"s, "'bad \\udcff byte'"s, "\"bad \\udcff byte\""s, "\"bad \xff"" byte\""s},
  };
  for (const auto& c : cases) {
    CAPTURE(c.repr);
    CHECK(PythonRepr(Json(c.value)) == c.repr);
    CHECK(PythonStr(Json(c.value)) == c.value);
    CHECK(PythonJsonDumps(Json(c.value)) == c.json);
    CHECK(PythonJsonDumps(Json(c.value), {.ensure_ascii = false}) == c.json_utf8);
  }
}

TEST_CASE("containers print as Python's repr(), str() and json.dumps() print them") {
  const Json value = Json::parse("{\"b\": 1, \"a\": [1, 2.0, true, null, \"x'\"], \"c\": {}, \"é\": [], \"n\": -9223372036854775808, \"u\": 18446744073709551615}"s);
  CHECK(PythonRepr(value) == "{'b': 1, 'a': [1, 2.0, True, None, \"x'\"], 'c': {}, 'é': [], 'n': -9223372036854775808, 'u': 18446744073709551615}"s);
  CHECK(PythonStr(value) == "{'b': 1, 'a': [1, 2.0, True, None, \"x'\"], 'c': {}, 'é': [], 'n': -9223372036854775808, 'u': 18446744073709551615}"s);
  struct Case {
    const char* call;
    JsonDumpsOptions options;
    std::string expected;
  };
  const std::vector<Case> cases = {
      {"json.dumps(v)", {}, "{\"b\": 1, \"a\": [1, 2.0, true, null, \"x'\"], \"c\": {}, \"\\u00e9\": [], \"n\": -9223372036854775808, \"u\": 18446744073709551615}"s},
      {"json.dumps(v, sort_keys=True)", {.sort_keys = true}, "{\"a\": [1, 2.0, true, null, \"x'\"], \"b\": 1, \"c\": {}, \"n\": -9223372036854775808, \"u\": 18446744073709551615, \"\\u00e9\": []}"s},
      {"json.dumps(v, indent=4, sort_keys=True, ensure_ascii=False)",
       {.indent = 4, .sort_keys = true, .ensure_ascii = false},
       "{\n    \"a\": [\n        1,\n        2.0,\n        true,\n        null,\n        \"x'\"\n    ],\n    \"b\": 1,\n    \"c\": {},\n    \"n\": -9223372036854775808,\n    \"u\": 18446744073709551615,\n    \"é\": []\n}"s},
      {"json.dumps(v, indent=0)", {.indent = 0}, "{\n\"b\": 1,\n\"a\": [\n1,\n2.0,\ntrue,\nnull,\n\"x'\"\n],\n\"c\": {},\n\"\\u00e9\": [],\n\"n\": -9223372036854775808,\n\"u\": 18446744073709551615\n}"s},
      {"json.dumps(v, separators=(',', ':'))", {.item_separator = ",", .key_separator = ":"}, "{\"b\":1,\"a\":[1,2.0,true,null,\"x'\"],\"c\":{},\"\\u00e9\":[],\"n\":-9223372036854775808,\"u\":18446744073709551615}"s},
      {"json.dumps(v, indent=2, separators=(', ', ': '))", {.indent = 2, .item_separator = ", "}, "{\n  \"b\": 1, \n  \"a\": [\n    1, \n    2.0, \n    true, \n    null, \n    \"x'\"\n  ], \n  \"c\": {}, \n  \"\\u00e9\": [], \n  \"n\": -9223372036854775808, \n  \"u\": 18446744073709551615\n}"s},
  };
  for (const auto& c : cases) {
    CAPTURE(c.call);
    CHECK(PythonJsonDumps(value, c.options) == c.expected);
  }
}

}  // namespace tend
