// SPDX-License-Identifier: MIT
/// \file
/// \brief Optimisers with TF 1.x's update rules and defaults: gradient descent, momentum,
/// Adagrad, RMSProp, Adam, Adadelta, FTRL, proximal Adagrad, proximal gradient descent and
/// Adagrad dual averaging.
///
/// Each optimiser keeps per-variable state in `slots<T, S, P>` (made by `make_slots`, initialised
/// as TF initialises its slot variables) and updates a variable with `apply`: the learning rate
/// comes from the schedule on the host, then one fused `executor<P>::for_each` pass writes the
/// variable and its slots. The kernels are trivially copyable structs of pointers and scalars,
/// so the same pass runs on the host and on CUDA. Updates are elementwise, so a session hands
/// each variable over as a flat vector (`S` = `shape<dyn>`): one instantiation per dtype.
///
/// The rules follow TF's Apply* kernels, which differ from PyTorch's: RMSProp's mean square
/// starts at 1 and epsilon sits inside the square root; Adam's epsilon is added after the square
/// root and the bias correction is folded into the learning rate.
#pragma once
#ifndef STATICFLOW_TRAIN_OPTIMIZER_HPP
#define STATICFLOW_TRAIN_OPTIMIZER_HPP

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <type_traits>
#include <string>
#include <utility>
#include <vector>

#include "staticflow/config.hpp"
#include "staticflow/core/error.hpp"
#include "staticflow/core/indexed_slices.hpp"
#include "staticflow/core/tensor.hpp"
#include "staticflow/expr/assign.hpp"
#include "staticflow/train/schedule.hpp"

namespace staticflow::train {

namespace detail {

template <class T>
struct fill_kernel {
  T* out;
  T value;
  SF_HD_INLINE void operator()(std::size_t i) const { out[i] = value; }
};

/// A slot tensor with every element equal to `value`, filled on the tensor's device.
template <class T, class S, class P>
tensor<T, S, P> filled_slot(const dims_t<S>& dims, double value) {
  tensor<T, S, P> t(dims);
  executor<P>::for_each(t.size(), fill_kernel<T>{t.data(), static_cast<T>(value)});
  return t;
}

inline std::string number(double x) {
  std::string s = std::to_string(x);
  if (s.find('.') != std::string::npos) {
    while (s.back() == '0') s.pop_back();
    if (s.back() == '.') s.pop_back();
  }
  return s;
}

/// Throws invalid_argument unless lo <= x < hi (or x <= hi when `closed`).
inline double check_range(double x, double lo, double hi, bool closed, const char* opt, const char* what) {
  const bool ok = x >= lo && (closed ? x <= hi : x < hi);
  if (!ok)
    staticflow::detail::fail<invalid_argument>({"sf::train::", opt, ": ", what, " must lie in [", number(lo), ", ",
                                                number(hi), (closed ? "]" : ")"), ", got ", x});
  return x;
}

inline double check_positive(double x, const char* opt, const char* what) {
  if (!(x > 0.0))
    staticflow::detail::fail<invalid_argument>({"sf::train::", opt, ": ", what, " must be positive, got ", x});
  return x;
}

inline double check_nonnegative(double x, const char* opt, const char* what) {
  if (!(x >= 0.0))
    staticflow::detail::fail<invalid_argument>({"sf::train::", opt, ": ", what, " must be >= 0, got ", x});
  return x;
}

[[noreturn]] inline void throw_size_mismatch(std::size_t var, std::size_t t, const char* opt, const char* what) {
  staticflow::detail::fail<invalid_argument>({"sf::train::", opt, "::apply: ", what, " has ", t,
                                              " elements but the variable has ", var});
}

/// Throws invalid_argument unless `t` holds as many elements as the variable.
template <class V, class U>
void check_same_size(const V& var, const U& t, const char* opt, const char* what) {
  if (t.size() != var.size()) throw_size_mismatch(var.size(), t.size(), opt, what);
}

/// Runs `f(var_offset, u)` for each row u of a row-sparse gradient, one row per index (rows are
/// distinct: no two threads write one element); `f` loops over the row's `inner` elements, so
/// no element pays for a division to find its row.
template <class T, class F>
struct for_rows {
  indexed_slices<T> g;
  F f;
  SF_HD_INLINE void operator()(std::size_t u) const { f(static_cast<std::size_t>(g.rows[u]) * g.inner, u * g.inner, g.inner); }
};
template <class P, class T, class F>
void apply_rows(const indexed_slices<T>& g, const F& f) {
  executor<P>::for_each(g.count, for_rows<T, F>{g, f}, g.inner);
}

/// Throws invalid_argument unless every row of `g` lies in the variable (host; the lookups that
/// make such gradients checked their ids already, so this guards hand-made ones).
template <class V, class T>
void check_rows(const V& var, const indexed_slices<T>& g, const char* opt) {
  if (g.inner == 0 || var.size() % g.inner != 0)
    staticflow::detail::fail<invalid_argument>({"sf::train::", opt, "::apply_sparse: rows of ", g.inner,
                                                " elements do not divide the variable's ", var.size()});
  const auto rows = static_cast<std::int64_t>(var.size() / g.inner);
  if constexpr (std::is_same_v<typename V::policy_type, host>)
    for (std::size_t u = 0; u < g.count; ++u)
      if (g.rows[u] < 0 || g.rows[u] >= rows)
        staticflow::detail::fail<invalid_argument>({"sf::train::", opt, "::apply_sparse: row ", g.rows[u],
                                                    " (entry ", u, ") is not in [0, ", rows, ")"});
}

/// Forwards to the graph layer's `minimize(opt, loss, global_step)`. The unqualified call is
/// resolved where it is instantiated (argument-dependent lookup through the loss type), so this
/// header does not depend on the graph layer.
template <class Opt, class Loss, class... Step>
auto forward_minimize(const Opt& opt, const Loss& loss, const Step&... global_step) {
  return minimize(opt, loss, global_step...);
}
template <class Loss>
auto forward_compute(const Loss& loss) {
  return compute_gradients(loss);
}
template <class Opt, class Grads, class... Step>
auto forward_apply(const Opt& opt, const Grads& grads, const Step&... global_step) {
  return apply_gradients(opt, grads, global_step...);
}

template <class T>
SF_HD_INLINE T sign_of(T x) {
  return x > T(0) ? T(1) : (x < T(0) ? T(-1) : T(0));
}

/// TF's proximal step on v = var - lr * g: sign(v) * max(|v| - lr * l1, 0) / (1 + lr * l2).
/// The l1 shrinkage sets a weight to exactly 0 when |v| <= lr * l1 (the point of these optimisers).
template <class T>
SF_HD_INLINE T proximal_step(T v, T lr, T l1, T l2) {
  const T denom = T(1) + l2 * lr;
  if (!(l1 > T(0))) return v / denom;
  const T shrunk = (v < T(0) ? -v : v) - lr * l1;
  return sign_of(v) * (shrunk > T(0) ? shrunk : T(0)) / denom;
}

}  // namespace detail

/// Members every optimiser shares: `opt.minimize(loss)` and `opt.minimize(loss, global_step)`
/// (TF's optimizer.minimize), which build the graph layer's train op.
template <class Self>
class optimizer_base {
 public:
  template <class Loss>
  auto minimize(const Loss& loss) const {
    return detail::forward_minimize(self(), loss);
  }
  template <class Loss, class Step>
  auto minimize(const Loss& loss, const Step& global_step) const {
    return detail::forward_minimize(self(), loss, global_step);
  }
  /// TF's two halves of minimize: `compute_gradients(loss)` (an op leaving the gradients in the
  /// session) and `apply_gradients(grads[, global_step])`.
  template <class Loss>
  auto compute_gradients(const Loss& loss) const {
    return detail::forward_compute(loss);
  }
  template <class Grads, class... Step>
  auto apply_gradients(const Grads& grads, const Step&... global_step) const {
    return detail::forward_apply(self(), grads, global_step...);
  }

