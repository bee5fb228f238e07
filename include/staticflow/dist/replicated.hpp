// SPDX-License-Identifier: MIT
/// \file
/// \brief `replicated<P>`: one copy of a training step per device in one process (TF 1.x's
/// tower pattern, MirroredStrategy): each replica is a session of the same graph on its own
/// device, each step's batch is split between them, their gradients are averaged, and every
/// replica applies the same update, so that all hold identical variables after every step.
///
/// ```cpp
/// sf::dist::replicated<sf::cuda> towers(g, {sf::cuda{0}, sf::cuda{1}});  // or replicated<>(g, 2): host
/// towers.run(sf::global_variables_initializer());  // replica 0's values on every replica
/// float loss = towers.run(train_op, sf::feed(x, xs), sf::feed(y, ys));  // xs, ys split by rows
/// ```
///
/// Each replica runs its share of the step on a thread of its own (replica 0 on the caller's).
/// The average is taken between the backward pass and the update by a gradient hook on every
/// replica (graph/gradient_hook.hpp): after all replicas' backward passes, replica i's thread
/// averages every n-th variable (from the i-th) over all replicas, weighting each by its share
/// of the batch's rows, and writes the average into every replica's gradient slot; then each
/// replica applies its optimiser. Host replicas read and write each other's slots directly; a
/// device's gradients pass through the host (download, add, upload). Peer copies between GPUs
/// (cudaMemcpyPeer, NCCL) would avoid the host; they are not used yet.
///
/// Host replicas on one machine share its cores: with OpenMP give each replica its share
/// (OMP_NUM_THREADS = cores / replicas), or the teams of the replicas' threads oversubscribe.
/// Soft-placed device sessions work as host replicas.
///
/// **Errors:** invalid_argument for no devices, a batch with fewer rows than replicas, or
/// batched feeds of different row counts; an exception in any replica stops every replica's
/// step (none is left waiting at the average) and is rethrown by `run`, before any update.
#pragma once
#ifndef STATICFLOW_DIST_REPLICATED_HPP
#define STATICFLOW_DIST_REPLICATED_HPP

#include <condition_variable>
#include <cstddef>
#include <cstring>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include "staticflow/core/error.hpp"
#include "staticflow/graph/gradient_hook.hpp"
#include "staticflow/graph/session.hpp"

namespace staticflow::dist {

namespace detail {

/// A barrier whose waiters can be released with an error when one party fails (std::barrier
/// cannot be broken: the other replicas would wait for ever).
class breakable_barrier {
 public:
  explicit breakable_barrier(std::size_t parties) : parties_(parties) {}
  /// Waits for every party; throws cancelled when the barrier is broken.
  void arrive_and_wait() {
    std::unique_lock lock(m_);
    if (broken_) throw cancelled("sf::dist::replicated: another replica failed");
    const std::size_t generation = generation_;
    if (++waiting_ == parties_) {
      waiting_ = 0, ++generation_;
      cv_.notify_all();
      return;
    }
    cv_.wait(lock, [&] { return generation_ != generation || broken_; });
    if (generation_ == generation) throw cancelled("sf::dist::replicated: another replica failed");
  }
  void break_all() {
    std::lock_guard lock(m_);
    broken_ = true;
    cv_.notify_all();
  }
  void reset() {
    std::lock_guard lock(m_);
    broken_ = false, waiting_ = 0;
  }

 private:
  std::mutex m_;
  std::condition_variable cv_;
  std::size_t parties_, waiting_ = 0, generation_ = 0;
  bool broken_ = false;
};

template <class F>
struct is_feed : std::false_type {};
template <class Ph, class V>
struct is_feed<feed_item<Ph, V>> : std::true_type {};

}  // namespace detail

/// Replicas of a graph's training step, one session per device (see the file comment).
template <class P = host>
class replicated {
 public:
  /// One replica per policy in `devices` (`{sf::cuda{0}, sf::cuda{1}}`; host replicas:
  /// `{sf::host{}, sf::host{}}`), each a `session<P>(g, device, config)`.
  replicated(graph& g, std::vector<P> devices, device_config config = {}) : graph_(&g), barrier_(devices.size()) {
    if (devices.empty())
      staticflow::detail::fail<invalid_argument>({"sf::dist::replicated: at least one device is needed"});
    for (std::size_t i = 0; i < devices.size(); ++i) {
      replicas_.push_back(std::make_unique<session<P>>(g, devices[i], config));
      hooks_.push_back(std::make_unique<hook>(this, i));
      replicas_.back()->set_gradient_hook(hooks_.back().get());
    }
    seen_.resize(devices.size());
    weights_.assign(devices.size(), 1.0 / static_cast<double>(devices.size()));
  }
  /// `n` replicas of the policy's default device (host replicas for sf::host).
  replicated(graph& g, std::size_t n, device_config config = {}) : replicated(g, std::vector<P>(n), config) {}
  replicated(const replicated&) = delete;
  replicated& operator=(const replicated&) = delete;

