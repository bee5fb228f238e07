// SPDX-License-Identifier: MIT
/// \file
/// \brief `classifier<Net, Optimizer, Policy>`: fit / evaluate / predict for a network type on a
/// labelled dataset, with a progress line (samples/s, ETA, loss, accuracy).
#pragma once
#ifndef STATICFLOW_NN_TRAINER_HPP
#define STATICFLOW_NN_TRAINER_HPP

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <functional>
#include <limits>
#include <optional>
#include <ranges>
#include <string>

#include "staticflow/data/dataset.hpp"
#include "staticflow/graph/session.hpp"
#include "staticflow/nn/sequential.hpp"
#include "staticflow/train/saver.hpp"

namespace staticflow::nn {

/// Options of `classifier::fit`.
struct fit_options {
  std::size_t epochs = 1;
  std::size_t batch = 64;
  std::size_t max_steps = 0;  ///< stop when the global step reaches this (0: no limit)
  bool progress = true;       ///< a progress line on stderr
  /// Batches per epoch when fitting a pipeline, for the progress line's bar and ETA (0: unknown).
  std::size_t steps_per_epoch = 0;
  /// Called after every epoch with (epoch, seconds so far); return false to stop.
  std::function<bool(std::size_t, double)> on_epoch = {};
  /// A directory for checkpoints ("": none). fit resumes from its latest checkpoint: the same
  /// global step, weights and optimiser slots, and for a dataset the same data order, so a
  /// run killed and restarted ends as an uninterrupted one. It saves "DIR/model.ckpt-<step>"
  /// every `save_every_steps` steps and when it stops, keeping `max_to_keep`.
  std::string checkpoint_dir = {};
  std::size_t save_every_steps = 0;  ///< 0: only when fit stops
  std::size_t max_to_keep = 5;
};

namespace detail {
/// The classifier's rule on the network's output shape; a failure names the shape the network
/// ends in ("network output [?, 12, 12, 6]").
template <class Out>
struct classifier_output {
  static constexpr bool ok = [] {
    if constexpr (Out::rank != 2)
      SF_SHAPE_ASSERT("sf::nn::classifier: the network must end in [batch, classes] (flatten and a dense layer last)",
                      "network output " + shape_text<Out>);
    return Out::rank == 2;
  }();
};
}  // namespace detail

/// Trains a classification network with softmax cross-entropy (one-hot labels).
///
/// The graph (placeholders, variables, loss, train op, accuracy) is built once; every step
/// feeds a batch from preallocated tensors, so after the first step nothing is allocated.
template <class Net, class Optimizer, class Policy = host, class T = float>
class classifier {
  static constexpr bool output_ok = detail::classifier_output<typename Net::output_shape>::ok;
  static constexpr std::size_t classes = Net::output_shape::extents[output_ok ? 1 : 0];
  using input_shape = typename Net::input_shape;
  using x_type = placeholder_node<T, input_shape, "classifier/x">;
  // With a wrong output the labels take the network's output shape, so the loss and accuracy
  // built from them add no errors to the one classifier_output gave.
  using y_type = placeholder_node<T, std::conditional_t<output_ok, shape<dyn, classes>, typename Net::output_shape>,
                                  "classifier/y">;

 public:

  /// `config` is the session's: `.check_numerics = true` makes a step that computes a NaN throw
  /// naming the op, before it updates anything (without it, fit stops after the step whose loss
  /// is not finite).
  classifier(Optimizer opt, std::uint64_t seed = 0, graph& g = default_graph(), device_config config = {})
      : net_(g, seed), logits_(net_(x_type{})),
        loss_(reduce_mean(softmax_cross_entropy_with_logits(y_type{}, net_.training(x_type{})))),
        correct_(reduce_sum(cast<T>(equal(argmax<1>(logits_), argmax<1>(y_type{}))))),
        global_step_(g.variable<std::int64_t, shape<>>("classifier/global_step", init::zeros(), false)),
        step_(opt.minimize(loss_, global_step_)), session_(g, Policy{}, config) {
    session_.run(global_variables_initializer());
  }

  /// Trains on `train` (one-hot labels), reshuffled every epoch by the dataset. Steps count
  /// from the global step, so `epochs` and `max_steps` are totals over resumed runs.
  void fit(data::dataset& train, const fit_options& o) {
    check_dataset(train, "fit");
    tensor<T, input_shape, host> x(o.batch);
    tensor<T, shape<dyn, classes>, host> y(o.batch);
    const std::size_t steps_per_epoch = train.num_examples() / o.batch;
    checkpoints ckpt(*this, o);
    std::size_t step = ckpt.resumed_step();
    train.skip_batches(step, o.batch);
    const std::size_t last = last_step(o, o.epochs * steps_per_epoch);
    const auto start = std::chrono::steady_clock::now();
    double loss_sum = 0;
    std::size_t in_run = 0;  // steps of this process in this epoch, for the mean loss
    while (step < last) {
      train.next_batch(o.batch, x.data(), y.data());
      loss_sum += checked_loss(session_.run(step_, feed(x_type{}, x), feed(y_type{}, y)), step + 1);
      ++step, ++in_run;
      ckpt.after_step(step);
      const std::size_t epoch = (step - 1) / steps_per_epoch + 1, s = (step - 1) % steps_per_epoch + 1;
      if (o.progress && (s % 20 == 0 || s == steps_per_epoch))
        show(epoch, o.epochs, s, steps_per_epoch, o.batch, loss_sum / double(in_run), start);
      if (s == steps_per_epoch) {
        if (o.progress) std::fputc('\n', stderr);
        loss_sum = 0, in_run = 0;
        if (o.on_epoch && !o.on_epoch(epoch, seconds_since(start))) break;
      }
    }
    ckpt.at_end(step);
  }