 private:
  const Self& self() const { return static_cast<const Self&>(*this); }
};

// ---- gradient descent ------------------------------------------------------------------------

template <class T>
struct gradient_descent_update {
  T* var;
  const T* grad;
  T lr;
  SF_HD_INLINE void operator()(std::size_t i) const { var[i] -= lr * grad[i]; }
};

/// var -= lr * g (tf.train.GradientDescentOptimizer).
class gradient_descent : public optimizer_base<gradient_descent> {
 public:
  static constexpr const char* name = "GradientDescent";
  template <class T>
  struct sparse_update {
    T* var;
    const T* g;
    T lr;
    SF_HD_INLINE void operator()(std::size_t e, std::size_t gi, std::size_t n) const {
      for (std::size_t j = 0; j < n; ++j) var[e + j] -= lr * g[gi + j];
    }
  };

  template <class T, class S, class P>
  struct slots {};

  explicit gradient_descent(schedule learning_rate) : lr_(std::move(learning_rate)) {}

  template <class T, class S, class P>
  slots<T, S, P> make_slots(const dims_t<S>&) const {
    return {};
  }

  template <class T, class S, class P>
  void apply(const tensor_view<T, S, P>& var, const tensor_view<T, S, P>& grad, slots<T, S, P>&,
             std::int64_t step) const {
    static_assert(floating_element<T>, "sf::train::GradientDescent: variables must have a floating dtype");
    detail::check_same_size(var, grad, name, "the gradient");
    executor<P>::for_each(var.size(), gradient_descent_update<T>{var.data(), grad.data(), static_cast<T>(lr_(step))});
  }

  /// TF's _apply_sparse (ScatterSub): var[rows] -= lr * g; other rows untouched.
  template <class T, class S, class P>
  void apply_sparse(const tensor_view<T, S, P>& var, const indexed_slices<T>& g, slots<T, S, P>&, std::int64_t step) const {
    detail::check_rows(var, g, name);
    detail::apply_rows<P>(g, sparse_update<T>{var.data(), g.values, static_cast<T>(lr_(step))});
  }

  const schedule& learning_rate() const { return lr_; }

 private:
  schedule lr_;
};

// ---- momentum --------------------------------------------------------------------------------

template <class T>
struct momentum_update {
  T* var;
  const T* grad;
  T* accum;
  T lr, momentum;
  bool nesterov;
  SF_HD_INLINE void operator()(std::size_t i) const {
    const T g = grad[i];
    const T a = accum[i] * momentum + g;
    accum[i] = a;
    var[i] -= nesterov ? g * lr + a * momentum * lr : a * lr;
  }
};

/// accum = momentum * accum + g; var -= lr * accum, or with Nesterov
/// var -= lr * g + lr * momentum * accum (tf.train.MomentumOptimizer, TF's ApplyMomentum).
/// **Errors:** momentum outside [0, 1): invalid_argument.
class momentum : public optimizer_base<momentum> {
 public:
  static constexpr const char* name = "Momentum";

