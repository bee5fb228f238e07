// SPDX-License-Identifier: MIT
/// \file
/// \brief Finite-difference checks of the gradients of the materialising ops: reductions,
/// matmul (all transpose combinations), the fused losses, and a two-layer MLP.
#include <catch2/catch.hpp>

#include "gradcheck.hpp"

namespace sf = staticflow;
using gradcheck_detail::avoid;
using gradcheck_detail::dtensor;
using gradcheck_detail::make_positive;
using gradcheck_detail::randn;

namespace {
using mat = sf::shape<sf::dyn, 4>;

/// Rows that are probability distributions (softmax of random numbers), as labels usually are.
template <class S>
dtensor<S> distributions(std::uint64_t seed, std::size_t rows) {
  dtensor<S> z = randn<S>(seed, rows);
  dtensor<S> p = sf::softmax(z);
  return p;
}

/// One-hot rows: row i has its 1 in column (3 * i + 1) mod C.
template <class S>
dtensor<S> one_hot(std::size_t rows) {
  dtensor<S> t = sf::zeros<double, S>(rows);
  const std::size_t c = S::extents[1];
  for (std::size_t i = 0; i < rows; ++i) t.data()[i * c + (3 * i + 1) % c] = 1.0;
  return t;
}
}  // namespace

TEST_CASE("gradcheck: reduce_sum and reduce_mean over every axis choice", "[autodiff][gradcheck]") {
  dtensor<mat> x = randn<mat>(30, 3);
  gradcheck("reduce_sum all", x, [](auto v) { return sf::reduce_sum(v); });
  gradcheck("reduce_sum<0>", x, [](auto v) { return sf::reduce_sum<0>(v); });
  gradcheck("reduce_sum<1>", x, [](auto v) { return sf::reduce_sum<1>(v); });
  gradcheck("reduce_sum<-1>", x, [](auto v) { return sf::reduce_sum<-1>(v); });
  gradcheck("reduce_sum<1> keepdims", x, [](auto v) { return sf::reduce_sum<1>(v, sf::keepdims); });
  gradcheck("reduce_sum<0> keepdims", x, [](auto v) { return sf::reduce_sum<0>(v, sf::keepdims); });
  gradcheck("reduce_sum all keepdims", x, [](auto v) { return sf::reduce_sum(v, sf::keepdims); });
  gradcheck("reduce_mean all", x, [](auto v) { return sf::reduce_mean(v); });
  gradcheck("reduce_mean<0>", x, [](auto v) { return sf::reduce_mean<0>(v); });
  gradcheck("reduce_mean<1>", x, [](auto v) { return sf::reduce_mean<1>(v); });
  gradcheck("reduce_mean<1> keepdims", x, [](auto v) { return sf::reduce_mean<1>(v, sf::keepdims); });
  gradcheck("reduce_mean<0> keepdims", x, [](auto v) { return sf::reduce_mean<0>(v, sf::keepdims); });
  // a reduction of an expression, and its result broadcast back against the input
  gradcheck("reduce_sum<1>(square(x))", x, [](auto v) { return sf::reduce_sum<1>(sf::square(v)); });
  gradcheck("x - reduce_mean<1>(x, keepdims)", x, [](auto v) { return sf::tanh(v - sf::reduce_mean<1>(v, sf::keepdims)); });
}

TEST_CASE("gradcheck: reductions of a rank-3 tensor over several axes", "[autodiff][gradcheck]") {
  using cube = sf::shape<2, 3, 4>;
  dtensor<cube> x = randn<cube>(31);
  gradcheck("reduce_sum<0, 2>", x, [](auto v) { return sf::reduce_sum<0, 2>(v); });
  gradcheck("reduce_mean<1> keepdims", x, [](auto v) { return sf::reduce_mean<1>(v, sf::keepdims); });
  gradcheck("reduce_max<2>", x, [](auto v) { return sf::reduce_max<2>(v); });
  gradcheck("reduce_min<0, 1>", x, [](auto v) { return sf::reduce_min<0, 1>(v); });
}

