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

TEST_CASE("segment sums by hand, their gradients and their errors", "[segment]") {
  using sf::shape;
  const auto data = sf::constant<double, shape<5, 2>>({1, 2, 3, 4, 5, 6, 7, 8, 9, 10});
  // unsorted, a negative id dropped: out[0] = row 1, out[1] = row 4, out[2] = rows 0 + 2
  const auto uid = sf::constant<std::int32_t, shape<5>>({2, 0, 2, -1, 1});
  sf::tensor<double, shape<sf::dyn, 2>, sf::host> u = sf::unsorted_segment_sum(data, uid, 3);
  REQUIRE(u.dim(0) == 3);
  const double want_u[] = {3, 4, 9, 10, 1 + 5, 2 + 6};
  for (std::size_t i = 0; i < 6; ++i) CHECK(u.data()[i] == want_u[i]);
  // sorted, segment 2 empty: zeros
  const auto sid = sf::constant<std::int64_t, shape<5>>({0, 0, 1, 3, 3});
  sf::tensor<double, shape<sf::dyn, 2>, sf::host> s = sf::segment_sum(data, sid, 4);
  sf::tensor<double, shape<sf::dyn, 2>, sf::host> m = sf::segment_mean(data, sid, 4);
  const double want_s[] = {4, 6, 5, 6, 0, 0, 16, 18};
  const double want_m[] = {2, 3, 5, 6, 0, 0, 8, 9};
  for (std::size_t i = 0; i < 8; ++i) {
    CHECK(s.data()[i] == want_s[i]);
    CHECK(m.data()[i] == want_m[i]);
  }
  // ids of rank 2 over data [2, 2, 3]
  const auto d3 = sf::constant<double, shape<2, 2, 3>>({1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12});
  const auto id2 = sf::constant<std::int32_t, shape<2, 2>>({1, 0, 1, 1});
  sf::tensor<double, shape<sf::dyn, 3>, sf::host> u2 = sf::unsorted_segment_sum(d3, id2, 2);
  const double want_u2[] = {4, 5, 6, 1 + 7 + 10, 2 + 8 + 11, 3 + 9 + 12};
  for (std::size_t i = 0; i < 6; ++i) CHECK(u2.data()[i] == want_u2[i]);

  dtensor<shape<5, 2>> x = randn<shape<5, 2>>(60);
  gradcheck("unsorted_segment_sum(x, [2,0,2,-1,1], 3)", x, [&](auto e) { return sf::unsorted_segment_sum(e, uid, 3); });
  gradcheck("segment_sum(x, [0,0,1,3,3], 4)", x, [&](auto e) { return sf::segment_sum(sf::tanh(e), sid, 4); });
  gradcheck("segment_mean(x, [0,0,1,3,3], 4)", x, [&](auto e) { return sf::segment_mean(e * e, sid, 4); });

  const auto big = sf::constant<std::int32_t, shape<5>>({2, 0, 3, 0, 1});
  CHECK_THROWS_WITH(u = sf::unsorted_segment_sum(data, big, 3),
                    Catch::Contains("sf::unsorted_segment_sum: segment_ids[2] = 3 is not in [0, num_segments = 3)"));
  const auto unsorted = sf::constant<std::int64_t, shape<5>>({0, 1, 0, 2, 2});
  CHECK_THROWS_WITH(s = sf::segment_sum(data, unsorted, 3),
                    Catch::Contains("segment_ids must be sorted, but segment_ids[2] = 0 < segment_ids[1] = 1"));
  const auto short_ids = sf::constant<std::int64_t, shape<sf::dyn>>({0, 1, 1});
  CHECK_THROWS_WITH(s = sf::segment_sum(data, short_ids, 3), Catch::Contains("segment_ids has 3 entries but data has 5 rows"));
}

namespace {
// The ragged batch [[3, 1, 3], [], [0], [2, 2]] as a sparse tensor of 4 rows.
const auto sp_indices = sf::constant<std::int64_t, sf::shape<sf::dyn, 2>>({0, 0, 0, 1, 0, 2, 2, 0, 3, 0, 3, 1});
const auto sp_ids = sf::constant<std::int64_t, sf::shape<sf::dyn>>({3, 1, 3, 0, 2, 2});
const auto sp_w = sf::constant<double, sf::shape<sf::dyn>>({0.5, 2.0, 1.0, 3.0, 1.0, -0.5});
}  // namespace

