#include "modules/host/http_client.h"

#include "core/strings.h"
#include "modules/host/proxy.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <utility>

namespace tend {
namespace {

// Header whitespace; a line's trailing \r is dropped with it.
std::string_view TrimHeaderSpace(std::string_view s) {
  return TrimLeft(TrimRight(s, " \t\r"), " \t");
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) { return AsciiLower(a) == AsciiLower(b); }

bool IsRedirect(int status) {
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

}  // namespace

std::string AsciiLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string AsciiUpper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

std::string Url::HostHeader() const {
  std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  int default_port = scheme == "https" ? 443 : 80;
  return port == default_port ? h : fmt::format("{}:{}", h, port);
}

std::string Url::ToString() const { return fmt::format("{}://{}{}", scheme, HostHeader(), target); }

Expected<Url> ParseUrl(std::string_view text) {
  size_t colon = text.find("://");
  if (colon == std::string_view::npos) {
    return Fail(fmt::format("'{}' is not an absolute URL (scheme://host/path)", text));
  }
  Url url;
  url.scheme = AsciiLower(text.substr(0, colon));
  if (url.scheme != "http" && url.scheme != "https") {
    return Fail(fmt::format("unsupported URL scheme '{}' in '{}'", url.scheme, text));
  }
  url.port = url.scheme == "https" ? 443 : 80;
  std::string_view rest = text.substr(colon + 3);
  size_t slash = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, slash);
  url.target = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
  if (size_t hash = url.target.find('#'); hash != std::string::npos) url.target.resize(hash);
  if (url.target.empty() || url.target.front() != '/') url.target.insert(0, "/");
  if (size_t at = authority.rfind('@'); at != std::string_view::npos) {
    url.userinfo = std::string(authority.substr(0, at));
    authority.remove_prefix(at + 1);
  }
  std::string_view port_text;
  if (authority.starts_with('[')) {
    size_t close = authority.find(']');
    if (close == std::string_view::npos) return Fail(fmt::format("bad IPv6 host in '{}'", text));
    url.host = std::string(authority.substr(1, close - 1));
    if (close + 1 < authority.size() && authority[close + 1] == ':')
      port_text = authority.substr(close + 2);
  } else if (size_t c = authority.rfind(':'); c != std::string_view::npos) {
    url.host = std::string(authority.substr(0, c));
    port_text = authority.substr(c + 1);
  } else {
    url.host = std::string(authority);
  }
  if (url.host.empty()) return Fail(fmt::format("no host in URL '{}'", text));
  if (!port_text.empty()) {
    auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), url.port);
    if (ec != std::errc() || end != port_text.data() + port_text.size() || url.port <= 0 ||
        url.port > 65535) {
      return Fail(fmt::format("bad port '{}' in URL '{}'", port_text, text));
    }
  }
  return url;
}

Expected<Url> ResolveReference(const Url& base, std::string_view location) {
  if (location.find("://") != std::string_view::npos) return ParseUrl(location);
  Url url = base;
  if (location.starts_with("//")) return ParseUrl(base.scheme + ":" + std::string(location));
  if (location.starts_with('/')) {
    url.target = std::string(location);
  } else {
    std::string dir = base.target.substr(0, base.target.find('?'));
    dir = dir.substr(0, dir.rfind('/') + 1);
    url.target = dir + std::string(location);
  }
  return url;
}

std::optional<std::string> HttpResponse::Header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (EqualsIgnoreCase(key, name)) return value;
  }
  return std::nullopt;
}

ResponseParser::ResponseParser(bool head_request, BodySink sink)
    : head_request_(head_request), sink_(std::move(sink)) {}

Expected<void> ResponseParser::Body(std::string_view data) {
  body_bytes_ += data.size();
  if (sink_) return sink_(data);
  response_.body.append(data);
  return {};
}

