// SPDX-License-Identifier: MIT
/// \file
/// \brief The index-mapping ops (transpose, slice, strided_slice, reverse, tile, pad) against
/// hand-worked values: ranks 1 to 4, static and run-time (dyn) extents, run-time errors, and use
/// on fused and materialised operands.
///
/// Expected arrays are literals. Those marked "TF doc" are the examples of TensorFlow's own
/// documentation of the op; the rest were derived from TF's documented semantics with a small
/// pure-Python reference (Python slicing for strided_slice; index maps for transpose, reverse,
/// tile and pad, written independently of remap.hpp) and spot-checked by hand. Inputs are iota
/// tensors (element i holds i) unless stated, so a value names the input cell it came from.
#include <catch2/catch.hpp>

#include <initializer_list>
#include <string>
#include <type_traits>

#include "staticflow/staticflow.hpp"

namespace sf = staticflow;
using sf::dyn;
using sf::ints;
using sf::shape;
using sf::whole;

namespace {

/// A host tensor of shape S with element i = start + i (the dyn extent, if any, given).
template <class S, class T = float>
sf::tensor<T, S> iota(T start = 0, std::size_t dyn_extent = 0) {
  sf::tensor<T, S> t;
  if constexpr (S::dyn_count == 1) t.resize(dyn_extent);
  for (std::size_t i = 0; i < t.size(); ++i) t.data()[i] = start + static_cast<T>(i);
  return t;
}

/// Checks the run-time extents and every element (row-major) of `y`.
template <class T, class S, class P>
void check_tensor(const sf::tensor<T, S, P>& y, std::initializer_list<std::size_t> dims,
                  std::initializer_list<double> want) {
  REQUIRE(S::rank == dims.size());
  std::size_t d = 0;
  for (std::size_t e : dims) {
    INFO("axis " << d);
    CHECK(y.dim(d) == e);
    ++d;
  }
  REQUIRE(y.size() == want.size());
  std::size_t i = 0;
  for (double w : want) {
    INFO("element " << i);
    CHECK(static_cast<double>(y.data()[i]) == w);
    ++i;
  }
}

/// Evaluates `e` and checks it (values are small integers: exact in float).
template <class E>
void check_expr(const E& e, std::initializer_list<std::size_t> dims, std::initializer_list<double> want) {
  const auto y = sf::eval(e);
  check_tensor(y, dims, want);
}

template <class E, class S>
inline constexpr bool has_shape = std::is_same_v<typename E::shape_type, S>;

/// TF doc's t = [[[1,1,1],[2,2,2]],[[3,3,3],[4,4,4]],[[5,5,5],[6,6,6]]] (tf.slice, tf.strided_slice).
sf::tensor<float, shape<3, 2, 3>> tf_doc_t() {
  return sf::constant<float, shape<3, 2, 3>>({1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4, 5, 5, 5, 6, 6, 6});
}

/// TF doc's [[1,2,3],[4,5,6]] (tf.tile, tf.pad).
sf::tensor<float, shape<2, 3>> tf_doc_123() { return sf::constant<float, shape<2, 3>>({1, 2, 3, 4, 5, 6}); }

}  // namespace

// ---- transpose ---------------------------------------------------------------------------------------

TEST_CASE("transpose: rank 1, 2 and 3, default and explicit perms", "[remap][transpose]") {
  const auto v = iota<shape<4>>();
  static_assert(has_shape<decltype(sf::transpose(v)), shape<4>>);
  check_expr(sf::transpose(v), {4}, {0, 1, 2, 3});
  check_expr(sf::transpose<0>(v), {4}, {0, 1, 2, 3});

  const auto x = iota<shape<2, 3>>();
  static_assert(has_shape<decltype(sf::transpose(x)), shape<3, 2>>);
  check_expr(sf::transpose(x), {3, 2}, {0, 3, 1, 4, 2, 5});
  check_expr(sf::transpose<1, 0>(x), {3, 2}, {0, 3, 1, 4, 2, 5});
  check_expr(sf::transpose<0, 1>(x), {2, 3}, {0, 1, 2, 3, 4, 5});

  const auto c = iota<shape<2, 3, 4>>();
  static_assert(has_shape<decltype(sf::transpose<1, 0, 2>(c)), shape<3, 2, 4>>);
  check_expr(sf::transpose<1, 0, 2>(c), {3, 2, 4},
             {0, 1, 2, 3, 12, 13, 14, 15, 4, 5, 6, 7, 16, 17, 18, 19, 8, 9, 10, 11, 20, 21, 22, 23});
  // transpose(x) reverses the axes: perm <2, 1, 0>
  static_assert(has_shape<decltype(sf::transpose(c)), shape<4, 3, 2>>);
  check_expr(sf::transpose(c), {4, 3, 2},
             {0, 12, 4, 16, 8, 20, 1, 13, 5, 17, 9, 21, 2, 14, 6, 18, 10, 22, 3, 15, 7, 19, 11, 23});
  // a cyclic perm (not its own inverse): out axis 0 = in axis 2, 1 = 0, 2 = 1
  static_assert(has_shape<decltype(sf::transpose<2, 0, 1>(c)), shape<4, 2, 3>>);
  check_expr(sf::transpose<2, 0, 1>(c), {4, 2, 3},
             {0, 4, 8, 12, 16, 20, 1, 5, 9, 13, 17, 21, 2, 6, 10, 14, 18, 22, 3, 7, 11, 15, 19, 23});
}

