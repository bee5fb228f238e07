// SPDX-License-Identifier: MIT
/// \file
/// \brief A training report without TensorBoard: a log directory's events read back
/// (`event_reader.hpp`) and written as one self-contained HTML page (`report_html.hpp`).
///
/// Runs are found as TensorBoard finds them: every folder under the log directory that holds a
/// file whose name contains `tfevents` is one run, named by its path below the log directory
/// (`lenet/train`, `lenet/eval`; `.` for the log directory itself). A run's files are read in
/// name order (their names start with the creation time). As TensorBoard does
/// (`purge_orphaned_data`), a `SessionLog` START at step s drops what the run logged at steps
/// >= s before it (the steps a crashed run logged past its last checkpoint), and a value logged
/// at a step below its tag's last one drops that tag's values from that step on.
///
/// Scalars are smoothed as TensorBoard's scalar dashboard smooths them (`smooth`).
#pragma once
#ifndef STATICFLOW_SUMMARY_REPORT_HPP
#define STATICFLOW_SUMMARY_REPORT_HPP

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <limits>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "staticflow/core/error.hpp"
#include "staticflow/io/protobuf.hpp"
#include "staticflow/summary/event_reader.hpp"

namespace staticflow::summary {

// ================================================================== smoothing

/// TensorBoard's scalar smoothing (its line chart's `resmoothDataset`): a debiased exponential
/// moving average with weight `w` in [0, 1],
/// ```
///   last_0 = 0,  last_t = w * last_{t-1} + (1 - w) * x_t,  smoothed_t = last_t / (1 - w^t)
/// ```
/// where t counts the finite values so far. A NaN or infinite value is kept as it is (and
/// skipped by the average), `w = 1` divides by 1 (the average stays 0), and a series whose
/// values are all equal is returned as it is (TensorBoard #786: no rounding noise on a constant).
///
/// **Errors**: invalid_argument when `weight` is outside [0, 1] (or NaN).
inline std::vector<double> smooth(std::span<const double> values, double weight = 0.6) {
  if (!(weight >= 0.0 && weight <= 1.0))
    staticflow::detail::fail<invalid_argument>({"sf::summary::smooth: the weight must lie in [0, 1], got ", weight});
  std::vector<double> out(values.begin(), values.end());
  const bool constant = std::all_of(values.begin(), values.end(), [&](double v) { return v == values.front(); });
  if (constant) return out;
  double last = 0;
  int finite = 0;
  for (double& v : out) {
    if (!std::isfinite(v)) continue;
    last = last * weight + (1 - weight) * v;
    ++finite;
    const double debias = weight == 1.0 ? 1.0 : 1.0 - std::pow(weight, finite);
    v = last / debias;
  }
  return out;
}

// ================================================================ histograms

/// The counts of histogram `h` spread over `bins` equal bins of [lo, hi]: each bucket's count is
/// shared out in proportion to how much of the bucket (clamped to [h.min, h.max], the range its
/// values can be in) each bin covers; a bucket clamped to one point goes to the bin holding it.
/// Counts outside [lo, hi] go to the first or last bin. The result sums to the histogram's count.
inline std::vector<double> rebin(const histogram_proto& h, double lo, double hi, std::size_t bins) {
  std::vector<double> out(bins, 0.0);
  if (bins == 0) return out;
  const double width = hi > lo ? (hi - lo) / static_cast<double>(bins) : 0.0;
  const auto bin_of = [&](double x) {  // clamped to the bins (NaN to the first) before the cast
    const double b = width > 0 ? std::floor((x - lo) / width) : 0.0;
    if (!(b > 0)) return std::size_t{0};
    return b >= static_cast<double>(bins - 1) ? bins - 1 : static_cast<std::size_t>(b);
  };
  for (std::size_t i = 0; i < h.bucket.size() && i < h.bucket_limit.size(); ++i) {
    const double count = h.bucket[i];
    if (!(count > 0)) continue;
    double left = i == 0 ? h.min : h.bucket_limit[i - 1], right = h.bucket_limit[i];
    left = std::max(left, h.min), right = std::min(right, h.max);
    if (!(right > left) || !(width > 0)) {
      out[bin_of(left)] += count;
      continue;
    }
    const std::size_t first = bin_of(left), last = bin_of(right);
    if (first == last) {
      out[first] += count;
      continue;
    }
    for (std::size_t b = first; b <= last; ++b) {
      const double b_lo = b == 0 ? std::min(lo, left) : lo + width * static_cast<double>(b);
      const double b_hi = b == bins - 1 ? std::max(hi, right) : lo + width * static_cast<double>(b + 1);
      const double overlap = std::min(right, b_hi) - std::max(left, b_lo);
      if (overlap > 0) out[b] += count * overlap / (right - left);
    }
  }
  return out;
}

// ===================================================================== graphs

/// A node of a GraphDef as the report lists it.
struct graph_node {
  std::string name, op;
  std::vector<std::string> inputs;
  std::vector<std::int64_t> shape;  ///< its `shape` attr (variables, placeholders); -1 unknown
  bool has_shape = false;
};

/// The nodes of a serialized GraphDef (graph.proto: node 1; node_def.proto: name 1, op 2, input
/// 3, attr 5 as map entries key 1, value 2; attr_value.proto: shape 7).
///
/// **Errors**: data_loss for bytes that are not a GraphDef.
inline std::vector<graph_node> graph_nodes(std::string_view graph_def) {
  namespace proto = io::proto;
  std::vector<graph_node> nodes;
  proto::reader g(graph_def, "tensorflow.GraphDef");
  for (proto::field f; g.next(f);) {
    if (f.number != 1) continue;
    proto::reader n = g.message(f, "tensorflow.NodeDef");
    graph_node node;
    for (proto::field nf; n.next(nf);) {
      if (nf.number == 1) node.name = n.as_string(nf);
      if (nf.number == 2) node.op = n.as_string(nf);
      if (nf.number == 3) node.inputs.emplace_back(n.as_string(nf));
      if (nf.number != 5) continue;
      proto::reader entry = n.message(nf, "tensorflow.NodeDef.AttrEntry");
      std::string_view key;
      std::optional<proto::field> value;
      for (proto::field ef; entry.next(ef);) {
        if (ef.number == 1) key = entry.as_string(ef);
        if (ef.number == 2) value = ef;
      }
      if (key != "shape" || !value) continue;
      proto::reader attr = entry.message(*value, "tensorflow.AttrValue");
      for (proto::field af; attr.next(af);) {
        if (af.number != 7) continue;
        node.shape = detail::read_shape(attr.message(af, "tensorflow.TensorShapeProto"));
        node.has_shape = true;
      }
    }
    nodes.push_back(std::move(node));
  }
  return nodes;
}

// ====================================================================== runs

/// What one run logged, tag by tag, in step order.
struct report_run {
  template <class T>
  struct point {
    std::int64_t step = 0;
    double wall_time = 0;
    T value{};
  };
  template <class T>
  using series = std::map<std::string, std::vector<point<T>>>;

