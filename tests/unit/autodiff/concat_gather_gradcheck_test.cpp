// SPDX-License-Identifier: MIT
/// \file
/// \brief Finite-difference checks of concat's gradient (each part, parts of different sizes,
/// one variable in several parts) and gather's (repeated indices sum; inside an embedding
/// model), hand-worked gradients through a session, and an embedding trained with sf::train
/// changing only the rows it gathered.
#include <catch2/catch.hpp>

#include <cstdint>
#include <vector>

#include "gradcheck.hpp"

namespace sf = staticflow;
using gradcheck_detail::dtensor;
using gradcheck_detail::randn;

TEST_CASE("gradcheck: concat with respect to each part, parts of different sizes along the axis",
          "[autodiff][gradcheck][concat]") {
  using sf::shape;
  // rank 1
  dtensor<shape<3>> v = randn<shape<3>>(1);
  const dtensor<shape<5>> v5 = randn<shape<5>>(2);
  const dtensor<shape<1>> v1 = randn<shape<1>>(3);
  gradcheck("concat<0>(x[3], k[5])", v, [&](auto x) { return sf::concat<0>(x, v5); });
  gradcheck("concat<0>(k[5], x[3], k[1])", v, [&](auto x) { return sf::concat<0>(v5, x, v1); });
  gradcheck("concat<0>(k[1], k[5], x[3])", v, [&](auto x) { return sf::concat<0>(v1, v5, x); });

  // rank 2, first and last axis
  dtensor<shape<2, 3>> x = randn<shape<2, 3>>(4);
  const dtensor<shape<4, 3>> r4 = randn<shape<4, 3>>(5);
  const dtensor<shape<2, 1>> c1 = randn<shape<2, 1>>(6);
  const dtensor<shape<2, 5>> c5 = randn<shape<2, 5>>(7);
  gradcheck("concat<0>(x[2,3], k[4,3])", x, [&](auto e) { return sf::concat<0>(e, r4); });
  gradcheck("concat<0>(k[4,3], x[2,3])", x, [&](auto e) { return sf::concat<0>(r4, e); });
  gradcheck("concat<1>(k[2,1], x[2,3], k[2,5])", x, [&](auto e) { return sf::concat<1>(c1, e, c5); });
  gradcheck("concat<1>(k[2,5], k[2,1], x[2,3])", x, [&](auto e) { return sf::concat<1>(c5, c1, e); });
  gradcheck("tanh(concat<1>(x, k[2,5]) * 1.5)", x, [&](auto e) { return sf::tanh(sf::concat<1>(e, c5) * 1.5); });

  // rank 3, the middle axis, and rank 4, the last and a middle one
  dtensor<shape<2, 2, 3>> t = randn<shape<2, 2, 3>>(8);
  const dtensor<shape<2, 3, 3>> t3 = randn<shape<2, 3, 3>>(9);
  const dtensor<shape<2, 1, 3>> t1 = randn<shape<2, 1, 3>>(10);
  gradcheck("concat<1>(k[2,3,3], x[2,2,3], k[2,1,3])", t, [&](auto e) { return sf::concat<1>(t3, e, t1); });
  gradcheck("concat<1>(x[2,2,3], k[2,1,3])", t, [&](auto e) { return sf::concat<1>(e, t1); });
  dtensor<shape<2, 2, 2, 3>> q = randn<shape<2, 2, 2, 3>>(11);
  const dtensor<shape<2, 2, 2, 1>> q1 = randn<shape<2, 2, 2, 1>>(12);
  const dtensor<shape<2, 2, 3, 3>> q3 = randn<shape<2, 2, 3, 3>>(13);
  gradcheck("concat<3>(k[..,1], x[..,3])", q, [&](auto e) { return sf::concat<3>(q1, e); });
  gradcheck("concat<2>(x[2,2,2,3], k[2,2,3,3])", q, [&](auto e) { return sf::concat<2>(e, q3); });

  // a dyn axis
  dtensor<shape<sf::dyn, 3>> dx = randn<shape<sf::dyn, 3>>(14, 2);
  gradcheck("concat<0>(x[?,3] dyn, k[4,3])", dx, [&](auto e) { return sf::concat<0>(r4, sf::sigmoid(e)); });
}

