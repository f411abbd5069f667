// Network filters: ipaddr/ipv4 (the IPv4 queries playbooks use).

#include <optional>

#include <fmt/format.h>

#include "controller/template/filters/args.h"
#include "controller/template/filters/filters.h"

namespace tend::jinja {
namespace {

std::optional<std::pair<uint32_t, int>> ParseIPv4(const std::string& s) {
  std::string addr = s;
  int prefix = 32;
  size_t slash = s.find('/');
  if (slash != std::string::npos) {
    addr = s.substr(0, slash);
    auto p = ParseInt(s.substr(slash + 1), 10);
    if (!p || *p < 0 || *p > 32) return std::nullopt;
    prefix = static_cast<int>(*p);
  }
  uint32_t v = 0;
  int parts = 0;
  size_t pos = 0;
  while (pos <= addr.size()) {
    size_t dot = addr.find('.', pos);
    std::string part = addr.substr(pos, dot == std::string::npos ? dot : dot - pos);
    auto n = ParseInt(part, 10);
    if (part.empty() || !n || *n < 0 || *n > 255) return std::nullopt;
    v = (v << 8) | static_cast<uint32_t>(*n);
    ++parts;
    if (dot == std::string::npos) break;
    pos = dot + 1;
  }
  if (parts != 4) return std::nullopt;
  return std::make_pair(v, prefix);
}
std::string IPv4Str(uint32_t v) { return fmt::format("{}.{}.{}.{}", v >> 24, (v >> 16) & 255, (v >> 8) & 255, v & 255); }
Json IpAddrOne(const Json& value, const std::string& query) {
  if (!value.is_string()) return false;
  auto ip = ParseIPv4(value.get<std::string>());
  if (!ip) return false;
  auto [addr, prefix] = *ip;
  uint32_t mask = prefix == 0 ? 0 : 0xFFFFFFFFu << (32 - prefix);
  if (query.empty()) return value;
  if (query == "address") return IPv4Str(addr);
  if (query == "network") return IPv4Str(addr & mask);
  if (query == "netmask") return IPv4Str(mask);
  if (query == "prefix") return prefix;
  if (query == "broadcast") return IPv4Str((addr & mask) | ~mask);
  if (query == "host") return fmt::format("{}/{}", IPv4Str(addr), prefix);
  if (query == "net" || query == "subnet" || query == "cidr") return fmt::format("{}/{}", IPv4Str(addr & mask), prefix);
  if (query == "public") {
    bool priv = (addr >> 24) == 10 || (addr >> 20) == (172u << 4 | 1) || (addr >> 16) == (192u << 8 | 168) || (addr >> 24) == 127;
    return priv ? Json(false) : value;
  }
  if (query == "private") {
    bool priv = (addr >> 24) == 10 || (addr >> 20) == (172u << 4 | 1) || (addr >> 16) == (192u << 8 | 168);
    return priv ? value : Json(false);
  }
  if (query == "ipv4" || query == "4") return value;
  if (query == "ipv6" || query == "6") return false;
  throw RenderError("Unknown ipaddr query: " + query);
}

}  // namespace

Value FIpAddr(Renderer&, Value& in, const Args& a) {
  std::string query = OptStr(a, 0, "query", "");
  const Json& j = in.json();
  if (j.is_array()) {
    Json out = Json::array();
    for (const auto& e : j) {
      Json r = IpAddrOne(e, query);
      if (!(r.is_boolean() && !r.get<bool>())) out.push_back(r);
    }
    return Value(std::move(out));
  }
  return Value(IpAddrOne(j, query));
}

}  // namespace tend::jinja