  std::size_t size() const { return replicas_.size(); }
  session<P>& replica(std::size_t i) { return *replicas_.at(i); }
  /// A variable's value (replica 0's: every replica holds the same).
  template <class T, class S>
  tensor<T, S, host> value(const variable_node<T, S>& v) {
    return replicas_[0]->value(v);
  }

  /// Runs `what` on the replicas:
  /// - `global_variables_initializer()`: on replica 0, whose values are then copied to every replica;
  /// - a train op (`minimize`): the batched feeds (placeholders whose first extent is dynamic)
  ///   split by rows between the replicas, other feeds given whole to each, one step on every
  ///   replica with the averaged gradients; returns the loss over the whole batch (each
  ///   replica's loss weighted by its rows: the full batch's when the loss is a mean);
  /// - `compute_gradients(loss)`: the same split; replica 0's (averaged) grads_and_vars, with the
  ///   weighted loss; `apply_gradients(...)` then updates every replica;
  /// - anything else (an expression, an evaluation): on replica 0 with the whole feeds.
  template <class What, class... F>
  decltype(auto) run(const What& what, const F&... feeds) {
    if constexpr (std::is_same_v<What, init_all_op>) {
      replicas_[0]->run(what);
      copy_variables_from(0);
    } else if constexpr (is_train_op<What>::value || is_compute_op<What>::value) {
      return step(what, feeds...);
    } else if constexpr (is_apply_op<What>::value) {
      for (auto& r : replicas_) r->run(what, feeds...);
    } else {
      return replicas_[0]->run(what, feeds...);
    }
  }

  /// Copies every variable of replica `from` to the others.
  void copy_variables_from(std::size_t from) {
    auto& src = replicas_.at(from)->effective_state();
    std::vector<char> bytes;
    for (const auto& v : graph_->global_variables()) {
      if (!src.is_initialized(*v)) continue;
      bytes.resize(v->bytes());
      src.download(bytes.data(), src.value_slot(*v).data, v->bytes());
      for (std::size_t i = 0; i < replicas_.size(); ++i) {
        if (i == from) continue;
        auto& dst = replicas_[i]->effective_state();
        auto& slot = dst.value_slot(*v);
        dst.upload(slot.data, bytes.data(), v->bytes());
        slot.initialized = true;
      }
    }
  }

 private:
  template <class W> struct is_train_op : std::false_type {};
  template <class O, class L> struct is_train_op<train_op<O, L>> : std::true_type {};
  template <class W> struct is_compute_op : std::false_type {};
  template <class L> struct is_compute_op<compute_gradients_op<L>> : std::true_type {};
  template <class W> struct is_apply_op : std::false_type {};
  template <class O, class L> struct is_apply_op<apply_gradients_op<O, L>> : std::true_type {};

  /// The hook on replica i: waits for every replica's backward pass, averages its share of
  /// the variables, waits again (so no replica updates before every average is written).
  struct hook final : gradient_hook {
    replicated* owner;
    std::size_t index;
    hook(replicated* o, std::size_t i) : owner(o), index(i) {}
    void on_gradients(session_state& s, std::span<const variable_base* const> vars) override {
      owner->average(index, s, vars);
    }
  };

  /// A feed's slice for replica i of n (rows [i b / n, (i + 1) b / n) of a batched feed).
  template <class F>
  static F slice_of(const F& f, std::size_t i, std::size_t n) {
    using Ph = typename F::placeholder;
    if constexpr (batched<Ph>()) {
      const std::size_t rows = f.value.dim(0);
      return F{f.value.slice(i * rows / n, (i + 1) * rows / n)};
    } else {
      return f;
    }
  }
  template <class Ph>
  static constexpr bool batched() {
    return Ph::shape_type::rank >= 1 && Ph::shape_type::extents[0] == dyn;
  }

