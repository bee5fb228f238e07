// SPDX-License-Identifier: MIT
/// \file
/// \brief Zero-copy views between staticflow tensors and Eigen, both ways (host only).
///
///     sf::eigen::map(t)       an Eigen::TensorMap of a tensor of any rank (row-major)
///     sf::eigen::matrix(t)    an Eigen::Map of a rank-2 tensor: a row-major matrix
///     sf::eigen::vector(t)    an Eigen::Map of a rank-1 tensor: a column vector
///     sf::eigen::view<S>(e)   an sf::tensor_view<T, S> of an Eigen matrix, vector, Map, Block,
///                             Tensor or TensorMap: usable wherever a tensor is (feeds,
///                             expressions, `view = expr`); sf::eigen::view(e) takes S from Eigen
///
/// Nothing is copied: each side reads and writes the other's elements, which must outlive the
/// view. Extents are checked at compile time where both sides know them (an Eigen::Matrix<float,
/// Eigen::Dynamic, 784> seen as sf::shape<sf::dyn, 10> does not compile) and at run time
/// otherwise (invalid_argument naming both). Eigen's default storage is column-major, which a
/// row-major tensor cannot view: use `Eigen::Matrix<T, R, C, Eigen::RowMajor>` (or copy into one);
/// a column-major matrix is a compile error that says so, a strided Map or Block a run-time one.
///
/// Needs Eigen 3.4 (Debian's libeigen3-dev; CMake: `find_package(Eigen3 3.4 CONFIG)`, link
/// `Eigen3::Eigen`); the umbrella headers do not include this one.
#pragma once
#ifndef STATICFLOW_INTEROP_EIGEN_HPP
#define STATICFLOW_INTEROP_EIGEN_HPP

#include <Eigen/Core>
#include <unsupported/Eigen/CXX11/Tensor>

#include <cstddef>
#include <type_traits>
#include <utility>

#include "staticflow/core/error.hpp"
#include "staticflow/core/shape.hpp"
#include "staticflow/core/tensor.hpp"