Expected<void> ResponseParser::ParseHead(std::string_view head) {
  size_t eol = head.find("\r\n");
  std::string_view status_line = head.substr(0, eol);
  if (!status_line.starts_with("HTTP/") || status_line.size() < 12) {
    return Fail(fmt::format("malformed HTTP status line '{}'", status_line));
  }
  auto [end, ec] = std::from_chars(status_line.data() + 9, status_line.data() + 12, response_.status);
  if (ec != std::errc()) return Fail(fmt::format("malformed HTTP status line '{}'", status_line));
  response_.reason = std::string(TrimHeaderSpace(status_line.substr(12)));
  response_.headers.clear();
  std::string_view rest = eol == std::string_view::npos ? "" : head.substr(eol + 2);
  while (!rest.empty()) {
    size_t next = rest.find("\r\n");
    std::string_view line = rest.substr(0, next);
    rest = next == std::string_view::npos ? "" : rest.substr(next + 2);
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    response_.headers.emplace_back(std::string(TrimHeaderSpace(line.substr(0, colon))),
                                   std::string(TrimHeaderSpace(line.substr(colon + 1))));
  }
  if (response_.status / 100 == 1) return {};  // 100 Continue and friends: a final head follows
  auto encoding = response_.Header("Transfer-Encoding");
  auto length = response_.Header("Content-Length");
  if (head_request_ || response_.status == 204 || response_.status == 304) {
    state_ = State::kDone;
  } else if (encoding && AsciiLower(*encoding).find("chunked") != std::string::npos) {
    state_ = State::kChunkSize;
  } else if (length) {
    auto [e, err] = std::from_chars(length->data(), length->data() + length->size(), remaining_);
    if (err != std::errc()) return Fail(fmt::format("bad Content-Length '{}'", *length));
    state_ = remaining_ == 0 ? State::kDone : State::kLength;
  } else {
    state_ = State::kUntilClose;
  }
  return {};
}

// One parsing step over buffer_; false when more bytes are needed.
Expected<bool> ResponseParser::Step() {
  switch (state_) {
    case State::kHead: {
      size_t end = buffer_.find("\r\n\r\n");
      if (end == std::string::npos) return false;
      std::string head = buffer_.substr(0, end);
      buffer_.erase(0, end + 4);
      if (auto parsed = ParseHead(head); !parsed) return std::unexpected(parsed.error());
      return true;
    }
    case State::kLength:
    case State::kChunkData: {
      if (buffer_.empty()) return false;
      size_t take = static_cast<size_t>(std::min<uint64_t>(remaining_, buffer_.size()));
      if (auto sent = Body(std::string_view(buffer_).substr(0, take)); !sent)
        return std::unexpected(sent.error());
      buffer_.erase(0, take);
      remaining_ -= take;
      if (remaining_ == 0) state_ = state_ == State::kLength ? State::kDone : State::kChunkEnd;
      return true;
    }
    case State::kChunkSize: {
      size_t eol = buffer_.find("\r\n");
      if (eol == std::string::npos) return false;
      std::string_view line = TrimHeaderSpace(std::string_view(buffer_).substr(0, eol));
      line = line.substr(0, line.find(';'));  // chunk extensions
      auto [e, err] = std::from_chars(line.data(), line.data() + line.size(), remaining_, 16);
      if (err != std::errc() || line.empty())
        return Fail(fmt::format("bad chunk size '{}' in chunked response", line));
      buffer_.erase(0, eol + 2);
      state_ = remaining_ == 0 ? State::kTrailers : State::kChunkData;
      return true;
    }
    case State::kChunkEnd:
      if (buffer_.size() < 2) return false;
      if (!buffer_.starts_with("\r\n")) return Fail("chunk data not followed by CRLF");
      buffer_.erase(0, 2);
      state_ = State::kChunkSize;
      return true;
    case State::kTrailers: {
      size_t eol = buffer_.find("\r\n");
      if (eol == std::string::npos) return false;
      buffer_.erase(0, eol + 2);
      if (eol == 0) state_ = State::kDone;
      return true;
    }
    case State::kUntilClose:
      if (buffer_.empty()) return false;
      if (auto sent = Body(buffer_); !sent) return std::unexpected(sent.error());
      buffer_.clear();
      return true;
    case State::kDone:
      return false;
  }
  return false;
}

Expected<void> ResponseParser::Feed(std::string_view data) {
  buffer_.append(data);
  while (true) {
    auto progressed = Step();
    if (!progressed) return std::unexpected(progressed.error());
    if (!*progressed) return {};
  }
}

Expected<void> ResponseParser::FinishAtEof() {
  if (state_ == State::kUntilClose) state_ = State::kDone;
  if (state_ == State::kDone) return {};
  if (state_ == State::kHead && buffer_.empty()) return Fail("Remote end closed connection without response");
  return Fail("connection closed before the response was complete");
}

