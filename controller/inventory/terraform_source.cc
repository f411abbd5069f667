#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "controller/inventory/inventory_impl.h"
#include "core/regex.h"
#include "controller/vault/run_program.h"

namespace tend {
namespace {

namespace fs = std::filesystem;

// "role" + "tracking" → "role_tracking"; characters Ansible dislikes become '_'.
std::string SafeGroupName(const std::string& text) {
  std::string out;
  for (char c : text) out += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  return out;
}

std::string Str(const Json& v, const char* key) {
  if (!v.is_object() || !v.contains(key) || !v[key].is_string()) return {};
  return v[key].get<std::string>();
}

const Json& First(const Json& v, const char* key) {
  static const Json kNull;
  if (!v.is_object() || !v.contains(key)) return kNull;
  const Json& list = v[key];
  return list.is_array() && !list.empty() ? list[0] : kNull;
}

struct Machine {
  std::string name, private_ip, public_ip;
  Json labels = Json::object();
  const char* labels_var = "tags";
};

// One resource instance's attributes → a host, for the cloud types we know.
std::optional<Machine> MachineOf(const std::string& type, const Json& a) {
  Machine m;
  if (type == "aws_instance") {
    m.private_ip = Str(a, "private_ip");
    m.public_ip = Str(a, "public_ip");
    if (a.contains("tags") && a["tags"].is_object()) m.labels = a["tags"];
    m.name = Str(m.labels, "Name");
    if (m.name.empty()) m.name = Str(a, "id");
  } else if (type == "google_compute_instance") {
    m.name = Str(a, "name");
    const Json& nic = First(a, "network_interface");
    m.private_ip = Str(nic, "network_ip");
    m.public_ip = Str(First(nic, "access_config"), "nat_ip");
    if (a.contains("labels") && a["labels"].is_object()) m.labels = a["labels"];
    m.labels_var = "labels";
  } else if (type == "azurerm_linux_virtual_machine") {
    m.name = Str(a, "name");
    m.private_ip = Str(a, "private_ip_address");
    m.public_ip = Str(a, "public_ip_address");
    if (a.contains("tags") && a["tags"].is_object()) m.labels = a["tags"];
  } else if (type == "hcloud_server") {
    m.name = Str(a, "name");
    m.public_ip = Str(a, "ipv4_address");
    m.private_ip = Str(First(a, "network"), "ip");
    if (a.contains("labels") && a["labels"].is_object()) m.labels = a["labels"];
    m.labels_var = "labels";
  } else {
    return std::nullopt;
  }
  if (m.name.empty()) return std::nullopt;
  return m;
}

bool LooksLikeAddress(const std::string& s) {
  static const Regex kV4 = Regex::Fixed(R"(\d{1,3}(\.\d{1,3}){3})");
  static const Regex kV6 = Regex::Fixed(R"([0-9a-fA-F:]+:[0-9a-fA-F:]*)");
  return kV4.Matches(s) || kV6.Matches(s);
}

class TerraformReader {
 public:
  TerraformReader(const std::string& file, Inventory::Impl& inv) : file_(file), inv_(inv) {}

  Expected<void> Resource(const std::string& type, const std::string& address, const Json& a) {
    if (type == "ansible_host") return AnsibleHost(a);
    if (type == "ansible_group") return AnsibleGroup(a);
    auto m = MachineOf(type, a);
    if (!m) return {};
    auto& host = inv_.EnsureHost(m->name);
    std::string ip = inv_.options.terraform_public_ip && !m->public_ip.empty() ? m->public_ip
                     : !m->private_ip.empty()                                ? m->private_ip
                                                                             : m->public_ip;
    if (!ip.empty()) host.vars["ansible_host"] = ip;
    if (!m->private_ip.empty()) host.vars["private_ip"] = m->private_ip;
    if (!m->public_ip.empty()) host.vars["public_ip"] = m->public_ip;
    host.vars["terraform_resource"] = address;
    if (!m->labels.empty()) host.vars[m->labels_var] = m->labels;
    inv_.AddHostToGroup(m->name, SafeGroupName(type));
    for (const auto& [k, v] : m->labels.items()) {
      if (k == "Name" || !v.is_string()) continue;
      inv_.AddHostToGroup(m->name, SafeGroupName(k + "_" + v.get<std::string>()));
    }
    return {};
  }

  Expected<void> Output(const std::string& name, const Json& value) {
    if (value.is_object()) {
      for (const auto& [host, ip] : value.items())
        if (!ip.is_string() || !LooksLikeAddress(ip.get<std::string>())) return {};
      for (const auto& [host, ip] : value.items()) {
        inv_.EnsureHost(host).vars["ansible_host"] = ip;
        inv_.AddHostToGroup(host, SafeGroupName(name));
      }
    } else if (value.is_array()) {
      for (const auto& item : value) {
        if (!item.is_object() || Str(item, "name").empty()) return {};
        if (Str(item, "ip").empty() && Str(item, "ansible_host").empty()) return {};
      }
      for (const auto& item : value) {
        std::string host = Str(item, "name");
        std::string ip = Str(item, "ip").empty() ? Str(item, "ansible_host") : Str(item, "ip");
        inv_.EnsureHost(host).vars["ansible_host"] = ip;
        Json groups = item.value("groups", Json::array());
        if (groups.is_string()) groups = Json::array({groups});
        if (groups.empty()) inv_.AddHostToGroup(host, SafeGroupName(name));
        for (const auto& g : groups)
          if (g.is_string()) inv_.AddHostToGroup(host, g.get<std::string>());
        if (item.contains("vars") && item["vars"].is_object())
          for (const auto& [k, v] : item["vars"].items()) inv_.EnsureHost(host).vars[k] = v;
      }
    }
    return {};
  }

