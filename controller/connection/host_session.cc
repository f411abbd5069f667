#include "controller/connection/host_session.h"

namespace tend {

Json UnreachableResult(const Error& error) {
  return Json{{"changed", false}, {"msg", error.message}, {"unreachable", true}};
}

}  // namespace tend
