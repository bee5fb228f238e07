// SPDX-License-Identifier: MIT
/// \file
/// \brief `tensor<T, Shape, Policy>` (owning, aligned) and `tensor_view` (a cheap handle).
#pragma once
#ifndef STATICFLOW_CORE_TENSOR_HPP
#define STATICFLOW_CORE_TENSOR_HPP

#include <cstddef>
#include <span>
#include <string>
#include <type_traits>
#include <utility>

#include "staticflow/core/device.hpp"
#include "staticflow/core/dtype.hpp"
#include "staticflow/core/error.hpp"
#include "staticflow/core/shape.hpp"

namespace staticflow {

template <element_type T, any_shape S, class Policy = host>
class tensor_view;
template <element_type T, any_shape S, class Policy = host>
class tensor;

/// True for `tensor` and `tensor_view`.
template <class T>
struct is_tensor : std::false_type {};
template <class T, class S, class P>
struct is_tensor<tensor_view<T, S, P>> : std::true_type {};
template <class T, class S, class P>
struct is_tensor<tensor<T, S, P>> : std::true_type {};
template <class T>
inline constexpr bool is_tensor_v = is_tensor<std::remove_cvref_t<T>>::value;

namespace detail {

/// Run-time extents from the static ones, with the `dyn` ones taken in order from `dynamic`.
template <any_shape S, class... Ext>
dims_t<S> make_dims(Ext... dynamic) {
  static_assert(sizeof...(Ext) == S::dyn_count,
                "sf::tensor: pass exactly one run-time extent for each dyn extent of the shape");
  const std::size_t given[] = {static_cast<std::size_t>(dynamic)..., 0};
  dims_t<S> d{};
  std::size_t k = 0;
  for (std::size_t i = 0; i < S::rank; ++i) d[i] = S::extents[i] == dyn ? given[k++] : S::extents[i];
  return d;
}

/// The message, built out of line (the check below is inlined wherever a view is made).
[[noreturn, gnu::cold]] inline void throw_extents_mismatch(const std::size_t* static_extents, const std::size_t* d,
                                                          std::size_t rank, const char* where) {
  detail::fail<invalid_argument>({where, ": extents ", extents_string(d, rank, false), " do not fit shape ",
                                  extents_string(static_extents, rank, true)});
}
/// Throws `invalid_argument` when run-time extents contradict the static ones.
inline void check_extents(const std::size_t* static_extents, const std::size_t* d, std::size_t rank, const char* where) {
  for (std::size_t i = 0; i < rank; ++i)
    if (static_extents[i] != dyn && static_extents[i] != d[i]) throw_extents_mismatch(static_extents, d, rank, where);
}
template <any_shape S>
void check_dims(const dims_t<S>& d, const char* where) {
  if constexpr (S::dyn_count < S::rank) check_extents(S::extents.data(), d.v, S::rank, where);
}

/// Extents with the first one dropped (the extents of one batch element).
template <std::size_t R>
index_array<R - 1> tail(const index_array<R>& d) {
  index_array<R - 1> t{};
  for (std::size_t i = 1; i < R; ++i) t[i - 1] = d[i];
  return t;
}

}  // namespace detail

/// A non-owning handle to a tensor's elements: pointer plus run-time extents, row-major.
/// Copying a view copies the handle (like `std::span`); `v = expr` writes through it.
///
/// **Devices:** any policy; element access (`operator()`, `at`) only on the host.
template <element_type T, any_shape S, class Policy>
class tensor_view {
 public:
  using value_type = T;
  using shape_type = S;
  using policy_type = Policy;
  static constexpr std::size_t rank = S::rank;

  tensor_view() = default;
  tensor_view(T* data, const dims_t<S>& dims) : data_(data), dims_(dims) {
    detail::check_dims<S>(dims, "sf::tensor_view");
  }

  T* data() const { return data_; }
  const dims_t<S>& dims() const { return dims_; }
  std::size_t dim(std::size_t i) const { return dims_[i]; }
  std::size_t size() const { return element_count(dims_); }
  bool empty() const { return size() == 0; }