TEST_CASE("gradcheck: concat of one variable in several parts, and of materialised parts",
          "[autodiff][gradcheck][concat]") {
  using sf::shape;
  dtensor<shape<2, 3>> x = randn<shape<2, 3>>(20);
  gradcheck("concat<0>(x, x*2)", x, [](auto e) { return sf::concat<0>(e, e * 2.0); });
  gradcheck("concat<1>(tanh(x), x, square(x))", x, [](auto e) { return sf::concat<1>(sf::tanh(e), e, sf::square(e)); });
  gradcheck("concat<0>(x, x) * concat<0>(x, 1)", x, [](auto e) { return sf::concat<0>(e, e) * sf::concat<0>(e, e * 0.0 + 1.0); });
  const dtensor<shape<3, 4>> w = randn<shape<3, 4>>(21);
  gradcheck("concat<1>(matmul(x, w), exp(x))", x, [&](auto e) { return sf::concat<1>(sf::matmul(e, w), sf::exp(e)); });
  gradcheck("concat<1>(reduce_sum<1>(x, keepdims), x)", x,
            [](auto e) { return sf::concat<1>(sf::reduce_sum<1>(e, sf::keepdims), e); });
  gradcheck("matmul(concat<0>(x, sigmoid(x)), w)", x, [&](auto e) { return sf::matmul(sf::concat<0>(e, sf::sigmoid(e)), w); });
  gradcheck("softmax(concat<1>(x, -x))", x, [](auto e) { return sf::softmax(sf::concat<1>(e, -e)); });
}

TEST_CASE("concat's gradient by hand: one variable in two parts", "[autodiff][concat][graph]") {
  // loss = sum(concat<0>(w, 3 w) * [1, 2, 3, 4]), w = [1, 2]: dloss/dw = [1 + 3*3, 2 + 3*4] = [10, 14]
  sf::graph g;
  auto w = g.variable<double, sf::shape<2>>("w", sf::init::values({1.0, 2.0}));
  const auto c = sf::constant<double, sf::shape<4>>({1.0, 2.0, 3.0, 4.0});
  sf::session<sf::host> sess(g);
  sess.run(sf::global_variables_initializer());
  const auto loss = sf::reduce_sum(sf::concat<0>(w, w * 3.0) * c);
  CHECK(sess.run(loss).data()[0] == Approx(1 + 4 + 9 + 24));
  const auto grad = sess.run(sf::gradients(loss, w));
  CHECK(grad.data()[0] == Approx(10.0));
  CHECK(grad.data()[1] == Approx(14.0));
  // along the last axis of a matrix: loss = sum(concat<1>(m, m) * [[1,2,3,4],[5,6,7,8]]), m [2,2]
  auto m = g.variable<double, sf::shape<2, 2>>("m", sf::init::values({0.0, 0.0, 0.0, 0.0}));
  sess.run(sf::global_variables_initializer());
  const auto k = sf::constant<double, sf::shape<2, 4>>({1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0});
  const auto gm = sess.run(sf::gradients(sf::reduce_sum(sf::concat<1>(m, m) * k), m));
  const double want[] = {1 + 3, 2 + 4, 5 + 7, 6 + 8};
  for (std::size_t i = 0; i < 4; ++i) CHECK(gm.data()[i] == Approx(want[i]));
}

