// SPDX-License-Identifier: MIT
/// \file
/// \brief Embedding lookups and their row-sparse gradients (TF's IndexedSlices): finite
/// differences with duplicate ids, sparse optimiser updates against the dense ones and against
/// TF's documented formulas worked by hand, segment sums, sparse tensors and
/// embedding_lookup_sparse's combiners.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <vector>

#include "gradcheck.hpp"

namespace sf = staticflow;
using gradcheck_detail::dtensor;
using gradcheck_detail::randn;

TEST_CASE("gradcheck: embedding_lookup into a table, duplicate ids summed", "[autodiff][gradcheck][embedding]") {
  using sf::shape;
  dtensor<shape<5, 3>> p = randn<shape<5, 3>>(50);
  const auto dup = sf::constant<std::int32_t, shape<6>>({2, 0, 2, 2, 4, 0});
  const auto grad = gradcheck("embedding_lookup(p[5,3], [2,0,2,2,4,0])", p, [&](auto e) { return sf::embedding_lookup(e, dup); });
  for (std::size_t j = 0; j < 3; ++j) {  // rows 1 and 3 are never read
    CHECK(grad.data()[1 * 3 + j] == 0.0);
    CHECK(grad.data()[3 * 3 + j] == 0.0);
  }
  const auto ids2 = sf::constant<std::int64_t, shape<2, 3>>({3, 3, 1, 0, 3, 1});
  gradcheck("embedding_lookup(p, int64 [2,3])", p, [&](auto e) { return sf::embedding_lookup(e, ids2); });
  // not a variable table: the dense scatter-add
  gradcheck("embedding_lookup(tanh(p), dup)", p, [&](auto e) { return sf::embedding_lookup(sf::tanh(e), dup); });
  // two lookups of one table and the table itself: the three gradients add up
  gradcheck("lookup(p, dup) * reduce_sum(lookup(p, ids2)) + p", p, [&](auto e) {
    return sf::reduce_sum(sf::embedding_lookup(e, dup) * sf::reduce_sum(sf::embedding_lookup(e, ids2))) +
           sf::reduce_sum(sf::square(e));
  });
}

namespace {
// A table of 6 rows of 2 and a loss that reads rows through a lookup: loss = sum(lookup(t, ids) * c).
// d t[r] = (occurrences of r in ids) * c.
const std::vector<double> table0 = {0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.1, 1.2};

template <class Opt, class Lookup>
std::vector<double> train(const Opt& opt, const std::vector<std::vector<std::int32_t>>& batches, Lookup lookup) {
  sf::graph g;
  auto guard = g.as_default();
  auto t = sf::variable<double, sf::shape<6, 2>>("t", sf::init::values(table0));
  auto ids = sf::placeholder<std::int32_t, sf::shape<sf::dyn>, "ids">();
  const auto c = sf::constant<double, sf::shape<2>>({1.0, -2.0});
  auto loss = sf::reduce_sum(lookup(t, ids) * c);
  auto step = opt.minimize(loss);
  sf::session<sf::host> sess(g);
  sess.run(sf::global_variables_initializer());
  for (const auto& b : batches) {
    sf::tensor<std::int32_t, sf::shape<sf::dyn>, sf::host> feed(sf::dims_t<sf::shape<sf::dyn>>{{b.size()}});
    for (std::size_t i = 0; i < b.size(); ++i) feed.data()[i] = b[i];
    sess.run(step, sf::feed(ids, feed));
  }
  const auto after = sess.value(t);
  return {after.data(), after.data() + 12};
}
const auto sparse_lookup = [](const auto& t, const auto& ids) { return sf::embedding_lookup(t, ids); };
const auto dense_lookup = [](const auto& t, const auto& ids) { return sf::gather(t, ids); };  // a dense gradient
}  // namespace

TEST_CASE("sparse updates equal dense ones on the touched rows and leave the others untouched",
          "[train][embedding]") {
  const std::vector<std::vector<std::int32_t>> batches = {{1, 3, 1}, {3, 3, 0}, {1}};
  auto same = [&](const auto& opt, const char* what) {
    const auto s = train(opt, batches, sparse_lookup);
    const auto d = train(opt, batches, dense_lookup);
    for (std::size_t i = 0; i < 12; ++i) {
      INFO(what << " element " << i);
      CHECK(s[i] == Approx(d[i]).epsilon(1e-14));
    }
    for (std::size_t i : {4u, 5u, 8u, 9u, 10u, 11u}) CHECK(s[i] == table0[i]);  // rows 2, 4, 5 never read
  };
  same(sf::train::gradient_descent(0.5), "SGD");
  same(sf::train::adagrad(0.3, 0.2), "Adagrad");
  same(sf::train::adam(0.1), "Adam (TF 1.x: dense moments)");
  // one step: lazy Adam equals Adam when every moment starts at zero
  const auto la = train(sf::train::lazy_adam(0.1), {{1, 3, 1}}, sparse_lookup);
  const auto ad = train(sf::train::adam(0.1), {{1, 3, 1}}, dense_lookup);
  for (std::size_t i = 0; i < 12; ++i) CHECK(la[i] == Approx(ad[i]).epsilon(1e-14));
}