  /// Trains on the `(inputs, one-hot labels)` batches of `batches`, one pass per epoch: a
  /// pipeline such as `data::mnist_tfrecord_batches`, which draws a new order on each pass.
  /// Batches may differ in size; each is fed as it comes. Resuming from a checkpoint continues
  /// the global step; with `steps_per_epoch` given it also starts in the right epoch and drops
  /// the batches of that pass already trained on (the pass's order is a new draw: a pipeline's
  /// position is not part of a checkpoint, as in TF 1.x).
  template <std::ranges::input_range Batches>
  void fit(const Batches& batches, const fit_options& o) {
    const auto start = std::chrono::steady_clock::now();
    checkpoints ckpt(*this, o);
    std::size_t step = ckpt.resumed_step(), per_epoch = o.steps_per_epoch;  // unknown until the first pass ends
    std::size_t first_epoch = 1, skip = 0;
    if (per_epoch) first_epoch = step / per_epoch + 1, skip = step % per_epoch;
    const std::size_t last = o.max_steps ? o.max_steps : std::numeric_limits<std::size_t>::max();
    for (std::size_t epoch = first_epoch; epoch <= o.epochs && step < last; ++epoch) {
      double loss_sum = 0;
      std::size_t s = 0, samples = 0, trained = 0;
      for (auto&& [x, y] : batches) {
        if (step >= last) break;
        if (s++ < skip) continue;
        loss_sum += checked_loss(session_.run(step_, feed(x_type{}, x), feed(y_type{}, y)), step + 1);
        ++step, ++trained, samples += x.dim(0);
        ckpt.after_step(step);
        if (o.progress && s % 20 == 0) show(epoch, o.epochs, s, per_epoch, samples / trained, loss_sum / double(trained), start);
      }
      skip = 0;
      if (per_epoch == 0) per_epoch = s;
      if (o.progress && trained > 0) show(epoch, o.epochs, s, per_epoch, samples / trained, loss_sum / double(trained), start);
      if (o.progress) std::fputc('\n', stderr);
      if (o.on_epoch && !o.on_epoch(epoch, seconds_since(start))) break;
    }
    ckpt.at_end(step);
  }

  /// Fraction of correctly classified examples of `set`, evaluated in chunks.
  double evaluate(const data::dataset& set, std::size_t chunk = 1000) {
    check_dataset(set, "evaluate");
    tensor<T, input_shape, host> x;
    tensor<T, shape<dyn, classes>, host> y;
    double correct = 0;
    for (std::size_t first = 0; first < set.num_examples(); first += chunk) {
      const std::size_t n = std::min(chunk, set.num_examples() - first);
      x.resize(n), y.resize(n);
      set.fill_images(first, n, x.data());
      set.fill_labels(first, n, y.data());
      correct += static_cast<double>(session_.run(correct_, feed(x_type{}, x), feed(y_type{}, y)).data()[0]);
    }
    return correct / double(set.num_examples());
  }

  /// Fraction of the rows of `x` (host inputs, batch axis first) whose largest logit is at the
  /// largest entry of the same row of `labels` (one-hot), evaluated in chunks: for inputs not
  /// held in a data set, such as cached bottlenecks.
  /// **Errors:** invalid_argument when x and labels have different row counts.
  template <class X, class Y>
    requires(is_tensor_v<X> && is_tensor_v<Y>)
  double evaluate(const X& x, const Y& labels, std::size_t chunk = 1000) {
    const std::size_t n = x.dim(0);
    if (labels.dim(0) != n)
      staticflow::detail::fail<invalid_argument>({"sf::nn::classifier::evaluate: ", n, " inputs but ", labels.dim(0),
                                                  " labels"});
    double correct = 0;
    for (std::size_t first = 0; first < n; first += chunk) {
      const std::size_t count = std::min(chunk, n - first);
      correct += static_cast<double>(
          session_.run(correct_, feed(x_type{}, x.slice(first, first + count)),
                       feed(y_type{}, labels.slice(first, first + count)))
              .data()[0]);
    }
    return n ? correct / double(n) : 0.0;
  }

  /// Logits for a batch of inputs.
  template <class X>
  auto predict(const X& x) {
    return session_.run(logits_, feed(x_type{}, x));
  }