TEST_CASE("transpose: rank 4, NHWC -> NCHW and reversed", "[remap][transpose]") {
  // NHWC [2, 2, 3, 2]: N=2, H=2, W=3, C=2 -> NCHW [2, 2, 2, 3]; element (n, c, h, w) = x(n, h, w, c)
  const auto x = iota<shape<2, 2, 3, 2>>();
  static_assert(has_shape<decltype(sf::transpose<0, 3, 1, 2>(x)), shape<2, 2, 2, 3>>);
  const auto nchw = sf::eval(sf::transpose<0, 3, 1, 2>(x));
  check_tensor(nchw, {2, 2, 2, 3}, {0, 2, 4, 6, 8, 10, 1, 3, 5, 7, 9, 11, 12, 14, 16, 18, 20, 22, 13, 15, 17, 19, 21, 23});
  CHECK(nchw(1, 0, 1, 2) == x(1, 1, 2, 0));
  // and back: NCHW -> NHWC is <0, 2, 3, 1>
  check_expr(sf::transpose<0, 2, 3, 1>(nchw), {2, 2, 3, 2},
             {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23});
  check_expr(sf::transpose(x), {2, 3, 2, 2},
             {0, 12, 6, 18, 2, 14, 8, 20, 4, 16, 10, 22, 1, 13, 7, 19, 3, 15, 9, 21, 5, 17, 11, 23});
}

// ---- slice -------------------------------------------------------------------------------------------

TEST_CASE("slice: TF doc examples (rank 3)", "[remap][slice]") {
  const auto t = tf_doc_t();
  static_assert(has_shape<decltype(sf::slice<ints<1, 0, 0>, ints<1, 1, 3>>(t)), shape<1, 1, 3>>);
  check_expr(sf::slice<ints<1, 0, 0>, ints<1, 1, 3>>(t), {1, 1, 3}, {3, 3, 3});
  check_expr(sf::slice<ints<1, 0, 0>, ints<1, 2, 3>>(t), {1, 2, 3}, {3, 3, 3, 4, 4, 4});
  check_expr(sf::slice<ints<1, 0, 0>, ints<2, 1, 3>>(t), {2, 1, 3}, {3, 3, 3, 5, 5, 5});
}

TEST_CASE("slice: size -1 takes the rest, ranks 1 to 4", "[remap][slice]") {
  const auto v = iota<shape<6>>();
  static_assert(has_shape<decltype(sf::slice<ints<2>, ints<-1>>(v)), shape<4>>);
  check_expr(sf::slice<ints<2>, ints<-1>>(v), {4}, {2, 3, 4, 5});
  check_expr(sf::slice<ints<1>, ints<3>>(v), {3}, {1, 2, 3});
  check_expr(sf::slice<ints<0>, ints<-1>>(v), {6}, {0, 1, 2, 3, 4, 5});
  check_expr(sf::slice<ints<6>, ints<-1>>(v), {0}, {});  // begin at the end: empty
  check_expr(sf::slice<ints<3>, ints<0>>(v), {0}, {});

  const auto m = iota<shape<3, 4>>();
  static_assert(has_shape<decltype(sf::slice<ints<1, 1>, ints<-1, 2>>(m)), shape<2, 2>>);
  check_expr(sf::slice<ints<1, 1>, ints<-1, 2>>(m), {2, 2}, {5, 6, 9, 10});

  const auto c = iota<shape<2, 3, 4>>();
  // c[0:2, 2:3, 1:]
  check_expr(sf::slice<ints<0, 2, 1>, ints<2, 1, -1>>(c), {2, 1, 3}, {9, 10, 11, 21, 22, 23});

  const auto q = iota<shape<2, 3, 4, 2>>();
  // q[1:2, 1:, 0:3, 1:2]
  static_assert(has_shape<decltype(sf::slice<ints<1, 1, 0, 1>, ints<1, -1, 3, 1>>(q)), shape<1, 2, 3, 1>>);
  check_expr(sf::slice<ints<1, 1, 0, 1>, ints<1, -1, 3, 1>>(q), {1, 2, 3, 1}, {33, 35, 37, 41, 43, 45});
}

// ---- strided_slice -------------------------------------------------------------------------------------

TEST_CASE("strided_slice: TF doc examples (rank 3, a negative stride and negative bounds)", "[remap][strided_slice]") {
  const auto t = tf_doc_t();
  check_expr(sf::strided_slice<ints<1, 0, 0>, ints<2, 1, 3>, ints<1, 1, 1>>(t), {1, 1, 3}, {3, 3, 3});
  check_expr(sf::strided_slice<ints<1, 0, 0>, ints<2, 2, 3>, ints<1, 1, 1>>(t), {1, 2, 3}, {3, 3, 3, 4, 4, 4});
  check_expr(sf::strided_slice<ints<1, -1, 0>, ints<2, -3, 3>, ints<1, -1, 1>>(t), {1, 2, 3}, {4, 4, 4, 3, 3, 3});
}

