// SPDX-License-Identifier: MIT
/// \file
/// \brief The index-mapping ops (transpose, slice, strided_slice, reverse, tile, pad) on sf::cuda
/// against sf::host: each op's value and its gradient.
///
/// The `parity` helper is tests/cuda/gradients_test.cu's, copied unchanged: it evaluates
/// `build(x, constants...)` and the gradient of sum(build(...) * r) with respect to x (r a fixed
/// varied tensor of the output's shape) on both policies from the same float inputs, and
/// requires each to agree within 1e-5 relative to the host tensor's largest element. The host's
/// values and gradients are checked against hand-worked values and finite differences in
/// tests/unit/expr/remap_test.cpp and tests/unit/autodiff/remap_gradcheck_test.cpp.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <string>

#include "cuda_test_support.hpp"

namespace sf = staticflow;

namespace {

constexpr double tolerance = 1e-5;

template <class S>
using htensor = sf::tensor<float, S, sf::host>;

template <class S>
htensor<S> randn(std::uint64_t seed, float scale = 1.f, float shift = 0.f) {
  htensor<S> t = sf::random_normal<float, S>(0.f, 1.f, seed) * scale + shift;
  return t;
}

template <class S>
htensor<S> positive(std::uint64_t seed) {
  htensor<S> t = sf::abs(sf::random_normal<float, S>(0.f, 1.f, seed)) + 0.2f;
  return t;
}

template <class T, class S>
sf::tensor<T, S, sf::host> on(sf::host, const sf::tensor<T, S, sf::host>& t) {
  sf::tensor<T, S, sf::host> copy;
  std::copy(t.data(), t.data() + t.size(), copy.data());
  return copy;
}
template <class T, class S>
sf::tensor<T, S, sf::cuda> on(sf::cuda, const sf::tensor<T, S, sf::host>& t) {
  return sf::to_device(t.view());
}

template <class S>
htensor<S> to_host(const htensor<S>& t) {
  return on(sf::host{}, t);
}
template <class S>
htensor<S> to_host(const sf::tensor<float, S, sf::cuda>& t) {
  return sf::to_host(t.view());
}

/// The checked scalar: sum(e * r), or e * 0.7 for a scalar e.
template <class E, class R>
auto weighted(const E& e, const R& r) {
  if constexpr (E::shape_type::rank == 0) return e * 0.7f;
  else return sf::reduce_sum(e * r);
}

template <class S>
struct value_and_gradient {
  htensor<S> gradient;
  std::vector<float> value;
};

/// build(x, constants...) and d weighted / dx, computed on policy P from host inputs.
template <class P, class S, class Build, class... C>
auto compute(const htensor<S>& x_host, const Build& build, const C&... constants_host) {
  const auto x = on(P{}, x_host);
  std::tuple constants{on(P{}, constants_host)...};  // mutable: moving averages update in place
  auto call = [&](auto leaf) {
    return std::apply([&](auto&... c) { return build(leaf, c...); }, constants);
  };
  using leaf_t = sf::var_leaf<float, S, P>;
  using out_shape = typename decltype(call(leaf_t(x.view(), nullptr)))::shape_type;
  const htensor<out_shape> r_host = sf::random_uniform<float, out_shape>(-1.f, 1.f, 4242);
  const auto r = on(P{}, r_host);

  std::vector<float> value_copy;
  {
    sf::workspace<P> tmp;
    const sf::tensor<float, out_shape, P> value = sf::autodiff::prepare(call(leaf_t(x.view(), nullptr)), tmp);
    const auto v = to_host(value);
    value_copy.assign(v.data(), v.data() + v.size());
  }
  sf::tensor<float, S, P> gradient = sf::filled<float, S>(0.f);
  {
    sf::workspace<P> tmp;
    auto prepared = sf::autodiff::prepare(weighted(call(leaf_t(x.view(), gradient.data())), r), tmp);
    sf::autodiff::backward(prepared, tmp);
  }
  return value_and_gradient<S>{to_host(gradient), std::move(value_copy)};
}

/// max |a - b| / max |a|: the normwise relative error of b against a.
double relative_error(const float* a, const float* b, std::size_t n) {
  double diff = 0, scale = 1e-30;
  for (std::size_t i = 0; i < n; ++i) {
    const double d = std::fabs(double(a[i]) - double(b[i]));
    diff = std::isnan(d) || d > diff ? d : diff;
    scale = std::max(scale, std::fabs(double(a[i])));
  }
  return diff / scale;
}

template <class S, class Build, class... C>
void parity(const std::string& what, const htensor<S>& x, const Build& build, const C&... constants) {
  const auto host = compute<sf::host>(x, build, constants...);
  const auto cuda = compute<sf::cuda>(x, build, constants...);
  INFO(what);
  REQUIRE(host.value.size() == cuda.value.size());
  CHECK(relative_error(host.value.data(), cuda.value.data(), host.value.size()) < tolerance);
  CHECK(relative_error(host.gradient.data(), cuda.gradient.data(), host.gradient.size()) < tolerance);
}

}  // namespace

using sf::ints;
using sf::whole;