  template <class T, class S, class P>
  struct slots {
    tensor<T, S, P> accum;
  };
  /// The slots' storage in the order TF makes its slot variables ("<var>/<name>", "<var>/<name>_1", ...).
  template <class T, class S, class P>
  std::vector<void*> slot_data(slots<T, S, P>& s) const {
    return {s.accum.data()};
  }

  momentum(schedule learning_rate, double momentum_coefficient, bool use_nesterov = false)
      : lr_(std::move(learning_rate)),
        momentum_(detail::check_range(momentum_coefficient, 0.0, 1.0, false, name, "momentum")),
        nesterov_(use_nesterov) {}

  template <class T, class S, class P>
  slots<T, S, P> make_slots(const dims_t<S>& dims) const {
    return {detail::filled_slot<T, S, P>(dims, 0.0)};
  }

  template <class T, class S, class P>
  void apply(const tensor_view<T, S, P>& var, const tensor_view<T, S, P>& grad, slots<T, S, P>& s,
             std::int64_t step) const {
    static_assert(floating_element<T>, "sf::train::Momentum: variables must have a floating dtype");
    detail::check_same_size(var, grad, name, "the gradient");
    detail::check_same_size(var, s.accum, name, "the accumulator slot");
    executor<P>::for_each(var.size(), momentum_update<T>{var.data(), grad.data(), s.accum.data(),
                                                         static_cast<T>(lr_(step)), static_cast<T>(momentum_),
                                                         nesterov_});
  }

  /// TF's SparseApplyMomentum: the accumulator and the variable change on the gradient's rows only
  /// (other rows' accumulators do not decay in that step).
  template <class T, class S, class P>
  void apply_sparse(const tensor_view<T, S, P>& var, const indexed_slices<T>& g, slots<T, S, P>& s, std::int64_t step) const {
    detail::check_rows(var, g, name);
    detail::apply_rows<P>(g, sparse_update<T>{var.data(), s.accum.data(), g.values, static_cast<T>(lr_(step)),
                                              static_cast<T>(momentum_), nesterov_});
  }
  template <class T>
  struct sparse_update {
    T* var;
    T* accum;
    const T* g;
    T lr, momentum;
    bool nesterov;
    SF_HD_INLINE void operator()(std::size_t e, std::size_t gi, std::size_t n) const {
      for (std::size_t j = 0; j < n; ++j) {
        const T x = g[gi + j];
        const T a = accum[e + j] * momentum + x;
        accum[e + j] = a;
        var[e + j] -= nesterov ? x * lr + a * momentum * lr : a * lr;
      }
    }
  };

  const schedule& learning_rate() const { return lr_; }
  double momentum_value() const { return momentum_; }
  bool use_nesterov() const { return nesterov_; }

 private:
  schedule lr_;
  double momentum_;
  bool nesterov_;
};

// ---- Adagrad ---------------------------------------------------------------------------------

template <class T>
struct adagrad_update {
  T* var;
  const T* grad;
  T* accum;
  T lr;
  SF_HD_INLINE void operator()(std::size_t i) const {
    const T g = grad[i];
    const T a = accum[i] + g * g;
    accum[i] = a;
    var[i] -= lr * g / std::sqrt(a);
  }
};

/// accum += g^2; var -= lr * g / sqrt(accum), accum starting at `initial_accumulator_value`
/// (tf.train.AdagradOptimizer).
/// **Errors:** initial_accumulator_value <= 0: invalid_argument (TF's check; it keeps the root finite).
class adagrad : public optimizer_base<adagrad> {
 public:
  static constexpr const char* name = "Adagrad";

  template <class T, class S, class P>
  struct slots {
    tensor<T, S, P> accum;
  };
  /// The slots' storage in the order TF makes its slot variables ("<var>/<name>", "<var>/<name>_1", ...).
  template <class T, class S, class P>
  std::vector<void*> slot_data(slots<T, S, P>& s) const {
    return {s.accum.data()};
  }

  explicit adagrad(schedule learning_rate, double initial_accumulator_value = 0.1)
      : lr_(std::move(learning_rate)),
        initial_(detail::check_positive(initial_accumulator_value, name, "initial_accumulator_value")) {}

  template <class T, class S, class P>
  slots<T, S, P> make_slots(const dims_t<S>& dims) const {
    return {detail::filled_slot<T, S, P>(dims, initial_)};
  }

  template <class T, class S, class P>
  void apply(const tensor_view<T, S, P>& var, const tensor_view<T, S, P>& grad, slots<T, S, P>& s,
             std::int64_t step) const {
    static_assert(floating_element<T>, "sf::train::Adagrad: variables must have a floating dtype");
    detail::check_same_size(var, grad, name, "the gradient");
    detail::check_same_size(var, s.accum, name, "the accumulator slot");
    executor<P>::for_each(var.size(),
                          adagrad_update<T>{var.data(), grad.data(), s.accum.data(), static_cast<T>(lr_(step))});
  }

  /// TF's SparseApplyAdagrad: accum[rows] += g^2; var[rows] -= lr * g / sqrt(accum[rows]).
  template <class T, class S, class P>
  void apply_sparse(const tensor_view<T, S, P>& var, const indexed_slices<T>& g, slots<T, S, P>& s, std::int64_t step) const {
    detail::check_rows(var, g, name);
    detail::apply_rows<P>(g, sparse_update<T>{var.data(), s.accum.data(), g.values, static_cast<T>(lr_(step))});
  }
  template <class T>
  struct sparse_update {
    T* var;
    T* accum;
    const T* g;
    T lr;
    SF_HD_INLINE void operator()(std::size_t e, std::size_t gi, std::size_t n) const {
      for (std::size_t j = 0; j < n; ++j) {
        const T x = g[gi + j];
        const T a = accum[e + j] + x * x;
        accum[e + j] = a;
        var[e + j] -= lr * x / std::sqrt(a);
      }
    }
  };

