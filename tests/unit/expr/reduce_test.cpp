// SPDX-License-Identifier: MIT
/// \file
/// \brief Reductions (sum, mean, max, min, argmax, argmin) against the plain loops of tests/reference.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <type_traits>
#include <vector>

#include "../../reference/reference.hpp"
#include "staticflow/core/tensor.hpp"
#include "staticflow/device/host/executor.hpp"
#include "staticflow/expr/factories.hpp"

namespace sf = staticflow;
namespace ref = staticflow::reference;
using sf::dyn;
using sf::shape;

namespace {

template <class T, class S>
sf::tensor<T, S> tensor_of(const std::vector<T>& v, std::size_t dyn_extent = 0) {
  sf::tensor<T, S> t;
  if constexpr (S::dyn_count == 1) t.resize(dyn_extent);
  REQUIRE(t.size() == v.size());
  for (std::size_t i = 0; i < v.size(); ++i) t.data()[i] = v[i];
  return t;
}

template <class Tensor, class T>
void check_equal(const Tensor& got, const std::vector<T>& want, double rel = 1e-12) {
  REQUIRE(got.size() == want.size());
  for (std::size_t i = 0; i < want.size(); ++i) {
    INFO("element " << i);
    CHECK(static_cast<double>(got.data()[i]) == Approx(static_cast<double>(want[i])).epsilon(rel).margin(1e-12));
  }
}

const std::vector<std::size_t> dims234 = {2, 3, 4};
std::vector<bool> axes(std::initializer_list<std::size_t> a) {
  std::vector<bool> r(3, false);
  for (auto d : a) r[d] = true;
  return r;
}

}  // namespace

