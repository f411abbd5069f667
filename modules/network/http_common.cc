#include "modules/network/http_common.h"

#include <fmt/format.h>

#include "modules/framework/text.h"

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

FetchOptions OptionsFromArgs(const ModuleContext& context, int default_timeout_seconds) {
  FetchOptions options;
  options.timeout_seconds = static_cast<int>(context.Int("timeout", default_timeout_seconds));
  options.use_proxy = context.Bool("use_proxy", true);
  options.force_basic_auth = context.Bool("force_basic_auth", false);
  options.tls.validate_certs = context.Bool("validate_certs", true);
  options.tls.ca_path = context.Str("ca_path");
  options.tls.client_cert = context.Str("client_cert");
  options.tls.client_key = context.Str("client_key");
  return options;
}

Expected<std::string> DownloadText(ModuleContext& context, const std::string& url) {
  auto parsed = ParseUrl(url);
  if (!parsed) return std::unexpected(parsed.error());
  auto network = context.Net();
  if (!network) return std::unexpected(network.error());
  HttpRequest request;
  request.url = *parsed;
  FetchOptions options = OptionsFromArgs(context, 10);
  options.follow_redirects = "urllib2";
  auto fetched = Fetch(context.Machine(), **network, request, options);
  if (!fetched) return std::unexpected(fetched.error());
  if (fetched->response.status != 200) return Fail(StatusMessage(fetched->response));
  return std::move(fetched->response.body);
}

Expected<FetchResult> DownloadToFile(ModuleContext& context, const HttpRequest& request,
                                     FetchOptions options, const std::string& path) {
  Host& host = context.Machine();
  auto network = context.Net();
  if (!network) return std::unexpected(network.error());
  FetchResult result;
  ContentSource source = [&](const std::function<Expected<void>(std::string_view)>& emit) -> Expected<void> {
    options.sink = emit;
    auto fetched = Fetch(host, **network, request, options);
    if (!fetched) return std::unexpected(fetched.error());
    result = std::move(*fetched);
    // Anything but 200 must not become the file: failing here drops it.
    if (result.response.status != 200) return Fail("not 200");
    return {};
  };
  auto wrote = host.WriteFileAtomic(path, source, FileAttrs{.mode = 0600});
  int status = result.response.status;
  if (!wrote && (status == 0 || status == 200)) return std::unexpected(wrote.error());
  return result;
}

std::string UrlFileName(const Url& url) { return BaseName(url.target.substr(0, url.target.find('?'))); }

Expected<std::string> FetchFile(ModuleContext& context, const std::string& url, const std::string& prefix) {
  auto parsed = ParseUrl(url);
  if (!parsed) return Fail(fmt::format("Failure downloading {}, {}", url, parsed.error().message));
  std::string path = prefix + UrlFileName(*parsed);
  FetchOptions options = OptionsFromArgs(context, 10);
  options.follow_redirects = "urllib2";
  HttpRequest request;
  request.url = *parsed;
  auto fetched = DownloadToFile(context, request, options, path);
  if (!fetched) return Fail(fmt::format("Failure downloading {}, {}", url, fetched.error().message));
  if (fetched->response.status != 200)
    return Fail(fmt::format("Failure downloading {}, {}", url, StatusMessage(fetched->response)));
  return path;
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
