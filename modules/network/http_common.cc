#include "modules/network/http_common.h"

#include <fmt/format.h>

namespace tend {

Expected<HttpRequest> RequestFromArgs(ModuleContext& context, const std::string& method) {
  auto url = ParseUrl(context.Str("url"));
  if (!url) return std::unexpected(url.error());
  HttpRequest request;
  request.method = method;
  request.url = *url;
  request.user_agent = context.Str("http_agent", "ansible-httpget");
  if (context.Has("headers")) {
    for (const auto& [name, value] : context.args["headers"].items()) {
      request.headers.emplace_back(name, value.is_string() ? value.get<std::string>() : value.dump());
    }
  }
  if (context.Has("url_username")) {
    request.basic_auth = context.Str("url_username") + ":" + context.Str("url_password");
  } else if (!url->userinfo.empty()) {
    request.basic_auth = url->userinfo;
  }
  return request;
}

void AddResponseHeaders(const HttpResponse& response, Json& result) {
  for (const auto& [name, value] : response.headers) {
    std::string key;
    for (char c : name) key += c == '-' ? '_' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    // Repeated headers join with ", " as Python's HTTPMessage does.
    if (result.contains(key) && result[key].is_string() && key != "status" && key != "url") {
      result[key] = result[key].get<std::string>() + ", " + value;
    } else if (!result.contains(key)) {
      result[key] = value;
    }
  }
}

std::string StatusMessage(const HttpResponse& response) {
  if (response.status >= 400) return fmt::format("HTTP Error {}: {}", response.status, response.reason);
  auto length = response.Header("Content-Length");
  return fmt::format("{} ({} bytes)", response.reason.empty() ? "OK" : response.reason,
                     length ? *length : std::string("unknown"));
}

std::string PythonIntList(const Json& list) {
  std::string out = "[";
  for (size_t i = 0; i < list.size(); ++i) out += (i ? ", " : "") + list[i].dump();
  return out + "]";
}

}  // namespace tend