std::string Base64Encode(std::string_view data) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < data.size(); i += 3) {
    uint32_t n = (uint8_t(data[i]) << 16) | (uint8_t(data[i + 1]) << 8) | uint8_t(data[i + 2]);
    for (int shift : {18, 12, 6, 0}) out += kAlphabet[(n >> shift) & 63];
  }
  if (size_t left = data.size() - i; left > 0) {
    uint32_t n = uint8_t(data[i]) << 16;
    if (left == 2) n |= uint8_t(data[i + 1]) << 8;
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += left == 2 ? kAlphabet[(n >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

std::string SerializeRequest(const HttpRequest& request, const Url* proxy) {
  std::string target = proxy ? request.url.ToString() : request.url.target;
  std::string out = fmt::format("{} {} HTTP/1.1\r\n", request.method, target);
  auto has = [&](std::string_view name) {
    return std::any_of(request.headers.begin(), request.headers.end(),
                       [&](const auto& h) { return EqualsIgnoreCase(h.first, name); });
  };
  out += fmt::format("Host: {}\r\n", request.url.HostHeader());
  if (!has("User-Agent")) out += fmt::format("User-Agent: {}\r\n", request.user_agent);
  if (!has("Accept-Encoding")) out += "Accept-Encoding: identity\r\n";
  if (request.basic_auth && !has("Authorization"))
    out += fmt::format("Authorization: Basic {}\r\n", Base64Encode(*request.basic_auth));
  if (proxy && !proxy->userinfo.empty())
    out += fmt::format("Proxy-Authorization: Basic {}\r\n", Base64Encode(proxy->userinfo));
  for (const auto& [name, value] : request.headers) {
    if (EqualsIgnoreCase(name, "Host") || EqualsIgnoreCase(name, "Content-Length")) continue;
    out += fmt::format("{}: {}\r\n", name, value);
  }
  if (!request.body.empty() || request.method == "POST" || request.method == "PUT" ||
      request.method == "PATCH") {
    out += fmt::format("Content-Length: {}\r\n", request.body.size());
  }
  // One request per connection: the body then ends at close when the server sends no length.
  out += "Connection: close\r\n\r\n";
  out += request.body;
  return out;
}

namespace {

// Reads one response head (a proxy's answer to CONNECT) from `stream`.
Expected<HttpResponse> ReadHead(NetStream& stream, int timeout_ms) {
  ResponseParser parser(/*head_request=*/true);
  std::string chunk;
  while (!parser.done()) {
    chunk.clear();
    auto got = stream.Receive(chunk, timeout_ms);
    if (!got) return std::unexpected(got.error());
    if (*got == 0) return Fail("the proxy closed the connection");
    if (auto fed = parser.Feed(chunk); !fed) return std::unexpected(fed.error());
  }
  return std::move(parser.response());
}

// Asks the proxy for a tunnel to `target` (https through an http proxy).
Expected<void> OpenTunnel(NetStream& stream, const Url& target, const Url& proxy, int timeout_ms) {
  if (auto sent = stream.Send(ConnectRequest(target, proxy)); !sent) return sent;
  auto head = ReadHead(stream, timeout_ms);
  if (!head) {
    return Fail(fmt::format("Request failed: <urlopen error Tunnel connection failed: {}>",
                            head.error().message));
  }
  if (head->status / 100 != 2) {
    return Fail(fmt::format("Request failed: <urlopen error Tunnel connection failed: {} {}>",
                            head->status, head->reason));
  }
  return {};
}

// A stream to the URL's server: direct, or through the proxy the
// environment names (a tunnel for https; for http the request itself goes
// to the proxy, and `via` is set to it).
Expected<std::unique_ptr<NetStream>> Open(Host& host, Network& network, const Url& url,
                                          const FetchOptions& options, std::optional<Url>& via) {
  int timeout_ms = options.timeout_seconds * 1000;
  std::optional<Url> proxy;
  if (options.use_proxy) {
    auto found = ProxyFor(url, [&host](const std::string& name) { return host.GetEnv(name); });
    if (!found) return std::unexpected(found.error());
    proxy = *found;
  }
  const Url& first = proxy ? *proxy : url;
  auto address = ResolveName(host, first.host);
  if (!address) return std::unexpected(address.error());
  auto stream = network.Connect(*address, first.port, timeout_ms);
  if (!stream) {
    return Fail(fmt::format("Request failed: <urlopen error {}> ({}:{})", stream.error().message,
                            *address, first.port));
  }
  if (url.scheme != "https") {
    via = proxy;
    return stream;
  }
  if (proxy) {
    if (auto tunnel = OpenTunnel(**stream, url, *proxy, timeout_ms); !tunnel)
      return std::unexpected(tunnel.error());
  }
  auto tls = StartTls(std::move(*stream), url.host, url.port, options.tls, timeout_ms);
  if (!tls) return Fail(fmt::format("Request failed: <urlopen error {}>", tls.error().message));
  return tls;
}

Expected<HttpResponse> ExchangeOnce(Host& host, Network& network, const HttpRequest& request,
                                    const FetchOptions& options, uint64_t& body_bytes) {
  std::optional<Url> via;
  auto stream = Open(host, network, request.url, options, via);
  if (!stream) return std::unexpected(stream.error());
  if (auto sent = (*stream)->Send(SerializeRequest(request, via ? &*via : nullptr)); !sent)
    return std::unexpected(sent.error());
  ResponseParser parser(request.method == "HEAD", nullptr);
  if (options.sink) {
    // Only the final response's body goes to the sink, never that of a
    // redirect or of a 401 answered with credentials.
    parser = ResponseParser(request.method == "HEAD", [&parser, &options](std::string_view data) {
      int status = parser.response().status;
      if (IsRedirect(status) || status == 401) return Expected<void>{};
      return options.sink(data);
    });
  }
  std::string chunk;
  int timeout_ms = options.timeout_seconds * 1000;
  while (!parser.done()) {
    chunk.clear();
    auto got = (*stream)->Receive(chunk, timeout_ms);
    if (!got) return Fail(fmt::format("Request failed: {}", got.error().message));
    if (*got == 0) {
      if (auto end = parser.FinishAtEof(); !end) return std::unexpected(end.error());
      break;
    }
    if (auto fed = parser.Feed(chunk); !fed) return std::unexpected(fed.error());
  }
  body_bytes = parser.body_bytes();
  return std::move(parser.response());
}

bool IsGetOrHead(const std::string& method) { return method == "GET" || method == "HEAD"; }

// Whether a redirect is followed, as Ansible's RedirectHandlerFactory decides.
bool Follows(const std::string& mode, int status, const std::string& method) {
  if (!IsRedirect(status)) return false;
  if (mode == "urllib2") {
    return IsGetOrHead(method) || (method == "POST" && status <= 303);
  }
  if (mode == "all" || mode == "yes") return true;
  if (mode == "safe") return IsGetOrHead(method);
  return false;  // no, none, or a mode Ansible does not know
}

// The next hop's request: 307/308 keep method and body; the others drop the
// body (and its headers) and turn into GET as browsers do.
void Redirect(HttpRequest& request, int status, const std::string& mode) {
  bool keep = (status == 307 || status == 308) && mode != "urllib2";
  if (keep) return;
  request.body.clear();
  std::erase_if(request.headers, [](const auto& h) {
    std::string name = AsciiLower(h.first);
    return name == "content-length" || name == "content-type" || name == "transfer-encoding";
  });
  bool to_get = mode == "urllib2" || ((status == 302 || status == 303) && request.method != "HEAD") ||
                (status == 301 && request.method == "POST");
  if (to_get) request.method = "GET";
}

// The server asks for Basic credentials.
bool WantsBasicAuth(const HttpResponse& response) {
  if (response.status != 401) return false;
  auto challenge = response.Header("WWW-Authenticate");
  return challenge && AsciiLower(*challenge).starts_with("basic");
}

}  // namespace

Expected<FetchResult> Fetch(Host& host, Network& network, HttpRequest request,
                            const FetchOptions& options) {
  FetchResult result;
  // urllib's auth handler sends credentials only when a 401 asks for them;
  // force_basic_auth sends them with the first request.
  std::optional<std::string> credentials = std::exchange(request.basic_auth, std::nullopt);
  if (options.force_basic_auth) request.basic_auth = credentials;
  for (int hop = 0;; ++hop) {
    auto response = ExchangeOnce(host, network, request, options, result.body_bytes);
    if (!response) return std::unexpected(response.error());
    result.url = request.url.ToString();
    result.response = std::move(*response);
    int status = result.response.status;
    if (credentials && !request.basic_auth && WantsBasicAuth(result.response)) {
      request.basic_auth = credentials;
      continue;
    }
    auto location = result.response.Header("Location");
    if (!location || !Follows(options.follow_redirects, status, request.method)) return result;
    if (hop >= options.max_redirects) return Fail("too many redirects");
    auto next = ResolveReference(request.url, *location);
    if (!next) return std::unexpected(next.error());
    request.url = *next;
    result.redirected = true;
    Redirect(request, status, options.follow_redirects);
  }
}

std::string FormUrlEncode(const Json& fields) {
  auto encode = [](std::string_view s) {
    std::string out;
    for (unsigned char c : s) {
      if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
        out += static_cast<char>(c);
      } else if (c == ' ') {
        out += '+';
      } else {
        out += fmt::format("%{:02X}", c);
      }
    }
    return out;
  };
  auto text = [](const Json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); };
  std::string out;
  auto add = [&](const std::string& key, const Json& value) {
    out += (out.empty() ? "" : "&") + encode(key) + "=" + encode(text(value));
  };
  if (fields.is_object()) {
    for (const auto& [key, value] : fields.items()) add(key, value);
  } else if (fields.is_array()) {
    for (const auto& pair : fields) {
      if (pair.is_array() && pair.size() == 2) add(text(pair[0]), pair[1]);
    }
  }
  return out;
}

}  // namespace tend