  const schedule& learning_rate() const { return lr_; }
  double initial_accumulator_value() const { return initial_; }

 private:
  schedule lr_;
  double initial_;
};

// ---- RMSProp ---------------------------------------------------------------------------------

template <class T>
struct rmsprop_update {
  T* var;
  const T* grad;
  T* ms;
  T* mom;
  T* mg;  ///< the mean gradient; only read and written when centered
  T lr, decay, momentum, epsilon;
  bool centered;
  SF_HD_INLINE void operator()(std::size_t i) const {
    const T g = grad[i];
    const T one_minus = T(1) - decay;
    // TF's form ms + (g^2 - ms)(1 - decay): the same value as decay*ms + (1-decay)*g^2, TF's rounding.
    const T m2 = ms[i] + (g * g - ms[i]) * one_minus;
    ms[i] = m2;
    T denom = m2 + epsilon;
    if (centered) {
      const T m1 = mg[i] + (g - mg[i]) * one_minus;
      mg[i] = m1;
      denom = m2 - m1 * m1 + epsilon;
    }
    const T step = mom[i] * momentum + lr * g / std::sqrt(denom);
    mom[i] = step;
    var[i] -= step;
  }
};

/// TF's ApplyRMSProp: ms = decay*ms + (1-decay)*g^2 (ms starts at 1);
/// mom = momentum*mom + lr*g/sqrt(ms + epsilon); var -= mom. Centered also tracks
/// mg = decay*mg + (1-decay)*g and divides by sqrt(ms - mg^2 + epsilon) (tf.train.RMSPropOptimizer).
/// **Errors:** decay outside [0, 1], momentum outside [0, 1), epsilon <= 0: invalid_argument.
class rmsprop : public optimizer_base<rmsprop> {
 public:
  static constexpr const char* name = "RMSProp";

  template <class T, class S, class P>
  struct slots {
    tensor<T, S, P> ms;   ///< TF's "rms" slot, initialised to ones
    tensor<T, S, P> mom;  ///< TF's "momentum" slot
    tensor<T, S, P> mg;   ///< TF's "mg" slot (read only when centered)
  };
  /// The slots' storage in the order TF makes its slot variables ("<var>/<name>", "<var>/<name>_1", ...).
  template <class T, class S, class P>
  std::vector<void*> slot_data(slots<T, S, P>& s) const {
    if (centered_) return {s.ms.data(), s.mg.data(), s.mom.data()};
    return {s.ms.data(), s.mom.data()};
  }

  explicit rmsprop(schedule learning_rate, double decay = 0.9, double momentum = 0.0, double epsilon = 1e-10,
                   bool centered = false)
      : lr_(std::move(learning_rate)),
        decay_(detail::check_range(decay, 0.0, 1.0, true, name, "decay")),
        momentum_(detail::check_range(momentum, 0.0, 1.0, false, name, "momentum")),
        epsilon_(detail::check_positive(epsilon, name, "epsilon")),
        centered_(centered) {}

  template <class T, class S, class P>
  slots<T, S, P> make_slots(const dims_t<S>& dims) const {
    // Without centering the mean-gradient slot is never touched; a static shape still needs its extents.
    return {detail::filled_slot<T, S, P>(dims, 1.0), detail::filled_slot<T, S, P>(dims, 0.0),
            detail::filled_slot<T, S, P>(dims, 0.0)};
  }

  template <class T, class S, class P>
  void apply(const tensor_view<T, S, P>& var, const tensor_view<T, S, P>& grad, slots<T, S, P>& s,
             std::int64_t step) const {
    static_assert(floating_element<T>, "sf::train::RMSProp: variables must have a floating dtype");
    detail::check_same_size(var, grad, name, "the gradient");
    detail::check_same_size(var, s.ms, name, "the mean-square slot");
    detail::check_same_size(var, s.mom, name, "the momentum slot");
    if (centered_) detail::check_same_size(var, s.mg, name, "the mean-gradient slot");
    executor<P>::for_each(var.size(),
                          rmsprop_update<T>{var.data(), grad.data(), s.ms.data(), s.mom.data(), s.mg.data(),
                                            static_cast<T>(lr_(step)), static_cast<T>(decay_),
                                            static_cast<T>(momentum_), static_cast<T>(epsilon_), centered_});
  }

  const schedule& learning_rate() const { return lr_; }
  double decay() const { return decay_; }
  double momentum() const { return momentum_; }
  double epsilon() const { return epsilon_; }
  bool centered() const { return centered_; }

