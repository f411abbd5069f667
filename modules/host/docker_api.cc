#include "modules/host/docker_api.h"

#include <fmt/format.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "modules/framework/text.h"

namespace tend {
namespace {

std::string Lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

// Closes the socket on every path out of Send.
struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) close(fd);
  }
};

Expected<void> WriteAll(int fd, std::string_view data, const std::string& socket_path) {
  while (!data.empty()) {
    ssize_t n = send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      return Fail(fmt::format("Error writing to Docker daemon at {}: {}", socket_path,
                              std::strerror(errno)));
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return {};
}

Expected<int> Connect(const std::string& socket_path, int timeout_seconds) {
  sockaddr_un address{};
  if (socket_path.size() >= sizeof(address.sun_path)) {
    return Fail(fmt::format("Docker socket path too long: {}", socket_path));
  }
  address.sun_family = AF_UNIX;
  std::memcpy(address.sun_path, socket_path.c_str(), socket_path.size() + 1);
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Fail(fmt::format("socket: {}", std::strerror(errno)));
  timeval tv{.tv_sec = timeout_seconds, .tv_usec = 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
  if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    int saved = errno;
    close(fd);
    return Fail(fmt::format(
        "Error connecting to the Docker daemon at unix://{}: {}. Is the docker daemon running?",
        socket_path, std::strerror(saved)));
  }
  return fd;
}

std::string RequestHead(const DockerRequest& request, const std::string& api_version,
                        uint64_t length) {
  std::string head = fmt::format("{} /{}{} HTTP/1.1\r\nHost: docker\r\nUser-Agent: tend\r\n",
                                 request.method, api_version, request.target);
  if (!request.content_type.empty()) head += "Content-Type: " + request.content_type + "\r\n";
  head += fmt::format("Content-Length: {}\r\nConnection: close\r\n\r\n", length);
  return head;
}

Expected<std::string> ReadAll(int fd, const std::string& socket_path) {
  std::string raw;
  char buffer[65536];
  for (;;) {
    ssize_t n = recv(fd, buffer, sizeof(buffer), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      return Fail(fmt::format("Error reading from Docker daemon at {}: {}", socket_path,
                              errno == EAGAIN ? "timed out" : std::strerror(errno)));
    }
    if (n == 0) return raw;
    raw.append(buffer, static_cast<size_t>(n));
  }
}

std::string DaemonMessage(const DockerResponse& response) {
  try {
    Json body = Json::parse(response.body);
    if (body.is_object() && body.contains("message")) return body["message"].get<std::string>();
  } catch (const std::exception&) {
  }
  return std::string(StripTrailingNewlines(response.body));
}

}  // namespace

Expected<std::string> DecodeChunked(std::string_view body) {
  std::string out;
  for (;;) {
    size_t eol = body.find("\r\n");
    if (eol == std::string_view::npos) return Fail("truncated chunked response from Docker");
    std::string size_text(body.substr(0, eol));
    size_text = size_text.substr(0, size_text.find(';'));
    size_t size = 0;
    try {
      size = std::stoul(size_text, nullptr, 16);
    } catch (const std::exception&) {
      return Fail(fmt::format("bad chunk size '{}' in Docker response", size_text));
    }
    body.remove_prefix(eol + 2);
    if (size == 0) return out;
    if (body.size() < size) return Fail("truncated chunk in Docker response");
    out.append(body.substr(0, size));
    body.remove_prefix(size);
    if (body.starts_with("\r\n")) body.remove_prefix(2);
  }
}

