// SPDX-License-Identifier: MIT
/// \file
/// \brief Inference with 8-bit weights: `sf::quantize(w)` and `sf::matmul(x, quantized)`.
///
/// **Example** (a trained first layer, batch-1 inference on the host):
/// `const auto w1_q = sf::quantize(sess.value(w1));`
/// `auto y = sf::matmul(sf::relu(sf::matmul(x, w1_q) + b1), w2) + b2;`
///
/// The weights are int8 with one scale per column; each row of x is quantized per call to 8
/// bits with its own scale (dynamic quantization), and the sums are exact 32-bit integers, so
/// the result differs from float32 only by the rounding of x and W (a relative error of about
/// 1/256 of each row's and column's largest value). Host only, and for inference: no gradient
/// flows through it (train with float weights, then quantize the trained values). The
/// expression refers to the `quantized_weights`, which must outlive it, as a tensor must.
#pragma once
#ifndef STATICFLOW_EXPR_QUANTIZED_HPP
#define STATICFLOW_EXPR_QUANTIZED_HPP

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <vector>

#include "staticflow/core/shape_error.hpp"
#include "staticflow/device/host/executor.hpp"
#include "staticflow/expr/op_node.hpp"
#include "staticflow/device/host/quantized.hpp"

namespace staticflow {

/// A float32 [K, N] weight matrix quantized for `matmul(x, weights)` (see the file comment).
template <std::size_t K, std::size_t N>
class quantized_weights {
 public:
  explicit quantized_weights(const tensor_view<float, shape<K, N>, host>& w) : matrix_(w.data(), K, N) {}
  const quantized_matrix& matrix() const { return matrix_; }
  /// The weight the product uses in place of w[p][j].
  float dequantized(std::size_t p, std::size_t j) const { return matrix_.dequantized(p, j); }

 private:
  quantized_matrix matrix_;
};

template <std::size_t K, std::size_t N>
quantized_weights<K, N> quantize(const tensor_view<float, shape<K, N>, host>& w) {
  return quantized_weights<K, N>(w);
}
template <std::size_t K, std::size_t N>
quantized_weights<K, N> quantize(const tensor<float, shape<K, N>, host>& w) {
  return quantized_weights<K, N>(w.view());
}

/// The op of `matmul(x, quantized_weights<K, N>)`: [batch, K] -> [batch, N].
template <std::size_t K, std::size_t N>
struct quantized_matmul_op {
  static constexpr const char* name = "sf::matmul (int8 weights)";
  const quantized_matrix* weights;

  template <class SX>
  using result_shape = shape<SX::extents[0], N>;

  template <class S, class DX>
  static dims_t<S> result_dims(const DX& x) {
    if (x[1] != K)
      detail::fail<invalid_argument>({"sf::matmul: the input has ", x[1], " columns, the quantized weights ", K,
                                      " rows"});
    return {x[0], N};
  }

  /// Each row: quantized once on the calling thread, then its columns in passes of 256 split
  /// over the team (a batch-1 layer's weights stay in each core's cache from call to call).
  template <class P, class Out, class X, class Tmp>
  void forward(const Out& out, const X& x, Tmp&) const {
    static_assert(std::is_same_v<P, host>, "sf::matmul: quantized weights run on the host only");
    constexpr std::size_t pass = quantized_matrix::pass_columns, passes = (N + pass - 1) / pass;
    thread_local std::vector<std::uint8_t> xq;
    xq.resize(weights->padded_rows());
    for (std::size_t r = 0; r < x.dim(0); ++r) {
      const float scale = weights->quantize_row(x.data() + r * K, xq.data());
      float* y = out.data() + r * N;
      const quantized_matrix* w = weights;
      const std::uint8_t* row = xq.data();
      executor<host>::for_each(
          passes, [=](std::size_t s) { w->row_product(row, scale, y, s * pass, std::min(N, (s + 1) * pass)); },
          K * pass);
    }
  }

  template <int Side, class P, class D, class X, class V, class G, class Tmp>
  void backward(const D&, const X&, const V&, const G&, Tmp&) const {
    static_assert(detail::dependent_false_v<P>,
                  "sf::matmul: quantized weights are for inference, no gradient flows through them; train with "
                  "float weights and quantize the trained values");
  }
};

/// y = x W for float32 x [batch, K] and quantized W: float32 [batch, N] (see the file comment).
template <operand X, std::size_t K, std::size_t N>
auto matmul(const X& x, const quantized_weights<K, N>& w) {
  using SX = shape_of_t<X>;
  static_assert(std::is_same_v<value_t<X>, float>, "sf::matmul: quantized weights multiply float32 inputs");
  if constexpr (SX::rank != 2) {
    SF_SHAPE_ASSERT("sf::matmul: quantized weights multiply a matrix [batch, K]",
                    "input " + shape_text<SX>, "weights " + shape_text<shape<K, N>>);
    return scalar<float>({});  // stops the error cascade
  } else if constexpr (SX::extents[1] != K && SX::extents[1] != dyn) {
    SF_SHAPE_ASSERT("sf::matmul: the input's columns differ from the quantized weights' rows",
                    "input " + shape_text<SX>, "weights " + shape_text<shape<K, N>>);
    return scalar<float>({});
  } else {
    return make_op_node(quantized_matmul_op<K, N>{&w.matrix()}, x);
  }
}

}  // namespace staticflow
#endif  // STATICFLOW_EXPR_QUANTIZED_HPP