TEST_CASE("sum, mean, max, min over all, single and multiple axes", "[reduce]") {
  const auto v = ref::random_values<double>(24, 7, -5.0, 5.0);
  auto x = tensor_of<double, shape<2, 3, 4>>(v);
  using ref::reduction;

  SECTION("all axes") {
    auto s = sf::eval(sf::reduce_sum(x));
    static_assert(std::is_same_v<decltype(s)::shape_type, shape<>>);
    check_equal(s, ref::reduce(v, dims234, axes({0, 1, 2}), reduction::sum));
    check_equal(sf::eval(sf::reduce_mean(x)), ref::reduce(v, dims234, axes({0, 1, 2}), reduction::mean));
    check_equal(sf::eval(sf::reduce_max(x)), ref::reduce(v, dims234, axes({0, 1, 2}), reduction::max));
    check_equal(sf::eval(sf::reduce_min(x)), ref::reduce(v, dims234, axes({0, 1, 2}), reduction::min));
    auto k = sf::eval(sf::reduce_sum(x, sf::keepdims));
    static_assert(std::is_same_v<decltype(k)::shape_type, shape<1, 1, 1>>);
    check_equal(k, ref::reduce(v, dims234, axes({0, 1, 2}), reduction::sum));
  }
  SECTION("axis 0") {
    auto s = sf::eval(sf::reduce_sum<0>(x));
    static_assert(std::is_same_v<decltype(s)::shape_type, shape<3, 4>>);
    check_equal(s, ref::reduce(v, dims234, axes({0}), reduction::sum));
    check_equal(sf::eval(sf::reduce_mean<0>(x)), ref::reduce(v, dims234, axes({0}), reduction::mean));
    check_equal(sf::eval(sf::reduce_max<0>(x)), ref::reduce(v, dims234, axes({0}), reduction::max));
    check_equal(sf::eval(sf::reduce_min<0>(x)), ref::reduce(v, dims234, axes({0}), reduction::min));
  }
  SECTION("axis 1 (middle)") {
    auto s = sf::eval(sf::reduce_sum<1>(x));
    static_assert(std::is_same_v<decltype(s)::shape_type, shape<2, 4>>);
    check_equal(s, ref::reduce(v, dims234, axes({1}), reduction::sum));
    check_equal(sf::eval(sf::reduce_mean<1>(x)), ref::reduce(v, dims234, axes({1}), reduction::mean));
    check_equal(sf::eval(sf::reduce_max<1>(x)), ref::reduce(v, dims234, axes({1}), reduction::max));
    check_equal(sf::eval(sf::reduce_min<1>(x)), ref::reduce(v, dims234, axes({1}), reduction::min));
  }
  SECTION("axis 2 (last) and negative axis -1") {
    auto s = sf::eval(sf::reduce_sum<2>(x));
    auto n = sf::eval(sf::reduce_sum<-1>(x));
    static_assert(std::is_same_v<decltype(s)::shape_type, shape<2, 3>>);
    static_assert(std::is_same_v<decltype(n)::shape_type, shape<2, 3>>);
    const auto want = ref::reduce(v, dims234, axes({2}), reduction::sum);
    check_equal(s, want);
    check_equal(n, want);
    check_equal(sf::eval(sf::reduce_mean<-1>(x)), ref::reduce(v, dims234, axes({2}), reduction::mean));
    check_equal(sf::eval(sf::reduce_max<-1>(x)), ref::reduce(v, dims234, axes({2}), reduction::max));
    check_equal(sf::eval(sf::reduce_min<2>(x)), ref::reduce(v, dims234, axes({2}), reduction::min));
    check_equal(sf::eval(sf::reduce_sum<-3>(x)), ref::reduce(v, dims234, axes({0}), reduction::sum));
  }
  SECTION("several axes") {
    auto s = sf::eval(sf::reduce_sum<0, 2>(x));
    static_assert(std::is_same_v<decltype(s)::shape_type, shape<3>>);
    check_equal(s, ref::reduce(v, dims234, axes({0, 2}), reduction::sum));
    check_equal(sf::eval(sf::reduce_max<1, 2>(x)), ref::reduce(v, dims234, axes({1, 2}), reduction::max));
    check_equal(sf::eval(sf::reduce_mean<0, -2>(x)), ref::reduce(v, dims234, axes({0, 1}), reduction::mean));
    check_equal(sf::eval(sf::reduce_min<2, 0>(x)), ref::reduce(v, dims234, axes({0, 2}), reduction::min));
  }
  SECTION("keepdims shapes") {
    auto a = sf::eval(sf::reduce_sum<1>(x, sf::keepdims));
    static_assert(std::is_same_v<decltype(a)::shape_type, shape<2, 1, 4>>);
    REQUIRE(a.dim(1) == 1);
    check_equal(a, ref::reduce(v, dims234, axes({1}), reduction::sum));
    auto b = sf::eval(sf::reduce_max<0, 2>(x, sf::keepdims));
    static_assert(std::is_same_v<decltype(b)::shape_type, shape<1, 3, 1>>);
    check_equal(b, ref::reduce(v, dims234, axes({0, 2}), reduction::max));
    auto c = sf::eval(sf::reduce_mean<-1>(x, sf::keepdims));
    static_assert(std::is_same_v<decltype(c)::shape_type, shape<2, 3, 1>>);
    check_equal(c, ref::reduce(v, dims234, axes({2}), reduction::mean));
  }
}

TEST_CASE("hand-worked reductions", "[reduce]") {
  auto x = sf::constant<float, shape<2, 3>>({1, 2, 3, 4, 5, 6});
  CHECK(sf::eval(sf::reduce_sum(x)).data()[0] == 21.f);
  CHECK(sf::eval(sf::reduce_mean(x)).data()[0] == 3.5f);
  auto cols = sf::eval(sf::reduce_sum<0>(x));
  CHECK(cols(0) == 5.f);
  CHECK(cols(2) == 9.f);
  auto rows = sf::eval(sf::reduce_max<1>(x));
  CHECK(rows(0) == 3.f);
  CHECK(rows(1) == 6.f);
  auto mins = sf::eval(sf::reduce_min<1>(x));
  CHECK(mins(1) == 4.f);
  auto i = sf::constant<std::int32_t, shape<4>>({-7, 3, 9, -1});
  CHECK(sf::eval(sf::reduce_sum(i)).data()[0] == 4);
  CHECK(sf::eval(sf::reduce_max(i)).data()[0] == 9);
  CHECK(sf::eval(sf::reduce_min(i)).data()[0] == -7);
}