TEST_CASE("strided_slice: Python slicing on a rank-1 tensor", "[remap][strided_slice]") {
  const auto v = iota<shape<10>>();  // Python list(range(10)); each case is v[begin:end:stride]
  // v[::-1]
  static_assert(has_shape<decltype(sf::strided_slice<ints<whole>, ints<whole>, ints<-1>>(v)), shape<10>>);
  check_expr(sf::strided_slice<ints<whole>, ints<whole>, ints<-1>>(v), {10}, {9, 8, 7, 6, 5, 4, 3, 2, 1, 0});
  // v[8:2:-2]
  check_expr(sf::strided_slice<ints<8>, ints<2>, ints<-2>>(v), {3}, {8, 6, 4});
  // v[-3:]
  check_expr(sf::strided_slice<ints<-3>, ints<whole>, ints<1>>(v), {3}, {7, 8, 9});
  // v[-1:-4:-1]
  check_expr(sf::strided_slice<ints<-1>, ints<-4>, ints<-1>>(v), {3}, {9, 8, 7});
  // v[2:100]: the end is clamped
  static_assert(has_shape<decltype(sf::strided_slice<ints<2>, ints<100>, ints<1>>(v)), shape<8>>);
  check_expr(sf::strided_slice<ints<2>, ints<100>, ints<1>>(v), {8}, {2, 3, 4, 5, 6, 7, 8, 9});
  // v[-100:3]: the begin is clamped
  check_expr(sf::strided_slice<ints<-100>, ints<3>, ints<1>>(v), {3}, {0, 1, 2});
  // v[100:-100:-3]: both clamped, walking backwards
  check_expr(sf::strided_slice<ints<100>, ints<-100>, ints<-3>>(v), {4}, {9, 6, 3, 0});
  // v[1::3], v[::-4]
  check_expr(sf::strided_slice<ints<1>, ints<whole>, ints<3>>(v), {3}, {1, 4, 7});
  check_expr(sf::strided_slice<ints<whole>, ints<whole>, ints<-4>>(v), {3}, {9, 5, 1});
  // v[-1::-1] (the whole reversed) and v[:-1] (all but the last)
  check_expr(sf::strided_slice<ints<-1>, ints<whole>, ints<-1>>(v), {10}, {9, 8, 7, 6, 5, 4, 3, 2, 1, 0});
  check_expr(sf::strided_slice<ints<whole>, ints<-1>, ints<1>>(v), {9}, {0, 1, 2, 3, 4, 5, 6, 7, 8});
}

TEST_CASE("strided_slice: empty results", "[remap][strided_slice]") {
  const auto v = iota<shape<10>>();
  // v[5:2], v[3:3], v[-100::-1] (begin clamps to before the first element), v[2:5:-1]
  static_assert(has_shape<decltype(sf::strided_slice<ints<5>, ints<2>, ints<1>>(v)), shape<0>>);
  check_expr(sf::strided_slice<ints<5>, ints<2>, ints<1>>(v), {0}, {});
  check_expr(sf::strided_slice<ints<3>, ints<3>, ints<1>>(v), {0}, {});
  static_assert(has_shape<decltype(sf::strided_slice<ints<-100>, ints<whole>, ints<-1>>(v)), shape<0>>);
  check_expr(sf::strided_slice<ints<-100>, ints<whole>, ints<-1>>(v), {0}, {});
  check_expr(sf::strided_slice<ints<2>, ints<5>, ints<-1>>(v), {0}, {});
  // an empty axis in a rank-2 result: m[1:3, 4:1]
  const auto m = iota<shape<4, 5>>();
  static_assert(has_shape<decltype(sf::strided_slice<ints<1, 4>, ints<3, 1>, ints<1, 1>>(m)), shape<2, 0>>);
  check_expr(sf::strided_slice<ints<1, 4>, ints<3, 1>, ints<1, 1>>(m), {2, 0}, {});
}

