#pragma once

// What uri and get_url share: building the request from task arguments and
// shaping Ansible's result fields from the response.

#include <string>

#include "core/json.h"
#include "modules/host/http_client.h"
#include "modules/framework/module.h"

namespace tend {

/// The url/headers/url_username/url_password/http_agent arguments as a request.
Expected<HttpRequest> RequestFromArgs(ModuleContext& context, const std::string& method);

/// Adds the response headers as Ansible does: lower case, '-' as '_'.
void AddResponseHeaders(const HttpResponse& response, Json& result);

/// "OK (123 bytes)" / "OK (unknown bytes)", or "HTTP Error 404: Not Found".
std::string StatusMessage(const HttpResponse& response);

/// Python's str() of a list of ints: "[200, 201]".
std::string PythonIntList(const Json& list);

}  // namespace tend
