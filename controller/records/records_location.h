#pragma once

// Where a command's run records go: `--records`, else TEND_RECORDS or
// ansible.cfg's `[tend] records` (the config reader folds the variable in),
// else the SQLite file under $XDG_STATE_HOME.

#include <memory>
#include <string>

#include "controller/records/record_store.h"

namespace tend {

struct RecordsLocation {
  enum class Kind { kOff, kSqlite, kPostgres };
  Kind kind = Kind::kOff;
  std::string where;  // the file path or the URL
};

/// `given` is the flag, or the setting when no flag was given ("" for neither);
/// `xdg_state` and `home` are those variables' values ("" when unset).
RecordsLocation ResolveRecords(const std::string& given, const std::string& xdg_state,
                               const std::string& home);

/// The same, with $XDG_STATE_HOME and $HOME from the environment.
RecordsLocation ResolveRecords(const std::string& given);

/// Opens the store and migrates its schema; an error for kOff.
Expected<std::unique_ptr<RecordStore>> OpenRecords(const RecordsLocation& where);

}  // namespace tend
