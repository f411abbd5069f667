#include "modules/host/http_client.h"
#include "core/strings.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>

namespace tend {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Header whitespace; a line's trailing \r is dropped with it.
std::string_view TrimHeaderSpace(std::string_view s) {
  return TrimLeft(TrimRight(s, " \t\r"), " \t");
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) { return Lower(a) == Lower(b); }

bool IsRedirect(int status) {
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

}  // namespace

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
  url.scheme = Lower(text.substr(0, colon));
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
  } else if (encoding && Lower(*encoding).find("chunked") != std::string::npos) {
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

std::string SerializeRequest(const HttpRequest& request) {
  std::string out = fmt::format("{} {} HTTP/1.1\r\n", request.method, request.url.target);
  auto has = [&](std::string_view name) {
    return std::any_of(request.headers.begin(), request.headers.end(),
                       [&](const auto& h) { return EqualsIgnoreCase(h.first, name); });
  };
  out += fmt::format("Host: {}\r\n", request.url.HostHeader());
  if (!has("User-Agent")) out += fmt::format("User-Agent: {}\r\n", request.user_agent);
  if (!has("Accept-Encoding")) out += "Accept-Encoding: identity\r\n";
  if (request.basic_auth && !has("Authorization"))
    out += fmt::format("Authorization: Basic {}\r\n", Base64Encode(*request.basic_auth));
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

Expected<HttpResponse> ExchangeOnce(Host& host, Network& network, const HttpRequest& request,
                                    int timeout_ms,
                                    ResponseParser::BodySink sink, uint64_t& body_bytes) {
  if (request.url.scheme == "https") {
    return Fail("https is not supported by the agent yet (no TLS library in the static agent); "
                "use an http:// URL");
  }
  auto address = ResolveName(host, request.url.host);
  if (!address) return std::unexpected(address.error());
  auto stream = network.Connect(*address, request.url.port, timeout_ms);
  if (!stream) {
    return Fail(fmt::format("Request failed: <urlopen error {}> ({}:{})", stream.error().message,
                            *address, request.url.port));
  }
  if (auto sent = (*stream)->Send(SerializeRequest(request)); !sent)
    return std::unexpected(sent.error());
  ResponseParser parser(request.method == "HEAD", nullptr);
  if (sink) {
    // Only the final response's body goes to the sink, never a redirect's.
    parser = ResponseParser(request.method == "HEAD", [&parser, &sink](std::string_view data) {
      if (IsRedirect(parser.response().status)) return Expected<void>{};
      return sink(data);
    });
  }
  std::string chunk;
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

}  // namespace

Expected<FetchResult> Fetch(Host& host, Network& network, HttpRequest request,
                            const FetchOptions& options) {
  FetchResult result;
  for (int hop = 0;; ++hop) {
    auto response = ExchangeOnce(host, network, request, options.timeout_seconds * 1000, options.sink,
                                 result.body_bytes);
    if (!response) return std::unexpected(response.error());
    result.url = request.url.ToString();
    result.response = std::move(*response);
    int status = result.response.status;
    auto location = result.response.Header("Location");
    const std::string& mode = options.follow_redirects;
    bool safe_method = request.method == "GET" || request.method == "HEAD";
    bool follow = IsRedirect(status) && location &&
                  (mode == "all" || mode == "yes" || mode == "urllib2" ||
                   (mode == "safe" && safe_method));
    if (!follow) return result;
    if (hop >= options.max_redirects) return Fail("too many redirects");
    auto next = ResolveReference(request.url, *location);
    if (!next) return std::unexpected(next.error());
    request.url = *next;
    result.redirected = true;
    if (status == 303 || ((status == 301 || status == 302) && request.method == "POST")) {
      request.method = "GET";
      request.body.clear();
    }
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