TEST_CASE("strided_slice: ranks 2 to 4 with negative strides and bounds", "[remap][strided_slice]") {
  const auto m = iota<shape<4, 5>>();
  // m[::-1, 1::2]
  static_assert(has_shape<decltype(sf::strided_slice<ints<whole, 1>, ints<whole, whole>, ints<-1, 2>>(m)), shape<4, 2>>);
  check_expr(sf::strided_slice<ints<whole, 1>, ints<whole, whole>, ints<-1, 2>>(m), {4, 2}, {16, 18, 11, 13, 6, 8, 1, 3});
  // m[-2:-5:-1, 4:0:-3]
  check_expr(sf::strided_slice<ints<-2, 4>, ints<-5, 0>, ints<-1, -3>>(m), {3, 2}, {14, 11, 9, 6, 4, 1});

  const auto c = iota<shape<2, 3, 4>>();
  // c[1:, ::-2, -1:-100:-2]
  check_expr(sf::strided_slice<ints<1, whole, -1>, ints<whole, whole, -100>, ints<1, -2, -2>>(c), {1, 2, 2},
             {23, 21, 15, 13});

  const auto q = iota<shape<2, 3, 4, 2>>();
  // q[::-1, 0:3:2, -1:0:-2, :]
  using B = ints<whole, 0, -1, whole>;
  using E = ints<whole, 3, 0, whole>;
  using St = ints<-1, 2, -2, 1>;
  static_assert(has_shape<decltype(sf::strided_slice<B, E, St>(q)), shape<2, 2, 2, 2>>);
  check_expr(sf::strided_slice<B, E, St>(q), {2, 2, 2, 2}, {30, 31, 26, 27, 46, 47, 42, 43, 6, 7, 2, 3, 22, 23, 18, 19});
}

// ---- reverse -----------------------------------------------------------------------------------------

TEST_CASE("reverse: TF doc examples (rank 4 [1, 2, 3, 4])", "[remap][reverse]") {
  const auto t = iota<shape<1, 2, 3, 4>>();
  const std::initializer_list<double> last = {3,  2,  1,  0,  7,  6,  5,  4,  11, 10, 9,  8,
                                              15, 14, 13, 12, 19, 18, 17, 16, 23, 22, 21, 20};
  check_expr(sf::reverse<3>(t), {1, 2, 3, 4}, last);
  check_expr(sf::reverse<-1>(t), {1, 2, 3, 4}, last);
  const std::initializer_list<double> second = {12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23,
                                                0,  1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11};
  check_expr(sf::reverse<1>(t), {1, 2, 3, 4}, second);
  check_expr(sf::reverse<-3>(t), {1, 2, 3, 4}, second);
  const std::initializer_list<double> third = {8,  9,  10, 11, 4,  5,  6,  7,  0,  1,  2,  3,
                                               20, 21, 22, 23, 16, 17, 18, 19, 12, 13, 14, 15};
  check_expr(sf::reverse<2>(t), {1, 2, 3, 4}, third);
  check_expr(sf::reverse<-2>(t), {1, 2, 3, 4}, third);
}

TEST_CASE("reverse: several axes, negative axes, ranks 1 to 4", "[remap][reverse]") {
  const auto v = iota<shape<5>>();
  check_expr(sf::reverse<0>(v), {5}, {4, 3, 2, 1, 0});
  check_expr(sf::reverse<-1>(v), {5}, {4, 3, 2, 1, 0});
  check_expr(sf::reverse<>(v), {5}, {0, 1, 2, 3, 4});  // no axes: unchanged

  const auto m = iota<shape<2, 3>>();
  check_expr(sf::reverse<0, 1>(m), {2, 3}, {5, 4, 3, 2, 1, 0});
  check_expr(sf::reverse<-2>(m), {2, 3}, {3, 4, 5, 0, 1, 2});

  const auto c = iota<shape<2, 3, 4>>();
  check_expr(sf::reverse<0, 2>(c), {2, 3, 4},
             {15, 14, 13, 12, 19, 18, 17, 16, 23, 22, 21, 20, 3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8});
  check_expr(sf::reverse<0, -1>(c), {2, 3, 4},
             {15, 14, 13, 12, 19, 18, 17, 16, 23, 22, 21, 20, 3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8});
  check_expr(sf::reverse<0, 1, 2>(c), {2, 3, 4},
             {23, 22, 21, 20, 19, 18, 17, 16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0});

  const auto q = iota<shape<2, 3, 4, 2>>();
  check_expr(sf::reverse<1, -1>(q), {2, 3, 4, 2},
             {17, 16, 19, 18, 21, 20, 23, 22, 9,  8,  11, 10, 13, 12, 15, 14, 1,  0,  3,  2,  5,  4,  7,  6,
              41, 40, 43, 42, 45, 44, 47, 46, 33, 32, 35, 34, 37, 36, 39, 38, 25, 24, 27, 26, 29, 28, 31, 30});
}

// ---- tile --------------------------------------------------------------------------------------------

TEST_CASE("tile: TF doc examples (rank 2)", "[remap][tile]") {
  const auto a = tf_doc_123();
  static_assert(has_shape<decltype(sf::tile<1, 2>(a)), shape<2, 6>>);
  check_expr(sf::tile<1, 2>(a), {2, 6}, {1, 2, 3, 1, 2, 3, 4, 5, 6, 4, 5, 6});
  check_expr(sf::tile<2, 1>(a), {4, 3}, {1, 2, 3, 4, 5, 6, 1, 2, 3, 4, 5, 6});
  check_expr(sf::tile<2, 2>(a), {4, 6},
             {1, 2, 3, 1, 2, 3, 4, 5, 6, 4, 5, 6, 1, 2, 3, 1, 2, 3, 4, 5, 6, 4, 5, 6});
  check_expr(sf::tile<1, 1>(a), {2, 3}, {1, 2, 3, 4, 5, 6});
}