 private:
  schedule lr_;
  double decay_, momentum_, epsilon_;
  bool centered_;
};

// ---- Adam ------------------------------------------------------------------------------------

template <class T>
struct adam_update {
  T* var;
  const T* grad;
  T* m;
  T* v;
  T lr_t, beta1, beta2, epsilon;
  SF_HD_INLINE void operator()(std::size_t i) const {
    const T g = grad[i];
    const T m1 = m[i] + (g - m[i]) * (T(1) - beta1);
    const T v1 = v[i] + (g * g - v[i]) * (T(1) - beta2);
    m[i] = m1;
    v[i] = v1;
    var[i] -= m1 * lr_t / (std::sqrt(v1) + epsilon);
  }
};

/// t = the number of this update (1, 2, ...; counted by the optimiser, as TF's beta1_power and
/// beta2_power, whether or not a global_step is given); lr_t = lr * sqrt(1 - beta2^t) / (1 - beta1^t)
/// with lr from the schedule at global_step; m = beta1*m + (1-beta1)*g; v = beta2*v + (1-beta2)*g^2;
/// var -= lr_t * m / (sqrt(v) + epsilon) (tf.train.AdamOptimizer).
/// **Sparse gradients:** as TF 1.x's Adam._apply_sparse, which decays m and v on every row and
/// moves every row with a non-zero m: a row-sparse gradient is applied as the dense gradient with
/// zeros elsewhere (a pass over the whole variable). `lazy_adam` (train/lazy_adam.hpp) touches
/// the gradient's rows only.
/// **Errors:** beta1 or beta2 outside [0, 1), epsilon <= 0: invalid_argument.
class adam : public optimizer_base<adam> {
 public:
  static constexpr const char* name = "Adam";

  template <class T, class S, class P>
  struct slots {
    tensor<T, S, P> m;          ///< first moment
    tensor<T, S, P> v;          ///< second moment
    std::int64_t updates = 0;  ///< updates applied so far (t - 1 of the next one)
  };
  /// The slots' storage in the order TF makes its slot variables ("<var>/<name>", "<var>/<name>_1", ...).
  template <class T, class S, class P>
  std::vector<void*> slot_data(slots<T, S, P>& s) const {
    return {s.m.data(), s.v.data()};
  }

  explicit adam(schedule learning_rate = 0.001, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-8)
      : lr_(std::move(learning_rate)),
        beta1_(detail::check_range(beta1, 0.0, 1.0, false, name, "beta1")),
        beta2_(detail::check_range(beta2, 0.0, 1.0, false, name, "beta2")),
        epsilon_(detail::check_positive(epsilon, name, "epsilon")) {}

  template <class T, class S, class P>
  slots<T, S, P> make_slots(const dims_t<S>& dims) const {
    return {detail::filled_slot<T, S, P>(dims, 0.0), detail::filled_slot<T, S, P>(dims, 0.0)};
  }
  /// TF's non-slot variables beta1_power and beta2_power, base^(t) for the next update t: a
  /// checkpoint stores the update count in them.
  std::vector<std::pair<std::string, double>> powers() const { return {{"beta1_power", beta1_}, {"beta2_power", beta2_}}; }

  /// The bias-corrected rate of the update that follows `updates` earlier ones, with the
  /// schedule's rate at global step `step`.
  double corrected_learning_rate(std::int64_t step, std::int64_t updates) const {
    const double t = static_cast<double>(updates) + 1.0;
    return lr_(step) * std::sqrt(1.0 - std::pow(beta2_, t)) / (1.0 - std::pow(beta1_, t));
  }

  template <class T, class S, class P>
  void apply(const tensor_view<T, S, P>& var, const tensor_view<T, S, P>& grad, slots<T, S, P>& s,
             std::int64_t step) const {
    static_assert(floating_element<T>, "sf::train::Adam: variables must have a floating dtype");
    detail::check_same_size(var, grad, name, "the gradient");
    detail::check_same_size(var, s.m, name, "the first-moment slot");
    detail::check_same_size(var, s.v, name, "the second-moment slot");
    executor<P>::for_each(var.size(), adam_update<T>{var.data(), grad.data(), s.m.data(), s.v.data(),
                                                     static_cast<T>(corrected_learning_rate(step, s.updates++)),
                                                     static_cast<T>(beta1_), static_cast<T>(beta2_),
                                                     static_cast<T>(epsilon_)});
  }

  const schedule& learning_rate() const { return lr_; }
  double beta1() const { return beta1_; }
  double beta2() const { return beta2_; }
  double epsilon() const { return epsilon_; }

 private:
  schedule lr_;
  double beta1_, beta2_, epsilon_;
};

// ---- Adadelta --------------------------------------------------------------------------------

template <class T>
struct adadelta_update {
  T* var;
  const T* grad;
  T* accum;
  T* accum_update;
  T lr, rho, epsilon;
  SF_HD_INLINE void operator()(std::size_t i) const {
    const T g = grad[i];
    const T a = accum[i] * rho + g * g * (T(1) - rho);
    accum[i] = a;
    const T update = std::sqrt(accum_update[i] + epsilon) / std::sqrt(a + epsilon) * g;
    var[i] -= update * lr;
    accum_update[i] = accum_update[i] * rho + update * update * (T(1) - rho);
  }
};

/// TF's ApplyAdadelta: accum = rho*accum + (1-rho)*g^2;
/// update = sqrt(accum_update + eps) / sqrt(accum + eps) * g; var -= lr * update;
/// accum_update = rho*accum_update + (1-rho)*update^2, both slots starting at 0
/// (tf.train.AdadeltaOptimizer, whose defaults are lr 0.001, rho 0.95, epsilon 1e-8).
/// **Errors:** rho outside [0, 1], epsilon <= 0 (with both slots at 0 the first ratio would be 0/0): invalid_argument.
class adadelta : public optimizer_base<adadelta> {
 public:
  static constexpr const char* name = "Adadelta";

  template <class T, class S, class P>
  struct slots {
    tensor<T, S, P> accum;         ///< running mean of g^2 (TF's "accum")
    tensor<T, S, P> accum_update;  ///< running mean of update^2 (TF's "accum_update")
  };
  /// The slots' storage in the order TF makes its slot variables ("<var>/<name>", "<var>/<name>_1", ...).
  template <class T, class S, class P>
  std::vector<void*> slot_data(slots<T, S, P>& s) const {
    return {s.accum.data(), s.accum_update.data()};
  }

