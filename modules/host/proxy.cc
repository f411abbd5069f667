#include "modules/host/proxy.h"

#include <fmt/format.h>

#include "core/strings.h"

namespace tend {
namespace {

// The lower-case variable wins, even set empty (which turns the proxy off).
std::optional<std::string> ProxyVariable(const EnvLookup& env, const std::string& name) {
  if (auto lower = env(name)) return lower;
  return env(AsciiUpper(name));
}

}  // namespace

bool NoProxyMatches(std::string_view no_proxy, const Url& url) {
  if (Trim(no_proxy, " \t") == "*") return true;
  std::string host = AsciiLower(url.host);
  std::string host_port = fmt::format("{}:{}", host, url.port);
  size_t start = 0;
  while (start <= no_proxy.size()) {
    size_t comma = no_proxy.find(',', start);
    if (comma == std::string_view::npos) comma = no_proxy.size();
    std::string name = AsciiLower(TrimLeft(Trim(no_proxy.substr(start, comma - start), " \t"), "."));
    start = comma + 1;
    if (name.empty()) continue;
    for (const std::string& candidate : {host, host_port}) {
      if (candidate == name || candidate.ends_with("." + name)) return true;
    }
  }
  return false;
}

Expected<std::optional<Url>> ProxyFor(const Url& url, const EnvLookup& env) {
  auto value = ProxyVariable(env, url.scheme + "_proxy");
  if (!value || Trim(*value, " \t").empty()) return std::nullopt;
  if (auto no_proxy = ProxyVariable(env, "no_proxy"); no_proxy && NoProxyMatches(*no_proxy, url)) {
    return std::nullopt;
  }
  std::string text(Trim(*value, " \t"));
  if (text.find("://") == std::string::npos) text = "http://" + text;
  std::string scheme = AsciiLower(text.substr(0, text.find("://")));
  if (scheme != "http") {
    return Fail(fmt::format("Unsupported proxy scheme: {}. Currently tend only supports HTTP proxies.", scheme));
  }
  auto proxy = ParseUrl(text);
  if (!proxy) {
    return Fail(fmt::format("Failed to parse {}_proxy environment variable '{}': {}", url.scheme,
                            *value, proxy.error().message));
  }
  return proxy;
}

std::string ConnectRequest(const Url& target, const Url& proxy) {
  std::string authority = target.host.find(':') != std::string::npos
                              ? fmt::format("[{}]:{}", target.host, target.port)
                              : fmt::format("{}:{}", target.host, target.port);
  std::string out = fmt::format("CONNECT {} HTTP/1.1\r\nHost: {}\r\n", authority, authority);
  if (!proxy.userinfo.empty()) {
    out += fmt::format("Proxy-Authorization: Basic {}\r\n", Base64Encode(proxy.userinfo));
  }
  return out + "\r\n";
}

}  // namespace tend
