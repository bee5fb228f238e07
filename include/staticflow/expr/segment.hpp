// SPDX-License-Identifier: MIT
/// \file
/// \brief TF's segment reductions: `segment_sum`, `segment_mean` (sorted segment ids) and
/// `unsorted_segment_sum`: the rows of `data` summed (or averaged) by segment id.
///
/// The number of segments is an argument of all three: a result's extents are known when the
/// expression is bound, before any value is read (TF's sorted ops take max(id) + 1 instead;
/// pass at least that).
#pragma once
#ifndef STATICFLOW_EXPR_SEGMENT_HPP
#define STATICFLOW_EXPR_SEGMENT_HPP

#include <array>
#include <cstdint>
#include <type_traits>

#include "staticflow/core/error.hpp"
#include "staticflow/expr/op_node.hpp"
#include "staticflow/ops/segment.hpp"

namespace staticflow {

enum class segment_kind { unsorted_sum, sum, mean };

namespace detail {
/// [dyn] + the axes of data's shape after the `Covered` axes the ids cover.
template <class SD, std::size_t Covered>
struct segment_shape {
  static constexpr std::size_t rank = SD::rank - Covered + 1;
  static constexpr std::array<std::size_t, rank> extents = [] {
    std::array<std::size_t, rank> e{};
    e[0] = dyn;
    for (std::size_t d = Covered; d < SD::rank; ++d) e[d - Covered + 1] = SD::extents[d];
    return e;
  }();
  using type = typename shape_from_array<extents, rank>::type;
};

/// Host checks of segment ids (`n` ids read every `stride`): in range (`api` names the op) and,
/// for the sorted ops, non-decreasing.
template <class I>
void check_segment_ids(const char* api, const I* ids, std::size_t stride, std::size_t n, std::size_t segments,
                       bool sorted) {
  for (std::size_t k = 0; k < n; ++k) {
    const auto s = static_cast<long long>(ids[k * stride]);
    if ((sorted && s < 0) || s >= static_cast<long long>(segments))
      fail<invalid_argument>({api, ": segment_ids[", k, "] = ", s, " is not in [0, num_segments = ", segments, ")"});
    if (sorted && k > 0 && s < static_cast<long long>(ids[(k - 1) * stride]))
      fail<invalid_argument>({api, ": segment_ids must be sorted, but segment_ids[", k, "] = ", s,
                              " < segment_ids[", k - 1, "] = ", static_cast<long long>(ids[(k - 1) * stride])});
  }
}
}  // namespace detail

/// The op of the three functions; `Covered`: how many leading axes of data the ids cover;
/// `stride`: ids are read every `stride` elements (2: the first column of sparse indices).
template <segment_kind Kind, std::size_t Covered>
struct segment_op {
  static constexpr const char* name = Kind == segment_kind::unsorted_sum ? "sf::unsorted_segment_sum"
                                      : Kind == segment_kind::sum        ? "sf::segment_sum"
                                                                         : "sf::segment_mean";
  std::size_t segments = 0, stride = 1;
  template <class TD, class TI>
  using value_type = TD;
  template <class SD, class SI>
  using result_shape = typename detail::segment_shape<SD, Covered>::type;
  template <class S, class DD, class DI>
  dims_t<S> result_dims(const DD& data, const DI&) const {
    dims_t<S> d{};
    d[0] = segments;
    for (std::size_t i = Covered; i < DD{}.size(); ++i) d[i - Covered + 1] = data[i];
    return d;
  }

  template <class P, class Out, class Data, class Ids, class Tmp>
  void forward(const Out& out, const Data& data, const Ids& ids, Tmp&) const {
    const std::size_t n = ids.size() / stride, inner = out.size() / (segments ? segments : 1);
    if constexpr (std::is_same_v<P, host>) {
      if (data.size() != n * inner)
        detail::fail<invalid_argument>({name, ": segment_ids has ", n, " entries but data has ",
                                        inner ? data.size() / inner : 0, " rows"});
      detail::check_segment_ids(name, ids.data(), stride, n, segments, Kind != segment_kind::unsorted_sum);
    }
    using T = typename Data::value_type;
    using I = typename Ids::value_type;
    executor<P>::for_each(inner, ops::segment_sum_columns<T, I>{out.data(), data.data(), ids.data(), stride, n, segments, inner},
                          n + segments);
    if constexpr (Kind == segment_kind::mean)
      executor<P>::for_each(segments, ops::segment_mean_rows<T, I>{out.data(), ids.data(), stride, n, inner}, inner);
  }