TEST_CASE("tile: ranks 1, 3 and 4, multiples of 1 and above", "[remap][tile]") {
  const auto v = sf::constant<float, shape<3>>({1, 2, 3});
  check_expr(sf::tile<3>(v), {9}, {1, 2, 3, 1, 2, 3, 1, 2, 3});
  const auto c = iota<shape<2, 1, 2>>();
  static_assert(has_shape<decltype(sf::tile<2, 3, 1>(c)), shape<4, 3, 2>>);
  check_expr(sf::tile<2, 3, 1>(c), {4, 3, 2}, {0, 1, 0, 1, 0, 1, 2, 3, 2, 3, 2, 3, 0, 1, 0, 1, 0, 1, 2, 3, 2, 3, 2, 3});
  check_expr(sf::tile<1, 1, 1>(c), {2, 1, 2}, {0, 1, 2, 3});
  const auto q = iota<shape<1, 2, 1, 2>>();
  check_expr(sf::tile<2, 1, 3, 1>(q), {2, 2, 3, 2},
             {0, 1, 0, 1, 0, 1, 2, 3, 2, 3, 2, 3, 0, 1, 0, 1, 0, 1, 2, 3, 2, 3, 2, 3});
}

// ---- pad ---------------------------------------------------------------------------------------------

TEST_CASE("pad: TF doc examples (rank 2, paddings [[1, 1], [2, 2]])", "[remap][pad]") {
  // REFLECT at its widest here: 1 = rows - 1, 2 = columns - 1.
  const auto t = tf_doc_123();
  static_assert(has_shape<decltype(sf::pad<ints<1, 1, 2, 2>>(t)), shape<4, 7>>);
  check_expr(sf::pad<ints<1, 1, 2, 2>>(t), {4, 7},
             {0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 0, 0, 0, 0, 4, 5, 6, 0, 0, 0, 0, 0, 0, 0, 0, 0});
  check_expr(sf::pad<ints<1, 1, 2, 2>, sf::pad_mode::reflect>(t), {4, 7},
             {6, 5, 4, 5, 6, 5, 4, 3, 2, 1, 2, 3, 2, 1, 6, 5, 4, 5, 6, 5, 4, 3, 2, 1, 2, 3, 2, 1});
  check_expr(sf::pad<ints<1, 1, 2, 2>, sf::pad_mode::symmetric>(t), {4, 7},
             {2, 1, 1, 2, 3, 3, 2, 2, 1, 1, 2, 3, 3, 2, 5, 4, 4, 5, 6, 6, 5, 5, 4, 4, 5, 6, 6, 5});
}

TEST_CASE("pad: constant with a value, reflect and symmetric at their widest, ranks 1 to 4", "[remap][pad]") {
  const auto v = sf::constant<float, shape<4>>({1, 2, 3, 4});
  check_expr(sf::pad<ints<2, 1>>(v, -1.f), {7}, {-1, -1, 1, 2, 3, 4, -1});
  check_expr(sf::pad<ints<0, 0>>(v, -1.f), {4}, {1, 2, 3, 4});
  check_expr(sf::pad<ints<3, 3>, sf::pad_mode::reflect>(v), {10}, {4, 3, 2, 1, 2, 3, 4, 3, 2, 1});
  check_expr(sf::pad<ints<4, 4>, sf::pad_mode::symmetric>(v), {12}, {4, 3, 2, 1, 1, 2, 3, 4, 4, 3, 2, 1});

  const auto t = tf_doc_123();
  check_expr(sf::pad<ints<0, 2, 1, 0>, sf::pad_mode::constant>(t, 9.f), {4, 4},
             {9, 1, 2, 3, 9, 4, 5, 6, 9, 9, 9, 9, 9, 9, 9, 9});
  // SYMMETRIC at its widest: 2 = rows, 3 = columns
  check_expr(sf::pad<ints<2, 2, 3, 3>, sf::pad_mode::symmetric>(t), {6, 9},
             {6, 5, 4, 4, 5, 6, 6, 5, 4, 3, 2, 1, 1, 2, 3, 3, 2, 1, 3, 2, 1, 1, 2, 3, 3, 2, 1,
              6, 5, 4, 4, 5, 6, 6, 5, 4, 6, 5, 4, 4, 5, 6, 6, 5, 4, 3, 2, 1, 1, 2, 3, 3, 2, 1});

  const auto c = iota<shape<2, 3, 2>>();
  // REFLECT [[1, 0], [2, 1], [0, 1]]: widest on every padded side (extents - 1 = 1, 2, 1)
  check_expr(sf::pad<ints<1, 0, 2, 1, 0, 1>, sf::pad_mode::reflect>(c), {3, 6, 3},
             {10, 11, 10, 8, 9, 8, 6, 7, 6, 8, 9, 8, 10, 11, 10, 8, 9, 8, 4, 5, 4, 2, 3, 2, 0, 1, 0,
              2,  3,  2,  4, 5, 4, 2, 3, 2, 10, 11, 10, 8, 9, 8, 6, 7, 6, 8, 9, 8, 10, 11, 10, 8, 9, 8});
  // SYMMETRIC [[2, 1], [0, 3], [1, 2]]: widest where the width equals the extent
  check_expr(sf::pad<ints<2, 1, 0, 3, 1, 2>, sf::pad_mode::symmetric>(c), {5, 6, 5},
             {6,  6,  7,  7, 6, 8,  8,  9,  9, 8, 10, 10, 11, 11, 10, 10, 10, 11, 11, 10, 8,  8,  9,  9, 8,
              6,  6,  7,  7, 6, 0,  0,  1,  1, 0, 2,  2,  3,  3,  2,  4,  4,  5,  5,  4, 4,  4,  5,  5, 4,
              2,  2,  3,  3, 2, 0,  0,  1,  1, 0, 0,  0,  1,  1,  0,  2,  2,  3,  3,  2, 4,  4,  5,  5, 4,
              4,  4,  5,  5, 4, 2,  2,  3,  3, 2, 0,  0,  1,  1,  0,  6,  6,  7,  7,  6, 8,  8,  9,  9, 8,
              10, 10, 11, 11, 10, 10, 10, 11, 11, 10, 8, 8, 9, 9, 8, 6, 6, 7, 7, 6, 6, 6, 7, 7, 6,
              8,  8,  9,  9, 8, 10, 10, 11, 11, 10, 10, 10, 11, 11, 10, 8, 8, 9, 9, 8, 6, 6, 7, 7, 6});

  const auto q = iota<shape<1, 2, 3, 2>>();
  // REFLECT [[0, 0], [1, 1], [2, 0], [0, 1]]: an extent-1 axis can only take 0
  check_expr(sf::pad<ints<0, 0, 1, 1, 2, 0, 0, 1>, sf::pad_mode::reflect>(q), {1, 4, 5, 3},
             {10, 11, 10, 8, 9, 8, 6, 7, 6, 8, 9, 8, 10, 11, 10, 4, 5, 4, 2, 3, 2, 0, 1, 0, 2, 3, 2, 4, 5, 4,
              10, 11, 10, 8, 9, 8, 6, 7, 6, 8, 9, 8, 10, 11, 10, 4, 5, 4, 2, 3, 2, 0, 1, 0, 2, 3, 2, 4, 5, 4});
}

