#include "controller/lab/apt_sources.h"

#include <doctest/doctest.h>
#include <unistd.h>

#include <filesystem>

#include "controller/lab/files.h"

namespace tend::lab {
namespace fs = std::filesystem;

namespace {
constexpr auto kOneLine = AptSourceFormat::kOneLine;
constexpr auto kDeb822 = AptSourceFormat::kDeb822;
}  // namespace

TEST_CASE("apt sources: the format follows the file name as apt reads it") {
  CHECK(AptSourceFormatOf("/etc/apt/sources.list") == kOneLine);
  CHECK(AptSourceFormatOf("/etc/apt/sources.list.d/x.list") == kOneLine);
  CHECK(AptSourceFormatOf("/etc/apt/sources.list.d/debian.sources") == kDeb822);
}

TEST_CASE("apt sources: one-line and deb822 entries parse to the same fields") {
  auto one = ParseAptSources(
      "# a comment\n"
      "deb [ arch=amd64 signed-by=/usr/share/keyrings/a.gpg ] http://mirror.example/debian "
      "bookworm main contrib # trailing\n"
      "deb-src http://mirror.example/debian bookworm main\n"
      "\n"
      "not a source\n",
      kOneLine);
  REQUIRE(one.size() == 2);
  CHECK(one[0].types == std::vector<std::string>{"deb"});
  CHECK(one[0].uris == std::vector<std::string>{"http://mirror.example/debian"});
  CHECK(one[0].suites == std::vector<std::string>{"bookworm"});
  CHECK(one[0].components == std::vector<std::string>{"main", "contrib"});
  CHECK(one[0].signed_by == std::vector<std::string>{"/usr/share/keyrings/a.gpg"});
  CHECK(one[1].types == std::vector<std::string>{"deb-src"});

  auto stanzas = ParseAptSources(
      "Types: deb deb-src\n"
      "# http://snapshot.example/archive/debian/20250520T000000Z\n"
      "URIs: http://mirror.example/debian\n"
      "Suites: bookworm bookworm-updates\n"
      "Components: main\n"
      "Signed-By: /usr/share/keyrings/a.gpg\n"
      "\n"
      "types: deb\n"
      "uris: http://other.example/debian\n"
      "suites: trixie\n"
      "components: main\n"
      "enabled: no\n"
      "signed-by:\n"
      " -----BEGIN PGP PUBLIC KEY BLOCK-----\n"
      " /AbC\n"
      " -----END PGP PUBLIC KEY BLOCK-----\n",
      kDeb822);
  REQUIRE(stanzas.size() == 2);
  CHECK(stanzas[0].types == std::vector<std::string>{"deb", "deb-src"});
  CHECK(stanzas[0].uris == std::vector<std::string>{"http://mirror.example/debian"});
  CHECK(stanzas[0].suites == std::vector<std::string>{"bookworm", "bookworm-updates"});
  CHECK(stanzas[0].signed_by == std::vector<std::string>{"/usr/share/keyrings/a.gpg"});
  CHECK(stanzas[0].enabled);
  CHECK_FALSE(stanzas[1].enabled);
  CHECK(stanzas[1].signed_by.empty());  // an inline key names no file
}

TEST_CASE("apt sources: the Debian mirror is the first deb source for Debian main") {
  struct Case {
    const char* name;
    const char* text;
    AptSourceFormat format;
    std::optional<std::string> mirror;
  };
  const Case cases[] = {
      {"one line", "deb http://mirror.example/debian bookworm main\n", kOneLine,
       "http://mirror.example/debian"},
      {"a proxy in front of the archive",
       "deb http://proxy.example:3142/debian bookworm main contrib non-free-firmware\n", kOneLine,
       "http://proxy.example:3142/debian"},
      {"security first, then the archive",
       "deb http://security.example/debian-security bookworm-security main\n"
       "deb http://mirror.example/debian bookworm main\n",
       kOneLine, "http://mirror.example/debian"},
      {"old-style security suite",
       "deb http://security.example/debian-security buster/updates main\n", kOneLine, std::nullopt},
      {"updates count as the archive", "deb http://mirror.example/debian stable-updates main\n",
       kOneLine, "http://mirror.example/debian"},
      {"deb-src only", "deb-src http://mirror.example/debian bookworm main\n", kOneLine,
       std::nullopt},
      {"no main component", "deb http://mirror.example/debian bookworm contrib\n", kOneLine,
       std::nullopt},
      {"third-party repositories with a main component",
       "deb https://cloud.example/apt cloud-sdk-bookworm main\n"
       "deb https://node.example/node_20.x nodistro main\n",
       kOneLine, std::nullopt},
      {"commented out", "# deb http://mirror.example/debian bookworm main\n", kOneLine,
       std::nullopt},
      {"deb822, security stanza second",
       "Types: deb\nURIs: http://mirror.example/debian\nSuites: bookworm bookworm-updates\n"
       "Components: main\n\n"
       "Types: deb\nURIs: http://mirror.example/debian-security\nSuites: bookworm-security\n"
       "Components: main\n",
       kDeb822, "http://mirror.example/debian"},
      {"deb822, disabled stanza skipped",
       "Types: deb\nURIs: http://off.example/debian\nSuites: sid\nComponents: main\n"
       "Enabled: no\n\n"
       "Types: deb\nURIs: http://mirror.example/debian\nSuites: trixie\nComponents: main\n",
       kDeb822, "http://mirror.example/debian"},
      {"deb822, several URIs: the first",
       "Types: deb\nURIs: http://a.example/debian http://b.example/debian\nSuites: bookworm\n"
       "Components: main\n",
       kDeb822, "http://a.example/debian"},
      {"empty", "", kDeb822, std::nullopt},
  };
  for (const auto& c : cases) {
    CAPTURE(c.name);
    CHECK(DebianMirror(ParseAptSources(c.text, c.format)) == c.mirror);
  }
}

TEST_CASE("apt sources: files read in apt's order, sources.list first") {
  std::string root =
      (fs::temp_directory_path() / ("tend-lab-aptsrc-" + std::to_string(getpid()))).string();
  REQUIRE(MakeDirs(root + "/etc/apt/sources.list.d"));
  REQUIRE(WriteFile(root + "/etc/apt/sources.list.d/b.sources",
                    "Types: deb\nURIs: http://b.example/debian\nSuites: bookworm\n"
                    "Components: main\n"));
  REQUIRE(WriteFile(root + "/etc/apt/sources.list.d/a.list",
                    "deb http://a.example/debian bookworm main\n"));
  REQUIRE(WriteFile(root + "/etc/apt/sources.list.d/c.list.disabled",
                    "deb http://c.example/debian bookworm main\n"));
  auto files = ReadAptSourceFiles(root);
  REQUIRE(files.size() == 2);
  CHECK(files[0].path == "/etc/apt/sources.list.d/a.list");
  CHECK(files[1].path == "/etc/apt/sources.list.d/b.sources");
  CHECK(DebianMirrorFromApt(root).value() == "http://a.example/debian");

  REQUIRE(
      WriteFile(root + "/etc/apt/sources.list", "deb http://first.example/debian bookworm main\n"));
  CHECK(ReadAptSourceFiles(root).front().path == "/etc/apt/sources.list");
  CHECK(DebianMirrorFromApt(root).value() == "http://first.example/debian");
  fs::remove_all(root);
}

}  // namespace tend::lab
