#pragma once

// The apt family's shared pieces: the dpkg status database read natively (so
// an idempotent `apt` run starts no process), package specs with version
// pins, `apt-cache policy` output, the apt-get command lines Ansible builds,
// and running apt-get with the lock wait. Parsers are pure functions.

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "core/json.h"
#include "modules/host/host.h"

namespace tend {

inline constexpr const char* kDpkgStatusPath = "/var/lib/dpkg/status";
inline constexpr const char* kAptUpdateStampPath = "/var/lib/apt/periodic/update-success-stamp";
inline constexpr const char* kAptListsPath = "/var/lib/apt/lists";

/// One stanza of /var/lib/dpkg/status.
struct DpkgPackage {
  std::string name;
  std::string version;
  std::string arch;
  std::string section;
  std::string source;  // the Source field ("" when it equals the name)
  std::string want;    // first word of Status: install, hold, deinstall, purge, unknown
  std::string state;   // third word of Status: installed, config-files, not-installed, ...
  std::vector<std::string> provides;

  bool Installed() const { return state == "installed"; }
  /// Anything dpkg still holds for the package (files or conffiles).
  bool Present() const { return !state.empty() && state != "not-installed"; }
};

/// Parses dpkg's status database (stanzas separated by blank lines).
std::vector<DpkgPackage> ParseDpkgStatus(std::string_view content);

/// The status database indexed by package name (several entries per name
/// with multiarch).
class DpkgStatus {
 public:
  explicit DpkgStatus(std::vector<DpkgPackage> packages);
  /// Entries named `name`, restricted to `arch` when it is not empty.
  std::vector<const DpkgPackage*> Find(const std::string& name, const std::string& arch = "") const;
  /// Whether an installed package provides the virtual package `name`.
  bool ProvidedByInstalled(const std::string& name) const;
  const std::vector<DpkgPackage>& all() const { return packages_; }

 private:
  std::vector<DpkgPackage> packages_;
  std::multimap<std::string, size_t> by_name_;
};

Expected<DpkgStatus> ReadDpkgStatus(Host& host);

/// `name`, `name:arch`, `name=version`, `name=1.2*` as the apt module takes them.
struct PackagePin {
  std::string name;
  std::string arch;
  std::string version;  // may hold fnmatch wildcards

  std::string NameWithArch() const { return arch.empty() ? name : name + ":" + arch; }
  /// The argument apt-get gets (`name:arch=version`).
  std::string AptArgument() const;
};

PackagePin ParsePackagePin(std::string_view text);

/// Ansible's comparison of an installed version with a pin: fnmatch.
bool VersionMatches(const std::string& installed, const std::string& pin);

/// One package's `apt-cache policy` block.
struct AptPolicy {
  std::string installed;  // "" for (none)
  std::string candidate;  // "" for (none)
  std::vector<std::string> versions;  // the version table, highest first
};

/// Parses `apt-cache policy a b c`; packages apt does not know are absent.
std::map<std::string, AptPolicy> ParseAptPolicy(std::string_view output);

/// The apt-get options Ansible derives from the module arguments.
struct AptOptions {
  std::string dpkg_options = "force-confdef,force-confold";
  std::optional<bool> install_recommends{};
  std::string default_release{};
  bool force = false;
  bool allow_unauthenticated = false;
  bool allow_downgrade = false;
  bool allow_change_held_packages = false;
  bool only_upgrade = false;
  bool fail_on_autoremove = false;
  bool fixed = false;
  bool purge = false;
  bool autoremove = false;
};

/// `apt-get -y -o Dpkg::Options::=--force-confdef ... install pkg...`.
std::vector<std::string> AptInstallArgv(const AptOptions& options,
                                        const std::vector<std::string>& packages, bool simulate,
                                        const std::string& verb = "install");
/// `apt-get -q -y ... [--purge] [--auto-remove] remove pkg...`.
std::vector<std::string> AptRemoveArgv(const AptOptions& options,
                                       const std::vector<std::string>& packages, bool simulate);

/// The environment Ansible runs apt-get with (non-interactive, C locale).
std::map<std::string, std::string> AptEnvironment();

/// Whether apt-get's summary says it did nothing ("0 upgraded, 0 newly installed").
bool AptDidNothing(std::string_view output);

/// Runs an apt/dpkg command; while another process holds the apt or dpkg
/// lock, waits a second and retries, for up to `lock_timeout` seconds, then
/// fails with "Failed to lock apt for exclusive operation: ...".
Expected<ProcessResult> RunAptCommand(Host& host, std::vector<std::string> argv,
                                      int64_t lock_timeout, std::optional<std::string> stdin_data = {});

/// Seconds since the epoch of the last successful `apt-get update`, as
/// Ansible reads it: the periodic success stamp, else the lists directory.
int64_t AptCacheTime(Host& host);
/// Whether a cache updated at `cache_time` is still valid `valid_seconds` later.
bool AptCacheFresh(int64_t cache_time, int64_t valid_seconds, int64_t now_seconds);

/// Base64 decoding that skips whitespace (for ASCII-armored keys).
Expected<std::string> Base64Decode(std::string_view text);
/// The binary form of an ASCII-armored OpenPGP block ("gpg --dearmor");
/// binary input is returned unchanged.
Expected<std::string> Dearmor(std::string_view data);
/// Upper-case hex fingerprints (v4) of the public keys and subkeys in a
/// binary OpenPGP keyring.
std::vector<std::string> KeyFingerprints(std::string_view binary);

}  // namespace tend
