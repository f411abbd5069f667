#pragma once

// What `tend history` prints: pure functions from records to text tables or
// JSON, so tests feed them fixed records.

#include <string>
#include <vector>

#include "controller/records/record.h"

namespace tend {

/// "2026-12-06 10:12:03", local time.
std::string FormatTime(int64_t ms);
/// "1.2s", "3m04s", "1h02m".
std::string FormatDuration(double seconds);
/// "ok", "failed", "unreachable", "interrupted", "error" from the exit code,
/// or "incomplete" when the run has no end (killed, or still running).
std::string RunStatus(const RunInfo& run);
/// What the run ran: the playbooks' file names, or the command line's tail.
std::string RunWhat(const RunInfo& run);

/// Columns padded to their widest cell; the first row is the header.
std::string Table(const std::vector<std::vector<std::string>>& rows);

std::string RunsTable(const std::vector<RunSummaryRow>& runs);
std::string RunDetailText(const RunDetail& run);
std::string HostHistoryTable(const std::vector<HostChange>& changes);

Json RunInfoJson(const RunInfo& run);
Json TaskRecordJson(const TaskRecord& r);
Json RunsJson(const std::vector<RunSummaryRow>& runs);
Json RunDetailJson(const RunDetail& run);
Json HostHistoryJson(const std::vector<HostChange>& changes);

}  // namespace tend
