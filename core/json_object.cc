#include "core/json_object.h"

namespace tend {

ObjectBuilder::ObjectBuilder(Json start) {
  if (start.is_object()) out_ = std::move(start);
  Index();
}

bool ObjectBuilder::Set(const std::string& key, Json value) {
  auto& fields = out_.get_ref<Json::object_t&>();
  if (auto i = Find(key)) {
    (fields.begin() + static_cast<std::ptrdiff_t>(*i))->second = std::move(value);
    return false;
  }
  fields.emplace_back(key, std::move(value));
  Index();
  return true;
}

Json ObjectBuilder::Take() {
  index_.clear();
  return std::exchange(out_, Json::object());
}

std::optional<size_t> ObjectBuilder::Find(const std::string& key) const {
  const auto& fields = out_.get_ref<const Json::object_t&>();
  if (fields.size() > kLinear) {
    auto it = index_.find(key);
    return it == index_.end() ? std::nullopt : std::optional<size_t>(it->second);
  }
  for (size_t i = 0; i < fields.size(); ++i) {
    if ((fields.begin() + static_cast<std::ptrdiff_t>(i))->first == key) return i;
  }
  return std::nullopt;
}

// Small objects are scanned; the index starts once there are more keys.
void ObjectBuilder::Index() {
  const auto& fields = out_.get_ref<const Json::object_t&>();
  if (fields.size() <= kLinear) return;
  for (size_t i = index_.size(); i < fields.size(); ++i) index_.emplace((fields.begin() + static_cast<std::ptrdiff_t>(i))->first, i);
}

void MergeObject(Json& target, const Json& source) {
  if (!source.is_object()) return;
  if (source.size() <= 4) {
    for (const auto& [k, v] : source.items()) target[k] = v;
    return;
  }
  ObjectBuilder merged(std::move(target));
  for (const auto& [k, v] : source.items()) merged.Set(k, v);
  target = merged.Take();
}

}  // namespace tend