TEST_CASE("embedding_lookup_sparse: TF's combiners by hand, empty rows give zeros", "[embedding][sparse]") {
  const auto table = sf::constant<double, sf::shape<4, 2>>({1, 2, 3, 4, 5, 6, 7, 8});
  const auto sp = sf::make_sparse_tensor(sp_indices, sp_ids, {4, 5});
  using out_t = sf::tensor<double, sf::shape<sf::dyn, 2>, sf::host>;
  out_t sum = sf::embedding_lookup_sparse(table, sp, sf::combiner::sum);
  out_t mean = sf::embedding_lookup_sparse(table, sp, sf::combiner::mean);
  out_t sqrtn = sf::embedding_lookup_sparse(table, sp, sf::combiner::sqrtn);
  REQUIRE(sum.dim(0) == 4);
  // row 0: t3 + t1 + t3 = [7+3+7, 8+4+8]; row 1 empty; row 2: t0; row 3: 2 t2
  const double want_sum[] = {17, 20, 0, 0, 1, 2, 10, 12};
  const double count[] = {3, 1, 1, 2};
  for (std::size_t i = 0; i < 8; ++i) {
    CHECK(sum.data()[i] == Approx(want_sum[i]));
    CHECK(mean.data()[i] == Approx(want_sum[i] / count[i / 2]));
    CHECK(sqrtn.data()[i] == Approx(want_sum[i] / std::sqrt(count[i / 2])));
  }
  // weighted: row 0 = 0.5 t3 + 2 t1 + 1 t3; row 3 = 1 t2 - 0.5 t2
  const auto spw = sf::make_sparse_tensor(sp_indices, sp_w, {4, 5});
  out_t ws = sf::embedding_lookup_sparse(table, sp, spw, sf::combiner::sum);
  out_t wm = sf::embedding_lookup_sparse(table, sp, spw, sf::combiner::mean);
  out_t wq = sf::embedding_lookup_sparse(table, sp, spw, sf::combiner::sqrtn);
  const double num[] = {1.5 * 7 + 2 * 3, 1.5 * 8 + 2 * 4, 0, 0, 3, 6, 0.5 * 5, 0.5 * 6};
  const double wsum[] = {3.5, 1, 3, 0.5}, wsq[] = {0.25 + 4 + 1, 1, 9, 1.25};
  for (std::size_t i = 0; i < 8; ++i) {
    CHECK(ws.data()[i] == Approx(num[i]));
    CHECK(wm.data()[i] == Approx(num[i] / wsum[i / 2]));
    CHECK(wq.data()[i] == Approx(num[i] / std::sqrt(wsq[i / 2])));
  }
}

TEST_CASE("gradcheck: embedding_lookup_sparse into the table and the weights", "[autodiff][gradcheck][embedding][sparse]") {
  using sf::shape;
  dtensor<shape<4, 3>> p = randn<shape<4, 3>>(70);
  const auto sp = sf::make_sparse_tensor(sp_indices, sp_ids, {4, 5});
  const auto spw = sf::make_sparse_tensor(sp_indices, sp_w, {4, 5});
  for (auto how : {sf::combiner::sum, sf::combiner::mean, sf::combiner::sqrtn}) {
    INFO("combiner " << static_cast<int>(how));
    gradcheck("bag(p)", p, [&](auto e) { return sf::embedding_lookup_sparse(e, sp, how); });
    gradcheck("bag(tanh(p))", p, [&](auto e) { return sf::embedding_lookup_sparse(sf::tanh(e), sp, how); });
    gradcheck("bag(p, w)", p, [&](auto e) { return sf::embedding_lookup_sparse(e, sp, spw, how); });
    const dtensor<shape<4, 3>> table = p;
    dtensor<shape<sf::dyn>> w = sp_w;
    gradcheck("bag(table, w) d w", w, [&](auto e) {
      return sf::embedding_lookup_sparse(table, sp, sf::make_sparse_tensor(sp_indices, e, {4, 5}), how);
    });
  }
}

