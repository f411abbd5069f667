#pragma once

// `tend report RUN -o run.html`: one recorded run as a single HTML page with
// everything inline (CSS, SVG; no fetches): failures first, a per-host
// timeline of tasks (a Gantt chart), changed tasks with their diffs, the recap.

#include <string>

#include "controller/records/record.h"

namespace tend {

std::string RunReportHtml(const RunDetail& run);

}  // namespace tend