  std::string name;                          ///< the run's folder below the log directory
  std::vector<std::filesystem::path> files;  ///< its events files, in the order read
  series<double> scalars;
  series<histogram_proto> histograms;
  series<image_proto> images;
  series<audio_proto> audio;
  series<std::string> texts;  ///< text summaries (Markdown, as TensorBoard's Text tab reads them)
  std::string graph_def;      ///< the last GraphDef logged (serialized), if any
  std::size_t events = 0;     ///< Events read
};

/// A log directory read back: its runs in name order, and the problems met on the way (each
/// names the file and byte offset; the valid records around a bad one are all read).
struct report_data {
  std::filesystem::path logdir;
  std::vector<report_run> runs;
  std::vector<std::string> problems;
};

namespace detail {

/// Drops the points of every tag of `s` at steps >= `step` (a restart: see the file comment).
template <class T>
void purge_from(report_run::series<T>& s, std::int64_t step) {
  for (auto& [tag, points] : s)
    std::erase_if(points, [&](const auto& p) { return p.step >= step; });
  std::erase_if(s, [](const auto& kv) { return kv.second.empty(); });
}

template <class T>
void add_point(report_run::series<T>& s, const std::string& tag, std::int64_t step, double wall_time, T value) {
  auto& points = s[tag];
  if (!points.empty() && step < points.back().step)
    std::erase_if(points, [&](const auto& p) { return p.step >= step; });
  points.push_back({step, wall_time, std::move(value)});
}

inline void add_event(report_run& run, event_proto& e) {
  ++run.events;
  if (e.session_log && e.session_log->status == 1) {  // START
    purge_from(run.scalars, e.step), purge_from(run.histograms, e.step), purge_from(run.images, e.step);
    purge_from(run.audio, e.step), purge_from(run.texts, e.step);
  }
  if (!e.graph_def.empty()) run.graph_def = std::move(e.graph_def);
  for (value_proto& v : e.values) {
    using kind = value_proto::kind;
    switch (v.what) {
      case kind::scalar: add_point(run.scalars, v.tag, e.step, e.wall_time, v.scalar); break;
      case kind::histogram: add_point(run.histograms, v.tag, e.step, e.wall_time, std::move(v.histogram)); break;
      case kind::image: add_point(run.images, v.tag, e.step, e.wall_time, std::move(v.image)); break;
      case kind::audio: add_point(run.audio, v.tag, e.step, e.wall_time, std::move(v.audio)); break;
      case kind::tensor:
        if (v.tensor.dtype == 7 && !v.tensor.strings.empty()) {  // DT_STRING: text
          std::string text;
          for (const std::string& s : v.tensor.strings) text += (text.empty() ? "" : "\n") + s;
          add_point(run.texts, v.tag, e.step, e.wall_time, std::move(text));
        }
        break;
      case kind::none: break;
    }
  }
}

inline bool is_events_file(const std::filesystem::path& p) {
  return p.filename().string().find("tfevents") != std::string::npos;
}

}  // namespace detail

/// Reads every run under `logdir` (see the file comment). Each corrupt record, undecodable
/// Event, unreadable file or folder is added to `problems` and passed to `on_problem` (when
/// given) as it is met; reading goes on with what is valid.
///
/// **Errors**: not_found when `logdir` is not a directory.
inline report_data read_logdir(const std::filesystem::path& logdir,
                               const std::function<void(const std::string&)>& on_problem = {}) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(logdir, ec))
    staticflow::detail::fail<not_found>({"sf::summary::read_logdir: '", logdir.string(), "' is not a directory"});
  report_data data;
  data.logdir = logdir;
  const auto problem = [&](std::string message) {
    if (on_problem) on_problem(message);
    data.problems.push_back(std::move(message));
  };

  std::map<std::string, std::vector<fs::path>> files;  // run name -> events files
  const auto visit = [&](const fs::path& file) {
    const fs::path rel = file.parent_path().lexically_relative(logdir);
    files[rel.empty() ? std::string(".") : rel.generic_string()].push_back(file);
  };
  for (fs::recursive_directory_iterator it(logdir, fs::directory_options::skip_permission_denied, ec), end;
       !ec && it != end; it.increment(ec)) {
    std::error_code file_ec;  // (not `ec`: a file that vanished must not end the walk)
    if (it->is_regular_file(file_ec) && detail::is_events_file(it->path())) visit(it->path());
  }
  if (ec) problem("sf::summary::read_logdir: '" + logdir.string() + "': " + ec.message() + "; some folders were not read");

  for (auto& [name, paths] : files) {
    std::sort(paths.begin(), paths.end());
    report_run run;
    run.name = name;
    for (const fs::path& p : paths) {
      try {
        event_file_reader r(p, [&](const std::string& m) { problem(m); });
        for (event_proto e; r.next(e);) detail::add_event(run, e);
        run.files.push_back(p);
      } catch (const staticflow::error& e) {  // the file could not be opened
        problem(e.what());
      }
    }
    data.runs.push_back(std::move(run));
  }
  return data;
}

}  // namespace staticflow::summary
#endif  // STATICFLOW_SUMMARY_REPORT_HPP
