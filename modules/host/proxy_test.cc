#include <doctest/doctest.h>

#include <map>

#include "modules/host/proxy.h"
#include "modules/host/tls_stream.h"

#include <mbedtls/x509.h>

namespace tend {
namespace {

EnvLookup Env(std::map<std::string, std::string> vars) {
  return [vars](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

std::string ProxyText(const std::string& url, const std::map<std::string, std::string>& vars) {
  auto proxy = ProxyFor(*ParseUrl(url), Env(vars));
  if (!proxy) return "error: " + proxy.error().message;
  return *proxy ? (*proxy)->ToString() : "direct";
}

TEST_CASE("proxies from the environment, as urllib reads them") {
  struct Case {
    std::string url;
    std::map<std::string, std::string> env;
    std::string expected;
  };
  std::vector<Case> cases{
      {"https://repo.example.com/k", {}, "direct"},
      {"https://repo.example.com/k", {{"https_proxy", "http://127.0.0.9:3128"}}, "http://127.0.0.9:3128/"},
      {"https://repo.example.com/k", {{"HTTPS_PROXY", "127.0.0.9:3128"}}, "http://127.0.0.9:3128/"},
      // http_proxy is for http URLs only.
      {"https://repo.example.com/k", {{"http_proxy", "http://p:1"}}, "direct"},
      {"http://repo.example.com/k", {{"http_proxy", "http://p:1"}}, "http://p:1/"},
      // Lower case wins, even set empty.
      {"https://r/", {{"https_proxy", "http://lower:1"}, {"HTTPS_PROXY", "http://upper:1"}}, "http://lower:1/"},
      {"https://r/", {{"https_proxy", ""}, {"HTTPS_PROXY", "http://upper:1"}}, "direct"},
      // no_proxy: host suffixes with or without a leading dot, host:port, '*'.
      {"https://repo.example.com/", {{"https_proxy", "http://p:1"}, {"no_proxy", "localhost, .example.com"}}, "direct"},
      {"https://example.com/", {{"https_proxy", "http://p:1"}, {"no_proxy", "example.com"}}, "direct"},
      {"https://notexample.com/", {{"https_proxy", "http://p:1"}, {"no_proxy", "example.com"}}, "http://p:1/"},
      {"https://h:8443/", {{"https_proxy", "http://p:1"}, {"NO_PROXY", "h:8443"}}, "direct"},
      {"https://h/", {{"https_proxy", "http://p:1"}, {"NO_PROXY", "h:8443"}}, "http://p:1/"},
      {"https://anything/", {{"https_proxy", "http://p:1"}, {"no_proxy", "*"}}, "direct"},
      {"https://r/", {{"https_proxy", "socks5://p:1"}},
       "error: Unsupported proxy scheme: socks5. Currently tend only supports HTTP proxies."},
  };
  for (const auto& c : cases) {
    CAPTURE(c.url);
    CHECK(ProxyText(c.url, c.env) == c.expected);
  }
}

TEST_CASE("CONNECT request text, with the proxy's credentials") {
  CHECK(ConnectRequest(*ParseUrl("https://repo.example.com/key"), *ParseUrl("http://127.0.0.9:3128")) ==
        "CONNECT repo.example.com:443 HTTP/1.1\r\nHost: repo.example.com:443\r\n\r\n");
  CHECK(ConnectRequest(*ParseUrl("https://[::1]:8443/"), *ParseUrl("http://bob:pw@p:3128")) ==
        "CONNECT [::1]:8443 HTTP/1.1\r\nHost: [::1]:8443\r\nProxy-Authorization: Basic Ym9iOnB3\r\n\r\n");
}

TEST_CASE("certificate failures read as Python's ssl words them, naming the server") {
  struct Case {
    uint32_t flags;
    ChainEnd chain;
    std::string reason;
  };
  std::vector<Case> cases{
      {MBEDTLS_X509_BADCERT_NOT_TRUSTED, ChainEnd::kSelfSignedInChain,
       "self-signed certificate in certificate chain"},
      {MBEDTLS_X509_BADCERT_NOT_TRUSTED, ChainEnd::kIssuerMissing, "unable to get local issuer certificate"},
      {MBEDTLS_X509_BADCERT_NOT_TRUSTED | MBEDTLS_X509_BADCERT_CN_MISMATCH, ChainEnd::kSelfSignedLeaf,
       "self-signed certificate"},
      {MBEDTLS_X509_BADCERT_CN_MISMATCH, ChainEnd::kIssuerMissing,
       "Hostname mismatch, certificate is not valid for 'repo.example.com'."},
      {MBEDTLS_X509_BADCERT_EXPIRED, ChainEnd::kIssuerMissing, "certificate has expired"},
  };
  for (const auto& c : cases) {
    CHECK(VerifyFailureText(c.flags, c.chain, "repo.example.com", 443) ==
          "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: " + c.reason +
              " (repo.example.com:443)");
  }
}

}  // namespace
}  // namespace tend
