// SPDX-License-Identifier: MIT
/// \file
/// \brief TensorBoard summaries in one include: `Event`/`Summary` encoding, TF 1.x's histogram,
/// `file_writer` (a background thread writing events files) and the in-graph summary ops
/// (`summary::scalar`, `histogram`, `text`, `audio`, `merge`); events files read back
/// (`event_reader.hpp`) and the HTML report of a log directory (`report.hpp`, `report_html.hpp`:
/// what `staticflow-board` writes). Kept out of `staticflow.hpp`:
/// it needs threads and files. Image summaries need libpng and have their own header,
/// `staticflow/summary/image.hpp` (link `staticflow::png`).
#pragma once
#ifndef STATICFLOW_SUMMARY_HPP
#define STATICFLOW_SUMMARY_HPP

#include "staticflow/summary/audio.hpp"
#include "staticflow/summary/event.hpp"
#include "staticflow/summary/event_reader.hpp"
#include "staticflow/summary/file_writer.hpp"
#include "staticflow/summary/histogram.hpp"
#include "staticflow/summary/ops.hpp"
#include "staticflow/summary/report.hpp"
#include "staticflow/summary/report_html.hpp"

#endif  // STATICFLOW_SUMMARY_HPP
