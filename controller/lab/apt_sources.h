#pragma once

// The machine's apt sources (/etc/apt/sources.list, sources.list.d/*.list and
// deb822 sources.list.d/*.sources): the lab builds its base from the mirror apt
// uses, so a user's mirror or proxy is honoured, and copies the sources whose
// keyrings the base has.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"

namespace tend::lab {

/// One source: a one-line `deb ...` entry or one deb822 stanza.
struct AptSource {
  std::vector<std::string> types;  // "deb", "deb-src"
  std::vector<std::string> uris;
  std::vector<std::string> suites;
  std::vector<std::string> components;
  std::vector<std::string> signed_by;  // keyring paths (fingerprints and inline keys left out)
  bool enabled = true;
};

enum class AptSourceFormat { kOneLine, kDeb822 };

/// The format apt reads `path` in: *.sources is deb822, anything else one-line.
AptSourceFormat AptSourceFormatOf(std::string_view path);

/// The sources in one file's text.
std::vector<AptSource> ParseAptSources(std::string_view text, AptSourceFormat format);

/// The first URI of the first enabled `deb` source for Debian's main archive
/// (a Debian suite other than -security, component main), in the order given.
std::optional<std::string> DebianMirror(const std::vector<AptSource>& sources);

struct AptSourceFile {
  std::string path;  // as apt names it, e.g. /etc/apt/sources.list.d/debian.sources
  std::string text;
};

/// The sources files apt reads under `root` ("" = this machine), in apt's
/// order: sources.list, then sources.list.d/*.list and *.sources by name.
std::vector<AptSourceFile> ReadAptSourceFiles(const std::string& root);

/// DebianMirror over the sources files under `root`; an error saying to pass
/// --mirror when they name none.
Expected<std::string> DebianMirrorFromApt(const std::string& root);

}  // namespace tend::lab
