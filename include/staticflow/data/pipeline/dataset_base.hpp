// SPDX-License-Identifier: MIT
/// \file
/// \brief `dataset_base<D>`: the tf.data operations as members of every dataset, and the
/// `pipeline_dataset` concept a source or stage satisfies.
///
/// A dataset is a small value (parameters, a shared pointer to in-memory data); iterating it
/// makes a *cursor* holding the state of one pass, so every pass starts afresh (`repeat` makes a
/// new cursor per epoch, `shuffle` reshuffles). Stages are class templates over their upstream
/// dataset and call its cursor directly: no virtual call per element.
///
/// ## Writing a source (about 30 lines)
/// A source is a class deriving from `dataset_base<Self>` with
/// - `using element_type = ...;` (a movable value type),
/// - a movable `class cursor` with `std::optional<element_type> next()` (nullopt at the end;
///   throw staticflow's error classes for bad input: `not_found`, `data_loss`, ...),
/// - `cursor make_cursor() const`, which copies what the pass needs (a cursor may outlive the
///   dataset it came from),
/// and a factory function. A TFRecord source, for example:
/// ```
/// class tfrecord_dataset : public dataset_base<tfrecord_dataset> {
///  public:
///   using element_type = std::string;
///   tfrecord_dataset(std::vector<std::string> files, io::compression c) : files_(...), c_(c) {}
///   class cursor {
///    public:
///     std::optional<std::string> next() {
///       while (file_ < files_->size()) {
///         if (!reader_) reader_.emplace((*files_)[file_], c_);
///         if (auto r = reader_->read()) return r;   // one record
///         reader_.reset(), ++file_;
///       }
///       return std::nullopt;
///     }
///     ...  // files_ (shared_ptr<const vector<string>>), file_, c_, std::optional<reader> reader_
///   };
///   cursor make_cursor() const { return cursor(files_, c_); }
/// };
/// ```
/// `text_line_dataset` (pipeline/text_line.hpp) is such a source.
#pragma once
#ifndef STATICFLOW_DATA_PIPELINE_DATASET_BASE_HPP
#define STATICFLOW_DATA_PIPELINE_DATASET_BASE_HPP

#include <concepts>
#include <cstdint>
#include <functional>
#include <iterator>
#include <optional>
#include <tuple>
#include <type_traits>
#include <utility>

#include "staticflow/core/error.hpp"
#include "staticflow/data/pipeline/iterator.hpp"

