#include <fmt/format.h>

#include <sstream>

#include "core/regex.h"
#include "modules/framework/all.h"
#include "modules/files/file_common.h"
#include "modules/parsers/netpg_parsers.h"
#include "modules/postgres/psql.h"
#include "modules/framework/text.h"
#include "core/strings.h"

namespace tend {
namespace {

// Without the trailing semicolons a statement may end with.
std::string Trimmed(std::string_view text) {
  return std::string(TrimLeft(TrimRight(text, std::string(kWhitespace) + ";"), " \t\r\n"));
}

std::vector<std::string> FirstWords(const std::string& query, size_t count) {
  std::vector<std::string> words;
  std::istringstream in(query);
  std::string word;
  while (words.size() < count && in >> word) {
    for (char& c : word) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    words.push_back(word);
  }
  return words;
}

struct Outcome {
  Json rows = Json::array();
  int64_t rowcount = 0;
  std::string status;
  bool changed = false;
};

// Runs one statement and reads back rows (json_agg) or the affected-row count.
Expected<Outcome> RunStatement(Psql& psql, const std::string& prefix, const std::string& query,
                              bool rollback) {
  auto words = FirstWords(query, 2);
  std::string verb = words.empty() ? "" : words[0];
  static const Regex kReturning = Regex::Fixed(R"(\breturning\b)", {.ignorecase = true});
  bool reads = verb == "SELECT" || verb == "VALUES" || verb == "TABLE" ||
               (verb == "WITH" && !kReturning.Contains(query));
  bool returning = !reads && kReturning.Contains(query);
  // Check mode runs inside a transaction that is rolled back, as Ansible does.
  std::string begin = (rollback ? "BEGIN;\n" : "") + prefix, end = rollback ? "ROLLBACK;\n" : "";
  Outcome outcome;
  if (reads || returning) {
    std::string sql = reads ? fmt::format("SELECT coalesce(json_agg(t), '[]'::json) FROM ({}) t;\n", query)
                            : fmt::format("WITH t AS ({}) SELECT coalesce(json_agg(t), '[]'::json) FROM t;\n", query);
    auto out = psql.Execute(begin + sql + end);
    if (!out) return std::unexpected(out.error());
    outcome.rows = Json::parse(StripTrailingNewlines(*out), nullptr, false);
    if (outcome.rows.is_discarded()) return Fail("unexpected psql output: " + psql.Redact(*out));
    outcome.rowcount = static_cast<int64_t>(outcome.rows.size());
  } else {
    auto out = psql.Execute(begin + query + ";\n\\echo :ROW_COUNT\n" + end);
    if (!out) return std::unexpected(out.error());
    outcome.rowcount = std::atoll(std::string(StripTrailingNewlines(*out)).c_str());
  }
  if (verb == "INSERT") outcome.status = fmt::format("INSERT 0 {}", outcome.rowcount);
  else if (verb == "UPDATE" || verb == "DELETE" || verb == "SELECT" || verb == "MERGE")
    outcome.status = fmt::format("{} {}", verb, outcome.rowcount);
  else if (reads) outcome.status = fmt::format("SELECT {}", outcome.rowcount);
  else if (verb == "CREATE" || verb == "DROP" || verb == "ALTER")
    outcome.status = words.size() > 1 ? verb + " " + words[1] : verb;
  else outcome.status = verb;
  bool dml = verb == "INSERT" || verb == "UPDATE" || verb == "DELETE" || verb == "MERGE";
  outcome.changed = dml ? outcome.rowcount > 0 : !reads && verb != "SHOW" && verb != "EXPLAIN";
  return outcome;
}

}  // namespace

const ModuleSpec& PostgresqlQuerySpec() {
  static const ModuleSpec spec = [] {
    ModuleSpec s{
        .name = "postgresql_query",
        .short_description = "Run PostgreSQL queries",
        .args = {{.name = "query", .type = ArgType::kRaw},
                 {.name = "db", .type = ArgType::kStr, .aliases = {"login_db"}},
                 {.name = "positional_args", .type = ArgType::kList, .elements = ArgType::kRaw},
                 {.name = "named_args", .type = ArgType::kDict},
                 {.name = "path_to_script", .type = ArgType::kPath},
                 {.name = "as_single_query", .type = ArgType::kBool, .default_value = true},
                 {.name = "autocommit", .type = ArgType::kBool, .default_value = false},
                 {.name = "encoding", .type = ArgType::kStr},
                 {.name = "search_path", .type = ArgType::kList}},
        .mutually_exclusive = {{"positional_args", "named_args"}, {"query", "path_to_script"}},
        .required_one_of = {{"query", "path_to_script"}},
        .returns = {"query", "query_list", "query_result", "query_all_results", "rowcount", "statusmessage"},
    };
    for (auto& a : PostgresConnectionArgs()) s.args.push_back(a);
    return s;
  }();
  return spec;
}

Expected<Json> RunPostgresqlQuery(ModuleContext& context) {
  if (context.check && context.Bool("autocommit"))
    return Fail("Using autocommit is mutually exclusive with check_mode");
  std::string text;
  if (context.Has("path_to_script")) {
    auto script = context.Machine().ReadFile(ExpandUser(context.Machine(), context.Str("path_to_script")));
    if (!script) return std::unexpected(script.error());
    text = *script;
  } else {
    text = context.Str("query");
  }
  auto bound = BindQueryParams(text, context.args.value("positional_args", Json()),
                               context.args.value("named_args", Json()));
  if (!bound) return std::unexpected(bound.error());
  std::string query = Trimmed(*bound);
  Psql psql(context, context.Str("db"));
  std::string prefix;
  if (context.Has("search_path")) {
    std::string path;
    for (const auto& p : context.args["search_path"]) path += (path.empty() ? "" : ", ") + QuoteIdent(p.get<std::string>());
    prefix += "SET search_path TO " + path + ";\n";
  }
  if (context.Has("encoding")) prefix += "SET client_encoding TO " + QuoteLiteral(context.Str("encoding")) + ";\n";
  auto outcome = RunStatement(psql, prefix, query, context.check);
  if (!outcome) return std::unexpected(outcome.error());
  return Json{{"changed", outcome->changed},
              {"query", query},
              {"query_list", Json::array({query})},
              {"query_result", outcome->rows},
              {"query_all_results", Json::array({outcome->rows})},
              {"rowcount", outcome->rowcount},
              {"statusmessage", outcome->status}};
}

}  // namespace tend
