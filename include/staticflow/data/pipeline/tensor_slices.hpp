// SPDX-License-Identifier: MIT
/// \file
/// \brief `from_tensor_slices` (elements are the slices along the first axis) and
/// `from_tensors` (one element).
#pragma once
#ifndef STATICFLOW_DATA_PIPELINE_TENSOR_SLICES_HPP
#define STATICFLOW_DATA_PIPELINE_TENSOR_SLICES_HPP

#include <cstddef>
#include <memory>
#include <optional>
#include <tuple>
#include <type_traits>
#include <utility>

#include "staticflow/data/pipeline/dataset_base.hpp"
#include "staticflow/data/slices.hpp"

namespace staticflow::data {

namespace detail {
template <class... X>
struct slices_element {
  using type = std::tuple<slice_t<X>...>;
};
template <class X>
struct slices_element<X> {
  using type = slice_t<X>;
};
}  // namespace detail

/// Slices of one or several tensors / vectors, held once (shared by copies of the dataset and
/// by its cursors). One source gives `slice_t<X>`; several give a tuple of their slices.
template <class... X>
class tensor_slices_dataset : public dataset_base<tensor_slices_dataset<X...>> {
  using sources = std::tuple<X...>;

 public:
  using element_type = typename detail::slices_element<X...>::type;

  explicit tensor_slices_dataset(X... x) {
    count_ = detail::common_slice_count("staticflow::data::from_tensor_slices", x...);
    data_ = std::make_shared<const sources>(std::move(x)...);
  }

  class cursor {
   public:
    cursor(std::shared_ptr<const sources> data, std::size_t count) : data_(std::move(data)), count_(count) {}
    std::optional<element_type> next() {
      if (index_ == count_) return std::nullopt;
      const std::size_t i = index_++;
      return std::apply([i](const auto&... x) { return element_type(slice_at(x, i)...); }, *data_);
    }

   private:
    std::shared_ptr<const sources> data_;
    std::size_t count_;
    std::size_t index_ = 0;
  };

  cursor make_cursor() const { return cursor(data_, count_); }
  /// Number of elements.
  std::size_t size() const noexcept { return count_; }

 private:
  std::shared_ptr<const sources> data_;
  std::size_t count_ = 0;
};

/// The slices along the first axis of `x...` (sf::tensor or std::vector, moved in: pass
/// `std::move(t)` to avoid a copy): `from_tensor_slices(images, labels)` gives
/// `std::tuple<tensor<float, shape<28, 28, 1>>, std::int32_t>` elements for
/// `images: tensor<float, shape<dyn, 28, 28, 1>>` and `labels: tensor<std::int32_t, shape<dyn>>`.
/// **Errors:** invalid_argument if the first extents differ (the message names them).
template <class... X>
auto from_tensor_slices(X... x) {
  static_assert(sizeof...(X) >= 1, "staticflow::data::from_tensor_slices: give at least one tensor or vector");
  return tensor_slices_dataset<X...>(std::move(x)...);
}

/// A dataset of exactly one element, `value` (tf.data.Dataset.from_tensors).
template <class T>
class single_dataset : public dataset_base<single_dataset<T>> {
 public:
  using element_type = T;
  explicit single_dataset(T value) : value_(std::make_shared<const T>(std::move(value))) {}

  class cursor {
   public:
    explicit cursor(std::shared_ptr<const T> value) : value_(std::move(value)) {}
    std::optional<T> next() {
      if (!value_) return std::nullopt;
      std::optional<T> out(*value_);
      value_.reset();
      return out;
    }

   private:
    std::shared_ptr<const T> value_;
  };

  cursor make_cursor() const { return cursor(value_); }

 private:
  std::shared_ptr<const T> value_;
};

/// One element: `value` (several values: their tuple).
template <class T0, class... T>
auto from_tensors(T0 value, T... more) {
  if constexpr (sizeof...(T) == 0) return single_dataset<T0>(std::move(value));
  else return single_dataset<std::tuple<T0, T...>>(std::tuple<T0, T...>(std::move(value), std::move(more)...));
}

}  // namespace staticflow::data
#endif  // STATICFLOW_DATA_PIPELINE_TENSOR_SLICES_HPP