Expected<DockerResponse> ParseHttpResponse(std::string_view raw) {
  size_t head_end = raw.find("\r\n\r\n");
  if (head_end == std::string_view::npos) return Fail("incomplete HTTP response from Docker");
  std::string_view head = raw.substr(0, head_end);
  std::string_view rest = raw.substr(head_end + 4);
  DockerResponse response;
  size_t eol = head.find("\r\n");
  std::string status_line(head.substr(0, eol));
  if (!status_line.starts_with("HTTP/1.") || status_line.size() < 12) {
    return Fail(fmt::format("bad HTTP status line from Docker: '{}'", status_line));
  }
  response.status = std::atoi(status_line.c_str() + 9);
  head.remove_prefix(eol == std::string_view::npos ? head.size() : eol + 2);
  while (!head.empty()) {
    size_t end = head.find("\r\n");
    std::string line(head.substr(0, end));
    head.remove_prefix(end == std::string_view::npos ? head.size() : end + 2);
    size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string value = line.substr(colon + 1);
    value.erase(0, value.find_first_not_of(' '));
    while (!value.empty() && (value.back() == '\r' || value.back() == ' ')) value.pop_back();
    response.headers[Lower(line.substr(0, colon))] = value;
  }
  if (Lower(response.headers["transfer-encoding"]) == "chunked") {
    auto decoded = DecodeChunked(rest);
    if (!decoded) return std::unexpected(decoded.error());
    response.body = std::move(*decoded);
  } else if (response.headers.contains("content-length")) {
    size_t length = std::stoul(response.headers["content-length"]);
    if (rest.size() < length) return Fail("truncated HTTP response body from Docker");
    response.body = std::string(rest.substr(0, length));
  } else {
    response.body = std::string(rest);
  }
  return response;
}

std::pair<std::string, std::string> DemuxDockerStream(std::string_view raw) {
  std::string out, err;
  bool framed = raw.size() >= 8 && (raw[0] == 0 || raw[0] == 1 || raw[0] == 2) && raw[1] == 0 &&
                raw[2] == 0 && raw[3] == 0;
  if (!framed) return {std::string(raw), ""};
  while (raw.size() >= 8) {
    auto byte = [&](int i) { return static_cast<uint32_t>(static_cast<unsigned char>(raw[i])); };
    uint32_t size = byte(4) << 24 | byte(5) << 16 | byte(6) << 8 | byte(7);
    std::string_view payload = raw.substr(8, size);
    (raw[0] == 2 ? err : out).append(payload);
    raw.remove_prefix(std::min<size_t>(raw.size(), 8 + size));
  }
  return {out, err};
}

Expected<std::string> SocketPathOf(const std::string& docker_host) {
  if (docker_host.starts_with("unix://")) return docker_host.substr(7);
  if (docker_host.starts_with("/")) return docker_host;
  return Fail(fmt::format(
      "docker_host '{}' is not supported: tend talks to the Docker daemon over its UNIX socket "
      "(unix:///path/to/docker.sock)",
      docker_host));
}

UnixSocketTransport::UnixSocketTransport(std::string socket_path, std::string api_version,
                                         int timeout_seconds)
    : socket_path_(std::move(socket_path)),
      api_version_(std::move(api_version)),
      timeout_seconds_(timeout_seconds) {}

Expected<DockerResponse> UnixSocketTransport::Send(const DockerRequest& request) {
  auto fd = Connect(socket_path_, timeout_seconds_);
  if (!fd) return std::unexpected(fd.error());
  Fd guard{*fd};
  uint64_t length = request.body_stream ? request.body_length : request.body.size();
  auto sent = WriteAll(*fd, RequestHead(request, api_version_, length), socket_path_);
  if (!sent) return std::unexpected(sent.error());
  if (request.body_stream) {
    auto streamed =
        request.body_stream([&](std::string_view chunk) { return WriteAll(*fd, chunk, socket_path_); });
    if (!streamed) return std::unexpected(streamed.error());
  } else if (!request.body.empty()) {
    sent = WriteAll(*fd, request.body, socket_path_);
    if (!sent) return std::unexpected(sent.error());
  }
  auto raw = ReadAll(*fd, socket_path_);
  if (!raw) return std::unexpected(raw.error());
  return ParseHttpResponse(*raw);
}