TEST_CASE("gradcheck: gather with respect to params, repeated indices summed", "[autodiff][gradcheck][gather]") {
  using sf::shape;
  dtensor<shape<4, 3>> p = randn<shape<4, 3>>(30);
  const auto rep = sf::constant<std::int32_t, shape<5>>({2, 0, 2, 2, 0});
  const auto grad = gradcheck("gather(p[4,3], [2,0,2,2,0])", p, [&](auto e) { return sf::gather(e, rep); });
  for (std::size_t j = 0; j < 3; ++j) {  // rows 1 and 3 are never read
    CHECK(grad.data()[1 * 3 + j] == 0.0);
    CHECK(grad.data()[3 * 3 + j] == 0.0);
  }
  const auto i2 = sf::constant<std::int64_t, shape<2, 3>>({3, 3, 1, 0, 3, 1});
  gradcheck("gather(p[4,3], int64 [2,3])", p, [&](auto e) { return sf::gather(e, i2); });
  gradcheck("gather(tanh(p), rep) * 2", p, [&](auto e) { return sf::gather(sf::tanh(e), rep) * 2.0; });
  gradcheck("gather(p, rep) * reduce_sum<0, 1>(gather(p, i2))", p, [&](auto e) {
    return sf::gather(e, rep) * sf::reduce_sum<0, 1>(sf::gather(e, i2));
  });
  dtensor<shape<6>> v = randn<shape<6>>(31);
  const auto iv = sf::constant<std::int64_t, shape<7>>({5, 5, 0, 1, 5, 3, 0});
  gradcheck("gather(v[6], int64 [7])", v, [&](auto e) { return sf::gather(e, iv); });
  dtensor<shape<3, 2, 2>> t = randn<shape<3, 2, 2>>(32);
  const auto it = sf::constant<std::int32_t, shape<2, 2>>({1, 1, 2, 1});
  gradcheck("gather(t[3,2,2], [2,2])", t, [&](auto e) { return sf::gather(e, it); });
  // params used directly too: the two gradients add up
  const auto perm = sf::constant<std::int32_t, shape<4>>({3, 2, 1, 0});
  gradcheck("gather(p, [3,2,1,0]) + p", p, [&](auto e) { return sf::gather(e, perm) + e; });
}

TEST_CASE("gather's gradient by hand: rows read several times get the sum", "[autodiff][gather][graph]") {
  // loss = sum(gather(p, [2, 0, 2]) * [[1,2],[3,4],[5,6]]): d p = [[3,4],[0,0],[1+5,2+6]]
  sf::graph g;
  auto p = g.variable<double, sf::shape<3, 2>>("p", sf::init::values({1, 2, 3, 4, 5, 6}));
  const auto idx = sf::constant<std::int32_t, sf::shape<3>>({2, 0, 2});
  const auto c = sf::constant<double, sf::shape<3, 2>>({1.0, 2.0, 3.0, 4.0, 5.0, 6.0});
  sf::session<sf::host> sess(g);
  sess.run(sf::global_variables_initializer());
  const auto loss = sf::reduce_sum(sf::gather(p, idx) * c);
  CHECK(sess.run(loss).data()[0] == Approx(5 * 1 + 6 * 2 + 1 * 3 + 2 * 4 + 5 * 5 + 6 * 6));
  const auto grad = sess.run(sf::gradients(loss, p));
  const double want[] = {3, 4, 0, 0, 6, 8};
  for (std::size_t i = 0; i < 6; ++i) {
    INFO("element " << i);
    CHECK(grad.data()[i] == want[i]);
  }
}

TEST_CASE("gradcheck: an embedding lookup followed by a matmul and a loss", "[autodiff][gradcheck][gather]") {
  using sf::shape;
  dtensor<shape<5, 3>> emb = randn<shape<5, 3>>(40);
  dtensor<shape<3, 4>> w = randn<shape<3, 4>>(41);
  const auto ids = sf::constant<std::int64_t, shape<6>>({4, 1, 1, 0, 4, 4});
  const auto classes = sf::constant<std::int64_t, shape<6>>({0, 3, 1, 1, 2, 0});
  const dtensor<shape<6, 4>> labels = sf::one_hot<4>(classes, 1.0, 0.0);
  gradcheck("softmax CE(matmul(gather(emb, ids), w)) d emb", emb, [&](auto e) {
    return sf::reduce_mean(sf::softmax_cross_entropy_with_logits(labels, sf::matmul(sf::gather(e, ids), w)));
  });
  gradcheck("softmax CE(matmul(gather(emb, ids), w)) d w", w, [&](auto e) {
    return sf::reduce_mean(sf::softmax_cross_entropy_with_logits(labels, sf::matmul(sf::gather(emb, ids), e)));
  });
  gradcheck("sparse CE(matmul(tanh(gather(emb, ids)), w)) d emb", emb, [&](auto e) {
    return sf::reduce_mean(sf::sparse_softmax_cross_entropy_with_logits(classes, sf::matmul(sf::tanh(sf::gather(e, ids)), w)));
  });
  // a bag of words: rank-2 ids, summed over the bag, then a matmul
  const auto bags = sf::constant<std::int32_t, shape<2, 3>>({0, 2, 2, 4, 3, 0});
  gradcheck("matmul(reduce_sum<1>(gather(emb, bags)), w)", emb,
            [&](auto e) { return sf::matmul(sf::reduce_sum<1>(sf::gather(e, bags)), w); });
  // one_hot as a lookup: matmul(one_hot(ids), emb) has gather's gradient
  gradcheck("matmul(one_hot<5>(ids), emb)", emb, [&](auto e) { return sf::matmul(sf::one_hot<5>(ids, 1.0, 0.0), e); });
  // concat of two lookups
  gradcheck("concat<1>(gather(emb, ids), gather(emb, classes))", emb,
            [&](auto e) { return sf::concat<1>(sf::gather(e, ids), sf::gather(e, classes)); });
}