TEST_CASE("argmax and argmin return the first index on ties", "[reduce][argmax]") {
  auto x = sf::constant<float, shape<2, 3>>({1, 3, 3, 2, 2, 1});
  auto am1 = sf::eval(sf::argmax<1>(x));
  static_assert(std::is_same_v<decltype(am1), sf::tensor<std::int64_t, shape<2>>>);
  CHECK(am1(0) == 1);
  CHECK(am1(1) == 0);
  auto an1 = sf::eval(sf::argmin<1>(x));
  CHECK(an1(0) == 0);
  CHECK(an1(1) == 2);
  auto am0 = sf::eval(sf::argmax<0>(x));
  CHECK(am0(0) == 1);
  CHECK(am0(1) == 0);
  CHECK(am0(2) == 0);
  auto an0 = sf::eval(sf::argmin<-2>(x));
  CHECK(an0(0) == 0);
  CHECK(an0(1) == 1);
  CHECK(an0(2) == 1);
  auto flat = sf::constant<int, shape<5>>({4, 4, 4, 4, 4});
  CHECK(sf::eval(sf::argmax<0>(flat)).data()[0] == 0);
  CHECK(sf::eval(sf::argmin<0>(flat)).data()[0] == 0);

  // Against the reference, on a tensor with many ties (values in {0, 1, 2}), every axis.
  std::vector<double> v(2 * 3 * 4);
  for (std::size_t k = 0; k < v.size(); ++k) v[k] = double((k * 7 + k / 5) % 3);
  auto t = tensor_of<double, shape<2, 3, 4>>(v);
  check_equal(sf::eval(sf::argmax<0>(t)), ref::arg_reduce(v, dims234, 0, true));
  check_equal(sf::eval(sf::argmax<1>(t)), ref::arg_reduce(v, dims234, 1, true));
  check_equal(sf::eval(sf::argmax<2>(t)), ref::arg_reduce(v, dims234, 2, true));
  check_equal(sf::eval(sf::argmin<0>(t)), ref::arg_reduce(v, dims234, 0, false));
  check_equal(sf::eval(sf::argmin<1>(t)), ref::arg_reduce(v, dims234, 1, false));
  check_equal(sf::eval(sf::argmin<-1>(t)), ref::arg_reduce(v, dims234, 2, false));
  // Of an expression.
  check_equal(sf::eval(sf::argmax<1>(-t)), ref::arg_reduce(v, dims234, 1, false));
}

TEST_CASE("reductions of expressions and inside expressions", "[reduce][fusion]") {
  const auto va = ref::random_values<float>(60, 1), vb = ref::random_values<float>(60, 2);
  auto a = tensor_of<float, shape<dyn, 6>>(va, 10);
  auto b = tensor_of<float, shape<dyn, 6>>(vb, 10);
  SECTION("reduce_sum(square(a - b))") {
    double want = 0;
    for (std::size_t i = 0; i < 60; ++i) want += double(va[i] - vb[i]) * double(va[i] - vb[i]);
    auto s = sf::eval(sf::reduce_sum(sf::square(a - b)));
    CHECK(s.data()[0] == Approx(want).epsilon(1e-5));
    // Row-wise, with a dyn batch.
    auto r = sf::eval(sf::reduce_mean<1>(sf::square(a - b)));
    static_assert(std::is_same_v<decltype(r)::shape_type, shape<dyn>>);
    REQUIRE(r.dim(0) == 10);
    for (std::size_t i = 0; i < 10; ++i) {
      double row = 0;
      for (std::size_t j = 0; j < 6; ++j) row += double(va[i * 6 + j] - vb[i * 6 + j]) * double(va[i * 6 + j] - vb[i * 6 + j]);
      CHECK(r(i) == Approx(row / 6).epsilon(1e-5));
    }
  }
  SECTION("x - reduce_max<1>(x, keepdims)") {
    auto y = sf::eval(a - sf::reduce_max<1>(a, sf::keepdims));
    static_assert(std::is_same_v<decltype(y)::shape_type, shape<dyn, 6>>);
    for (std::size_t i = 0; i < 10; ++i) {
      float mx = va[i * 6];
      for (std::size_t j = 1; j < 6; ++j) mx = std::max(mx, va[i * 6 + j]);
      for (std::size_t j = 0; j < 6; ++j) CHECK(y(i, j) == va[i * 6 + j] - mx);
    }
    // A full softmax: exp(x - max) / sum(exp(x - max)); every row sums to 1.
    auto e = sf::eval(sf::exp(a - sf::reduce_max<1>(a, sf::keepdims)));
    auto sm = sf::eval(e / sf::reduce_sum<1>(e, sf::keepdims));
    auto rows = sf::eval(sf::reduce_sum<1>(sm));
    for (std::size_t i = 0; i < 10; ++i) CHECK(rows(i) == Approx(1.0f).epsilon(1e-6));
    // A mean used twice in one expression (centering then scaling).
    auto c = sf::eval((a - sf::reduce_mean<0>(a)) * sf::reduce_mean<0>(b));
    for (std::size_t j = 0; j < 6; ++j) {
      double ma = 0, mb = 0;
      for (std::size_t i = 0; i < 10; ++i) ma += va[i * 6 + j], mb += vb[i * 6 + j];
      ma /= 10, mb /= 10;
      CHECK(c(3, j) == Approx((va[3 * 6 + j] - ma) * mb).epsilon(1e-4).margin(1e-6));
    }
  }
}

