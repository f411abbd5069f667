#include "controller/playbook/model.h"

namespace tend {

std::string Task::DisplayName() const {
  std::string shown = name.empty() ? action : name;
  if (role != nullptr) return role->name + " : " + shown;
  return shown;
}

}  // namespace tend