namespace staticflow::eigen {

namespace detail {

/// An Eigen compile-time extent (Eigen::Dynamic, -1, when unknown) as staticflow's (dyn).
constexpr std::size_t extent_of(Eigen::Index e) { return e == Eigen::Dynamic ? dyn : static_cast<std::size_t>(e); }
/// staticflow's extent as Eigen's.
constexpr int eigen_extent(std::size_t e) { return e == dyn ? Eigen::Dynamic : static_cast<int>(e); }

/// True when two compile-time extents can be equal (either is unknown, or they are).
constexpr bool compatible(std::size_t a, std::size_t b) { return a == dyn || b == dyn || a == b; }

template <class D>
inline constexpr bool is_dense_v = std::is_base_of_v<Eigen::DenseBase<D>, D>;
template <class D>
inline constexpr bool is_tensor_v = std::is_base_of_v<Eigen::TensorBase<D, Eigen::ReadOnlyAccessors>, D> ||
                                    std::is_base_of_v<Eigen::TensorBase<D, Eigen::WriteAccessors>, D>;

/// The static extents of an Eigen::TensorFixedSize (dyn for every other tensor).
template <class D>
struct tensor_static_extents {
  template <std::size_t R>
  static constexpr std::array<std::size_t, R> get() {
    std::array<std::size_t, R> a{};
    a.fill(dyn);
    return a;
  }
};
template <class T, std::ptrdiff_t... E, int O, class I>
struct tensor_static_extents<Eigen::TensorFixedSize<T, Eigen::Sizes<E...>, O, I>> {
  template <std::size_t R>
  static constexpr std::array<std::size_t, R> get() {
    return {static_cast<std::size_t>(E)...};
  }
};
template <class T, std::ptrdiff_t... E, int O, class I, int MO, template <class> class MP>
struct tensor_static_extents<Eigen::TensorMap<Eigen::TensorFixedSize<T, Eigen::Sizes<E...>, O, I>, MO, MP>>
    : tensor_static_extents<Eigen::TensorFixedSize<T, Eigen::Sizes<E...>, O, I>> {};

template <class S, std::size_t R>
constexpr bool extents_compatible(const std::array<std::size_t, R>& eigen) {
  for (std::size_t i = 0; i < R; ++i)
    if (!compatible(S::extents[i], eigen[i])) return false;
  return true;
}

/// The message's tail, out of line: "a 3 x 5 Eigen matrix" cannot be [?, 784].
template <any_shape S>
[[noreturn, gnu::cold]] void throw_mismatch(const dims_t<S>& got, const char* what) {
  staticflow::detail::fail<invalid_argument>({"sf::eigen::view: ", what, " of extents ", to_string(got),
                                              " does not fit shape ", to_string(S{})});
}

/// True for an Eigen::TensorMap (a handle: a temporary one is fine to view through).
template <class D>
struct is_tensor_map : std::false_type {};
template <class P, int O, template <class> class MP>
struct is_tensor_map<Eigen::TensorMap<P, O, MP>> : std::true_type {};

}  // namespace detail

// ---- staticflow -> Eigen -----------------------------------------------------------------------

/// The tensor's elements as an `Eigen::TensorMap<Eigen::Tensor<T, rank, Eigen::RowMajor>>`: read
/// and write them with Eigen's tensor expressions. Any rank (0 included).
template <class T, class S>
auto map(const tensor_view<T, S, host>& t) {
  using eigen_tensor = Eigen::Tensor<T, static_cast<int>(S::rank), Eigen::RowMajor, Eigen::Index>;
  Eigen::DSizes<Eigen::Index, static_cast<int>(S::rank)> dims;
  for (std::size_t i = 0; i < S::rank; ++i) dims[i] = static_cast<Eigen::Index>(t.dim(i));
  return Eigen::TensorMap<eigen_tensor>(t.data(), dims);
}
/// A temporary tensor's elements would be freed with it: keep the tensor, then map it.
template <class T, class S>
auto map(tensor<T, S, host>&& t) = delete;

/// A rank-2 tensor as an `Eigen::Map` of a row-major matrix, static extents kept (a
/// `shape<dyn, 10>` gives `Matrix<T, Dynamic, 10, RowMajor>`): Eigen's dense algebra on it.
template <class T, class S>
auto matrix(const tensor_view<T, S, host>& t) {
  static_assert(S::rank == 2, "sf::eigen::matrix: needs a rank-2 tensor (sf::eigen::map takes any rank)");
  constexpr int rows = detail::eigen_extent(S::extents[0]);
  constexpr int cols = detail::eigen_extent(S::extents[1]);
  // Eigen spells a one-column matrix column-major; its layout is the same.
  constexpr int options = cols == 1 && rows != 1 ? Eigen::ColMajor : Eigen::RowMajor;
  using eigen_matrix = Eigen::Matrix<T, rows, cols, options>;
  return Eigen::Map<eigen_matrix>(t.data(), static_cast<Eigen::Index>(t.dim(0)), static_cast<Eigen::Index>(t.dim(1)));
}
template <class T, class S>
auto matrix(tensor<T, S, host>&& t) = delete;

/// A rank-1 tensor as an `Eigen::Map` of a column vector.
template <class T, class S>
auto vector(const tensor_view<T, S, host>& t) {
  static_assert(S::rank == 1, "sf::eigen::vector: needs a rank-1 tensor");
  using eigen_vector = Eigen::Matrix<T, detail::eigen_extent(S::extents[0]), 1>;
  return Eigen::Map<eigen_vector>(t.data(), static_cast<Eigen::Index>(t.dim(0)));
}
template <class T, class S>
auto vector(tensor<T, S, host>&& t) = delete;

// ---- Eigen -> staticflow -----------------------------------------------------------------------

/// The shape staticflow gives an Eigen object when `view` is not told one: a matrix's or tensor's
/// compile-time extents, Eigen::Dynamic as dyn (a vector is rank 1).
template <class D>
struct shape_of;

namespace detail {
template <class D, std::size_t... I>
auto tensor_shape(std::index_sequence<I...>) {
  constexpr auto e = tensor_static_extents<D>::template get<sizeof...(I)>();
  return shape<e[I]...>{};
}
}  // namespace detail

template <class D>
struct shape_of {
  static auto pick() {
    if constexpr (detail::is_dense_v<D>) {
      if constexpr (D::IsVectorAtCompileTime) return shape<detail::extent_of(D::SizeAtCompileTime)>{};
      else return shape<detail::extent_of(D::RowsAtCompileTime), detail::extent_of(D::ColsAtCompileTime)>{};
    } else {
      return detail::tensor_shape<D>(std::make_index_sequence<static_cast<std::size_t>(D::NumDimensions)>{});
    }
  }
  using type = decltype(pick());
};
template <class D>
using shape_of_t = typename shape_of<std::remove_cvref_t<D>>::type;

/// `e`'s elements as an `sf::tensor_view<T, S>` (T: Eigen's scalar), with no copy. `e` is an
/// Eigen matrix or vector with direct access (Matrix, Array, Map, Ref, a Block of whole rows),
/// row-major unless it is a vector, or a row-major Eigen::Tensor, TensorFixedSize or TensorMap
/// of rank S::rank. A matrix views as rank 2, a vector as rank 1 or 2.
///
/// **Errors:** compile time: S's extents against Eigen's compile-time ones, the rank, a
/// column-major matrix, an expression (`a * b`: evaluate it first) or a temporary matrix (it
/// would be freed); run time: `invalid_argument` when the extents do not fit S, or the elements
/// are not contiguous (a strided Map, a Block of part of the rows).
template <any_shape S, class E>
auto view(E&& e) {
  using D = std::remove_cvref_t<E>;
  static_assert(detail::is_dense_v<D> || detail::is_tensor_v<D>,
                "sf::eigen::view: needs an Eigen matrix, vector, array, Map, Block, Ref, Tensor or TensorMap");
  if constexpr (detail::is_dense_v<D>) {
    static_assert(!(std::is_rvalue_reference_v<E&&> && std::is_base_of_v<Eigen::PlainObjectBase<D>, D>),
                  "sf::eigen::view: a temporary Eigen matrix would be freed before the view is used; keep it in a variable");
    static_assert(bool(D::Flags & Eigen::DirectAccessBit),
                  "sf::eigen::view: an Eigen expression has no elements to view; evaluate it into a matrix first");
    static_assert(D::IsRowMajor || D::IsVectorAtCompileTime,
                  "sf::eigen::view: this Eigen matrix is column-major (Eigen's default), which a row-major tensor cannot "
                  "view; declare it Eigen::Matrix<T, R, C, Eigen::RowMajor> or copy it into one");
    static_assert(S::rank == 2 || (S::rank == 1 && D::IsVectorAtCompileTime),
                  "sf::eigen::view: an Eigen matrix views as a rank-2 shape, a vector as rank 1 or 2");
    using T = std::remove_const_t<typename D::Scalar>;
    dims_t<S> d{};
    if constexpr (S::rank == 1) {
      static_assert(detail::compatible(S::extents[0], detail::extent_of(D::SizeAtCompileTime)),
                    "sf::eigen::view: the shape's extent differs from the Eigen vector's size");
      d[0] = static_cast<std::size_t>(e.size());
    } else {
      static_assert(detail::compatible(S::extents[0], detail::extent_of(D::RowsAtCompileTime)),
                    "sf::eigen::view: the shape's first extent differs from the Eigen matrix's rows");
      static_assert(detail::compatible(S::extents[1], detail::extent_of(D::ColsAtCompileTime)),
                    "sf::eigen::view: the shape's second extent differs from the Eigen matrix's columns");
      d[0] = static_cast<std::size_t>(e.rows());
      d[1] = static_cast<std::size_t>(e.cols());
    }
    for (std::size_t i = 0; i < S::rank; ++i)
      if (S::extents[i] != dyn && S::extents[i] != d[i]) detail::throw_mismatch<S>(d, "an Eigen matrix");
    // Contiguous, row after row: unit inner stride, and (with more than one row) rows of exactly
    // `cols` elements. Vectors: unit stride.
    const bool contiguous = e.size() <= 1 || (e.innerStride() == 1 && (D::IsVectorAtCompileTime || e.rows() <= 1 ||
                                                                        e.outerStride() == e.cols()));
    if (!contiguous)
      staticflow::detail::fail<invalid_argument>({"sf::eigen::view: the Eigen matrix's elements are not contiguous "
                                                  "(inner stride ",
                                                  static_cast<std::size_t>(e.innerStride()), ", outer stride ",
                                                  static_cast<std::size_t>(e.outerStride()),
                                                  "); a tensor views rows stored one after the other"});
    return tensor_view<T, S, host>(const_cast<T*>(e.data()), d);
  } else {
    static_assert(!std::is_rvalue_reference_v<E&&> || detail::is_tensor_map<D>::value,
                  "sf::eigen::view: a temporary Eigen tensor would be freed before the view is used; keep it in a variable");
    static_assert(static_cast<int>(D::Layout) == static_cast<int>(Eigen::RowMajor),
                  "sf::eigen::view: this Eigen tensor is column-major (Eigen's default); declare it "
                  "Eigen::Tensor<T, R, Eigen::RowMajor>");
    static_assert(static_cast<std::size_t>(D::NumDimensions) == S::rank,
                  "sf::eigen::view: the shape's rank differs from the Eigen tensor's");
    static_assert(detail::extents_compatible<S>(detail::tensor_static_extents<D>::template get<S::rank>()),
                  "sf::eigen::view: the shape's extents differ from the Eigen fixed-size tensor's");
    using T = std::remove_const_t<typename D::Scalar>;
    dims_t<S> d{};
    for (std::size_t i = 0; i < S::rank; ++i) d[i] = static_cast<std::size_t>(e.dimension(static_cast<Eigen::Index>(i)));
    for (std::size_t i = 0; i < S::rank; ++i)
      if (S::extents[i] != dyn && S::extents[i] != d[i]) detail::throw_mismatch<S>(d, "an Eigen tensor");
    return tensor_view<T, S, host>(const_cast<T*>(e.data()), d);
  }
}

/// `view<S>(e)` with S taken from Eigen's compile-time extents (`shape_of_t`).
template <class E>
auto view(E&& e) {
  return view<shape_of_t<E>>(std::forward<E>(e));
}

}  // namespace staticflow::eigen

#endif  // STATICFLOW_INTEROP_EIGEN_HPP
