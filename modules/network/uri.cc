#include <fmt/format.h>

#include "modules/framework/all.h"
#include "modules/files/file_common.h"
#include "modules/network/http_common.h"
#include "modules/framework/text.h"

namespace tend {
namespace {

// The request body from body + body_format, and the Content-Type it implies.
Expected<void> SetBody(ModuleContext& context, HttpRequest& request) {
  if (!context.Has("body")) return {};
  const Json& body = context.args["body"];
  std::string format = context.Str("body_format", "raw");
  std::string content_type;
  if (format == "json") {
    request.body = body.is_string() ? body.get<std::string>() : body.dump();
    content_type = "application/json";
  } else if (format == "form-urlencoded") {
    if (body.is_string()) {
      request.body = body.get<std::string>();
    } else {
      request.body = FormUrlEncode(body);
    }
    content_type = "application/x-www-form-urlencoded";
  } else if (format == "form-multipart") {
    return Fail("body_format=form-multipart is not supported by the agent yet");
  } else {
    request.body = body.is_string() ? body.get<std::string>() : body.dump();
  }
  bool has_type = std::any_of(request.headers.begin(), request.headers.end(), [](const auto& h) {
    std::string n = h.first;
    for (char& c : n) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return n == "content-type";
  });
  if (!content_type.empty() && !has_type) request.headers.emplace_back("Content-Type", content_type);
  return {};
}

// creates/removes: Ansible skips the request before making it.
std::optional<Json> SkipFor(ModuleContext& context) {
  Host& host = context.Machine();
  if (context.Has("creates")) {
    auto info = host.Stat(ExpandUser(host, context.Str("creates")));
    if (info && info->exists())
      return Json{{"changed", false}, {"msg", fmt::format("skipped, since '{}' exists", context.Str("creates"))}};
  }
  if (context.Has("removes")) {
    auto info = host.Stat(ExpandUser(host, context.Str("removes")));
    if (info && !info->exists())
      return Json{{"changed", false},
                  {"msg", fmt::format("skipped, since '{}' does not exist", context.Str("removes"))}};
  }
  return std::nullopt;
}

bool LooksJson(const HttpResponse& response) {
  auto type = response.Header("Content-Type");
  if (!type) return false;
  std::string t = type->substr(0, type->find(';'));
  for (char& c : t) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return t == "application/json" || t.ends_with("+json") || t == "text/json";
}

// Writes the body to dest when it differs; returns whether it changed.
Expected<bool> WriteDest(ModuleContext& context, const std::string& url_path, const std::string& body) {
  Host& host = context.Machine();
  std::string dest = ExpandUser(host, context.Str("dest"));
  auto info = host.Stat(dest);
  if (!info) return std::unexpected(info.error());
  if (info->kind == FileKind::kDirectory) {
    std::string name = BaseName(url_path.substr(0, url_path.find('?')));
    dest = JoinPath(dest, name.empty() ? "index.html" : name);
    info = host.Stat(dest);
    if (!info) return std::unexpected(info.error());
  }
  bool same = info->exists() && host.ReadFile(dest).value_or("") == body;
  if (!same) {
    auto attrs = RequestedAttrs(context, info->exists() ? info->mode : 0644, false);
    if (!attrs) return std::unexpected(attrs.error());
    if (auto wrote = host.WriteFileAtomic(dest, StringSource(body), *attrs); !wrote)
      return std::unexpected(wrote.error());
  }
  auto now = host.Stat(dest);
  auto attrs_changed = ApplyFileAttributes(context, dest, now ? *now : FileInfo{});
  if (!attrs_changed) return std::unexpected(attrs_changed.error());
  return !same || *attrs_changed;
}

}  // namespace

const ModuleSpec& UriSpec() {
  static const ModuleSpec spec = [] {
    ModuleSpec s{
        .name = "uri",
        .short_description = "Interacts with webservices",
        .args = {{.name = "url", .type = ArgType::kStr, .required = true},
                 {.name = "dest", .type = ArgType::kPath},
                 {.name = "url_username", .type = ArgType::kStr, .aliases = {"user"}},
                 {.name = "url_password", .type = ArgType::kStr, .aliases = {"password"}, .no_log = true},
                 {.name = "body", .type = ArgType::kRaw},
                 {.name = "body_format",
                  .type = ArgType::kStr,
                  .default_value = "raw",
                  .choices = {"form-urlencoded", "json", "raw", "form-multipart"}},
                 {.name = "method", .type = ArgType::kStr, .default_value = "GET"},
                 {.name = "return_content", .type = ArgType::kBool, .default_value = false},
                 {.name = "force_basic_auth", .type = ArgType::kBool, .default_value = false},
                 {.name = "follow_redirects",
                  .type = ArgType::kStr,
                  .default_value = "safe",
                  .choices = {"all", "no", "none", "safe", "urllib2", "yes"}},
                 {.name = "creates", .type = ArgType::kPath},
                 {.name = "removes", .type = ArgType::kPath},
                 {.name = "status_code",
                  .type = ArgType::kList,
                  .default_value = Json::array({200}),
                  .elements = ArgType::kInt},
                 {.name = "timeout", .type = ArgType::kInt, .default_value = 30},
                 {.name = "headers", .type = ArgType::kDict, .default_value = Json::object()},
                 {.name = "validate_certs", .type = ArgType::kBool, .default_value = true},
                 {.name = "use_proxy", .type = ArgType::kBool, .default_value = true},
                 {.name = "http_agent", .type = ArgType::kStr, .default_value = "ansible-httpget"},
                 {.name = "unix_socket", .type = ArgType::kPath},
                 {.name = "force", .type = ArgType::kBool, .default_value = false},
                 {.name = "decompress", .type = ArgType::kBool, .default_value = true},
                 {.name = "src", .type = ArgType::kPath},
                 {.name = "remote_src", .type = ArgType::kBool, .default_value = false},
                 {.name = "use_gssapi", .type = ArgType::kBool, .default_value = false},
                 {.name = "use_netrc", .type = ArgType::kBool, .default_value = true},
                 {.name = "ca_path", .type = ArgType::kPath},
                 {.name = "client_cert", .type = ArgType::kPath},
                 {.name = "client_key", .type = ArgType::kPath},
                 {.name = "unredirected_headers", .type = ArgType::kList, .default_value = Json::array()},
                 {.name = "ciphers", .type = ArgType::kList}},
        .mutually_exclusive = {{"body", "src"}},
        .supports_check_mode = false,
        .returns = {"content", "cookies", "cookies_string", "elapsed", "msg", "path", "redirected",
                    "status", "url", "json"},
    };
    for (auto& a : FileAttributeArgs()) s.args.push_back(a);
    return s;
  }();
  return spec;
}

Expected<Json> RunUri(ModuleContext& context) {
  Host& host = context.Machine();
  if (auto skip = SkipFor(context)) return *skip;
  if (context.Has("unix_socket")) return Fail("unix_socket is not supported by the agent's uri yet");
  if (context.Has("src")) return Fail("src is not supported by the agent's uri yet; use body");
  std::string method = context.Str("method", "GET");
  for (char& c : method) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  auto request = RequestFromArgs(context, method);
  if (!request) return std::unexpected(request.error());
  if (auto body = SetBody(context, *request); !body) return std::unexpected(body.error());
  int64_t start = host.NowMicros();
  FetchOptions options = OptionsFromArgs(context, 30);
  options.follow_redirects = context.Str("follow_redirects", "safe");
  auto network = context.Net();
  if (!network) return std::unexpected(network.error());
  auto fetched = Fetch(host, **network, *request, options);
  Json status_codes = context.args["status_code"];
  Json result{{"changed", false}, {"url", context.Str("url")}, {"redirected", false}, {"cookies", Json::object()},
              {"cookies_string", ""}};
  if (!fetched) {
    result["status"] = -1;
    result["elapsed"] = (host.NowMicros() - start) / 1000000;
    result["failed"] = true;
    result["msg"] = fmt::format("Status code was -1 and not {}: {}", PythonIntList(status_codes),
                                fetched.error().message);
    return result;
  }
  const HttpResponse& response = fetched->response;
  AddResponseHeaders(response, result);
  result["url"] = fetched->url;
  result["status"] = response.status;
  result["redirected"] = fetched->redirected;
  result["elapsed"] = (host.NowMicros() - start) / 1000000;
  result["msg"] = StatusMessage(response);
  if (LooksJson(response)) {
    Json parsed = Json::parse(response.body, nullptr, false);
    if (!parsed.is_discarded()) result["json"] = parsed;
  }
  if (context.Bool("return_content")) result["content"] = response.body;
  bool accepted = std::any_of(status_codes.begin(), status_codes.end(),
                              [&](const Json& code) { return code.get<int>() == response.status; });
  if (!accepted) {
    result["failed"] = true;
    result["msg"] = fmt::format("Status code was {} and not {}: {}", response.status,
                                PythonIntList(status_codes), StatusMessage(response));
    return result;
  }
  if (context.Has("dest") && response.status / 100 == 2) {
    auto wrote = WriteDest(context, request->url.target, response.body);
    if (!wrote) return std::unexpected(wrote.error());
    result["changed"] = *wrote;
    result["path"] = context.Str("dest");
  }
  return result;
}

}  // namespace tend
