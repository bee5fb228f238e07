// SPDX-License-Identifier: MIT
/// \file
/// \brief TF 1.x's histogram of a summary: its default bucket limits and its `HistogramProto`.
///
/// The bucket limits (tensorflow/core/lib/histogram/histogram.cc, `InitDefaultBuckets`):
/// `v_k = 1e-12 * 1.1^k` for every `v_k < 1e20` (k = 0..773: 1e-12 * 1.1^773 is about 9.92e19),
/// computed as TF does, by repeated multiplication in double (`v *= 1.1`), then
/// ```
///   -DBL_MAX, -v_773, ..., -v_0, 0, v_0, ..., v_773, DBL_MAX      (2 * 774 + 3 = 1551 limits)
/// ```
/// Bucket `i` counts the values `x` with `limit[i-1] <= x < limit[i]` (the first bucket has no
/// lower edge): a value goes to the first limit strictly above it (`std::upper_bound`). So 0 lands
/// in the bucket whose limit is 1e-12, and -1e-12 in the one whose limit is 0.
///
/// `HistogramProto` (summary.proto): min = 1, max = 2, num = 3, sum = 4, sum_squares = 5 (doubles),
/// bucket_limit = 6 and bucket = 7 (packed doubles). As TF's summary op does
/// (`EncodeToProto(..., preserve_zero_buckets = false)`), each run of empty buckets collapses into
/// one entry carrying the run's last limit and a count of 0; an empty histogram is one bucket
/// (limit DBL_MAX, count 0), with min = DBL_MAX and max = -DBL_MAX as TF leaves them.
#pragma once
#ifndef STATICFLOW_SUMMARY_HISTOGRAM_HPP
#define STATICFLOW_SUMMARY_HISTOGRAM_HPP

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "staticflow/core/error.hpp"
#include "staticflow/io/protobuf.hpp"
#include "staticflow/summary/proto3_fields.hpp"

namespace staticflow::summary {

/// TF 1.x's default bucket limits (see the file comment), built once.
inline const std::vector<double>& default_bucket_limits() {
  static const std::vector<double> limits = [] {
    std::vector<double> positive;
    for (double v = 1.0e-12; v < 1.0e20; v *= 1.1) positive.push_back(v);
    positive.push_back(std::numeric_limits<double>::max());
    std::vector<double> all;
    all.reserve(2 * positive.size() + 1);
    for (auto it = positive.rbegin(); it != positive.rend(); ++it) all.push_back(-*it);
    all.push_back(0.0);
    all.insert(all.end(), positive.begin(), positive.end());
    return all;
  }();
  return limits;
}

/// The field numbers of `tensorflow.HistogramProto`.
namespace histogram_field {
inline constexpr std::uint32_t min = 1, max = 2, num = 3, sum = 4, sum_squares = 5, bucket_limit = 6, bucket = 7;
}  // namespace histogram_field

/// A histogram over TF's default buckets, filled value by value, as TF's summary op fills it.
///
/// **Errors**: `add` throws invalid_argument for a NaN or infinite value, as TF's
/// HistogramSummary op does ("Nan in summary histogram for: <tag>"), naming the tag and index.
class value_histogram {
 public:
  value_histogram() : counts_(default_bucket_limits().size(), 0.0) {}

  /// Adds one value (`what` and `index` name it in the error).
  void add(double x, std::string_view what = "histogram", std::size_t index = 0) {
    if (!std::isfinite(x))
      staticflow::detail::fail<invalid_argument>({"sf::summary::value_histogram: ", std::isnan(x) ? "NaN" : "infinity",
                                      " in summary histogram for '", what, "' at flat index ", index});
    const auto& limits = default_bucket_limits();
    // upper_bound: the first limit strictly above x. Only x == DBL_MAX has none; TF would index
    // past its buckets there, we keep it in the last one.
    const auto b = static_cast<std::size_t>(std::upper_bound(limits.begin(), limits.end(), x) - limits.begin());
    counts_[std::min(b, counts_.size() - 1)] += 1.0;
    min_ = std::min(min_, x);
    max_ = std::max(max_, x);
    num_ += 1.0;
    sum_ += x;
    sum_squares_ += x * x;
  }

  /// Adds every value of `values` (any arithmetic type).
  template <class T>
  void add_all(std::span<const T> values, std::string_view what = "histogram") {
    for (std::size_t i = 0; i < values.size(); ++i) add(static_cast<double>(values[i]), what, i);
  }

  double min() const noexcept { return min_; }
  double max() const noexcept { return max_; }
  double num() const noexcept { return num_; }
  double sum() const noexcept { return sum_; }
  double sum_squares() const noexcept { return sum_squares_; }
  /// The count of each default bucket (one per limit).
  std::span<const double> counts() const noexcept { return counts_; }

  /// The (limit, count) pairs TF writes: each run of empty buckets collapsed into one.
  void collapsed(std::vector<double>& limits_out, std::vector<double>& counts_out) const {
    const auto& limits = default_bucket_limits();
    limits_out.clear();
    counts_out.clear();
    for (std::size_t i = 0; i < counts_.size();) {
      double end = limits[i];
      const double count = counts_[i++];
      if (count <= 0.0)
        while (i < counts_.size() && counts_[i] <= 0.0) end = limits[i++];
      limits_out.push_back(end);
      counts_out.push_back(count);
    }
  }

  /// Writes the fields of a HistogramProto (the body of the message) into `w`.
  void encode_fields(io::proto::writer& w) const {
    std::vector<double> limits, counts;
    collapsed(limits, counts);
    detail::put_double(w, histogram_field::min, min_);
    detail::put_double(w, histogram_field::max, max_);
    detail::put_double(w, histogram_field::num, num_);
    detail::put_double(w, histogram_field::sum, sum_);
    detail::put_double(w, histogram_field::sum_squares, sum_squares_);
    w.packed_fixed(histogram_field::bucket_limit, std::span<const double>(limits));
    w.packed_fixed(histogram_field::bucket, std::span<const double>(counts));
  }

 private:
  std::vector<double> counts_;
  double min_ = std::numeric_limits<double>::max();
  double max_ = -std::numeric_limits<double>::max();
  double num_ = 0, sum_ = 0, sum_squares_ = 0;
};

}  // namespace staticflow::summary
#endif  // STATICFLOW_SUMMARY_HISTOGRAM_HPP
