#include "controller/pymodule/payload.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>

#include "modules/parsers/tools_parse.h"

namespace tend {
namespace {

// 1980-01-01 00:00, the zip epoch: payloads never differ by build time.
constexpr uint16_t kDosTime = 0;
constexpr uint16_t kDosDate = (1 << 5) | 1;

void Put16(std::string& out, uint16_t v) {
  out += static_cast<char>(v & 0xff);
  out += static_cast<char>(v >> 8);
}

void Put32(std::string& out, uint32_t v) {
  Put16(out, static_cast<uint16_t>(v & 0xffff));
  Put16(out, static_cast<uint16_t>(v >> 16));
}

// The fields a local header and a central directory entry share, from
// "version needed" to the name's length.
void PutCommon(std::string& out, const PayloadFile& f, uint32_t crc) {
  Put16(out, 20);  // version needed: 2.0
  Put16(out, 0);   // flags
  Put16(out, 0);   // stored
  Put16(out, kDosTime);
  Put16(out, kDosDate);
  Put32(out, crc);
  Put32(out, static_cast<uint32_t>(f.content.size()));
  Put32(out, static_cast<uint32_t>(f.content.size()));
  Put16(out, static_cast<uint16_t>(f.name.size()));
  Put16(out, 0);  // extra field length
}

}  // namespace

std::string ZipArchive(const std::vector<PayloadFile>& files) {
  std::string out;
  std::string central;
  for (const auto& f : files) {
    uint32_t crc = tools::Crc32Update(0, f.content);
    uint32_t offset = static_cast<uint32_t>(out.size());
    Put32(out, 0x04034b50);
    PutCommon(out, f, crc);
    out += f.name;
    out += f.content;
    Put32(central, 0x02014b50);
    Put16(central, (3 << 8) | 20);  // made by: Unix, 2.0
    PutCommon(central, f, crc);
    Put16(central, 0);  // comment length
    Put16(central, 0);  // disk
    Put16(central, 0);  // internal attributes
    Put32(central, 0100644U << 16);
    Put32(central, offset);
    central += f.name;
  }
  uint32_t central_at = static_cast<uint32_t>(out.size());
  out += central;
  Put32(out, 0x06054b50);
  Put16(out, 0);
  Put16(out, 0);
  Put16(out, static_cast<uint16_t>(files.size()));
  Put16(out, static_cast<uint16_t>(files.size()));
  Put32(out, static_cast<uint32_t>(central.size()));
  Put32(out, central_at);
  Put16(out, 0);
  return out;
}

std::string PayloadMain(const std::string& dotted) {
  return fmt::format(
      "import runpy\n"
      "import sys\n"
      "runpy.run_module(mod_name='{0}', init_globals=dict(_module_fqn='{0}', "
      "_modlib_path=sys.path[0]), run_name='__main__', alter_sys=True)\n",
      dotted);
}

std::string BuildPayload(const std::string& dotted, std::vector<PayloadFile> files) {
  files.push_back({"__main__.py", PayloadMain(dotted)});
  std::sort(files.begin(), files.end(),
            [](const PayloadFile& a, const PayloadFile& b) { return a.name < b.name; });
  return ZipArchive(files);
}

}  // namespace tend