TEST_CASE("sparse_tensor_dense_matmul by hand and its gradients", "[sparse]") {
  using sf::shape;
  // sp [3, 2] = [[0, 2], [0, 0], [-1, 4]] (unordered entries) x dense [2, 2]
  const auto ind = sf::constant<std::int64_t, shape<sf::dyn, 2>>({2, 1, 0, 1, 2, 0});
  const auto val = sf::constant<double, shape<sf::dyn>>({4, 2, -1});
  const auto dense = sf::constant<double, shape<2, 2>>({1, 2, 3, 4});
  sf::tensor<double, shape<sf::dyn, 2>, sf::host> y = sf::sparse_tensor_dense_matmul(sf::make_sparse_tensor(ind, val, {3, 2}), dense);
  const double want[] = {2 * 3, 2 * 4, 0, 0, -1 * 1 + 4 * 3, -1 * 2 + 4 * 4};
  for (std::size_t i = 0; i < 6; ++i) CHECK(y.data()[i] == want[i]);
  dtensor<shape<2, 2>> x = randn<shape<2, 2>>(80);
  gradcheck("sp x dense d dense", x, [&](auto e) { return sf::sparse_tensor_dense_matmul(sf::make_sparse_tensor(ind, val, {3, 2}), e); });
  dtensor<shape<sf::dyn>> v = val;
  gradcheck("sp x dense d values", v, [&](auto e) { return sf::sparse_tensor_dense_matmul(sf::make_sparse_tensor(ind, e, {3, 2}), dense); });
  const auto outside = sf::constant<std::int64_t, shape<sf::dyn, 2>>({2, 1, 0, 2, 2, 0});
  CHECK_THROWS_WITH(y = sf::sparse_tensor_dense_matmul(sf::make_sparse_tensor(outside, val, {3, 2}), dense),
                    Catch::Contains("indices[1, 1] = 2 is outside the dense shape [3, 2]"));
}

TEST_CASE("embedding_lookup_sparse: bad input names the entry", "[embedding][sparse]") {
  const auto table = sf::constant<float, sf::shape<4, 2>>({1, 2, 3, 4, 5, 6, 7, 8});
  sf::tensor<float, sf::shape<sf::dyn, 2>, sf::host> out;
  const auto bad_id = sf::constant<std::int64_t, sf::shape<sf::dyn>>({3, 1, 4, 0, 2, 2});
  CHECK_THROWS_WITH(out = sf::embedding_lookup_sparse(table, sf::make_sparse_tensor(sp_indices, bad_id, {4, 5})),
                    Catch::Contains("sp_ids.values[2] = 4 is not in [0, 4)"));
  const auto unordered = sf::constant<std::int64_t, sf::shape<sf::dyn, 2>>({0, 0, 2, 0, 0, 2, 2, 1, 3, 0, 3, 1});
  CHECK_THROWS_WITH(out = sf::embedding_lookup_sparse(table, sf::make_sparse_tensor(unordered, sp_ids, {4, 5})),
                    Catch::Contains("ordered by row, but row 0 (entry 2) follows row 2"));
  const auto five = sf::constant<std::int64_t, sf::shape<sf::dyn>>({3, 1, 3, 0, 2});
  CHECK_THROWS_WITH(out = sf::embedding_lookup_sparse(table, sf::make_sparse_tensor(sp_indices, five, {4, 5})),
                    Catch::Contains("has 6 indices but 5 values"));
  CHECK_THROWS_AS(sf::make_sparse_tensor(sp_indices, sp_ids, {-1, 5}), sf::invalid_argument);
}

TEST_CASE("training through embedding_lookup_sparse: sparse Adagrad touches the bags' rows only", "[train][embedding][sparse]") {
  sf::graph g;
  auto guard = g.as_default();
  auto t = sf::variable<double, sf::shape<6, 2>>("t", sf::init::values(table0));
  auto ind = sf::placeholder<std::int64_t, sf::shape<sf::dyn, 2>, "ind">();
  auto ids = sf::placeholder<std::int64_t, sf::shape<sf::dyn>, "ids">();
  const auto c = sf::constant<double, sf::shape<2>>({1.0, -2.0});
  // two bags, mean: [[4, 1, 4], [1]]: d t[4] = 2/3 c, d t[1] = (1/3 + 1) c
  auto loss = sf::reduce_sum(sf::embedding_lookup_sparse(t, sf::make_sparse_tensor(ind, ids, {2, 6})) * c);
  auto step = sf::train::adagrad(0.3).minimize(loss);
  sf::session<sf::host> sess(g);
  sess.run(sf::global_variables_initializer());
  const auto fi = sf::constant<std::int64_t, sf::shape<sf::dyn, 2>>({0, 0, 0, 1, 0, 2, 1, 0});
  const auto fv = sf::constant<std::int64_t, sf::shape<sf::dyn>>({4, 1, 4, 1});
  sess.run(step, sf::feed(ind, fi), sf::feed(ids, fv));
  const auto after = sess.value(t);
  const double times[6] = {0, 1.0 / 3 + 1, 0, 0, 2.0 / 3, 0}, cc[2] = {1.0, -2.0};
  for (std::size_t r = 0; r < 6; ++r)
    for (std::size_t j = 0; j < 2; ++j) {
      const double w = table0[r * 2 + j], gr = times[r] * cc[j];
      if (times[r] == 0) CHECK(after.data()[r * 2 + j] == w);
      else CHECK(after.data()[r * 2 + j] == Approx(w - 0.3 * gr / std::sqrt(0.1 + gr * gr)));
    }
}