  explicit adadelta(schedule learning_rate = 0.001, double rho = 0.95, double epsilon = 1e-8)
      : lr_(std::move(learning_rate)),
        rho_(detail::check_range(rho, 0.0, 1.0, true, name, "rho")),
        epsilon_(detail::check_positive(epsilon, name, "epsilon")) {}

  template <class T, class S, class P>
  slots<T, S, P> make_slots(const dims_t<S>& dims) const {
    return {detail::filled_slot<T, S, P>(dims, 0.0), detail::filled_slot<T, S, P>(dims, 0.0)};
  }

  template <class T, class S, class P>
  void apply(const tensor_view<T, S, P>& var, const tensor_view<T, S, P>& grad, slots<T, S, P>& s,
             std::int64_t step) const {
    static_assert(floating_element<T>, "sf::train::Adadelta: variables must have a floating dtype");
    detail::check_same_size(var, grad, name, "the gradient");
    detail::check_same_size(var, s.accum, name, "the accumulator slot");
    detail::check_same_size(var, s.accum_update, name, "the update accumulator slot");
    executor<P>::for_each(var.size(), adadelta_update<T>{var.data(), grad.data(), s.accum.data(),
                                                         s.accum_update.data(), static_cast<T>(lr_(step)),
                                                         static_cast<T>(rho_), static_cast<T>(epsilon_)});
  }

  const schedule& learning_rate() const { return lr_; }
  double rho() const { return rho_; }
  double epsilon() const { return epsilon_; }

 private:
  schedule lr_;
  double rho_, epsilon_;
};

// ---- FTRL ------------------------------------------------------------------------------------

template <class T>
struct ftrl_update {
  T* var;
  const T* grad;
  T* accum;
  T* linear;
  T lr, lr_power, l1, l2, l2_shrinkage;
  /// accum^(-lr_power); the default power -0.5 takes the square root, as TF's kernel special-cases it.
  SF_HD_INLINE T power(T a) const { return lr_power == T(-0.5) ? std::sqrt(a) : std::pow(a, -lr_power); }
  SF_HD_INLINE void operator()(std::size_t i) const {
    const T g = grad[i];
    const T w = var[i];
    // The shrinkage enters the linear term only; the accumulator sums the plain g^2 (ApplyFtrlV2).
    const T g_shrunk = g + T(2) * l2_shrinkage * w;
    const T a_old = accum[i];
    const T a_new = a_old + g * g;
    const T p_new = power(a_new);
    const T lin = linear[i] + g_shrunk - (p_new - power(a_old)) / lr * w;
    linear[i] = lin;
    accum[i] = a_new;
    const T abs_lin = lin < T(0) ? -lin : lin;
    var[i] = abs_lin > l1 ? (l1 * detail::sign_of(lin) - lin) / (p_new / lr + T(2) * l2) : T(0);
  }
};

/// TF's ApplyFtrl / ApplyFtrlV2 (tf.train.FtrlOptimizer), p = -learning_rate_power:
/// g' = g + 2 * l2_shrinkage * var; new_accum = accum + g^2;
/// linear += g' - (new_accum^p - accum^p) / lr * var;
/// var = |linear| > l1 ? (l1 * sign(linear) - linear) / (new_accum^p / lr + 2 * l2) : 0;
/// accum = new_accum. The accumulator starts at `initial_accumulator_value`, linear at 0.
/// **Errors:** learning_rate_power > 0, or initial_accumulator_value, l1, l2 or l2_shrinkage
/// negative: invalid_argument (TF's checks).
class ftrl : public optimizer_base<ftrl> {
 public:
  static constexpr const char* name = "Ftrl";

  template <class T, class S, class P>
  struct slots {
    tensor<T, S, P> accum;   ///< sum of g^2 (TF's "accum")
    tensor<T, S, P> linear;  ///< TF's "linear"
  };
  /// The slots' storage in the order TF makes its slot variables ("<var>/<name>", "<var>/<name>_1", ...).
  template <class T, class S, class P>
  std::vector<void*> slot_data(slots<T, S, P>& s) const {
    return {s.accum.data(), s.linear.data()};
  }

  explicit ftrl(schedule learning_rate, double learning_rate_power = -0.5, double initial_accumulator_value = 0.1,
                double l1_regularization_strength = 0.0, double l2_regularization_strength = 0.0,
                double l2_shrinkage_regularization_strength = 0.0)
      : lr_(std::move(learning_rate)),
        lr_power_(check_power(learning_rate_power)),
        initial_(detail::check_nonnegative(initial_accumulator_value, name, "initial_accumulator_value")),
        l1_(detail::check_nonnegative(l1_regularization_strength, name, "l1_regularization_strength")),
        l2_(detail::check_nonnegative(l2_regularization_strength, name, "l2_regularization_strength")),
        l2_shrinkage_(detail::check_nonnegative(l2_shrinkage_regularization_strength, name,
                                                "l2_shrinkage_regularization_strength")) {}

  template <class T, class S, class P>
  slots<T, S, P> make_slots(const dims_t<S>& dims) const {
    return {detail::filled_slot<T, S, P>(dims, initial_), detail::filled_slot<T, S, P>(dims, 0.0)};
  }