namespace staticflow::data {

/// What every source and stage provides (see the file comment).
template <class D>
concept pipeline_dataset = requires(const D& d) {
  typename D::element_type;
  typename D::cursor;
  { d.make_cursor() } -> std::same_as<typename D::cursor>;
} && requires(typename D::cursor& c) {
  { c.next() } -> std::same_as<std::optional<typename D::element_type>>;
} && std::move_constructible<typename D::cursor>;

/// TF's AUTOTUNE for num_parallel_calls: one call per hardware thread.
inline constexpr std::int64_t autotune = -1;

template <class Up, class F>
class map_dataset;
template <class Up, class P>
class filter_dataset;
template <class Up>
class shuffle_dataset;
template <class Up>
class batch_dataset;
template <class Up>
class repeat_dataset;
template <class Up>
class take_dataset;
template <class Up>
class skip_dataset;
template <class Up>
class prefetch_dataset;
template <class Up, class F>
class interleave_dataset;
template <class... Ds>
class zip_dataset;

namespace detail {

/// True when `f` takes the element itself, or, for a tuple element, its components.
template <class F, class E>
concept element_callable = std::is_invocable_v<const F&, E> ||
                           requires(const F& f, E&& e) { std::apply(f, std::forward<E>(e)); };

/// Calls `f` with the element, or with a tuple element's components (as TF unpacks nests).
template <class F, class E>
decltype(auto) invoke_element(const F& f, E&& e) {
  static_assert(element_callable<F, E>,
                "staticflow::data: the function must accept the element (or, when the element is a std::tuple, "
                "its components as separate arguments), called as const");
  if constexpr (std::is_invocable_v<const F&, E>) return std::invoke(f, std::forward<E>(e));
  else return std::apply(f, std::forward<E>(e));
}

template <class F, class E>
using invoke_element_t = std::remove_cvref_t<decltype(invoke_element(std::declval<const F&>(), std::declval<E>()))>;

/// Throws invalid_argument "<api>: <what> must be <rule>, got <value>".
[[noreturn, gnu::cold]] inline void bad_argument(const char* api, const char* what, const char* rule,
                                                 std::int64_t value) {
  staticflow::detail::fail<invalid_argument>({"staticflow::data::", api, ": ", what, " must be ", rule, ", got ", value});
}
inline void check_positive(const char* api, const char* what, std::int64_t value) {
  if (value < 1) bad_argument(api, what, "positive", value);
}
inline void check_count(const char* api, const char* what, std::int64_t value) {
  if (value < -1) bad_argument(api, what, "-1 (all) or >= 0", value);
}

}  // namespace detail

/// The operations of tf.data.Dataset, as members of every dataset `Derived` (CRTP). Each
/// returns a new dataset over a copy of this one. Include staticflow/data/pipeline.hpp, which
/// defines every stage.
///
/// **Example:** `auto batches = from_tensor_slices(images, labels).shuffle(1000, 7).batch(32).prefetch(2);`
/// then `for (auto&& [x, y] : batches)` with `x` a `tensor<float, shape<dyn, 28, 28, 1>>`.
template <class Derived>
class dataset_base {
 public:
  /// `f(element)` for each element (a tuple element is passed as its components). With
  /// `num_parallel_calls` > 1 (or `autotune`) that many threads call `f` concurrently, so it must
  /// be safe to call from several threads; the output keeps the input order (TF's deterministic
  /// default). An exception from `f` reaches the consumer at that element's position.
  /// **Errors:** invalid_argument unless num_parallel_calls is positive or `autotune`.
  template <class F>
  auto map(F f, std::int64_t num_parallel_calls = 1) const {
    return map_dataset<Derived, F>(self(), std::move(f), num_parallel_calls);
  }
  /// The elements for which `predicate(element)` is true.
  template <class P>
  auto filter(P predicate) const {
    return filter_dataset<Derived, P>(self(), std::move(predicate));
  }
  /// TF's shuffle buffer: keeps `buffer_size` elements, emits one drawn uniformly and refills its
  /// place from upstream. buffer_size 1 is the identity; >= the data set's size, a uniform
  /// permutation. Each pass reshuffles unless `reshuffle_each_iteration` is false.
  /// **Errors:** invalid_argument unless buffer_size is positive.
  auto shuffle(std::int64_t buffer_size, std::uint64_t seed = 0, bool reshuffle_each_iteration = true) const {
    return shuffle_dataset<Derived>(self(), buffer_size, seed, reshuffle_each_iteration);
  }
  /// Consecutive elements stacked into batches of `batch_size` (data/stack.hpp: a tensor element
  /// becomes `tensor<T, shape<dyn, ...>>`, tuples batch componentwise); the last batch may be
  /// smaller unless `drop_remainder`. **Errors:** invalid_argument unless batch_size is positive.
  auto batch(std::int64_t batch_size, bool drop_remainder = false) const {
    return batch_dataset<Derived>(self(), batch_size, drop_remainder);
  }
  /// `count` passes over this data set (-1: forever; an empty pass ends it).
  auto repeat(std::int64_t count = -1) const { return repeat_dataset<Derived>(self(), count); }
  /// At most the first `count` elements (-1: all).
  auto take(std::int64_t count) const { return take_dataset<Derived>(self(), count); }
  /// All but the first `count` elements (-1: skip all).
  auto skip(std::int64_t count) const { return skip_dataset<Derived>(self(), count); }
  /// A background thread keeps up to `buffer_size` elements ready. An upstream exception
  /// reaches the consumer after the elements before it; then the pass ends.
  auto prefetch(std::int64_t buffer_size) const { return prefetch_dataset<Derived>(self(), buffer_size); }
  /// `f(element)` must return a dataset; `cycle_length` of those are read in turn,
  /// `block_length` elements at a time; an exhausted one is replaced by the next input's (TF's
  /// interleave). With `num_parallel_calls` > 1 (or `autotune`), up to that many of the open
  /// datasets are read ahead on threads of their own (a buffer of `block_length` elements
  /// each); the order of the elements is the sequential one (TF's deterministic default), and
  /// an exception reaches the consumer at its element's position (a dataset read ahead ends
  /// there). Typical use:
  /// `list_files(...).interleave(text_line_dataset, 4, 1, 4)`.
  /// **Errors:** invalid_argument unless cycle_length and block_length are positive and
  /// num_parallel_calls is positive or `autotune`.
  template <class F>
  auto interleave(F f, std::int64_t cycle_length, std::int64_t block_length = 1,
                  std::int64_t num_parallel_calls = 1) const {
    return interleave_dataset<Derived, F>(self(), std::move(f), cycle_length, block_length, num_parallel_calls);
  }
  /// Tuples of this data set's element and the others', until the shortest ends.
  template <class... Others>
  auto zip(Others... others) const {
    return zip_dataset<Derived, Others...>(self(), std::move(others)...);
  }

  /// One pass, for range-for. The dataset is a C++20 input range.
  dataset_iterator<Derived> begin() const { return dataset_iterator<Derived>(self().make_cursor()); }
  std::default_sentinel_t end() const { return {}; }
  /// One pass; get_next throws out_of_range at the end.
  one_shot_iterator<Derived> make_one_shot_iterator() const { return one_shot_iterator<Derived>(self().make_cursor()); }

 private:
  const Derived& self() const { return static_cast<const Derived&>(*this); }
};

/// Tuples of the datasets' elements, until the shortest ends (tf.data.Dataset.zip).
template <class D0, class... Ds>
auto zip(D0 first, Ds... others) {
  return zip_dataset<D0, Ds...>(std::move(first), std::move(others)...);
}

}  // namespace staticflow::data
#endif  // STATICFLOW_DATA_PIPELINE_DATASET_BASE_HPP
