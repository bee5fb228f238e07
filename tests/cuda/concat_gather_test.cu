// SPDX-License-Identifier: MIT
/// \file
/// \brief concat, gather and one_hot on sf::cuda against sf::host: value and gradient.
///
/// The `parity` helper is gradients_test.cu's, unchanged: `build(x, constants...)` and the
/// gradient of sum(build(...) * r) with respect to x on both policies from the same float
/// inputs, each within 1e-5 relative to the host's largest element. The host's gradients are
/// checked against finite differences in tests/unit/autodiff/concat_gather_gradcheck_test.cpp.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <cstdint>
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

using mat = sf::shape<4, 6>;

template <class T, std::size_t N>
sf::tensor<T, sf::shape<N>> indices(const std::array<long long, N>& v) {
  sf::tensor<T, sf::shape<N>> t;
  for (std::size_t i = 0; i < N; ++i) t.data()[i] = static_cast<T>(v[i]);
  return t;
}

}  // namespace

TEST_CASE("cuda: concat along each axis, value and gradient of each part", "[cuda][autodiff][concat]") {
  const auto x = randn<mat>(1);
  const auto rows = randn<sf::shape<3, 6>>(2);
  const auto cols1 = randn<sf::shape<4, 1>>(3);
  const auto cols5 = randn<sf::shape<4, 5>>(4);
  parity("concat<0>(x, k)", x, [](auto v, const auto& k) { return sf::concat<0>(v, k); }, rows);
  parity("concat<0>(k, x)", x, [](auto v, const auto& k) { return sf::concat<0>(k, v); }, rows);
  parity("concat<1>(k1, x, k5)", x, [](auto v, const auto& a, const auto& b) { return sf::concat<1>(a, v, b); }, cols1, cols5);
  parity("concat<1>(k5, k1, x) (last part)", x, [](auto v, const auto& a, const auto& b) { return sf::concat<1>(b, a, v); },
         cols1, cols5);
  const auto t = randn<sf::shape<2, 3, 4>>(5);
  const auto t1 = randn<sf::shape<2, 1, 4>>(6);
  const auto t2 = randn<sf::shape<2, 3, 2>>(7);
  parity("concat<1> rank 3 (middle axis)", t, [](auto v, const auto& k) { return sf::concat<1>(k, v); }, t1);
  parity("concat<2> rank 3 (last axis)", t, [](auto v, const auto& k) { return sf::tanh(sf::concat<2>(v, k)); }, t2);
  parity("concat<0>(x, x * 2)", x, [](auto v) { return sf::concat<0>(v, v * 2.f); });
  parity("concat<1>(tanh(x), x, square(x))", x, [](auto v) { return sf::concat<1>(sf::tanh(v), v, sf::square(v)); });
  const auto w = randn<sf::shape<6, 3>>(8);
  parity("concat<1>(matmul(x, w), relu(x))", x, [](auto v, const auto& k) { return sf::concat<1>(sf::matmul(v, k), sf::relu(v)); }, w);
  parity("matmul(concat<0>(x, sigmoid(x)), w)", x, [](auto v, const auto& k) { return sf::matmul(sf::concat<0>(v, sf::sigmoid(v)), k); }, w);
}

TEST_CASE("cuda: gather, value and the params' gradient (repeated indices summed)", "[cuda][autodiff][gather]") {
  const auto p = randn<mat>(10);
  const auto rep = indices<std::int32_t, 7>({2, 0, 2, 2, 3, 0, 2});
  const auto rep64 = indices<std::int64_t, 5>({3, 3, 1, 3, 0});
  sf::tensor<std::int64_t, sf::shape<2, 3>> bags;
  const long long b[] = {1, 3, 3, 0, 1, 1};
  for (std::size_t i = 0; i < 6; ++i) bags.data()[i] = b[i];
  parity("gather int32, repeated", p, [](auto v, const auto& i) { return sf::gather(v, i); }, rep);
  parity("gather int64, repeated", p, [](auto v, const auto& i) { return sf::gather(v, i); }, rep64);
  parity("gather rank-2 indices", p, [](auto v, const auto& i) { return sf::gather(v, i); }, bags);
  parity("gather(tanh(p)) * 2", p, [](auto v, const auto& i) { return sf::gather(sf::tanh(v), i) * 2.f; }, rep);
  parity("gather(p, i) * reduce_sum<0>(gather(p, j))", p,
         [](auto v, const auto& i, const auto& j) { return sf::gather(v, i) * sf::reduce_sum<0>(sf::gather(v, j)); }, rep, rep64);
  const auto t = randn<sf::shape<4, 2, 3>>(11);
  parity("gather rank-3 params", t, [](auto v, const auto& i) { return sf::gather(v, i); }, rep);
  const auto v1 = randn<sf::shape<6>>(12);
  parity("gather rank-1 params", v1, [](auto v, const auto& i) { return sf::exp(sf::gather(v, i)); }, indices<std::int64_t, 4>({5, 0, 5, 1}));
  // an embedding model: lookup, matmul, softmax cross-entropy; d emb and d w
  const auto emb = randn<sf::shape<5, 3>>(13);
  const auto w = randn<sf::shape<3, 4>>(14);
  const auto ids = indices<std::int64_t, 6>({4, 1, 1, 0, 4, 4});
  const auto classes = indices<std::int64_t, 6>({0, 3, 1, 1, 2, 0});
  parity("embedding CE d emb", emb,
         [](auto v, const auto& k, const auto& i, const auto& c) {
           return sf::sparse_softmax_cross_entropy_with_logits(c, sf::matmul(sf::gather(v, i), k));
         },
         w, ids, classes);
  parity("embedding CE d w", w,
         [](auto v, const auto& e, const auto& i, const auto& c) {
           return sf::sparse_softmax_cross_entropy_with_logits(c, sf::matmul(sf::gather(e, i), v));
         },
         emb, ids, classes);
}

TEST_CASE("cuda: one_hot, value and gradient through it", "[cuda][autodiff][one_hot]") {
  const auto x = randn<mat>(20);
  // out-of-range (6, -1) ids give rows of off
  const auto ids = indices<std::int32_t, 4>({5, 0, 6, -1});
  parity("one_hot<6>(ids) * x", x, [](auto v, const auto& i) { return sf::one_hot<6>(i) * v; }, ids);
  parity("one_hot<6>(ids, 2, -0.5) + x", x, [](auto v, const auto& i) { return sf::one_hot<6>(i, 2.f, -0.5f) + sf::square(v); }, ids);
  const auto emb = randn<sf::shape<6, 3>>(21);
  const auto ids64 = indices<std::int64_t, 5>({2, 2, 5, 0, 7});
  parity("matmul(one_hot<6>(ids), emb)", emb, [](auto v, const auto& i) { return sf::matmul(sf::one_hot<6>(i), v); }, ids64);
}

TEST_CASE("cuda: gather of an index outside the rows reads zeros (TF's GPU kernel)", "[cuda][gather]") {
  sf::tensor<float, sf::shape<3, 2>> p;
  for (std::size_t i = 0; i < 6; ++i) p.data()[i] = static_cast<float>(i + 1);
  const auto i = indices<std::int32_t, 3>({2, 3, -1});
  const auto dp = sf::to_device(p);
  const auto di = sf::to_device(i);
  sf::tensor<float, sf::shape<3, 2>, sf::cuda> out = sf::gather(dp, di);
  const auto h = sf::to_host(out);
  const float want[] = {5, 6, 0, 0, 0, 0};
  for (std::size_t k = 0; k < 6; ++k) CHECK(h.data()[k] == want[k]);
}