TEST_CASE("gradcheck: reduce_max and reduce_min (no ties)", "[autodiff][gradcheck]") {
  // Continuous random values have no ties; the finite-difference step (1e-6) is far smaller
  // than the gap between the two largest elements of any row or column here.
  dtensor<mat> x = randn<mat>(32, 3);
  gradcheck("reduce_max all", x, [](auto v) { return sf::reduce_max(v); });
  gradcheck("reduce_max<0>", x, [](auto v) { return sf::reduce_max<0>(v); });
  gradcheck("reduce_max<1>", x, [](auto v) { return sf::reduce_max<1>(v); });
  gradcheck("reduce_max<1> keepdims", x, [](auto v) { return sf::reduce_max<1>(v, sf::keepdims); });
  gradcheck("reduce_max<0> keepdims", x, [](auto v) { return sf::reduce_max<0>(v, sf::keepdims); });
  gradcheck("reduce_min all", x, [](auto v) { return sf::reduce_min(v); });
  gradcheck("reduce_min<0>", x, [](auto v) { return sf::reduce_min<0>(v); });
  gradcheck("reduce_min<1>", x, [](auto v) { return sf::reduce_min<1>(v); });
  gradcheck("reduce_min<1> keepdims", x, [](auto v) { return sf::reduce_min<1>(v, sf::keepdims); });
  gradcheck("reduce_max<1>(exp(x))", x, [](auto v) { return sf::reduce_max<1>(sf::exp(v)); });
}

TEST_CASE("reduce_max shares the gradient equally between ties", "[autodiff]") {
  // max of [2, 5, 5, 1] is 5, reached twice: each tie gets half of the upstream 1.
  dtensor<sf::shape<4>> x = sf::constant<double, sf::shape<4>>({2.0, 5.0, 5.0, 1.0});
  dtensor<sf::shape<4>> g(x.dims());
  gradcheck_detail::zero(g);
  sf::workspace<sf::host> tmp;
  auto p = sf::autodiff::prepare(sf::reduce_max(sf::var_leaf<double, sf::shape<4>, sf::host>(x.view(), g.data())), tmp);
  sf::autodiff::backward(p, tmp);
  const double expected[] = {0.0, 0.5, 0.5, 0.0};
  for (std::size_t i = 0; i < 4; ++i) CHECK(g.data()[i] == expected[i]);
}

namespace {
/// matmul<TA, TB>(a, b) with op(a) = [3, 4] and op(b) = [4, 2]; both operands checked, as plain
/// variables and through an elementwise op (which takes the non-variable GEMM path).
template <bool TA, bool TB>
void check_matmul(const std::string& name) {
  using a_shape = std::conditional_t<TA, sf::shape<4, 3>, sf::shape<3, 4>>;
  using b_shape = std::conditional_t<TB, sf::shape<2, 4>, sf::shape<4, 2>>;
  dtensor<a_shape> a = randn<a_shape>(40 + 2 * TA + TB);
  dtensor<b_shape> b = randn<b_shape>(50 + 2 * TA + TB);
  gradcheck(name + " (a)", a, [&](auto v) { return sf::matmul<TA, TB>(v, b); });
  gradcheck(name + " (b)", b, [&](auto v) { return sf::matmul<TA, TB>(a, v); });
  gradcheck(name + " (tanh(a))", a, [&](auto v) { return sf::matmul<TA, TB>(sf::tanh(v), b); });
  gradcheck(name + " (b * 2)", b, [&](auto v) { return sf::matmul<TA, TB>(a, v * 2.0); });
}
}  // namespace

TEST_CASE("gradcheck: matmul, all four transpose combinations", "[autodiff][gradcheck]") {
  check_matmul<false, false>("matmul");
  check_matmul<true, false>("matmul<T, F>");
  check_matmul<false, true>("matmul<F, T>");
  check_matmul<true, true>("matmul<T, T>");
}

TEST_CASE("gradcheck: matmul with a dyn batch, and with the same variable on both sides", "[autodiff][gradcheck]") {
  dtensor<mat> x = randn<mat>(60, 5);
  dtensor<sf::shape<4, 3>> w = randn<sf::shape<4, 3>>(61);
  gradcheck("matmul([?,4], [4,3]) (x)", x, [&](auto v) { return sf::matmul(v, w); });
  gradcheck("matmul([?,4], [4,3]) (w)", w, [&](auto v) { return sf::matmul(x, v); });
  gradcheck("matmul<T,F>(x, x) (Gram)", x, [](auto v) { return sf::matmul<true, false>(v, v); });
  gradcheck("matmul<F,T>(x, x)", x, [](auto v) { return sf::matmul<false, true>(v, v); });
  gradcheck("matmul(matmul(x, w), w^T)", w, [&](auto v) { return sf::matmul<false, true>(sf::matmul(x, v), v); });
}