TEST_CASE("large reductions take the parallel paths and agree with the reference", "[reduce][large]") {
  const std::size_t rows = 1000, cols = 100;
  const auto v = ref::random_values<double>(rows * cols, 3);
  auto x = tensor_of<double, shape<dyn, 100>>(v, rows);
  const std::vector<std::size_t> d = {rows, cols};
  check_equal(sf::eval(sf::reduce_sum<1>(x)), ref::reduce(v, d, {false, true}, ref::reduction::sum), 1e-10);
  check_equal(sf::eval(sf::reduce_sum<0>(x)), ref::reduce(v, d, {true, false}, ref::reduction::sum), 1e-10);
  check_equal(sf::eval(sf::reduce_max<1>(x)), ref::reduce(v, d, {false, true}, ref::reduction::max));
  check_equal(sf::eval(sf::reduce_min<0>(x)), ref::reduce(v, d, {true, false}, ref::reduction::min));
  check_equal(sf::eval(sf::reduce_mean(x)), ref::reduce(v, d, {true, true}, ref::reduction::mean), 1e-9);
  check_equal(sf::eval(sf::argmax<1>(x)), ref::arg_reduce(v, d, 1, true));
  check_equal(sf::eval(sf::reduce_mean<0>(x)), ref::reduce(v, d, {true, false}, ref::reduction::mean), 1e-10);
  // A bias gradient's shape: many rows of a few channels, split over the team by rows.
  const std::size_t many = 6000;
  const auto w = ref::random_values<double>(many * 6, 4);
  auto narrow = tensor_of<double, shape<dyn, 6>>(w, many);
  check_equal(sf::eval(sf::reduce_sum<0>(narrow)), ref::reduce(w, {many, 6}, {true, false}, ref::reduction::sum), 1e-10);
  check_equal(sf::eval(sf::reduce_max<0>(narrow)), ref::reduce(w, {many, 6}, {true, false}, ref::reduction::max));
}

TEST_CASE("a float sum of 1e7 elements stays accurate", "[reduce][accuracy]") {
  sf::tensor<float, shape<dyn>> x(10'000'000);
  x = sf::filled<float, shape<dyn>>(0.1f, 10'000'000);
  const float s = sf::eval(sf::reduce_sum(x)).data()[0];
  // float(0.1) * 1e7 = 1000000.0149; naive float accumulation would be off by about 10%.
  CHECK(std::fabs(double(s) - 1e6) / 1e6 < 1e-3);
  const float m = sf::eval(sf::reduce_mean(x)).data()[0];
  CHECK(m == Approx(0.1f).epsilon(1e-3));
}
