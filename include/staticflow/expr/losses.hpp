// SPDX-License-Identifier: MIT
/// \file
/// \brief Loss functions (TF's tf.nn.*_cross_entropy_with_logits, mean squared error), built
/// from fused expressions so their gradients come from the same autodiff.
#pragma once
#ifndef STATICFLOW_EXPR_LOSSES_HPP
#define STATICFLOW_EXPR_LOSSES_HPP

#include "staticflow/expr/elementwise.hpp"
#include "staticflow/expr/op_node.hpp"
#include "staticflow/expr/reduce.hpp"
#include "staticflow/ops/loss.hpp"

#include <cstdint>
#include <tuple>

namespace staticflow {

/// The fused softmax cross-entropy op: one pass per row forward, one per row backward.
/// `LabelsGradient`: whether the labels get a gradient too (TF's `_v2`; v1 sends none).
template <bool LabelsGradient>
struct softmax_xent_op {
  static constexpr const char* name =
      LabelsGradient ? "sf::softmax_cross_entropy_with_logits_v2" : "sf::softmax_cross_entropy_with_logits";
  /// TF's op takes (features = logits, labels); its output 0 is the loss (1, the backprop, is
  /// unused here).
  static constexpr const char* tf_op = "SoftmaxCrossEntropyWithLogits";
  template <class B>
  void tf_attrs(B& b) const {
    b.input_order({1, 0});
  }
  template <std::size_t Side>
  static constexpr bool has_gradient = Side == 1 || LabelsGradient;
  template <class SL, class SX>
  using result_shape = drop_last_t<SX>;
  template <class S, class DL, class DX>
  static dims_t<S> result_dims(const DL& labels, const DX& logits) {
    dims_t<S> d{};
    for (std::size_t i = 0; i < S::rank; ++i) d[i] = logits[i];
    for (std::size_t i = 0; i < DX::size(); ++i)
      if (labels[i] != logits[i] && labels[i] != dyn && logits[i] != dyn)
        detail::fail<invalid_argument>({"sf::softmax_cross_entropy_with_logits: labels ", to_string(labels),
                                        " and logits ", to_string(logits), " differ"});
    return d;
  }
  template <class P, class Out, class L, class X, class Tmp>
  static void forward(const Out& out, const L& labels, const X& logits, Tmp&) {
    using T = typename X::value_type;
    const std::size_t classes = logits.dims()[X::shape_type::rank - 1];
    executor<P>::for_each(out.size(), ops::softmax_xent_forward<T>{out.data(), labels.data(), logits.data(), classes});
  }
  template <int Side, class P, class D, class L, class X, class V, class G, class Tmp>
  static void backward(const D& d, const L& labels, const X& logits, const V&, const G& g, Tmp&) {
    using T = typename X::value_type;
    const std::size_t classes = logits.dims()[X::shape_type::rank - 1];
    executor<P>::for_each(g.size(), ops::softmax_xent_backward<T, Side == 1>{d.data(), labels.data(), logits.data(),
                                                                              g.data(), classes});
  }
};

namespace detail {
template <bool LabelsGradient, class L, class X>
auto softmax_xent(const L& labels, const X& logits) {
  using SX = shape_of_t<X>;
  static_assert(SX::rank >= 1, "sf::softmax_cross_entropy_with_logits: logits need a class axis");
  static_assert(std::is_same_v<value_t<L>, value_t<X>>, "sf: mixing dtypes requires an explicit sf::cast<T>");
  static_assert(shape_of_t<L>::rank == SX::rank,
                "sf::softmax_cross_entropy_with_logits: labels and logits must have the same shape");
  return make_op_node(softmax_xent_op<LabelsGradient>{}, labels, logits);
}
}  // namespace detail

/// Softmax cross-entropy per row: -sum(labels * log(softmax(logits))) over the last axis,
/// fused: computed as sum(labels * (logsumexp(z) - z)) with z = logits - max(logits), so
/// logits of magnitude 1e4 neither overflow nor lose the answer.
/// **Shape:** [B, C], [B, C] -> [B]. **Gradient:** softmax(logits) * sum(labels) - labels into
/// the logits only, as TF 1.x's (deprecated) op: the labels get none.
template <operand L, operand X>
auto softmax_cross_entropy_with_logits(const L& labels, const X& logits) {
  return detail::softmax_xent<false>(labels, logits);
}

/// The same loss with a gradient into the labels too (TF's softmax_cross_entropy_with_logits_v2):
/// d/dlabels = logsumexp(logits) - logits = -log_softmax(logits).
template <operand L, operand X>
auto softmax_cross_entropy_with_logits_v2(const L& labels, const X& logits) {
  return detail::softmax_xent<true>(labels, logits);
}

/// The fused sparse softmax cross-entropy: integer class labels instead of one-hot rows.
struct sparse_softmax_xent_op {
  static constexpr const char* name = "sf::sparse_softmax_cross_entropy_with_logits";
  template <class SL, class SX>
  using result_shape = drop_last_t<SX>;
  template <class S, class DL, class DX>
  static dims_t<S> result_dims(const DL& labels, const DX& logits) {
    dims_t<S> d{};
    for (std::size_t i = 0; i < S::rank; ++i) {
      d[i] = logits[i];
      if (labels[i] != logits[i] && labels[i] != dyn && logits[i] != dyn)
        detail::fail<invalid_argument>({"sf::sparse_softmax_cross_entropy_with_logits: labels ", to_string(labels),
                                        " do not match the rows of logits ", to_string(logits)});
    }
    return d;
  }
  template <class P, class Out, class L, class X, class Tmp>
  static void forward(const Out& out, const L& labels, const X& logits, Tmp&) {
    using T = typename X::value_type;
    const std::size_t classes = logits.dims()[X::shape_type::rank - 1];
    executor<P>::for_each(out.size(), ops::sparse_xent_forward<T, typename L::value_type>{out.data(), labels.data(),
                                                                                         logits.data(), classes});
  }
  template <int Side, class P, class D, class L, class X, class V, class G, class Tmp>
  static void backward(const D& d, const L& labels, const X& logits, const V&, const G& g, Tmp&) {
    using T = typename X::value_type;
    const std::size_t classes = logits.dims()[X::shape_type::rank - 1];
    if constexpr (Side == 1)
      executor<P>::for_each(g.size(), ops::sparse_xent_backward<T, typename L::value_type>{
                                          d.data(), labels.data(), logits.data(), g.data(), classes});
  }
};

/// Softmax cross-entropy with integer labels (TF's sparse_softmax_cross_entropy_with_logits):
/// **Shape:** labels [B] (int32 or int64), logits [B, C] -> [B]. **Gradient:** softmax - one_hot.
template <operand L, operand X>
auto sparse_softmax_cross_entropy_with_logits(const L& labels, const X& logits) {
  static_assert(std::is_same_v<value_t<L>, std::int32_t> || std::is_same_v<value_t<L>, std::int64_t>,
                "sf::sparse_softmax_cross_entropy_with_logits: labels must be int32 or int64 class indices");
  static_assert(shape_of_t<L>::rank + 1 == shape_of_t<X>::rank,
                "sf::sparse_softmax_cross_entropy_with_logits: labels need one axis fewer than logits");
  return make_op_node(sparse_softmax_xent_op{}, labels, logits);
}

/// The sum of several loss terms (TF's add_n).
template <operand First, operand... Rest>
auto add_n(const First& first, const Rest&... rest) {
  return (as_node(first) + ... + as_node(rest));
}

/// A typed losses collection (TF's tf.add_to_collection("losses", ...) / get_total_loss):
/// `auto losses = sf::losses_collection().add(l2(w1)).add(l2(w2)).add(ce); losses.total()`.
template <class... Terms>
class losses_collection {
 public:
  losses_collection() = default;
  explicit losses_collection(std::tuple<Terms...> t) : terms_(std::move(t)) {}
  /// A new collection with `term` added.
  template <operand E>
  auto add(const E& term) const {
    return losses_collection<Terms..., node_t<E>>(std::tuple_cat(terms_, std::make_tuple(as_node(term))));
  }
  static constexpr std::size_t size() { return sizeof...(Terms); }
  /// The sum of every term.
  auto total() const {
    static_assert(sizeof...(Terms) > 0, "sf::losses_collection::total: the collection is empty");
    return std::apply([](const auto&... t) { return add_n(t...); }, terms_);
  }