 private:
  Expected<void> AnsibleHost(const Json& a) {
    std::string name = Str(a, "name");
    if (name.empty()) return {};
    inv_.EnsureHost(name);
    if (a.contains("groups") && a["groups"].is_array())
      for (const auto& g : a["groups"])
        if (g.is_string()) inv_.AddHostToGroup(name, g.get<std::string>());
    if (a.contains("variables") && a["variables"].is_object())
      for (const auto& [k, v] : a["variables"].items()) inv_.EnsureHost(name).vars[k] = v;
    return {};
  }

  Expected<void> AnsibleGroup(const Json& a) {
    std::string name = Str(a, "name");
    if (name.empty()) return {};
    inv_.EnsureGroup(name);
    if (a.contains("children") && a["children"].is_array())
      for (const auto& c : a["children"])
        if (c.is_string())
          if (auto r = inv_.AddChild(name, c.get<std::string>(), {file_, 0, 0}); !r) return r;
    if (a.contains("variables") && a["variables"].is_object())
      for (const auto& [k, v] : a["variables"].items()) inv_.SetGroupVar(name, k, v);
    return {};
  }

  const std::string& file_;
  Inventory::Impl& inv_;
};

// `terraform show -json`: values.root_module.resources and child_modules.
Expected<void> WalkModule(const Json& module, TerraformReader& reader) {
  const Json resources = module.value("resources", Json::array());
  const Json children = module.value("child_modules", Json::array());
  for (const auto& r : resources) {
    if (r.value("mode", "managed") != "managed") continue;
    if (auto e = reader.Resource(r.value("type", ""), r.value("address", ""), r.value("values", Json::object())); !e) return e;
  }
  for (const auto& child : children) {
    if (auto e = WalkModule(child, reader); !e) return e;
  }
  return {};
}

Expected<Json> ReadJson(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Fail(fmt::format("cannot read {}: {}", path, std::strerror(errno)));
  try {
    return Json::parse(in);
  } catch (const Json::parse_error& e) {
    return Fail(fmt::format("invalid Terraform state: {}", e.what()), Location{path, 0, 0});
  }
}

}  // namespace

Expected<void> ParseTerraformState(const Json& state, const std::string& file,
                                   Inventory::Impl& inv) {
  TerraformReader reader(file, inv);
  if (state.contains("values")) {  // terraform show -json
    const Json& values = state["values"];
    if (values.contains("root_module")) {
      if (auto r = WalkModule(values["root_module"], reader); !r) return r;
    }
    const Json outputs = values.value("outputs", Json::object());
    for (const auto& [name, out] : outputs.items()) {
      if (auto r = reader.Output(name, out.value("value", Json())); !r) return r;
    }
    return {};
  }
  const Json resources = state.value("resources", Json::array());
  const Json outputs = state.value("outputs", Json::object());
  for (const auto& res : resources) {
    if (res.value("mode", "managed") != "managed") continue;
    std::string type = res.value("type", "");
    std::string base = fmt::format("{}{}.{}", res.contains("module") ? res["module"].get<std::string>() + "." : "", type,
                                   res.value("name", ""));
    const Json instances = res.value("instances", Json::array());
    for (const auto& instance : instances) {
      std::string address = base;
      if (instance.contains("index_key")) address += "[" + instance["index_key"].dump() + "]";
      if (auto r = reader.Resource(type, address, instance.value("attributes", Json::object())); !r) return r;
    }
  }
  for (const auto& [name, out] : outputs.items()) {
    if (auto r = reader.Output(name, out.value("value", Json())); !r) return r;
  }
  return {};
}

bool IsTerraformSource(const std::string& path) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    if (fs::exists(fs::path(path) / "terraform.tfstate", ec)) return true;
    for (const auto& e : fs::directory_iterator(path, ec))
      if (e.path().extension() == ".tf") return true;
    return false;
  }
  if (path.ends_with(".tfstate")) return true;
  if (!path.ends_with(".json")) return false;
  std::ifstream in(path);
  char head[512] = {};
  in.read(head, sizeof head - 1);
  std::string text(head);
  return text.find("\"terraform_version\"") != std::string::npos;
}

Expected<void> LoadTerraformSource(const std::string& path, Inventory::Impl& inv) {
  std::error_code ec;
  std::string file = path;
  if (fs::is_directory(path, ec)) {
    file = (fs::path(path) / "terraform.tfstate").string();
    if (!fs::exists(file, ec)) {
      // Remote state: ask terraform itself.
      auto run = RunProgram({"/bin/sh", "-c", "cd \"$1\" && exec terraform show -json", "sh", path},
                            inv.options.script_timeout);
      Location where{path, 0, 0};
      if (!run) return Fail(fmt::format("terraform show -json failed: {}", run.error().message), where);
      if (run->exit_code != 0) {
        return Fail(fmt::format("terraform show -json exited with {}: {}", run->exit_code, run->err), where);
      }
      try {
        return ParseTerraformState(Json::parse(run->out), path, inv);
      } catch (const Json::parse_error& e) {
        return Fail(fmt::format("terraform show -json printed invalid JSON: {}", e.what()), where);
      }
    }
  }
  auto state = ReadJson(file);
  if (!state) return std::unexpected(state.error());
  return ParseTerraformState(*state, file, inv);
}

}  // namespace tend