TEST_CASE("training an embedding with sf::train changes only the gathered rows", "[autodiff][gather][train]") {
  sf::graph g;
  auto guard = g.as_default();
  const std::vector<double> init = {0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.1, 1.2, 1.3, 1.4, 1.5};
  auto emb = sf::variable<double, sf::shape<5, 3>>("emb", sf::init::values(init));
  auto ids = sf::placeholder<std::int32_t, sf::shape<sf::dyn>, "ids">();
  const auto c = sf::constant<double, sf::shape<3>>({1.0, -2.0, 0.5});
  // loss = sum(gather(emb, ids) * c): d emb[r] = (times r is in ids) * c
  auto loss = sf::reduce_sum(sf::gather(emb, ids) * c);
  auto step = sf::train::gradient_descent(0.5).minimize(loss);
  sf::session<sf::host> sess(g);
  sess.run(sf::global_variables_initializer());
  const auto batch = sf::constant<std::int32_t, sf::shape<sf::dyn>>({1, 3, 1});
  sess.run(step, sf::feed(ids, batch));
  const auto after = sess.value(emb);
  // row 1 read twice: -= 0.5 * 2 * c; row 3 once: -= 0.5 * c; rows 0, 2, 4 unchanged
  const double times[] = {0, 2, 0, 1, 0};
  for (std::size_t r = 0; r < 5; ++r)
    for (std::size_t j = 0; j < 3; ++j) {
      INFO("row " << r << " column " << j);
      const double want = init[r * 3 + j] - 0.5 * times[r] * c.data()[j];
      if (times[r] == 0) CHECK(after.data()[r * 3 + j] == init[r * 3 + j]);
      else CHECK(after.data()[r * 3 + j] == Approx(want));
    }

  // Adam over a few steps of a non-linear loss: still only rows 0 and 4 move
  auto emb2 = sf::variable<float, sf::shape<5, 3>>("emb2", sf::init::random_normal(1.0, 7));
  const auto target = sf::constant<float, sf::shape<2, 3>>({1.f, 0.f, -1.f, 0.5f, 0.5f, 0.5f});
  auto ids2 = sf::placeholder<std::int64_t, sf::shape<2>, "ids2">();
  auto loss2 = sf::mean_squared_error(target, sf::tanh(sf::gather(emb2, ids2)));
  auto step2 = sf::train::adam(0.05).minimize(loss2);
  sess.run(sf::global_variables_initializer());
  const auto before2 = sess.value(emb2);
  const auto pick = sf::constant<std::int64_t, sf::shape<2>>({4, 0});
  const float l0 = sess.run(loss2, sf::feed(ids2, pick)).data()[0];
  for (int i = 0; i < 5; ++i) sess.run(step2, sf::feed(ids2, pick));
  const auto after2 = sess.value(emb2);
  for (std::size_t r = 0; r < 5; ++r) {
    bool changed = false;
    for (std::size_t j = 0; j < 3; ++j) changed = changed || after2.data()[r * 3 + j] != before2.data()[r * 3 + j];
    INFO("row " << r);
    CHECK(changed == (r == 0 || r == 4));
  }
  CHECK(sess.run(loss2, sf::feed(ids2, pick)).data()[0] < l0);
}
