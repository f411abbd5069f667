#pragma once

// The agent's one HTTP/1.1 client, for every module that downloads (uri,
// get_url, apt_key, unarchive, deb822_repository, apt's deb=): http and
// https (TLS verified against the host's CA store) over the network seam,
// proxies from the environment (CONNECT for https), Content-Length, chunked
// and close-delimited bodies, redirects as Ansible's follow_redirects, basic
// auth. Parsing is separate from I/O so it is tested on byte strings.

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.h"
#include "core/json.h"
#include "modules/host/host.h"
#include "modules/host/network.h"
#include "modules/host/tls_stream.h"

namespace tend {

struct Url {
  std::string scheme;    // "http" or "https", lower case
  std::string userinfo;  // "user:password" before '@', if any
  std::string host;      // without brackets for IPv6
  int port = 80;
  std::string target;  // path and query, "/" at least

  std::string HostHeader() const;
  std::string ToString() const;
};

/// Parses an absolute http(s) URL.
Expected<Url> ParseUrl(std::string_view text);
/// Resolves a Location header against the URL it came from.
Expected<Url> ResolveReference(const Url& base, std::string_view location);

using Headers = std::vector<std::pair<std::string, std::string>>;

struct HttpResponse {
  int status = 0;
  std::string reason;
  Headers headers;  // names as sent
  std::string body;  // kept only when the parser has no body sink

  /// The first header with this name (case-insensitive).
  std::optional<std::string> Header(std::string_view name) const;
};

/// Incremental response parser: feed bytes as they arrive.
class ResponseParser {
 public:
  using BodySink = std::function<Expected<void>(std::string_view)>;
  /// `head_request`: the response has no body whatever its headers say.
  explicit ResponseParser(bool head_request = false, BodySink sink = nullptr);

  Expected<void> Feed(std::string_view data);
  /// The peer closed the connection: fine for a close-delimited body,
  /// an error when the response was cut short.
  Expected<void> FinishAtEof();
  bool done() const { return state_ == State::kDone; }
  HttpResponse& response() { return response_; }
  uint64_t body_bytes() const { return body_bytes_; }

 private:
  enum class State { kHead, kLength, kChunkSize, kChunkData, kChunkEnd, kTrailers, kUntilClose,
                     kDone };
  Expected<void> ParseHead(std::string_view head);
  Expected<void> Body(std::string_view data);
  Expected<bool> Step();

  bool head_request_;
  BodySink sink_;
  State state_ = State::kHead;
  std::string buffer_;
  uint64_t remaining_ = 0;
  uint64_t body_bytes_ = 0;
  HttpResponse response_;
};

struct HttpRequest {
  std::string method = "GET";
  Url url;
  Headers headers;  // user headers; Host, Content-Length etc. are added
  std::string body;
  std::optional<std::string> basic_auth;  // "user:password"
  std::string user_agent = "ansible-httpget";
};

/// The bytes of a request on the wire; through a `proxy` (plain http) the
/// target is the absolute URL and the proxy's credentials go along.
std::string SerializeRequest(const HttpRequest& request, const Url* proxy = nullptr);

std::string Base64Encode(std::string_view data);

/// `s` with ASCII letters in lower (upper) case: header and host names.
std::string AsciiLower(std::string_view s);
std::string AsciiUpper(std::string_view s);

struct FetchOptions {
  int timeout_seconds = 30;
  /// Ansible's follow_redirects: all/yes, safe (GET/HEAD only), urllib2
  /// (Python's own rules), none/no.
  std::string follow_redirects = "safe";
  int max_redirects = 10;
  ResponseParser::BodySink sink = nullptr;
  /// Ansible's use_proxy: false ignores the *_proxy variables.
  bool use_proxy = true;
  /// Send the request's credentials at once; otherwise only in answer to a
  /// 401 that asks for Basic auth, as urllib's handler does.
  bool force_basic_auth = false;
  TlsOptions tls{};
};

struct FetchResult {
  HttpResponse response;
  std::string url;  // the final URL after redirects
  bool redirected = false;
  uint64_t body_bytes = 0;
};

/// Sends a request and reads the response, following redirects as asked.
/// Fails for unresolvable names, refused connections, timeouts, proxies that
/// refuse a tunnel and certificates that do not verify, with messages worded
/// as Ansible's ("Request failed: <urlopen error ...>").
Expected<FetchResult> Fetch(Host& host, Network& network, HttpRequest request,
                            const FetchOptions& options);

/// Percent-encodes for application/x-www-form-urlencoded.
std::string FormUrlEncode(const Json& fields);

}  // namespace tend
