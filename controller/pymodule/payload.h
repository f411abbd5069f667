#pragma once

// The bytes sent to a host for a module tend runs through Python: a zip
// (stored, fixed timestamps, entries sorted, so equal code gives equal bytes
// and one SHA-256) of the module and its module_utils, with a __main__.py
// that runs the module as AnsiballZ's wrapper does. `python3 payload.zip`
// runs it; ANSIBLE_MODULE_ARGS arrive on stdin.

#include <string>
#include <vector>

#include "controller/pymodule/import_scanner.h"

namespace tend {

/// A zip archive of `files` (stored, deterministic).
std::string ZipArchive(const std::vector<PayloadFile>& files);

/// The __main__.py that runs `dotted` as __main__, giving it the globals
/// Ansible's respawn support reads (_module_fqn, _modlib_path).
std::string PayloadMain(const std::string& dotted);

/// The zip for a module: its files and the __main__.py.
std::string BuildPayload(const std::string& dotted, std::vector<PayloadFile> files);

}  // namespace tend
