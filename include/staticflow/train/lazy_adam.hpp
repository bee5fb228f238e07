// SPDX-License-Identifier: MIT
/// \file
/// \brief `lazy_adam`: tf.contrib.opt.LazyAdamOptimizer: Adam whose row-sparse updates (an
/// embedding table's) touch the gradient's rows only.
#pragma once
#ifndef STATICFLOW_TRAIN_LAZY_ADAM_HPP
#define STATICFLOW_TRAIN_LAZY_ADAM_HPP

#include "staticflow/train/optimizer.hpp"

namespace staticflow::train {

/// Adam (train/optimizer.hpp: same slots m and v, same bias-corrected rate, same defaults and
/// checks) but, for a gradient given as rows, TF's LazyAdamOptimizer._apply_sparse: on those rows
/// only, m = beta1 m + (1 - beta1) g, v = beta2 v + (1 - beta2) g^2, var -= lr_t m / (sqrt(v) +
/// epsilon); the other rows' moments do not decay and the rows do not move. Dense gradients are
/// applied as Adam's. The step count t advances once per update, as Adam's.
class lazy_adam : public optimizer_base<lazy_adam> {
 public:
  static constexpr const char* name = "Adam";  // TF's default name for LazyAdamOptimizer too
  template <class T, class S, class P>
  using slots = adam::slots<T, S, P>;

  explicit lazy_adam(schedule learning_rate = 0.001, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-8)
      : adam_(std::move(learning_rate), beta1, beta2, epsilon) {}

  template <class T, class S, class P>
  std::vector<void*> slot_data(slots<T, S, P>& s) const {
    return adam_.slot_data(s);
  }
  template <class T, class S, class P>
  slots<T, S, P> make_slots(const dims_t<S>& dims) const {
    return adam_.template make_slots<T, S, P>(dims);
  }
  std::vector<std::pair<std::string, double>> powers() const { return adam_.powers(); }

  template <class T, class S, class P>
  void apply(const tensor_view<T, S, P>& var, const tensor_view<T, S, P>& grad, slots<T, S, P>& s,
             std::int64_t step) const {
    adam_.apply(var, grad, s, step);
  }

  template <class T, class S, class P>
  void apply_sparse(const tensor_view<T, S, P>& var, const indexed_slices<T>& g, slots<T, S, P>& s,
                    std::int64_t step) const {
    static_assert(floating_element<T>, "sf::train::LazyAdam: variables must have a floating dtype");
    detail::check_rows(var, g, "LazyAdam");
    detail::apply_rows<P>(g, sparse_update<T>{var.data(), s.m.data(), s.v.data(), g.values,
                                           static_cast<T>(adam_.corrected_learning_rate(step, s.updates++)),
                                           static_cast<T>(adam_.beta1()), static_cast<T>(adam_.beta2()),
                                           static_cast<T>(adam_.epsilon())});
  }
  template <class T>
  struct sparse_update {
    T* var;
    T* m;
    T* v;
    const T* g;
    T lr_t, beta1, beta2, epsilon;
    SF_HD_INLINE void operator()(std::size_t e, std::size_t gi, std::size_t n) const {
      for (std::size_t j = 0; j < n; ++j) {
        const T x = g[gi + j];
        const T m1 = m[e + j] * beta1 + (T(1) - beta1) * x;
        const T v1 = v[e + j] * beta2 + (T(1) - beta2) * x * x;
        m[e + j] = m1;
        v[e + j] = v1;
        var[e + j] -= lr_t * m1 / (std::sqrt(v1) + epsilon);
      }
    }
  };

  const schedule& learning_rate() const { return adam_.learning_rate(); }
  double beta1() const { return adam_.beta1(); }
  double beta2() const { return adam_.beta2(); }
  double epsilon() const { return adam_.epsilon(); }

 private:
  adam adam_;
};

}  // namespace staticflow::train
#endif  // STATICFLOW_TRAIN_LAZY_ADAM_HPP