// ---- run-time (dyn) extents ------------------------------------------------------------------------------

TEST_CASE("remaps of a dyn tensor evaluated directly", "[remap][dyn]") {
  const auto x = iota<shape<dyn, 3>>(0.f, 3);  // [[0,1,2],[3,4,5],[6,7,8]]
  static_assert(has_shape<decltype(sf::transpose(x)), shape<3, dyn>>);
  check_expr(sf::transpose(x), {3, 3}, {0, 3, 6, 1, 4, 7, 2, 5, 8});
  static_assert(has_shape<decltype(sf::slice<ints<1, 0>, ints<-1, 2>>(x)), shape<dyn, 2>>);
  check_expr(sf::slice<ints<1, 0>, ints<-1, 2>>(x), {2, 2}, {3, 4, 6, 7});
  static_assert(has_shape<decltype(sf::strided_slice<ints<whole, 0>, ints<whole, 3>, ints<-2, 2>>(x)), shape<dyn, 2>>);
  check_expr(sf::strided_slice<ints<whole, 0>, ints<whole, 3>, ints<-2, 2>>(x), {2, 2}, {6, 8, 0, 2});
  // x[-1:-100:-1, ::-1] and x[5:, :] (empty on the dyn axis)
  check_expr(sf::strided_slice<ints<-1, whole>, ints<-100, whole>, ints<-1, -1>>(x), {3, 3}, {8, 7, 6, 5, 4, 3, 2, 1, 0});
  check_expr(sf::strided_slice<ints<5, 0>, ints<whole, 3>, ints<1, 1>>(x), {0, 3}, {});
  check_expr(sf::reverse<0>(x), {3, 3}, {6, 7, 8, 3, 4, 5, 0, 1, 2});
  static_assert(has_shape<decltype(sf::tile<2, 1>(x)), shape<dyn, 3>>);
  check_expr(sf::tile<2, 1>(x), {6, 3}, {0, 1, 2, 3, 4, 5, 6, 7, 8, 0, 1, 2, 3, 4, 5, 6, 7, 8});
  static_assert(has_shape<decltype(sf::pad<ints<2, 0, 0, 1>, sf::pad_mode::reflect>(x)), shape<dyn, 4>>);
  check_expr(sf::pad<ints<2, 0, 0, 1>, sf::pad_mode::reflect>(x), {5, 4},
             {6, 7, 8, 7, 3, 4, 5, 4, 0, 1, 2, 1, 3, 4, 5, 4, 6, 7, 8, 7});
}

