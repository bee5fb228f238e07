// SPDX-License-Identifier: MIT
/// \file
/// \brief `gradient_hook`: what sees a training step's gradients between the backward pass and
/// the update. Data-parallel training is one: it averages the gradients across replicas
/// (`staticflow/dist/replicated.hpp`) or MPI processes (`staticflow/dist/mpi.hpp`), so that
/// every copy of the model applies the same update (Horovod's DistributedOptimizer, TF's
/// MirroredStrategy).
#pragma once
#ifndef STATICFLOW_GRAPH_GRADIENT_HOOK_HPP
#define STATICFLOW_GRAPH_GRADIENT_HOOK_HPP

#include <span>

#include "staticflow/graph/graph.hpp"

namespace staticflow {

/// Installed on a session with `session::set_gradient_hook`, it is called by every run that
/// computes gradients for an update: `minimize`'s train op and `compute_gradients` (so that
/// `grads_and_vars` and an `apply_gradients` that follows see what the hook left).
/// `sf::gradients(loss, x)` does not call it.
class gradient_hook {
 public:
  virtual ~gradient_hook() = default;
  /// During the backward pass, right after a gradient was written into or added to `v`'s slot
  /// (`s.grad_slot(v)`): once per contribution, so a variable that the loss reads twice hears
  /// twice. A hook can start reducing a gradient whose last contribution has arrived, while the
  /// pass goes on below it. The default does nothing.
  virtual void on_gradient_arrival(session_state& /*s*/, const variable_base& /*v*/) {}
  /// After the backward pass, before the update (or before compute_gradients returns): every
  /// gradient of `vars` (the trainable variables the loss reads, in creation order) is complete
  /// in its slot, and the hook may replace it in place (`s.grad_slot(v).data`, device memory
  /// unless `s.host_memory()`). An exception thrown here stops the run before any update.
  virtual void on_gradients(session_state& s, std::span<const variable_base* const> vars) = 0;
};

}  // namespace staticflow
#endif  // STATICFLOW_GRAPH_GRADIENT_HOOK_HPP
