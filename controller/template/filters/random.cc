// Random filters: random, shuffle (seeded as Ansible seeds them), random_mac.

#include <algorithm>
#include <random>

#include "controller/template/filters/args.h"
#include "controller/template/filters/filters.h"
#include "core/hash.h"

namespace tend::jinja {
namespace {

uint64_t SeedOf(const Json& seed) {
  std::string s = PythonStr(seed);
  std::string h = HexDigest(HashAlgorithm::kSha256, s);
  return std::stoull(h.substr(0, 16), nullptr, 16);
}

}  // namespace

Value FRandom(Renderer&, Value& in, const Args& a) {
  std::random_device rd;
  const Json* seed = Opt(a, 2, "seed");
  std::mt19937_64 g(seed ? SeedOf(*seed) : rd());
  const Json& j = in.json();
  if (j.is_number_integer()) {
    int64_t start = OptInt(a, 0, "start", 0), step = OptInt(a, 1, "step", 1);
    int64_t end = j.get<int64_t>();
    int64_t n = (end - start + step - 1) / step;
    if (n <= 0) throw RenderError("empty range for randrange()");
    return Value(Json(start + static_cast<int64_t>(g() % n) * step));
  }
  std::vector<Json> items;
  for (auto& e : Iterate(in)) items.push_back(e.json());
  if (items.empty()) throw RenderError("Cannot choose from an empty sequence");
  return Value(items[g() % items.size()]);
}
Value FShuffle(Renderer&, Value& in, const Args& a) {
  std::random_device rd;
  const Json* seed = Opt(a, 0, "seed");
  std::mt19937_64 g(seed ? SeedOf(*seed) : rd());
  std::vector<Json> items = ToList(in);
  std::shuffle(items.begin(), items.end(), g);
  return Value(ListJson(std::move(items)));
}
Value FRandomMac(Renderer&, Value& in, const Args&) { return in; }

}  // namespace tend::jinja