  template <class T, class S, class P>
  void apply(const tensor_view<T, S, P>& var, const tensor_view<T, S, P>& grad, slots<T, S, P>& s,
             std::int64_t step) const {
    static_assert(floating_element<T>, "sf::train::Ftrl: variables must have a floating dtype");
    detail::check_same_size(var, grad, name, "the gradient");
    detail::check_same_size(var, s.accum, name, "the accumulator slot");
    detail::check_same_size(var, s.linear, name, "the linear slot");
    executor<P>::for_each(var.size(),
                          ftrl_update<T>{var.data(), grad.data(), s.accum.data(), s.linear.data(),
                                         static_cast<T>(lr_(step)), static_cast<T>(lr_power_), static_cast<T>(l1_),
                                         static_cast<T>(l2_), static_cast<T>(l2_shrinkage_)});
  }

  const schedule& learning_rate() const { return lr_; }
  double learning_rate_power() const { return lr_power_; }
  double initial_accumulator_value() const { return initial_; }
  double l1_regularization_strength() const { return l1_; }
  double l2_regularization_strength() const { return l2_; }
  double l2_shrinkage_regularization_strength() const { return l2_shrinkage_; }

 private:
  static double check_power(double p) {
    if (!(p <= 0.0))
      staticflow::detail::fail<invalid_argument>({"sf::train::Ftrl: learning_rate_power must be <= 0, got ", p});
    return p;
  }
  schedule lr_;
  double lr_power_, initial_, l1_, l2_, l2_shrinkage_;
};

// ---- proximal Adagrad ------------------------------------------------------------------------

template <class T>
struct proximal_adagrad_update {
  T* var;
  const T* grad;
  T* accum;
  T lr, l1, l2;
  SF_HD_INLINE void operator()(std::size_t i) const {
    const T g = grad[i];
    const T a = accum[i] + g * g;
    accum[i] = a;
    const T rate = lr / std::sqrt(a);
    var[i] = detail::proximal_step(var[i] - rate * g, rate, l1, l2);
  }
};

/// TF's ApplyProximalAdagrad: accum += g^2; rate = lr / sqrt(accum); v = var - rate * g;
/// var = sign(v) * max(|v| - rate * l1, 0) / (1 + rate * l2) (tf.train.ProximalAdagradOptimizer).
/// **Errors:** initial_accumulator_value <= 0 (TF's check), l1 or l2 negative: invalid_argument.
class proximal_adagrad : public optimizer_base<proximal_adagrad> {
 public:
  static constexpr const char* name = "ProximalAdagrad";

  template <class T, class S, class P>
  struct slots {
    tensor<T, S, P> accum;
  };
  /// The slots' storage in the order TF makes its slot variables ("<var>/<name>", "<var>/<name>_1", ...).
  template <class T, class S, class P>
  std::vector<void*> slot_data(slots<T, S, P>& s) const {
    return {s.accum.data()};
  }

  explicit proximal_adagrad(schedule learning_rate, double initial_accumulator_value = 0.1,
                            double l1_regularization_strength = 0.0, double l2_regularization_strength = 0.0)
      : lr_(std::move(learning_rate)),
        initial_(detail::check_positive(initial_accumulator_value, name, "initial_accumulator_value")),
        l1_(detail::check_nonnegative(l1_regularization_strength, name, "l1_regularization_strength")),
        l2_(detail::check_nonnegative(l2_regularization_strength, name, "l2_regularization_strength")) {}

  template <class T, class S, class P>
  slots<T, S, P> make_slots(const dims_t<S>& dims) const {
    return {detail::filled_slot<T, S, P>(dims, initial_)};
  }

  template <class T, class S, class P>
  void apply(const tensor_view<T, S, P>& var, const tensor_view<T, S, P>& grad, slots<T, S, P>& s,
             std::int64_t step) const {
    static_assert(floating_element<T>, "sf::train::ProximalAdagrad: variables must have a floating dtype");
    detail::check_same_size(var, grad, name, "the gradient");
    detail::check_same_size(var, s.accum, name, "the accumulator slot");
    executor<P>::for_each(var.size(), proximal_adagrad_update<T>{var.data(), grad.data(), s.accum.data(),
                                                                 static_cast<T>(lr_(step)), static_cast<T>(l1_),
                                                                 static_cast<T>(l2_)});
  }

  const schedule& learning_rate() const { return lr_; }
  double initial_accumulator_value() const { return initial_; }
  double l1_regularization_strength() const { return l1_; }
  double l2_regularization_strength() const { return l2_; }

 private:
  schedule lr_;
  double initial_, l1_, l2_;
};

// ---- proximal gradient descent ---------------------------------------------------------------

template <class T>
struct proximal_gradient_descent_update {
  T* var;
  const T* grad;
  T lr, l1, l2;
  SF_HD_INLINE void operator()(std::size_t i) const {
    var[i] = detail::proximal_step(var[i] - lr * grad[i], lr, l1, l2);
  }
};

/// TF's ApplyProximalGradientDescent: v = var - lr * g;
/// var = sign(v) * max(|v| - lr * l1, 0) / (1 + lr * l2) (tf.train.ProximalGradientDescentOptimizer).
/// **Errors:** l1 or l2 negative: invalid_argument.
class proximal_gradient_descent : public optimizer_base<proximal_gradient_descent> {
 public:
  static constexpr const char* name = "ProximalGradientDescent";

  template <class T, class S, class P>
  struct slots {};

  explicit proximal_gradient_descent(schedule learning_rate, double l1_regularization_strength = 0.0,
                                     double l2_regularization_strength = 0.0)
      : lr_(std::move(learning_rate)),
        l1_(detail::check_nonnegative(l1_regularization_strength, name, "l1_regularization_strength")),
        l2_(detail::check_nonnegative(l2_regularization_strength, name, "l2_regularization_strength")) {}

