#pragma once

// What the modules that download share (uri, get_url, apt_key, unarchive,
// deb822_repository, apt's deb=): the request and the client's TLS, proxy
// and auth settings from task arguments, downloads into files, and
// Ansible's result fields from the response.

#include <string>

#include "core/json.h"
#include "modules/host/http_client.h"
#include "modules/framework/module.h"

namespace tend {

/// The url/headers/url_username/url_password/http_agent arguments as a request.
Expected<HttpRequest> RequestFromArgs(ModuleContext& context, const std::string& method);

/// validate_certs, ca_path, client_cert, client_key, use_proxy,
/// force_basic_auth and timeout, each as Ansible defaults it when the
/// module has no such argument.
FetchOptions OptionsFromArgs(const ModuleContext& context, int default_timeout_seconds);

/// GETs `url` with the module's options: the body of a 200, else an error
/// saying why ("HTTP Error 404: Not Found", "Request failed: <urlopen error
/// ...>") for the caller to put in its own words.
Expected<std::string> DownloadText(ModuleContext& context, const std::string& url);

/// Streams the response to `request` into `path` (written atomically, mode
/// 0600) when it is 200 OK; any other status leaves no file and is for the
/// caller to report.
Expected<FetchResult> DownloadToFile(ModuleContext& context, const HttpRequest& request,
                                     FetchOptions options, const std::string& path);

/// The last segment of the URL's path, query left out ("" when it ends in '/').
std::string UrlFileName(const Url& url);

/// Ansible's fetch_file: `url` downloaded (redirects followed as urllib
/// does) into `prefix` followed by its file name; the path, or "Failure
/// downloading URL, why".
Expected<std::string> FetchFile(ModuleContext& context, const std::string& url, const std::string& prefix);

/// Adds the response headers as Ansible does: lower case, '-' as '_'.
void AddResponseHeaders(const HttpResponse& response, Json& result);

/// "OK (123 bytes)" / "OK (unknown bytes)", or "HTTP Error 404: Not Found".
std::string StatusMessage(const HttpResponse& response);

/// Python's str() of a list of ints: "[200, 201]".
std::string PythonIntList(const Json& list);

}  // namespace tend