TEST_CASE("remaps of a placeholder with a dyn batch run in a session", "[remap][dyn][graph]") {
  sf::graph g;
  auto x = sf::placeholder<float, shape<dyn, 3>, "x">();
  sf::session<sf::host> sess(g);
  const auto three = iota<shape<3, 3>>();  // [[0,1,2],[3,4,5],[6,7,8]]
  const auto one = sf::constant<float, shape<1, 3>>({10, 11, 12});

  check_tensor(sess.run(sf::transpose(x), sf::feed(x, three)), {3, 3}, {0, 3, 6, 1, 4, 7, 2, 5, 8});
  check_tensor(sess.run(sf::transpose(x), sf::feed(x, one)), {3, 1}, {10, 11, 12});

  const auto rest = sf::slice<ints<1, 1>, ints<-1, 2>>(x);
  check_tensor(sess.run(rest, sf::feed(x, three)), {2, 2}, {4, 5, 7, 8});
  check_tensor(sess.run(rest, sf::feed(x, one)), {0, 2}, {});

  const auto rows = sf::slice<ints<1, 0>, ints<2, 3>>(x);  // needs at least 3 rows
  check_tensor(sess.run(rows, sf::feed(x, three)), {2, 3}, {3, 4, 5, 6, 7, 8});
  REQUIRE_THROWS_AS(sess.run(rows, sf::feed(x, one)), sf::invalid_argument);
  REQUIRE_THROWS_WITH(sess.run(rows, sf::feed(x, one)),
                      Catch::Contains("sf::slice") && Catch::Contains("past the end"));

  const auto back = sf::strided_slice<ints<whole, -1>, ints<whole, whole>, ints<-1, -2>>(x);  // x[::-1, -1::-2]
  check_tensor(sess.run(back, sf::feed(x, three)), {3, 2}, {8, 6, 5, 3, 2, 0});
  check_tensor(sess.run(back, sf::feed(x, one)), {1, 2}, {12, 10});

  check_tensor(sess.run(sf::reverse<0, 1>(x), sf::feed(x, three)), {3, 3}, {8, 7, 6, 5, 4, 3, 2, 1, 0});
  check_tensor(sess.run(sf::tile<3, 1>(x), sf::feed(x, one)), {3, 3}, {10, 11, 12, 10, 11, 12, 10, 11, 12});

  const auto mirrored = sf::pad<ints<2, 1, 1, 0>, sf::pad_mode::reflect>(x);  // needs at least 3 rows
  static_assert(has_shape<decltype(mirrored), shape<dyn, 4>>);
  check_tensor(sess.run(mirrored, sf::feed(x, three)), {6, 4},
               {7, 6, 7, 8, 4, 3, 4, 5, 1, 0, 1, 2, 4, 3, 4, 5, 7, 6, 7, 8, 4, 3, 4, 5});
  REQUIRE_THROWS_AS(sess.run(mirrored, sf::feed(x, one)), sf::invalid_argument);
  REQUIRE_THROWS_WITH(sess.run(mirrored, sf::feed(x, one)),
                      Catch::Contains("sf::pad (REFLECT)") && Catch::Contains("below the axis' extent"));
  // SYMMETRIC allows a width equal to the extent (1 row, 1 before and after), not above it
  const auto sym = sf::pad<ints<1, 1, 0, 0>, sf::pad_mode::symmetric>(x);
  check_tensor(sess.run(sym, sf::feed(x, one)), {3, 3}, {10, 11, 12, 10, 11, 12, 10, 11, 12});
  const auto sym2 = sf::pad<ints<2, 0, 0, 0>, sf::pad_mode::symmetric>(x);
  REQUIRE_THROWS_WITH(sess.run(sym2, sf::feed(x, one)), Catch::Contains("sf::pad (SYMMETRIC)"));
  check_tensor(sess.run(sf::pad<ints<1, 0, 0, 0>>(x, 7.f), sf::feed(x, one)), {2, 3}, {7, 7, 7, 10, 11, 12});

  // a remap inside a larger expression in a session
  check_tensor(sess.run(sf::reduce_sum<0>(sf::transpose(x) * 2.f), sf::feed(x, three)), {3}, {6, 24, 42});
}

// ---- composition ---------------------------------------------------------------------------------------