  template <class T, class S, class P>
  slots<T, S, P> make_slots(const dims_t<S>&) const {
    return {};
  }

  template <class T, class S, class P>
  void apply(const tensor_view<T, S, P>& var, const tensor_view<T, S, P>& grad, slots<T, S, P>&,
             std::int64_t step) const {
    static_assert(floating_element<T>, "sf::train::ProximalGradientDescent: variables must have a floating dtype");
    detail::check_same_size(var, grad, name, "the gradient");
    executor<P>::for_each(var.size(), proximal_gradient_descent_update<T>{var.data(), grad.data(),
                                                                          static_cast<T>(lr_(step)),
                                                                          static_cast<T>(l1_), static_cast<T>(l2_)});
  }

  const schedule& learning_rate() const { return lr_; }
  double l1_regularization_strength() const { return l1_; }
  double l2_regularization_strength() const { return l2_; }

 private:
  schedule lr_;
  double l1_, l2_;
};

// ---- Adagrad dual averaging ------------------------------------------------------------------

template <class T>
struct adagrad_da_update {
  T* var;
  const T* grad;
  T* g_acc;
  T* gg_acc;
  T lr, l1_t, l2_t_lr;  ///< lr, l1 * t and l2 * t * lr for this step's t
  SF_HD_INLINE void operator()(std::size_t i) const {
    const T g = grad[i];
    const T a = g_acc[i] + g;
    const T aa = gg_acc[i] + g * g;
    g_acc[i] = a;
    gg_acc[i] = aa;
    // Dual averaging: the weight is a function of the sums alone, not of its previous value.
    const T denom = l2_t_lr + std::sqrt(aa);
    if (l1_t > T(0)) {
      const T shrunk = (a < T(0) ? -a : a) - l1_t;
      var[i] = -lr * detail::sign_of(a) * (shrunk > T(0) ? shrunk : T(0)) / denom;
    } else {
      var[i] = -lr * a / denom;
    }
  }
};

/// TF's ApplyAdagradDA (tf.train.AdagradDAOptimizer): g_acc += g; gg_acc += g^2;
/// var = -lr * sign(g_acc) * max(|g_acc| - l1 * t, 0) / (l2 * t * lr + sqrt(gg_acc)), with
/// gg_acc starting at `initial_gradient_squared_accumulator_value`, g_acc at 0, and t the global
/// step plus one (TF passes global_step + 1 to the kernel). TF requires a global step for this
/// optimiser; here minimize without one leaves the step at 0, so t stays 1.
/// **Errors:** initial_gradient_squared_accumulator_value <= 0, l1 or l2 negative: invalid_argument.
class adagrad_da : public optimizer_base<adagrad_da> {
 public:
  static constexpr const char* name = "AdagradDA";

  template <class T, class S, class P>
  struct slots {
    tensor<T, S, P> gradient_accumulator;
    tensor<T, S, P> gradient_squared_accumulator;
  };
  /// The slots' storage in the order TF makes its slot variables ("<var>/<name>", "<var>/<name>_1", ...).
  template <class T, class S, class P>
  std::vector<void*> slot_data(slots<T, S, P>& s) const {
    return {s.gradient_accumulator.data(), s.gradient_squared_accumulator.data()};
  }

  explicit adagrad_da(schedule learning_rate, double initial_gradient_squared_accumulator_value = 0.1,
                      double l1_regularization_strength = 0.0, double l2_regularization_strength = 0.0)
      : lr_(std::move(learning_rate)),
        initial_(detail::check_positive(initial_gradient_squared_accumulator_value, name,
                                        "initial_gradient_squared_accumulator_value")),
        l1_(detail::check_nonnegative(l1_regularization_strength, name, "l1_regularization_strength")),
        l2_(detail::check_nonnegative(l2_regularization_strength, name, "l2_regularization_strength")) {}

  template <class T, class S, class P>
  slots<T, S, P> make_slots(const dims_t<S>& dims) const {
    return {detail::filled_slot<T, S, P>(dims, 0.0), detail::filled_slot<T, S, P>(dims, initial_)};
  }

  template <class T, class S, class P>
  void apply(const tensor_view<T, S, P>& var, const tensor_view<T, S, P>& grad, slots<T, S, P>& s,
             std::int64_t step) const {
    static_assert(floating_element<T>, "sf::train::AdagradDA: variables must have a floating dtype");
    detail::check_same_size(var, grad, name, "the gradient");
    detail::check_same_size(var, s.gradient_accumulator, name, "the gradient accumulator slot");
    detail::check_same_size(var, s.gradient_squared_accumulator, name, "the squared gradient accumulator slot");
    const double lr = lr_(step);
    const double t = static_cast<double>(step) + 1.0;
    executor<P>::for_each(var.size(), adagrad_da_update<T>{var.data(), grad.data(), s.gradient_accumulator.data(),
                                                           s.gradient_squared_accumulator.data(), static_cast<T>(lr),
                                                           static_cast<T>(l1_ * t), static_cast<T>(l2_ * t * lr)});
  }

  const schedule& learning_rate() const { return lr_; }
  double initial_gradient_squared_accumulator_value() const { return initial_; }
  double l1_regularization_strength() const { return l1_; }
  double l2_regularization_strength() const { return l2_; }

 private:
  schedule lr_;
  double initial_, l1_, l2_;
};

}  // namespace staticflow::train
#endif  // STATICFLOW_TRAIN_OPTIMIZER_HPP