Expected<std::optional<Json>> DockerClient::Inspect(const std::string& target) {
  auto response = transport_->Send({.method = "GET", .target = target});
  if (!response) return std::unexpected(response.error());
  if (response->status == 404) return std::optional<Json>();
  if (response->status / 100 != 2) {
    return Fail(fmt::format("Error inspecting {}: {}", target, DaemonMessage(*response)));
  }
  try {
    return std::optional<Json>(Json::parse(response->body));
  } catch (const std::exception& e) {
    return Fail(fmt::format("Docker returned invalid JSON for {}: {}", target, e.what()));
  }
}

Expected<Json> DockerClient::Call(const std::string& method, const std::string& target,
                                  const Json& body) {
  DockerRequest request{.method = method, .target = target};
  if (!body.is_null()) {
    request.content_type = "application/json";
    request.body = body.dump();
  }
  auto response = transport_->Send(request);
  if (!response) return std::unexpected(response.error());
  if (response->status / 100 != 2) {
    return Fail(fmt::format("Error in {} {}: {}", method, target.substr(0, target.find('?')),
                            DaemonMessage(*response)));
  }
  try {
    return response->body.empty() ? Json() : Json::parse(response->body);
  } catch (const std::exception&) {
    return Json();  // streamed progress (pulls) is not one JSON document
  }
}

Expected<std::string> DockerClient::Fetch(const std::string& target) {
  auto response = transport_->Send({.method = "GET", .target = target});
  if (!response) return std::unexpected(response.error());
  if (response->status / 100 != 2) {
    return Fail(fmt::format("Error in GET {}: {}", target.substr(0, target.find('?')),
                            DaemonMessage(*response)));
  }
  return std::move(response->body);
}

Expected<DockerResponse> DockerClient::Stream(const std::string& target,
                                            const std::string& content_type, ContentSource source,
                                            uint64_t length) {
  DockerRequest request{.method = "POST",
                      .target = target,
                      .content_type = content_type,
                      .body = {},
                      .body_stream = std::move(source),
                      .body_length = length};
  auto response = transport_->Send(request);
  if (!response) return response;
  if (response->status / 100 != 2) {
    return Fail(fmt::format("Error in POST {}: {}", target, DaemonMessage(*response)));
  }
  return response;
}

DockerConnector UnixSocketConnector() {
  return [](const std::string& socket_path, const std::string& api_version, int timeout_seconds) {
    return std::make_unique<UnixSocketTransport>(socket_path, api_version, timeout_seconds);
  };
}

Expected<std::unique_ptr<DockerClient>> OpenDocker(ModuleContext& context) {
  std::string docker_host = context.Str("docker_host");
  if (docker_host.empty()) {
    docker_host = context.Machine().GetEnv("DOCKER_HOST").value_or("unix:///var/run/docker.sock");
  }
  auto path = SocketPathOf(docker_host);
  if (!path) return std::unexpected(path.error());
  if (!context.docker) return Fail("no Docker connection in this module's context");
  std::string version = context.Str("api_version", "auto");
  // 1.41 (Docker 20.10) is understood by every daemon still in use,
  // Debian 12's and Docker 28 alike, so "auto" needs no extra round trip.
  if (version == "auto") version = "1.41";
  return std::make_unique<DockerClient>(
      context.docker(*path, "v" + version, static_cast<int>(context.Int("timeout", 60))));
}

std::vector<ArgSpec> DockerCommonArgs() {
  return {{.name = "docker_host", .type = ArgType::kStr, .aliases = {"docker_url"}},
          {.name = "api_version",
           .type = ArgType::kStr,
           .default_value = "auto",
           .aliases = {"docker_api_version"}},
          {.name = "timeout", .type = ArgType::kInt, .default_value = 60},
          {.name = "debug", .type = ArgType::kBool, .default_value = false}};
}

std::string UrlEncode(std::string_view text) {
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

std::pair<std::string, std::string> SplitImageReference(const std::string& reference) {
  size_t at = reference.find('@');
  if (at != std::string::npos) return {reference, ""};
  size_t colon = reference.rfind(':');
  size_t slash = reference.rfind('/');
  if (colon == std::string::npos || (slash != std::string::npos && colon < slash)) {
    return {reference, ""};
  }
  return {reference.substr(0, colon), reference.substr(colon + 1)};
}

}  // namespace tend
