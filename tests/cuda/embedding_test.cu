// SPDX-License-Identifier: MIT
/// \file
/// \brief embedding_lookup, segment sums, embedding_lookup_sparse and sparse_tensor_dense_matmul
/// on sf::cuda against sf::host: value and gradient (parity.hpp). On the host a variable table
/// takes its gradient as rows (TF's IndexedSlices); on CUDA it is dense: the two must agree.
/// (The results, [dyn, dim], are reshaped to static shapes for parity's weights.) The host's
/// gradients are checked against finite differences in
/// tests/unit/autodiff/embedding_test.cpp.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include <array>
#include <cmath>
#include <cstdint>
#include <string>

#include "cuda_test_support.hpp"

namespace sf = staticflow;

#include "parity.hpp"

namespace {
template <class T, std::size_t N>
sf::tensor<T, sf::shape<N>> indices(const std::array<long long, N>& v) {
  sf::tensor<T, sf::shape<N>> t;
  for (std::size_t i = 0; i < N; ++i) t.data()[i] = static_cast<T>(v[i]);
  return t;
}
// The ragged batch [[3, 1, 3], [], [0], [2, 2]] as sparse indices of 4 rows.
sf::tensor<std::int64_t, sf::shape<6, 2>> bag_indices() {
  sf::tensor<std::int64_t, sf::shape<6, 2>> t;
  const long long v[] = {0, 0, 0, 1, 0, 2, 2, 0, 3, 0, 3, 1};
  for (std::size_t i = 0; i < 12; ++i) t.data()[i] = v[i];
  return t;
}
}  // namespace

TEST_CASE("cuda: embedding lookups and segment sums, value and gradient", "[cuda][autodiff][embedding]") {
  const auto p = randn<sf::shape<5, 3>>(30);
  const auto dup = indices<std::int64_t, 6>({2, 0, 2, 2, 4, 0});
  parity("embedding_lookup, duplicate ids", p, [](auto v, const auto& i) { return sf::embedding_lookup(v, i); }, dup);
  parity("embedding_lookup(tanh(p))", p, [](auto v, const auto& i) { return sf::embedding_lookup(sf::tanh(v), i); }, dup);
  const auto seg = indices<std::int32_t, 5>({0, 0, 1, 3, 3});
  parity("segment_mean", p, [](auto v, const auto& s) { return sf::reshape<sf::shape<4, 3>>(sf::segment_mean(v, s, 4)); }, seg);
  const auto useg = indices<std::int32_t, 5>({2, 0, 2, -1, 1});
  parity("unsorted_segment_sum", p, [](auto v, const auto& s) { return sf::reshape<sf::shape<3, 3>>(sf::unsorted_segment_sum(sf::square(v), s, 3)); }, useg);
}

TEST_CASE("cuda: embedding_lookup_sparse and sparse_tensor_dense_matmul, value and gradient", "[cuda][autodiff][sparse]") {
  const auto p = randn<sf::shape<4, 3>>(40);
  const auto ind = bag_indices();
  const auto ids = indices<std::int64_t, 6>({3, 1, 3, 0, 2, 2});
  const auto w = randn<sf::shape<6>>(41);
  for (auto how : {sf::combiner::sum, sf::combiner::mean, sf::combiner::sqrtn}) {
    parity("embedding_lookup_sparse", p,
           [how](auto v, const auto& x, const auto& i) {
             return sf::reshape<sf::shape<4, 3>>(sf::embedding_lookup_sparse(v, sf::make_sparse_tensor(x, i, {4, 5}), how));
           },
           ind, ids);
    parity("embedding_lookup_sparse, weights", p,
           [how](auto v, const auto& x, const auto& i, const auto& ww) {
             return sf::reshape<sf::shape<4, 3>>(
                 sf::embedding_lookup_sparse(v, sf::make_sparse_tensor(x, i, {4, 5}), sf::make_sparse_tensor(x, ww, {4, 5}), how));
           },
           ind, ids, w);
  }
  const auto dense = randn<sf::shape<5, 2>>(42);
  parity("sparse_tensor_dense_matmul d dense", dense,
         [](auto v, const auto& x, const auto& vals) {
           return sf::reshape<sf::shape<4, 2>>(sf::sparse_tensor_dense_matmul(sf::make_sparse_tensor(x, vals, {4, 5}), v));
         },
         ind, w);
}

TEST_CASE("cuda: training steps through embedding_lookup_sparse equal the host's row-sparse ones", "[cuda][train][sparse]") {
  // The host session applies Adagrad to the gradient's rows (TF's _apply_sparse); the CUDA one
  // applies it densely, where untouched rows have zero gradient and keep their values: equal.
  sf::graph g;
  auto guard = g.as_default();
  auto t = sf::variable<float, sf::shape<6, 3>>("t", sf::init::random_normal(1.0, 5));
  auto ind = sf::placeholder<std::int64_t, sf::shape<sf::dyn, 2>, "ind">();
  auto ids = sf::placeholder<std::int64_t, sf::shape<sf::dyn>, "ids">();
  auto bag_loss = sf::reduce_sum(sf::square(sf::embedding_lookup_sparse(t, sf::make_sparse_tensor(ind, ids, {4, 5}))));
  // two lookups of the table: on the host the second set of rows meets the first in the dense buffer
  auto mixed_loss = bag_loss + sf::reduce_sum(sf::embedding_lookup(t, ids));
  auto step = sf::train::adagrad(0.1).minimize(bag_loss);
  auto lazy = sf::train::lazy_adam(0.05).minimize(mixed_loss);
  sf::session<sf::host> hs(g);
  sf::session<sf::cuda> cs(g);
  hs.run(sf::global_variables_initializer());
  cs.run(sf::global_variables_initializer());
  sf::tensor<std::int64_t, sf::shape<sf::dyn, 2>> ih(sf::dims_t<sf::shape<sf::dyn, 2>>{{6, 2}});
  sf::tensor<std::int64_t, sf::shape<sf::dyn>> vh(sf::dims_t<sf::shape<sf::dyn>>{{6}});
  const auto bi = bag_indices();
  for (std::size_t i = 0; i < 12; ++i) ih.data()[i] = bi.data()[i];
  const long long v[] = {3, 1, 3, 0, 5, 5};
  for (std::size_t i = 0; i < 6; ++i) vh.data()[i] = v[i];
  const auto id = sf::to_device(ih.view());
  const auto vd = sf::to_device(vh.view());
  for (int i = 0; i < 3; ++i) {
    const float lh = hs.run(step, sf::feed(ind, ih), sf::feed(ids, vh));
    const float lc = cs.run(step, sf::feed(ind, id), sf::feed(ids, vd));
    CHECK(std::abs(lh - lc) <= 1e-4f * (1 + std::abs(lh)));
  }
  hs.run(lazy, sf::feed(ind, ih), sf::feed(ids, vh));
  cs.run(lazy, sf::feed(ind, id), sf::feed(ids, vd));
  const auto th = hs.value(t);
  const auto tc = cs.value(t);
  CHECK(relative_error(th.data(), tc.data(), th.size()) < 1e-4);
}