TEST_CASE("sparse optimiser steps by TF's formulas, worked by hand", "[train][embedding]") {
  const double c[2] = {1.0, -2.0};
  SECTION("SGD, duplicate ids: var[r] -= lr * count(r) * c") {
    const auto s = train(sf::train::gradient_descent(0.5), {{1, 3, 1}}, sparse_lookup);
    for (std::size_t j = 0; j < 2; ++j) {
      CHECK(s[2 + j] == Approx(table0[2 + j] - 0.5 * 2 * c[j]));
      CHECK(s[6 + j] == Approx(table0[6 + j] - 0.5 * 1 * c[j]));
    }
  }
  SECTION("Adagrad: accum = 0.1 + g^2; var -= lr g / sqrt(accum)") {
    const auto s = train(sf::train::adagrad(0.3), {{1, 3, 1}}, sparse_lookup);
    for (std::size_t j = 0; j < 2; ++j) {
      const double g1 = 2 * c[j], g3 = c[j];
      CHECK(s[2 + j] == Approx(table0[2 + j] - 0.3 * g1 / std::sqrt(0.1 + g1 * g1)));
      CHECK(s[6 + j] == Approx(table0[6 + j] - 0.3 * g3 / std::sqrt(0.1 + g3 * g3)));
    }
  }
  SECTION("Momentum: only the touched rows' accumulators change (SparseApplyMomentum)") {
    // step 1 reads row 1, step 2 reads row 3. Sparse: row 1's accumulator is not decayed in
    // step 2, so row 1 moves once; dense: accum = 0.9 accum + 0 moves row 1 again.
    const auto s = train(sf::train::momentum(0.1, 0.9), {{1}, {3}}, sparse_lookup);
    const auto d = train(sf::train::momentum(0.1, 0.9), {{1}, {3}}, dense_lookup);
    for (std::size_t j = 0; j < 2; ++j) {
      CHECK(s[2 + j] == Approx(table0[2 + j] - 0.1 * c[j]));
      CHECK(d[2 + j] == Approx(table0[2 + j] - 0.1 * c[j] - 0.1 * 0.9 * c[j]));
      CHECK(s[6 + j] == Approx(table0[6 + j] - 0.1 * c[j]));
    }
  }
  SECTION("lazy Adam: the rows not in the gradient keep their moments and values") {
    // step 1 row 1 (g = c), step 2 row 3 (g = c). lr_t(t) = lr sqrt(1 - b2^t) / (1 - b1^t).
    const double lr = 0.1, b1 = 0.9, b2 = 0.999, eps = 1e-8;
    const auto s = train(sf::train::lazy_adam(lr, b1, b2, eps), {{1}, {3}}, sparse_lookup);
    const auto d = train(sf::train::adam(lr, b1, b2, eps), {{1}, {3}}, sparse_lookup);
    const double lr1 = lr * std::sqrt(1 - b2) / (1 - b1), lr2 = lr * std::sqrt(1 - b2 * b2) / (1 - b1 * b1);
    for (std::size_t j = 0; j < 2; ++j) {
      const double m = (1 - b1) * c[j], v = (1 - b2) * c[j] * c[j];
      CHECK(s[2 + j] == Approx(table0[2 + j] - lr1 * m / (std::sqrt(v) + eps)));  // row 1: once
      CHECK(s[6 + j] == Approx(table0[6 + j] - lr2 * m / (std::sqrt(v) + eps)));  // row 3 at t = 2
      // Adam (TF 1.x) moves row 1 again at t = 2 with its decayed moments
      const double m2 = b1 * m, v2 = b2 * v;
      CHECK(d[2 + j] == Approx(table0[2 + j] - lr1 * m / (std::sqrt(v) + eps) - lr2 * m2 / (std::sqrt(v2) + eps)));
    }
    CHECK(s[0] == table0[0]);
  }
}

TEST_CASE("a table read by a lookup and directly: the rows meet the dense gradient", "[train][embedding]") {
  // loss = sum(lookup(t, ids) * c) + 0.5 * sum(t^2): d t = count * c + t
  sf::graph g;
  auto guard = g.as_default();
  auto t = sf::variable<double, sf::shape<6, 2>>("t", sf::init::values(table0));
  auto ids = sf::placeholder<std::int32_t, sf::shape<sf::dyn>, "ids">();
  const auto c = sf::constant<double, sf::shape<2>>({1.0, -2.0});
  auto loss = sf::reduce_sum(sf::embedding_lookup(t, ids) * c) + sf::reduce_sum(sf::square(t)) * 0.5;
  auto step = sf::train::gradient_descent(0.5).minimize(loss);
  sf::session<sf::host> sess(g);
  sess.run(sf::global_variables_initializer());
  const auto feed = sf::constant<std::int32_t, sf::shape<sf::dyn>>({4, 4, 0});
  sess.run(step, sf::feed(ids, feed));
  const auto after = sess.value(t);
  const double count[6] = {1, 0, 0, 0, 2, 0}, cc[2] = {1.0, -2.0};
  for (std::size_t r = 0; r < 6; ++r)
    for (std::size_t j = 0; j < 2; ++j) {
      const double w = table0[r * 2 + j];
      CHECK(after.data()[r * 2 + j] == Approx(w - 0.5 * (count[r] * cc[j] + w)));
    }
  // the gradient a train step left as rows reads back densely
  const auto grad = sess.gradient(t);
  CHECK(grad.data()[8] == Approx(2 * cc[0] + table0[8]));
}

TEST_CASE("embedding_lookup: an id outside the table is an error naming it", "[embedding]") {
  const auto table = sf::constant<float, sf::shape<4, 2>>({1, 2, 3, 4, 5, 6, 7, 8});
  const auto bad = sf::constant<std::int64_t, sf::shape<3>>({0, 4, 1});
  sf::tensor<float, sf::shape<3, 2>, sf::host> out;
  CHECK_THROWS_WITH(out = sf::embedding_lookup(table, bad), Catch::Contains("[1] = 4 is not in [0, 4)"));
  const auto ok = sf::constant<std::int64_t, sf::shape<2>>({3, 0});
  sf::tensor<float, sf::shape<2, 2>, sf::host> rows = sf::embedding_lookup(table, ok);
  CHECK(rows.data()[0] == 7.f);
  CHECK(rows.data()[3] == 2.f);
}
