#include "modules/system/async_job.h"

#include "modules/framework/all.h"

namespace tend {

std::string AsyncDir(Host& host) {
  if (auto dir = host.GetEnv("ANSIBLE_ASYNC_DIR"); dir && !dir->empty()) return *dir;
  return host.GetEnv("HOME").value_or("/root") + "/.ansible_async";
}

Json AsyncStartedRecord(const std::string& jid, const std::string& results_file) {
  return Json{{"started", 1},
              {"finished", 0},
              {"ansible_job_id", jid},
              {"results_file", results_file}};
}

Expected<void> WriteAsyncJob(Host& host, const std::string& path, const Json& record) {
  return host.WriteFileAtomic(path, StringSource(record.dump()), FileAttrs{.mode = 0600});
}

Json AsyncStatusOf(const std::string& jid, const std::string& path, const std::string& text) {
  Json data = Json::parse(text, nullptr, false);
  if (text.empty() || data.is_discarded() || !data.is_object()) {
    // Not written yet: the job is running.
    return Json{{"changed", false}, {"ansible_job_id", jid}, {"results_file", path},
                {"started", 1}, {"finished", 0}};
  }
  if (!data.contains("started")) {
    data["finished"] = 1;
    data["ansible_job_id"] = jid;
    data["started"] = 1;
    data["results_file"] = path;
  } else if (!data.contains("finished")) {
    data["finished"] = 0;
  }
  if (!data.contains("changed")) data["changed"] = false;
  return data;
}

const ModuleSpec& AsyncStatusSpec() {
  static const ModuleSpec spec{
      .name = "async_status",
      .short_description = "Obtain the status of an asynchronous task",
      .args = {{.name = "jid", .type = ArgType::kStr, .required = true},
               {.name = "mode",
                .type = ArgType::kStr,
                .default_value = "status",
                .choices = {"status", "cleanup"}},
               {.name = "_async_dir", .type = ArgType::kPath}},
      .returns = {"ansible_job_id", "finished", "started", "results_file", "erased"},
  };
  return spec;
}

Expected<Json> RunAsyncStatus(ModuleContext& context) {
  Host& host = context.Machine();
  std::string jid = context.Str("jid");
  std::string dir = context.Str("_async_dir", AsyncDir(host));
  std::string path = dir + "/" + jid;
  auto info = host.Stat(path);
  if (!info) return std::unexpected(info.error());
  if (info->kind == FileKind::kMissing) {
    return FailedResult("could not find job",
                        Json{{"ansible_job_id", jid}, {"started", 1}, {"finished", 1}});
  }
  if (context.Str("mode") == "cleanup") {
    if (!context.check) {
      if (auto ok = host.Remove(path); !ok) return std::unexpected(ok.error());
    }
    return Json{{"changed", false}, {"ansible_job_id", jid}, {"erased", path}};
  }
  auto text = host.ReadFile(path);
  if (!text) return std::unexpected(text.error());
  return AsyncStatusOf(jid, path, *text);
}

}  // namespace tend
