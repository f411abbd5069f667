#pragma once

// A small Docker Engine API client: HTTP/1.1 over the daemon's UNIX socket.
// The transport is a seam (DockerTransport) so the docker_* modules' decision
// logic runs in unit tests against FakeDockerDaemon, and against a real
// dockerd in the lab test.

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.h"
#include "core/json.h"
#include "modules/host/host.h"
#include "modules/framework/module.h"

namespace tend {

// Docker's own request and response types: the HTTP client's HttpRequest and
// HttpResponse (host/http_client.h) are other structs, and two types of one
// name in one program are an ODR violation (a crash once both were linked
// into one test binary).
struct DockerRequest {
  std::string method = "GET";
  /// Path and query, without the API version prefix ("/containers/x/json").
  std::string target{};
  std::string content_type{};
  /// The request body; a streamed body (an image tarball) also sets
  /// `body_length` so the request carries a Content-Length.
  std::string body{};
  ContentSource body_stream = nullptr;
  uint64_t body_length = 0;
};

struct DockerResponse {
  int status = 0;
  std::map<std::string, std::string> headers{};  // names lower-cased
  std::string body{};
};

/// Sends one request to the daemon and returns its response.
class DockerTransport {
 public:
  virtual ~DockerTransport() = default;
  virtual Expected<DockerResponse> Send(const DockerRequest& request) = 0;
};

/// Parses a complete HTTP/1.1 response (status line, headers, body with
/// Content-Length, chunked transfer coding, or up to the end of the stream).
Expected<DockerResponse> ParseHttpResponse(std::string_view raw);

/// Decodes a chunked transfer-coded body.
Expected<std::string> DecodeChunked(std::string_view body);

/// Splits Docker's multiplexed log stream (8-byte frame headers) into
/// stdout and stderr text; a TTY stream (no headers) is all stdout.
std::pair<std::string, std::string> DemuxDockerStream(std::string_view raw);

/// `unix:///run/docker.sock` → `/run/docker.sock`; other schemes fail.
Expected<std::string> SocketPathOf(const std::string& docker_host);

/// The real transport: one connection per request (Connection: close) to the
/// daemon's UNIX socket, with the version prefix (`/v1.41`) in front of each
/// target.
class UnixSocketTransport : public DockerTransport {
 public:
  UnixSocketTransport(std::string socket_path, std::string api_version, int timeout_seconds);
  Expected<DockerResponse> Send(const DockerRequest& request) override;

 private:
  std::string socket_path_;
  std::string api_version_;
  int timeout_seconds_;
};

/// What the docker_* modules call: JSON requests with Docker's error
/// messages turned into Errors.
class DockerClient {
 public:
  explicit DockerClient(std::unique_ptr<DockerTransport> transport)
      : transport_(std::move(transport)) {}

  /// GET a JSON document; nullopt on 404 (the object does not exist).
  Expected<std::optional<Json>> Inspect(const std::string& target);
  /// Any request with an optional JSON body; a non-2xx status is an Error
  /// carrying the daemon's message. Returns the parsed body (null if empty
  /// or not JSON).
  Expected<Json> Call(const std::string& method, const std::string& target,
                      const Json& body = nullptr);
  /// GET a raw body (container logs); a non-2xx status is an Error.
  Expected<std::string> Fetch(const std::string& target);
  /// A request whose body streams from `source` (images/load).
  Expected<DockerResponse> Stream(const std::string& target, const std::string& content_type,
                                ContentSource source, uint64_t length);

 private:
  std::unique_ptr<DockerTransport> transport_;
};

/// Opens the client the module's `docker_host`, `api_version` and `timeout`
/// arguments name (the DOCKER_HOST environment variable when docker_host is
/// unset), through the context's DockerConnector.
Expected<std::unique_ptr<DockerClient>> OpenDocker(ModuleContext& context);

/// The agent's connector: a UnixSocketTransport per client.
DockerConnector UnixSocketConnector();

/// The connection arguments every docker_* module takes.
std::vector<ArgSpec> DockerCommonArgs();

/// Percent-encodes a path segment or query value.
std::string UrlEncode(std::string_view text);

/// "repo:tag" split as Docker does (a registry port is not a tag); the tag is
/// empty when absent. A digest (`@sha256:…`) stays in the repository part.
std::pair<std::string, std::string> SplitImageReference(const std::string& reference);

}  // namespace tend