 private:
  std::tuple<Terms...> terms_;
};

/// Sigmoid cross-entropy elementwise: max(x, 0) - x * z + log(1 + exp(-|x|)) (TF's stable form),
/// one fused functor. **Gradient:** sigmoid(x) - z for the logits (also at x = 0), -x for the labels.
template <operand L, operand X>
auto sigmoid_cross_entropy_with_logits(const L& labels, const X& logits) {
  return make_binary(ops::sigmoid_xent{}, labels, logits);
}

/// Mean over all elements of (labels - predictions)^2.
template <operand L, operand X>
auto mean_squared_error(const L& labels, const X& predictions) {
  return reduce_mean(square(labels - predictions));
}

/// The book's clipped cross-entropy: -mean(labels * log(clip(y, 1e-10, 1))).
template <operand L, operand X>
auto clipped_cross_entropy(const L& labels, const X& y) {
  using T = value_t<X>;
  return -reduce_mean(labels * log(clip_by_value(y, T(1e-10), T(1))));
}

/// log(softmax(logits)) over the last axis (tf.nn.log_softmax): z - log(sum(exp(z))) with
/// z = logits - max(logits), so large logits neither overflow nor lose the answer; the max is a
/// constant to the gradient (it cancels), which is then exactly g - softmax * sum(g).
template <operand X>
auto log_softmax(const X& logits) {
  auto z = logits - stop_gradient(reduce_max<-1>(logits, keepdims));
  return z - log(reduce_sum<-1>(exp(z), keepdims));
}

/// sum(x^2) / 2 over every element (tf.nn.l2_loss): a scalar, gradient x.
template <operand X>
auto l2_loss(const X& x) {
  return reduce_sum(square(x)) / value_t<X>(2);
}

/// Softmax over the last axis, stable for large logits.
template <operand X>
auto softmax(const X& logits) {
  auto e = exp(logits - reduce_max<-1>(logits, keepdims));
  return e / reduce_sum<-1>(e, keepdims);
}

}  // namespace staticflow
#endif  // STATICFLOW_EXPR_LOSSES_HPP
