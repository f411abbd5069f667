#pragma once

// Which proxy a request goes through, read from the environment as Python's
// urllib (and so Ansible's urls code) reads it: <scheme>_proxy in lower case
// before upper case, no_proxy/NO_PROXY as comma-separated host suffixes or
// "*". The environment is the agent's with the task's `environment:` over it.

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.h"
#include "modules/host/http_client.h"

namespace tend {

using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;

/// True when `no_proxy` exempts the URL's host (with or without its port).
bool NoProxyMatches(std::string_view no_proxy, const Url& url);

/// The proxy for `url`, or nothing. A proxy given as "host:port" is http;
/// any other scheme than http is an error, as in Ansible.
Expected<std::optional<Url>> ProxyFor(const Url& url, const EnvLookup& env);

/// The request that opens a tunnel to `target` through `proxy`, with the
/// proxy's credentials when its URL has them.
std::string ConnectRequest(const Url& target, const Url& proxy);

}  // namespace tend