  template <class Op, class... F>
  auto step(const Op& op, const F&... feeds) {
    static_assert((detail::is_feed<F>::value && ...), "sf::dist::replicated::run: the arguments after the op are feeds");
    const std::size_t n = replicas_.size();
    std::size_t rows = 0;
    bool agree = true;
    auto note_rows = [&](const auto& f) {
      using Ph = typename std::remove_cvref_t<decltype(f)>::placeholder;
      if constexpr (batched<Ph>()) {
        if (rows && f.value.dim(0) != rows) agree = false;
        rows = f.value.dim(0);
      }
    };
    (note_rows(feeds), ...);
    if (!agree)
      staticflow::detail::fail<invalid_argument>({"sf::dist::replicated::run: the batched feeds have different row counts"});
    if (rows && rows < n)
      staticflow::detail::fail<invalid_argument>({"sf::dist::replicated::run: a batch of ", rows,
                                                  " rows cannot be split between ", n, " replicas"});
    for (std::size_t i = 0; i < n; ++i)
      weights_[i] = rows ? static_cast<double>((i + 1) * rows / n - i * rows / n) / static_cast<double>(rows)
                         : 1.0 / static_cast<double>(n);
    using result_t = decltype(replicas_[0]->run(op, feeds...));
    std::vector<std::optional<result_t>> results(n);
    std::vector<std::exception_ptr> errors(n);
    auto work = [&](std::size_t i) {
      try {
        results[i].emplace(replicas_[i]->run(op, slice_of(feeds, i, n)...));
      } catch (...) {
        errors[i] = std::current_exception();
        barrier_.break_all();
      }
    };
    {
      std::vector<std::jthread> threads;
      for (std::size_t i = 1; i < n; ++i) threads.emplace_back(work, i);
      work(0);
    }
    barrier_.reset();
    // The replica's own error first; `cancelled` only says another one failed.
    std::exception_ptr first;
    for (const auto& e : errors) {
      if (!e) continue;
      try {
        std::rethrow_exception(e);
      } catch (const cancelled&) {
        if (!first) first = e;
      } catch (...) {
        std::rethrow_exception(e);
      }
    }
    if (first) std::rethrow_exception(first);
    double loss = 0;
    for (std::size_t i = 0; i < n; ++i) loss += weights_[i] * static_cast<double>(static_cast<const loss_of_t<result_t>&>(*results[i]));
    result_t out = std::move(*results[0]);
    set_loss(out, loss);
    return out;
  }

  template <class R>
  struct loss_of {
    using type = R;
  };
  template <class L>
  struct loss_of<grads_and_vars<L>> {
    using type = L;
  };
  template <class R>
  using loss_of_t = typename loss_of<R>::type;
  template <class R>
  static void set_loss(R& r, double loss) {
    if constexpr (std::is_arithmetic_v<R>) r = static_cast<R>(loss);
    else if constexpr (requires { r.loss; }) r.loss = static_cast<decltype(r.loss)>(loss);
  }

  /// Replica `index`'s part of the average (see `hook`).
  void average(std::size_t index, session_state& s, std::span<const variable_base* const> vars) {
    seen_[index] = {&s, vars};
    barrier_.arrive_and_wait();  // every replica's gradients are complete
    const std::size_t n = replicas_.size();
    for (std::size_t i = 1; i < n; ++i)
      if (seen_[i].second.size() != seen_[0].second.size()) {
        barrier_.break_all();
        staticflow::detail::fail<internal_error>({"sf::dist::replicated: the replicas differentiated different variables"});
      }
    bool host_memory = true;
    for (const auto& [state, list] : seen_) host_memory = host_memory && state->host_memory();
    std::vector<char> bytes;
    const auto& list = seen_[0].second;
    for (std::size_t k = index; k < list.size(); k += n) {
      const variable_base& v = *list[k];
      if (v.type() == dtype::float32) reduce<float>(v, host_memory, bytes);
      else if (v.type() == dtype::float64) reduce<double>(v, host_memory, bytes);
      else {
        barrier_.break_all();
        staticflow::detail::fail<unimplemented>({"sf::dist::replicated: the gradient of '", v.name(), "' is ",
                                                 v.dtype_name(), "; float32 and float64 are averaged"});
      }
    }
    barrier_.arrive_and_wait();  // every average written before any replica applies it
  }

  /// sum_i w_i g_i (in replica order) written into every replica's gradient of `v`.
  template <class T>
  void reduce(const variable_base& v, bool host_memory, std::vector<char>& bytes) {
    const std::size_t count = v.bytes() / sizeof(T);
    std::vector<T> acc(count);
    for (std::size_t i = 0; i < seen_.size(); ++i) {
      session_state& st = *seen_[i].first;
      const T w = static_cast<T>(weights_[i]);
      const T* g;
      if (host_memory) {
        g = static_cast<const T*>(st.grad_slot(v).data);
      } else {
        bytes.resize(v.bytes());
        st.download(bytes.data(), st.grad_slot(v).data, v.bytes());
        g = reinterpret_cast<const T*>(bytes.data());
      }
      if (i == 0)
        for (std::size_t j = 0; j < count; ++j) acc[j] = w * g[j];
      else
        for (std::size_t j = 0; j < count; ++j) acc[j] += w * g[j];
    }
    for (auto& [st, list] : seen_) {
      if (host_memory) std::memcpy(st->grad_slot(v).data, acc.data(), v.bytes());
      else st->upload(st->grad_slot(v).data, acc.data(), v.bytes());
    }
  }

  graph* graph_;
  std::vector<std::unique_ptr<session<P>>> replicas_;
  std::vector<std::unique_ptr<hook>> hooks_;
  detail::breakable_barrier barrier_;
  std::vector<std::pair<session_state*, std::span<const variable_base* const>>> seen_;
  std::vector<double> weights_;
};

}  // namespace staticflow::dist
#endif  // STATICFLOW_DIST_REPLICATED_HPP