  session<Policy>& get_session() { return session_; }
  /// The network (its variables: `network().variables(first, last)` for a saver's var_list).
  const model<Net, T>& network() const { return net_; }

 private:
  /// The step's loss; a NaN or infinite one stops training (before it can be checkpointed).
  static double checked_loss(T loss, std::size_t step) {
    const double l = static_cast<double>(loss);
    if (!std::isfinite(l))
      staticflow::detail::fail<invalid_argument>({"sf::nn::classifier::fit: the loss is ", std::isnan(l) ? "NaN" : "infinite",
                                                  " at step ", step, "; training stopped (a session with "
                                                  "device_config::check_numerics names the op that made it)"});
    return l;
  }

  void check_dataset(const data::dataset& d, const char* api) const {
    if (d.image_size() != input_shape::static_part || !d.options().one_hot || d.num_classes() != classes)
      staticflow::detail::fail<invalid_argument>({"sf::nn::classifier::", api, ": the dataset has ", d.image_size(),
                                                  " values per example and ", d.num_classes(),
                                                  (d.options().one_hot ? " one-hot" : " index"),
                                                  " labels; the network takes ", input_shape::static_part, " and ",
                                                  classes, " one-hot",
                                                  (d.options().one_hot ? ""
                                                                       : " (load it with sf::data::read_data_sets(dir, "
                                                                         "{.one_hot = true}))")});
  }

  /// fit's checkpoints (nothing without a checkpoint_dir): restores the latest at the start,
  /// saves every save_every_steps and at the end.
  class checkpoints {
   public:
    checkpoints(classifier& c, const fit_options& o)
        : c_(c), every_(o.save_every_steps), prefix_(o.checkpoint_dir.empty() ? "" : o.checkpoint_dir + "/model.ckpt") {
      if (prefix_.empty()) return;
      saver_.emplace(train::saver_options{.max_to_keep = o.max_to_keep});
      if (const auto last = train::latest_checkpoint(o.checkpoint_dir)) {
        saver_->restore(c_.session_, *last);
        saver_->recover_last_checkpoints(train::get_checkpoint_state(o.checkpoint_dir)->all_model_checkpoint_paths);
        if (o.progress) std::fprintf(stderr, "resumed from %s\n", last->c_str());
      }
      saved_ = resumed_step();
    }
    std::size_t resumed_step() const { return static_cast<std::size_t>(c_.session_.read_scalar(c_.global_step_)); }
    void after_step(std::size_t step) {
      if (saver_ && every_ && step % every_ == 0) save(step);
    }
    void at_end(std::size_t step) {
      if (saver_ && step != saved_) save(step);
    }

   private:
    void save(std::size_t step) {
      saver_->save(c_.session_, prefix_, static_cast<std::int64_t>(step));
      saved_ = step;
    }
    classifier& c_;
    std::size_t every_;
    std::string prefix_;
    std::optional<train::saver> saver_;
    std::size_t saved_ = 0;
  };

  std::size_t last_step(const fit_options& o, std::size_t total) const {
    return o.max_steps ? std::min(o.max_steps, total) : total;
  }
  static double seconds_since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }

  // steps == 0: the epoch's length is not known yet (the first pass over a pipeline): no bar, no ETA.
  static void show(std::size_t epoch, std::size_t epochs, std::size_t s, std::size_t steps, std::size_t batch,
                   double loss, std::chrono::steady_clock::time_point start) {
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (steps == 0) {
      std::fprintf(stderr, "\repoch %zu/%zu %zu steps  %.0f samples/s  loss %.4f", epoch, epochs, s,
                   double(s * batch) / secs, loss);
      std::fflush(stderr);
      return;
    }
    const double done = double((epoch - 1) * steps + s);
    const double rate = done * double(batch) / secs;
    const double eta = std::max(0.0, double(epochs * steps) - done) * double(batch) / rate;
    const int width = 24, filled = static_cast<int>(width * std::min(1.0, double(s) / double(steps)));
    std::fprintf(stderr, "\repoch %zu/%zu [%.*s%*s] %zu/%zu  %.0f samples/s  ETA %.0fs  loss %.4f", epoch, epochs,
                 filled, "========================", width - filled, "", s, steps, rate, eta, loss);
    std::fflush(stderr);
  }

  model<Net, T> net_;
  decltype(net_(x_type{})) logits_;
  decltype(reduce_mean(softmax_cross_entropy_with_logits(y_type{}, net_.training(x_type{})))) loss_;
  decltype(reduce_sum(cast<T>(equal(argmax<1>(logits_), argmax<1>(y_type{}))))) correct_;
  /// Steps taken so far: learning-rate schedules read it (as tf.train.get_global_step()).
  variable_node<std::int64_t, shape<>> global_step_;
  decltype(std::declval<Optimizer>().minimize(loss_, global_step_)) step_;
  session<Policy> session_;
};

}  // namespace staticflow::nn
#endif  // STATICFLOW_NN_TRAINER_HPP
