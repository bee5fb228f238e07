// SPDX-License-Identifier: MIT
/// \file
/// \brief Moving averages of graph variables (TF's `ema.apply(vars)` and `ema.average(var)`).
#pragma once
#ifndef STATICFLOW_TRAIN_MOVING_AVERAGE_OP_HPP
#define STATICFLOW_TRAIN_MOVING_AVERAGE_OP_HPP

#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>

#include "staticflow/graph/session.hpp"
#include "staticflow/train/moving_average.hpp"

namespace staticflow::train {

/// Shadow variables that follow `vars` (TF's ExponentialMovingAverage.apply). Each shadow is a
/// non-trainable variable named "<var>/ExponentialMovingAverage" that starts at the variable's
/// initial value; running the op moves every shadow towards its variable with
/// decay = min(decay, (1 + step) / (10 + step)) when a global step is given.
template <class... V>
class moving_average_op {
 public:
  moving_average_op(exponential_moving_average ema, std::optional<variable_node<std::int64_t, shape<>>> step,
                    graph& g, const V&... vars)
      : ema_(ema), step_(std::move(step)), vars_(vars...),
        shadows_(g.template variable<typename V::value_type, typename V::shape_type>(
            vars.name() + "/ExponentialMovingAverage", vars.def->initializer(), false)...) {}

  /// The shadow of `v` (TF's ema.average(var)); throws not_found when `v` is not averaged here.
  template <class T, class S>
  variable_node<T, S> average(const variable_node<T, S>& v) const {
    std::optional<variable_node<T, S>> found;
    find(v, found, std::index_sequence_for<V...>{});
    if (!found) staticflow::detail::fail<not_found>({"sf::train::moving_average_op::average: variable '", v.name(),
                                                     "' is not averaged"});
    return *found;
  }

  /// TF's variables_to_restore(): checkpoint names -> variables, each averaged variable under
  /// its shadow's name and every other variable of the graph under its own, so that a saver
  /// built on it loads the averages into the model (an evaluation program's use). Unlike TF,
  /// trainable variables this op does not average keep their own names.
  std::map<std::string, var_ref> variables_to_restore() const {
    std::map<std::string, var_ref> out;
    std::set<const variable_base*> taken;
    std::apply([&](const auto&... var) {
      std::apply([&](const auto&... shadow) {
        ((out.emplace(shadow.name(), var), taken.insert(var.def), taken.insert(shadow.def)), ...);
      }, shadows_);
    }, vars_);
    const graph* g = nullptr;
    std::apply([&](const auto&... shadow) { ((g = shadow.def->owner()), ...); }, shadows_);
    if (g)
      for (const auto& v : g->global_variables())
        if (!taken.count(v.get())) out.emplace(v->name(), var_ref(*v));
    return out;
  }

  template <class P, class... F>
  void run_on(session<P>& s, const F&...) const {
    std::optional<std::int64_t> n;
    if (step_) n = s.read_scalar(*step_);
    std::apply([&](const auto&... var) {
      std::apply([&](const auto&... shadow) { (ema_.update(s.value_view(shadow), s.value_view(var), n), ...); },
                 shadows_);
    }, vars_);
  }

 private:
  template <class T, class S, std::size_t... I>
  void find(const variable_node<T, S>& v, std::optional<variable_node<T, S>>& out, std::index_sequence<I...>) const {
    ((std::is_same_v<std::tuple_element_t<I, std::tuple<V...>>, variable_node<T, S>> &&
              static_cast<const void*>(std::get<I>(vars_).def) == static_cast<const void*>(v.def)
          ? (void)(out = as<T, S>(std::get<I>(shadows_)))
          : void()),
     ...);
  }
  template <class T, class S, class W>
  static variable_node<T, S> as(const W& w) {
    if constexpr (std::is_same_v<W, variable_node<T, S>>) return w;
    else return {};
  }

  exponential_moving_average ema_;
  std::optional<variable_node<std::int64_t, shape<>>> step_;
  std::tuple<V...> vars_;
  std::tuple<V...> shadows_;
};

/// `auto averages = sf::train::apply_moving_averages(ema, global_step, w1, b1, w2, b2);`
template <class... V>
moving_average_op<V...> apply_moving_averages(exponential_moving_average ema,
                                              std::optional<variable_node<std::int64_t, shape<>>> step,
                                              const V&... vars) {
  return moving_average_op<V...>(ema, std::move(step), default_graph(), vars...);
}

}  // namespace staticflow::train
#endif  // STATICFLOW_TRAIN_MOVING_AVERAGE_OP_HPP