TEST_CASE("remaps of fused and materialised operands, and remaps in expressions", "[remap][compose]") {
  const auto a = iota<shape<2, 3>>();   // [[0,1,2],[3,4,5]]
  const auto b = iota<shape<3, 4>>();   // [[0,1,2,3],[4,5,6,7],[8,9,10,11]]
  // a b = [[20,23,26,29],[56,68,80,92]] (by hand); its transpose + 1
  static_assert(has_shape<decltype(sf::transpose(sf::matmul(a, b)) + 1.f), shape<4, 2>>);
  check_expr(sf::transpose(sf::matmul(a, b)) + 1.f, {4, 2}, {21, 57, 24, 69, 27, 81, 30, 93});
  check_expr(sf::slice<ints<1, 1>, ints<1, -1>>(sf::matmul(a, b)), {1, 3}, {68, 80, 92});
  check_expr(sf::reverse<1>(sf::reduce_sum<0>(b, sf::keepdims)), {1, 4}, {21, 18, 15, 12});

  // a fused elementwise operand: 2a + 1 = [[1,3,5],[7,9,11]]
  check_expr(sf::transpose(a * 2.f + 1.f), {3, 2}, {1, 7, 3, 9, 5, 11});
  check_expr(sf::pad<ints<0, 1, 1, 0>>(a * 2.f + 1.f, -1.f), {3, 4}, {-1, 1, 3, 5, -1, 7, 9, 11, -1, -1, -1, -1});
  check_expr(sf::tile<1, 2>(sf::exp(a * 0.f)), {2, 6}, {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1});

  // remaps combined with each other and with their own operand
  check_expr(sf::reverse<0>(a) - a, {2, 3}, {3, 3, 3, -3, -3, -3});
  check_expr(sf::transpose(a) * sf::transpose(sf::reverse<1>(a)), {3, 2}, {0, 15, 1, 16, 0, 15});
  // slice of pad: pad a by one reflected cell on each side, then keep rows 1.., columns 0..2
  check_expr(sf::slice<ints<1, 0>, ints<-1, 3>>(sf::pad<ints<1, 1, 1, 1>, sf::pad_mode::reflect>(a)), {3, 3},
             {1, 0, 1, 4, 3, 4, 1, 0, 1});
  // transpose of tile, broadcast against a row
  const auto row = sf::constant<float, shape<4>>({100, 200, 300, 400});
  check_expr(sf::transpose(sf::tile<4, 1>(sf::slice<ints<0, 0>, ints<1, 2>>(a))) + row, {2, 4},
             {100, 200, 300, 400, 101, 201, 301, 401});
  // a remap broadcast against a larger operand: transpose(a) [3,2] + [2,3,2]
  const auto big = iota<shape<2, 3, 2>>(0.f);
  check_expr(sf::transpose(a) + big, {2, 3, 2}, {0, 4, 3, 7, 6, 10, 6, 10, 9, 13, 12, 16});
  // assigning a remap into an existing tensor
  sf::tensor<float, shape<3, 2>> out;
  out = sf::transpose(a) * 10.f;
  check_tensor(out, {3, 2}, {0, 30, 10, 40, 20, 50});
}

TEST_CASE("run-time extent errors name the op", "[remap][errors]") {
  const auto x = iota<shape<dyn, 2>>(0.f, 2);
  REQUIRE_THROWS_WITH(sf::eval(sf::slice<ints<1, 0>, ints<2, 2>>(x)),
                      Catch::Contains("sf::slice") && Catch::Contains("past the end"));
  REQUIRE_THROWS_WITH(sf::eval(sf::slice<ints<3, 0>, ints<-1, 2>>(x)), Catch::Contains("sf::slice"));
  REQUIRE_THROWS_WITH((sf::eval(sf::pad<ints<2, 2, 0, 0>, sf::pad_mode::reflect>(x))),
                      Catch::Contains("sf::pad (REFLECT)") && Catch::Contains("[2, 2]"));
  // REFLECT of exactly extent - 1 is fine
  check_expr(sf::pad<ints<1, 1, 0, 0>, sf::pad_mode::reflect>(x), {4, 2}, {2, 3, 0, 1, 2, 3, 0, 1});
}

TEST_CASE("sf::gradients through remaps of a variable and of a fed placeholder", "[remap][graph][autodiff]") {
  sf::graph g;
  auto w = g.variable<float, shape<3>>("w", sf::init::values({1, 2, 3}));
  auto x = sf::placeholder<float, shape<dyn, 3>, "x">();
  sf::session<sf::host> sess(g);
  sess.run(sf::global_variables_initializer());
  const auto three = iota<shape<3, 3>>();  // [[0,1,2],[3,4,5],[6,7,8]]
  // REFLECT [w0,w1,w2] by 2 on each side = [w2,w1,w0,w1,w2,w1,w0]: sum 2 w0 + 3 w1 + 2 w2 = 14
  const auto mirrored = sf::reduce_sum(sf::pad<ints<2, 2>, sf::pad_mode::reflect>(w));
  CHECK(sess.run(mirrored).data()[0] == 14.f);
  check_tensor(sess.run(sf::gradients(mirrored, w)), {3}, {2, 3, 2});
  // sum over rows i of reverse(w)[j] x[i][j] = sum_i w[2 - j] x[i][j]: d/dw[k] = column sum of x at 2 - k
  // column sums of `three` are [9, 12, 15]
  const auto weighted = sf::reduce_sum(sf::reverse<0>(w) * x);
  check_tensor(sess.run(sf::gradients(weighted, w), sf::feed(x, three)), {3}, {15, 12, 9});
  // through a slice of the placeholder (rows 1.. of x, tiled twice along the columns):
  // sum over i >= 1, c < 6 of tile(w)[c] x[i][c mod 3] -> d/dw[k] = 2 * (x[1][k] + x[2][k]) = [18, 22, 26]
  const auto tiled = sf::reduce_sum(sf::tile<2>(w) * sf::tile<1, 2>(sf::slice<ints<1, 0>, ints<-1, 3>>(x)));
  check_tensor(sess.run(sf::gradients(tiled, w), sf::feed(x, three)), {3}, {18, 22, 26});
}
