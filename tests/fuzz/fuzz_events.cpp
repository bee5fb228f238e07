// SPDX-License-Identifier: MIT
/// \file
/// \brief libFuzzer target: an events file read as staticflow-board reads one. The reader
/// (`summary/event_reader.hpp`) with an error handler, so every corrupt record and undecodable
/// Event is reported and skipped; then the report drawn from whatever was read
/// (`summary/report_html.hpp`: smoothing, histogram rebinning, GraphDef nodes, images, Markdown).
/// Expected failures are staticflow errors; anything else (a crash, a sanitizer report,
/// std::bad_alloc) is a bug.

#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>

#include "fuzz_file.hpp"
#include "staticflow/summary/report_html.hpp"

namespace summary = staticflow::summary;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto& path = sf_fuzz::input_file("events", data, size);
  try {
    summary::report_data report;
    summary::report_run run;
    run.name = "fuzz";
    summary::event_file_reader r(path, [&](const std::string& m) { report.problems.push_back(m); });
    for (summary::event_proto e; r.next(e);) summary::detail::add_event(run, e);
    report.runs.push_back(std::move(run));
    std::ostringstream page;
    summary::write_report_html(page, report, {.max_histogram_steps = 8, .histogram_bins = 16});
  } catch (const staticflow::error&) {
  }
  return 0;
}
