#pragma once

// The command line's side of run records: the --records option, what a run
// record says about who ran what where, and opening the store for reading
// commands.

#include <CLI/CLI.hpp>

#include <memory>
#include <string>
#include <vector>

#include "controller/playbook/reporter.h"
#include "controller/records/record_store.h"
#include "controller/records/recording_reporter.h"

namespace tend {

/// Remembers the process's arguments for run records (main calls it first).
void SetCommandLine(int argc, char** argv);
/// The arguments as one shell-quoted line.
const std::string& CommandLine();

/// Adds --records, defaulting to TEND_RECORDS / ansible.cfg's [tend] records.
void AddRecordsOption(CLI::App& app, std::string& records);

/// What a run record starts with: the command, user, controller host, time
/// and the given files with their git commits.
RunInfo NewRunInfo(const std::string& command, const std::vector<std::string>& inventory,
                   const std::vector<std::string>& playbooks);

/// `inner` wrapped in a RecordingReporter writing to `records` (kept in
/// `*recorder` for Finish), or `inner` itself when records are off or the
/// store cannot be opened (one warning then).
std::unique_ptr<Reporter> WithRecords(std::unique_ptr<Reporter> inner, const std::string& records,
                                      RunInfo info, RecordingReporter** recorder);

/// Opens the store for a reading command; prints the error and returns null.
std::unique_ptr<RecordStore> OpenRecordsForReading(const std::string& records);

}  // namespace tend
