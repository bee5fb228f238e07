// SPDX-License-Identifier: MIT
/// \file
/// \brief concat, gather and one_hot on sf::cuda against sf::host: value and gradient.
///
/// The `parity` helper (parity.hpp): `build(x, constants...)` and the
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

#include "parity.hpp"

namespace {

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
