// SPDX-License-Identifier: MIT
/// \file
/// \brief Summaries in the graph, TF 1.x style: `summary::scalar("loss", loss)`,
/// `summary::histogram("w", w)`, `summary::text(...)` and `summary::merge(...)` are ops a
/// session runs (with the feeds their expressions need), returning a serialized Summary for
/// `file_writer::add_summary`:
/// ```
///   auto merged = sf::summary::merge(sf::summary::scalar("loss", loss), sf::summary::histogram("fc/w", w));
///   writer.add_summary(sess.run(merged, sf::feed(x, batch)), step);
/// ```
/// `merge` takes the summaries by value rather than collecting every summary of the graph as
/// TF's `merge_all` does: the feeds a run needs are checked at compile time, so the merged op
/// must know its parts' types.
#pragma once
#ifndef STATICFLOW_SUMMARY_OPS_HPP
#define STATICFLOW_SUMMARY_OPS_HPP

#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>

#include "staticflow/expr/node.hpp"
#include "staticflow/summary/event.hpp"
#include "staticflow/summary/histogram.hpp"

namespace staticflow::summary {

/// A scalar summary of a rank-0 expression (`tf.summary.scalar`).
template <class E>
struct scalar_op {
  std::string tag;
  E value;
  template <class Session, class... F>
  std::string run_on(Session& s, const F&... feeds) const {
    std::string out;
    if constexpr (E::shape_type::rank == 0)  // (else `scalar` has failed its assertion already)
      append_scalar(out, tag, static_cast<float>(s.run(value, feeds...)));
    return out;
  }
};

/// A histogram summary of an expression's values (`tf.summary.histogram`).
template <class E>
struct histogram_op {
  std::string tag;
  E values;
  template <class Session, class... F>
  std::string run_on(Session& s, const F&... feeds) const {
    const auto t = s.run(values, feeds...);
    value_histogram h;
    h.add_all(std::span<const typename E::value_type>(t.data(), t.size()), tag);
    std::string out;
    append_histogram(out, tag, h);
    return out;
  }
};

/// A text summary (`tf.summary.text` of a constant string).
struct text_op {
  std::string tag, text;
  template <class Session, class... F>
  std::string run_on(Session&, const F&...) const {
    std::string out;
    append_text(out, tag, text);
    return out;
  }
};

/// Several summaries run with the same feeds, their values in one Summary (`tf.summary.merge`).
template <class... S>
struct merge_op {
  std::tuple<S...> parts;
  template <class Session, class... F>
  std::string run_on(Session& s, const F&... feeds) const {
    std::string out;  // Summaries concatenate (event.hpp)
    std::apply([&](const auto&... p) { ((out += p.run_on(s, feeds...)), ...); }, parts);
    return out;
  }
};

template <operand E>
scalar_op<node_t<E>> scalar(std::string_view tag, const E& value) {
  static_assert(shape_of_t<E>::rank == 0, "sf::summary::scalar: the value must be a scalar (rank 0); reduce it first");
  return {std::string(tag), as_node(value)};
}

template <operand E>
histogram_op<node_t<E>> histogram(std::string_view tag, const E& values) {
  return {std::string(tag), as_node(values)};
}

inline text_op text(std::string_view tag, std::string_view text) { return {std::string(tag), std::string(text)}; }

template <class... S>
merge_op<S...> merge(S... parts) {
  static_assert(sizeof...(S) >= 1, "sf::summary::merge: give at least one summary");
  return {{std::move(parts)...}};
}

}  // namespace staticflow::summary
#endif  // STATICFLOW_SUMMARY_OPS_HPP