TEST_CASE("gradcheck: softmax_cross_entropy_with_logits", "[autodiff][gradcheck]") {
  using cls = sf::shape<sf::dyn, 5>;
  dtensor<cls> logits = randn<cls>(70, 4);
  for (std::size_t i = 0; i < logits.size(); ++i) logits.data()[i] *= 3.0;
  dtensor<cls> labels = distributions<cls>(71, 4);
  gradcheck("softmax CE (logits)", logits, [&](auto v) { return sf::softmax_cross_entropy_with_logits(labels, v); });
  // Into the labels only with _v2 (TF 1.x's v1 sends them none: losses_tf_test checks that).
  gradcheck("softmax CE v2 (labels)", labels, [&](auto v) { return sf::softmax_cross_entropy_with_logits_v2(v, logits); });
  gradcheck("mean softmax CE (logits)", logits,
            [&](auto v) { return sf::reduce_mean(sf::softmax_cross_entropy_with_logits(labels, v)); });
  gradcheck("softmax CE of an expression", logits,
            [&](auto v) { return sf::softmax_cross_entropy_with_logits(labels, sf::tanh(v) * 2.0); });
  // labels that do not sum to 1 (the gradient is softmax * sum(labels) - labels)
  dtensor<cls> loose = randn<cls>(72, 4);
  make_positive(loose, 0.1);
  gradcheck("softmax CE, unnormalised labels", logits,
            [&](auto v) { return sf::softmax_cross_entropy_with_logits(loose, v); });
  gradcheck("softmax (composite)", logits, [](auto v) { return sf::softmax(v); });
}

TEST_CASE("gradcheck: sigmoid CE, mean squared error, clipped CE", "[autodiff][gradcheck]") {
  dtensor<mat> logits = randn<mat>(80, 3);
  avoid(logits, {0.0});  // max(x, 0) and |x| inside the stable form
  dtensor<mat> labels = randn<mat>(81, 3);
  for (std::size_t i = 0; i < labels.size(); ++i) labels.data()[i] = 1.0 / (1.0 + std::exp(-labels.data()[i]));
  gradcheck("sigmoid CE (logits)", logits, [&](auto v) { return sf::sigmoid_cross_entropy_with_logits(labels, v); });
  gradcheck("sigmoid CE (labels)", labels, [&](auto v) { return sf::sigmoid_cross_entropy_with_logits(v, logits); });
  gradcheck("MSE (predictions)", logits, [&](auto v) { return sf::mean_squared_error(labels, v); });
  gradcheck("MSE (labels)", labels, [&](auto v) { return sf::mean_squared_error(v, logits); });
  // predictions inside (1e-10, 1), far from the clip bounds
  gradcheck("clipped CE (predictions)", labels, [&](auto v) { return sf::clipped_cross_entropy(labels * 0.0 + 0.7, v); });
}

TEST_CASE("gradcheck: a two-layer MLP's loss, every parameter", "[autodiff][gradcheck]") {
  using in_t = sf::shape<sf::dyn, 4>;
  using out_t = sf::shape<sf::dyn, 3>;
  const dtensor<in_t> x = randn<in_t>(90, 6);
  const dtensor<out_t> y = one_hot<out_t>(6);
  dtensor<sf::shape<4, 5>> w1 = randn<sf::shape<4, 5>>(91);
  dtensor<sf::shape<5>> b1 = randn<sf::shape<5>>(92);
  dtensor<sf::shape<5, 3>> w2 = randn<sf::shape<5, 3>>(93);
  dtensor<sf::shape<3>> b2 = randn<sf::shape<3>>(94);
  auto loss = [&](const auto& W1, const auto& B1, const auto& W2, const auto& B2) {
    auto hidden = sf::relu(sf::matmul(x, W1) + B1);
    return sf::reduce_mean(sf::softmax_cross_entropy_with_logits(y, sf::matmul(hidden, W2) + B2));
  };
  // No hidden pre-activation may sit within a step of relu's kink.
  dtensor<sf::shape<sf::dyn, 5>> pre = sf::matmul(x, w1) + b1;
  for (std::size_t i = 0; i < pre.size(); ++i) REQUIRE(std::abs(pre.data()[i]) > 1e-3);
  gradcheck("mlp (w1)", w1, [&](auto v) { return loss(v, b1, w2, b2); });
  gradcheck("mlp (b1)", b1, [&](auto v) { return loss(w1, v, w2, b2); });
  gradcheck("mlp (w2)", w2, [&](auto v) { return loss(w1, b1, v, b2); });
  gradcheck("mlp (b2)", b2, [&](auto v) { return loss(w1, b1, w2, v); });
}
