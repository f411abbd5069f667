#pragma once

// Building large Json objects. Json (nlohmann::ordered_json) keeps keys in
// insertion order and finds them by a linear scan, so setting n keys one by
// one is quadratic: a 50 MB vars file took minutes (issue 21). ObjectBuilder
// keeps a hash index beside the order once an object grows past a few keys.

#include <cstddef>
#include <optional>
#include <string>
#include <unordered_map>

#include "core/json.h"

namespace tend {

class ObjectBuilder {
 public:
  ObjectBuilder() = default;
  /// Continues an existing object (anything else starts an empty one).
  explicit ObjectBuilder(Json start);

  /// Sets `key`, keeping the place of its first occurrence (as a Python
  /// dict); false when the key was already there.
  bool Set(const std::string& key, Json value);
  bool Contains(const std::string& key) const { return Find(key).has_value(); }
  /// The object built; the builder is empty afterwards.
  Json Take();

 private:
  static constexpr size_t kLinear = 16;
  std::optional<size_t> Find(const std::string& key) const;
  void Index();

  Json out_ = Json::object();
  std::unordered_map<std::string, size_t> index_;
};

/// target[k] = v for every key of `source` (an object), in linear time.
void MergeObject(Json& target, const Json& source);

}  // namespace tend
