// timezone (community.general) on Linux: /etc/localtime as a symlink into
// /usr/share/zoneinfo plus Debian's /etc/timezone, and the hardware clock
// mode in /etc/adjtime. Both are what timedatectl itself writes; doing it
// natively works the same with and without a running systemd.

#include <fmt/format.h>

#include "modules/framework/all.h"
#include "modules/parsers/system_parse.h"
#include "modules/framework/text.h"

namespace tend {
namespace {

constexpr const char* kLocaltime = "/etc/localtime";
constexpr const char* kTimezoneFile = "/etc/timezone";
constexpr const char* kAdjtime = "/etc/adjtime";
constexpr const char* kZoneinfo = "/usr/share/zoneinfo/";

std::string ReadOr(Host& host, const std::string& path, std::string fallback) {
  auto content = host.ReadFile(path);
  return content ? *content : fallback;
}

// The zone the system uses now: what /etc/localtime links to; without a link,
// Debian's /etc/timezone. Either disagreeing with the other means "not set".
std::string CurrentZone(Host& host, const std::string& planned) {
  auto link = host.Stat(kLocaltime, /*follow=*/false);
  std::optional<std::string> linked;
  if (link && link->kind == FileKind::kLink) linked = ZoneFromLink(link->link_target);
  std::string file(StripTrailingNewlines(ReadOr(host, kTimezoneFile, "")));
  if (linked && (file.empty() || *linked != planned)) return *linked;
  if (!file.empty()) return file;
  return "n/a";
}

bool NeedsZone(Host& host, const std::string& current, const std::string& planned) {
  if (current != planned) return true;
  auto file = host.Stat(kTimezoneFile);
  return file && file->exists() &&
         StripTrailingNewlines(ReadOr(host, kTimezoneFile, "")) != planned;
}

Expected<void> SetZone(Host& host, const std::string& zone) {
  // A new link renamed over the old one: /etc/localtime never goes missing.
  std::string temp = std::string(kLocaltime) + ".tend-new";
  (void)host.Remove(temp);
  auto linked = host.Symlink(kZoneinfo + zone, temp);
  if (!linked) return linked;
  auto moved = host.Rename(temp, kLocaltime);
  if (!moved) return moved;
  auto debian = host.Stat("/etc/debian_version");
  auto file = host.Stat(kTimezoneFile);
  if ((debian && debian->exists()) || (file && file->exists())) {
    return host.WriteFileAtomic(kTimezoneFile, StringSource(zone + "\n"),
                                FileAttrs{.mode = 0644, .uid = {}, .gid = {}});
  }
  return {};
}

Expected<void> SetHwclock(Host& host, const std::string& mode) {
  std::string content = AdjtimeWith(ReadOr(host, kAdjtime, ""), mode);
  return host.WriteFileAtomic(kAdjtime, StringSource(content),
                              FileAttrs{.mode = 0644, .uid = {}, .gid = {}});
}

}  // namespace

const ModuleSpec& TimezoneSpec() {
  static const ModuleSpec spec{
      .name = "timezone",
      .short_description = "Configure timezone setting",
      .args = {{.name = "hwclock",
                .type = ArgType::kStr,
                .choices = {"local", "UTC"},
                .aliases = {"rtc"}},
               {.name = "name", .type = ArgType::kStr}},
      .required_one_of = {{"hwclock", "name"}},
      .supports_diff = true,
      .returns = {"diff", "msg"},
  };
  return spec;
}

Expected<Json> RunTimezone(ModuleContext& context) {
  Host& host = context.Machine();
  Json before = Json::object();
  Json after = Json::object();
  bool change_zone = false;
  bool change_clock = false;
  if (context.Has("hwclock")) {
    std::string planned = context.Str("hwclock");
    before["hwclock"] = HwclockFromAdjtime(ReadOr(host, kAdjtime, ""));
    after["hwclock"] = planned;
    change_clock = before["hwclock"] != planned;
  }
  if (context.Has("name")) {
    std::string planned = context.Str("name");
    auto zonefile = host.Stat(kZoneinfo + planned);
    if (!zonefile) return std::unexpected(zonefile.error());
    if (planned.empty() || planned.find("..") != std::string::npos ||
        zonefile->kind != FileKind::kFile) {
      return Fail(fmt::format("Error message:\ngiven timezone \"{}\" is not available", planned));
    }
    std::string current = CurrentZone(host, planned);
    before["name"] = current;
    after["name"] = planned;
    change_zone = NeedsZone(host, current, planned);
  }
  Json result{{"changed", change_zone || change_clock},
              {"diff", Json{{"before", before}, {"after", after}}}};
  if (context.check) return result;
  if (change_zone) {
    auto set = SetZone(host, context.Str("name"));
    if (!set) return Fail(fmt::format("Error message:\nfailed to set the timezone: {}", set.error().message));
  }
  if (change_clock) {
    auto set = SetHwclock(host, context.Str("hwclock"));
    if (!set) return Fail(fmt::format("Error message:\nfailed to set hwclock: {}", set.error().message));
  }
  return result;
}

}  // namespace tend