  /// Element at a multi-index (host only, unchecked in release builds).
  template <class... I>
    requires(sizeof...(I) == rank && (std::is_integral_v<I> && ...))
  T& operator()(I... i) const {
    static_assert(std::is_same_v<Policy, host>, "sf::tensor: element access is host-only; copy to the host first");
    return data_[offset({static_cast<std::size_t>(i)...})];
  }

  /// A rank-0 value on the host reads as its element, as the loss `run(train_op)` returns does:
  /// `float loss = sess.run(sf::reduce_mean(ce), feeds...);`.
  operator T() const
    requires(rank == 0 && std::is_same_v<Policy, host>)
  {
    return *data_;
  }

  /// Bounds-checked element access: throws `out_of_range` naming the index and the extents.
  template <class... I>
    requires(sizeof...(I) == rank && (std::is_integral_v<I> && ...))
  T& at(I... i) const {
    const index_array<rank> idx{static_cast<std::size_t>(i)...};
    for (std::size_t d = 0; d < rank; ++d)
      if (idx[d] >= dims_[d])
        detail::fail<out_of_range>({"sf::tensor::at: index ", to_string(idx), " outside extents ", to_string(dims_)});
    return (*this)(i...);
  }

  /// Element `i` of the first axis: a view of one batch element.
  auto operator[](std::size_t i) const
    requires(rank >= 1)
  {
    if (i >= dims_[0])
      detail::fail<out_of_range>({"sf::tensor[]: index ", i, " outside first extent ", dims_[0]});
    const auto inner = detail::tail(dims_);
    return tensor_view<T, drop_first_t<S>, Policy>(data_ + i * element_count(inner), inner);
  }

  /// Rows `[begin, end)` of the first axis: a view whose first extent is dynamic.
  auto slice(std::size_t begin, std::size_t end) const
    requires(rank >= 1)
  {
    if (begin > end || end > dims_[0])
      detail::fail<out_of_range>({"sf::tensor::slice: [", begin, ", ", end, ") outside first extent ", dims_[0]});
    auto d = dims_;
    d[0] = end - begin;
    const std::size_t row = rank ? size() / (dims_[0] ? dims_[0] : 1) : 1;
    return tensor_view<T, first_dyn_t<S>, Policy>(data_ + begin * row, d);
  }

  /// The same elements seen with another shape of equal element count.
  template <any_shape To, class... Ext>
  tensor_view<T, To, Policy> reshape(Ext... dynamic) const {
    static_assert(reshape_valid_v<S, To>, "sf::reshape: the new shape must hold the same number of elements");
    auto d = detail::make_dims<To>(dynamic...);
    if (element_count(d) != size())
      detail::fail<invalid_argument>({"sf::reshape: cannot view ", to_string(dims_), " as ", to_string(d)});
    return tensor_view<T, To, Policy>(data_, d);
  }

  /// The elements as a span (host only).
  std::span<T> span() const {
    static_assert(std::is_same_v<Policy, host>, "sf::tensor::span: host-only; copy to the host first");
    return {data_, size()};
  }

  /// Writes an expression (or another tensor's elements) through this view; extents must match.
  template <class E>
    requires(!std::is_same_v<std::remove_cvref_t<E>, tensor_view>)
  const tensor_view& operator=(const E& e) const {
    assign_expression(*this, e);  // found by ADL; defined in staticflow/expr/assign.hpp
    return *this;
  }

  /// The view itself as an expression leaf.
  tensor_view view() const { return *this; }

 protected:
  std::size_t offset(const index_array<rank>& idx) const {
    std::size_t off = 0;
    for (std::size_t d = 0; d < rank; ++d) off = off * dims_[d] + idx[d];
    return off;
  }

  T* data_ = nullptr;
  dims_t<S> dims_{};
};

/// An owning tensor: aligned storage from `memory<Policy>`, shape in the type, the `dyn`
/// extents at run time. Copies are deep; moves are cheap.
///
/// **Example:** `sf::tensor<float, sf::shape<sf::dyn, 3>> a(batch);`
/// **Errors:** extents that contradict the static shape throw `invalid_argument`.
template <element_type T, any_shape S, class Policy>
class tensor : public tensor_view<T, S, Policy> {
  using base = tensor_view<T, S, Policy>;
  using mem = memory<Policy>;

