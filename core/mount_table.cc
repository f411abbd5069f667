#include "core/mount_table.h"

#include <algorithm>
#include <charconv>

namespace tend {
namespace {

std::vector<std::string_view> Fields(std::string_view line) {
  std::vector<std::string_view> fields;
  size_t pos = 0;
  while (pos < line.size()) {
    size_t end = line.find_first_of(" \t", pos);
    if (end == std::string_view::npos) end = line.size();
    if (end > pos) fields.push_back(line.substr(pos, end - pos));
    pos = end + 1;
  }
  return fields;
}

std::vector<std::string_view> Lines(std::string_view text) {
  std::vector<std::string_view> lines;
  for (size_t pos = 0; pos < text.size();) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    lines.push_back(text.substr(pos, end - pos));
    pos = end + 1;
  }
  return lines;
}

int Number(std::string_view field) {
  int n = 0;
  std::from_chars(field.data(), field.data() + field.size(), n);
  return n;
}

}  // namespace

std::string UnescapeMountField(std::string_view field) {
  std::string out;
  for (size_t i = 0; i < field.size(); ++i) {
    auto octal = field.substr(i + 1, 3);
    bool escape = field[i] == '\\' && octal.size() == 3 &&
                  std::all_of(octal.begin(), octal.end(), [](char c) { return c >= '0' && c <= '7'; });
    if (!escape) {
      out += field[i];
      continue;
    }
    out += static_cast<char>((octal[0] - '0') * 64 + (octal[1] - '0') * 8 + (octal[2] - '0'));
    i += 3;
  }
  return out;
}

std::vector<MountTableEntry> ParseMountInfo(std::string_view text) {
  std::vector<MountTableEntry> mounts;
  for (auto line : Lines(text)) {
    auto fields = Fields(line);
    auto dash = std::find(fields.begin(), fields.end(), "-");
    if (dash == fields.end() || dash - fields.begin() < 6 || fields.end() - dash < 4) continue;
    mounts.push_back(MountTableEntry{
        .id = Number(fields[0]),
        .parent_id = Number(fields[1]),
        .root = UnescapeMountField(fields[3]),
        .mount_point = UnescapeMountField(fields[4]),
        .options = std::string(fields[5]),
        .fs_type = std::string(dash[1]),
        .source = UnescapeMountField(dash[2]),
        .super_options = std::string(dash[3]),
    });
  }
  return mounts;
}

std::vector<MountTableEntry> ParseProcMounts(std::string_view text) {
  std::vector<MountTableEntry> mounts;
  for (auto line : Lines(text)) {
    auto fields = Fields(line);
    if (fields.size() < 4) continue;
    mounts.push_back(MountTableEntry{
        .mount_point = UnescapeMountField(fields[1]),
        .options = std::string(fields[3]),
        .fs_type = std::string(fields[2]),
        .source = UnescapeMountField(fields[0]),
    });
  }
  return mounts;
}

}  // namespace tend