  /// data's gradient: each row gets its segment's (TF's gather of the gradient).
  template <int Side, class P, class D, class Data, class Ids, class V, class G, class Tmp>
  void backward(const D& d, const Data&, const Ids& ids, const V&, const G& g, Tmp&) const {
    static_assert(Side == 0);
    const std::size_t n = ids.size() / stride, inner = n ? d.size() / n : 0;
    using T = typename Data::value_type;
    using I = typename Ids::value_type;
    executor<P>::for_each(d.size(), ops::segment_gather<T, I>{d.data(), g.data(), ids.data(), stride, n, segments, inner,
                                                              Kind == segment_kind::mean});
  }
};

namespace detail {
template <segment_kind Kind, class Data, class Ids>
auto make_segment(const Data& data, const Ids& ids, std::size_t num_segments) {
  using I = value_t<Ids>;
  using SD = shape_of_t<Data>;
  using SI = shape_of_t<Ids>;
  constexpr bool integral = std::is_same_v<I, std::int32_t> || std::is_same_v<I, std::int64_t>;
  static_assert(integral, "sf::segment_sum/segment_mean/unsorted_segment_sum: segment_ids must be int32 or int64");
  static_assert(floating_element<value_t<Data>>, "sf::segment_sum/segment_mean/unsorted_segment_sum: data must be floating");
  constexpr bool fits = SI::rank >= 1 && SI::rank <= SD::rank;
  static_assert(fits, "sf::segment_sum/segment_mean/unsorted_segment_sum: segment_ids' rank must be between 1 and data's");
  if constexpr (integral && fits) {
    static_assert(Kind == segment_kind::unsorted_sum || SI::rank == 1,
                  "sf::segment_sum/segment_mean: segment_ids must be a vector (one id per row of data)");
    return make_op_node(segment_op<Kind, SI::rank>{num_segments, 1}, data, ids);
  } else {
    return scalar<value_t<Data>>({});
  }
}
}  // namespace detail

/// TF's tf.math.unsorted_segment_sum: out[s, ...] = sum of data[k..., ...] over the positions k
/// (of ids' shape, a prefix of data's) whose id is s. Ids need no order; negative ids are dropped.
/// **Shape:** [num_segments] + data's shape after ids' axes. **Gradient:** into data (a gather).
/// **Errors:** an id >= num_segments, or data and ids of different leading extents: invalid_argument (host).
template <operand Data, operand Ids>
auto unsorted_segment_sum(const Data& data, const Ids& segment_ids, std::size_t num_segments) {
  return detail::make_segment<segment_kind::unsorted_sum>(data, segment_ids, num_segments);
}

/// TF's tf.math.segment_sum over sorted ids (one per row of data): rows of a segment summed;
/// segments without ids give zeros. **Shape:** [num_segments] + data's shape without its first axis.
/// **Errors:** unsorted ids, an id outside [0, num_segments), mismatched rows: invalid_argument (host).
template <operand Data, operand Ids>
auto segment_sum(const Data& data, const Ids& segment_ids, std::size_t num_segments) {
  return detail::make_segment<segment_kind::sum>(data, segment_ids, num_segments);
}

/// TF's tf.math.segment_mean: segment_sum divided by each segment's row count (empty: zeros).
template <operand Data, operand Ids>
auto segment_mean(const Data& data, const Ids& segment_ids, std::size_t num_segments) {
  return detail::make_segment<segment_kind::mean>(data, segment_ids, num_segments);
}

}  // namespace staticflow
#endif  // STATICFLOW_EXPR_SEGMENT_HPP