 public:
  /// A static shape allocates; a shape with `dyn` extents starts empty (extent 0).
  tensor() {
    if constexpr (S::dyn_count == 0) allocate(detail::make_dims<S>());
    else allocate(zero_dyn_dims());
  }
  /// One run-time extent per `dyn` extent, in order.
  template <class... Ext>
    requires(sizeof...(Ext) > 0 && sizeof...(Ext) == S::dyn_count && (std::is_integral_v<Ext> && ...))
  explicit tensor(Ext... dynamic) {
    allocate(detail::make_dims<S>(dynamic...));
  }
  /// All run-time extents at once.
  explicit tensor(const dims_t<S>& dims) {
    detail::check_dims<S>(dims, "sf::tensor");
    allocate(dims);
  }
  /// Evaluates an expression (or copies a tensor of another policy-compatible kind).
  template <class E>
    requires(!std::is_base_of_v<base, std::remove_cvref_t<E>> && requires(const E& e) { e.dims(); })
  tensor(const E& e) {  // NOLINT: implicit, as `tensor<...> y = a * b;` reads
    allocate(dims_of(e));
    assign_expression(this->view(), e);
  }

  tensor(const tensor& other) : tensor(other.dims()) { mem::copy(this->data_, other.data_, this->size()); }
  tensor(tensor&& other) noexcept : base(other) { other.data_ = nullptr, other.dims_ = {}, capacity_ = other.capacity_; other.capacity_ = 0; }
  tensor& operator=(const tensor& other) {
    if (this != &other) {
      resize(other.dims());
      mem::copy(this->data_, other.data_, this->size());
    }
    return *this;
  }
  tensor& operator=(tensor&& other) noexcept {
    if (this != &other) {
      release();
      static_cast<base&>(*this) = static_cast<const base&>(other);  // the handle, not an evaluation
      capacity_ = other.capacity_;
      other.data_ = nullptr, other.dims_ = {}, other.capacity_ = 0;
    }
    return *this;
  }
  /// Evaluates an expression into this tensor, resizing the `dyn` extents to fit.
  template <class E>
    requires(!std::is_base_of_v<base, std::remove_cvref_t<E>>)
  tensor& operator=(const E& e) {
    if constexpr (requires { e.dims(); }) resize(dims_of(e));
    assign_expression(this->view(), e);
    return *this;
  }
  ~tensor() { release(); }

  /// Changes the run-time extents; reuses the storage when it is large enough.
  void resize(const dims_t<S>& dims) {
    detail::check_dims<S>(dims, "sf::tensor::resize");
    if (element_count(dims) > capacity_) {
      release();
      allocate(dims);
    } else {
      this->dims_ = dims;
    }
  }
  template <class... Ext>
    requires(sizeof...(Ext) == S::dyn_count && (std::is_integral_v<Ext> && ...))
  void resize(Ext... dynamic) {
    resize(detail::make_dims<S>(dynamic...));
  }

  base view() const { return static_cast<const base&>(*this); }

 private:
  template <class E>
  static dims_t<S> dims_of(const E& e) {
    const auto d = e.dims();
    static_assert(std::remove_cvref_t<decltype(d)>::size() == S::rank,
                  "sf::tensor: the expression's rank differs from the tensor's");
    dims_t<S> out{};
    for (std::size_t i = 0; i < S::rank; ++i) out[i] = d[i];
    detail::check_dims<S>(out, "sf::tensor = expression");
    return out;
  }
  static dims_t<S> zero_dyn_dims() {
    dims_t<S> d{};
    for (std::size_t i = 0; i < S::rank; ++i) d[i] = S::extents[i] == dyn ? 0 : S::extents[i];
    return d;
  }
  void allocate(const dims_t<S>& dims) {
    const std::size_t n = element_count(dims);
    this->data_ = mem::template allocate<T>(n);
    this->dims_ = dims;
    capacity_ = n;
  }
  void release() noexcept {
    mem::deallocate(this->data_, capacity_);
    this->data_ = nullptr;
    capacity_ = 0;
  }

  std::size_t capacity_ = 0;
};

}  // namespace staticflow
#endif  // STATICFLOW_CORE_TENSOR_HPP