TEST_CASE("cuda: transpose, value and gradient", "[cuda][autodiff][remap]") {
  const auto m = randn<sf::shape<4, 6>>(101);
  parity("transpose(m)", m, [](auto v) { return sf::transpose(v); });
  const auto c = randn<sf::shape<3, 4, 5>>(102);
  parity("transpose<2, 0, 1>(c)", c, [](auto v) { return sf::transpose<2, 0, 1>(v); });
  const auto q = randn<sf::shape<2, 5, 6, 3>>(103);
  parity("transpose<0, 3, 1, 2>(q) (NHWC -> NCHW)", q, [](auto v) { return sf::transpose<0, 3, 1, 2>(v); });
  parity("transpose(q)", q, [](auto v) { return sf::transpose(v); });
  parity("tanh(transpose(q)) * 2 + 1", q, [](auto v) { return sf::tanh(sf::transpose<0, 3, 1, 2>(v)) * 2.f + 1.f; });
}

TEST_CASE("cuda: slice and strided_slice, value and gradient", "[cuda][autodiff][remap]") {
  const auto m = randn<sf::shape<7, 9>>(104);
  parity("slice<1,2; 4,-1>", m, [](auto v) { return sf::slice<ints<1, 2>, ints<4, -1>>(v); });
  parity("m[::-1, 1::3]", m, [](auto v) { return sf::strided_slice<ints<whole, 1>, ints<whole, whole>, ints<-1, 3>>(v); });
  parity("m[-2:-100:-2, 100:-100:-4]", m,
         [](auto v) { return sf::strided_slice<ints<-2, 100>, ints<-100, -100>, ints<-2, -4>>(v); });
  const auto q = randn<sf::shape<2, 3, 4, 5>>(105);
  parity("q[1:2, 1:, 0:3, 1:4] (slice)", q, [](auto v) { return sf::slice<ints<1, 1, 0, 1>, ints<1, -1, 3, 3>>(v); });
  parity("q[::-1, 0:3:2, -1:0:-2, :]", q, [](auto v) {
    return sf::strided_slice<ints<whole, 0, -1, whole>, ints<whole, 3, 0, whole>, ints<-1, 2, -2, 1>>(v);
  });
}

TEST_CASE("cuda: reverse and tile, value and gradient", "[cuda][autodiff][remap]") {
  const auto c = randn<sf::shape<3, 4, 5>>(106);
  parity("reverse<0, 2>(c)", c, [](auto v) { return sf::reverse<0, 2>(v); });
  parity("reverse<-1>(c) * c", c, [](auto v) { return sf::reverse<-1>(v) * v; });
  const auto m = randn<sf::shape<3, 5>>(107);
  parity("tile<1, 1>", m, [](auto v) { return sf::tile<1, 1>(v); });
  parity("tile<4, 3>", m, [](auto v) { return sf::tile<4, 3>(v); });
  const auto t = randn<sf::shape<2, 1, 3>>(108);
  parity("tile<3, 5, 2>", t, [](auto v) { return sf::tile<3, 5, 2>(v); });
}

TEST_CASE("cuda: pad in its three modes, value and gradient", "[cuda][autodiff][remap]") {
  using sf::pad_mode;
  const auto m = randn<sf::shape<4, 5>>(109);
  parity("pad<1,2,3,0> constant 0.5", m, [](auto v) { return sf::pad<ints<1, 2, 3, 0>>(v, 0.5f); });
  parity("pad<3,3,4,4> reflect", m, [](auto v) { return sf::pad<ints<3, 3, 4, 4>, pad_mode::reflect>(v); });
  parity("pad<4,4,5,5> symmetric", m, [](auto v) { return sf::pad<ints<4, 4, 5, 5>, pad_mode::symmetric>(v); });
  const auto q = randn<sf::shape<2, 5, 4, 3>>(110);
  parity("NHWC reflect pad of H and W", q, [](auto v) { return sf::pad<ints<0, 0, 2, 2, 1, 3, 0, 0>, pad_mode::reflect>(v); });
  parity("NHWC symmetric pad of H and W", q,
         [](auto v) { return sf::pad<ints<0, 0, 5, 1, 4, 4, 0, 0>, pad_mode::symmetric>(v); });
}

TEST_CASE("cuda: chains of remaps and remaps of materialised nodes", "[cuda][autodiff][remap]") {
  using sf::pad_mode;
  const auto m = randn<sf::shape<4, 6>>(111);
  const auto w = randn<sf::shape<6, 3>>(112);
  parity("slice of pad", m, [](auto v) { return sf::slice<ints<1, 0>, ints<4, -1>>(sf::pad<ints<2, 2, 1, 3>, pad_mode::reflect>(v)); });
  parity("transpose of tile", m, [](auto v) { return sf::transpose(sf::tile<2, 3>(v)); });
  parity("transpose(matmul(m, w)) + 1 d m", m, [](auto v, const auto& k) { return sf::transpose(sf::matmul(v, k)) + 1.f; }, w);
  parity("transpose(matmul(m, w)) + 1 d w", w, [](auto v, const auto& k) { return sf::transpose(sf::matmul(k, v)) + 1.f; }, m);
  parity("reduce_sum<1>(symmetric pad)", m,
         [](auto v) { return sf::reduce_sum<1>(sf::pad<ints<4, 4, 6, 6>, pad_mode::symmetric>(v)); });
}
