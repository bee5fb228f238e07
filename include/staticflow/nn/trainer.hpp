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
#include <memory>
#include <optional>
#include <ranges>
#include <span>
#include <string>
#include <string_view>

#include "staticflow/data/dataset.hpp"
#include "staticflow/graph/export.hpp"
#include "staticflow/graph/session.hpp"
#include "staticflow/nn/sequential.hpp"
#include "staticflow/train/saver.hpp"

namespace staticflow::nn {

/// What `fit` reports to a `fit_observer` every `fit_options::log_every_steps` steps.
struct fit_step_report {
  std::int64_t step = 0;          ///< the global step after this update
  double loss = 0;                ///< this step's loss (before its update), as fit saw it
  double accuracy = 0;            ///< this batch's accuracy before the update
  double learning_rate = 0;       ///< the optimiser's rate at this step (NaN: it has no `learning_rate()`)
  double samples_per_sec = 0;     ///< since the previous report (or since fit started)
  std::span<const std::int64_t> input_dims;  ///< the batch's input shape (batch axis first)
  /// The batch's inputs (row-major, `input_dims`), as a float copy: for image summaries.
  std::span<const float> inputs;
  /// Calls `fn(name, values, gradients)` for each trainable variable of the network, with this
  /// step's gradients (empty when the step did not compute one). Copies from the session: call it
  /// only on steps that write histograms.
  std::function<void(const std::function<void(std::string_view, std::span<const double>, std::span<const double>)>&)>
      for_each_variable;
};

/// A training observer (`fit_options::log`): what a summary writer implements
/// (`sf::summary::training_log` in `staticflow/summary/training_log.hpp`). Declared here so the
/// trainer needs no threads or files.
class fit_observer {
 public:
  virtual ~fit_observer() = default;
  /// Once when fit starts, with the global step and the inference graph's serialized GraphDef
  /// (empty when it cannot be exported).
  virtual void on_start(std::int64_t /*step*/, const std::function<std::string()>& /*graph_def*/) {}
  /// Once when fit starts, after on_start: the network's layer table as Markdown
  /// (`nn::summary_markdown<Net>()`), with the global step.
  virtual void on_network(std::int64_t /*step*/, std::string_view /*layer_table*/) {}
  /// Every `log_every_steps` steps.
  virtual void on_step(const fit_step_report& report) = 0;
  /// After `classifier::evaluate` on a dataset, with the global step.
  virtual void on_evaluate(double /*accuracy*/, std::int64_t /*step*/) {}
  /// When fit stops.
  virtual void on_end(std::int64_t /*step*/) {}
};

namespace detail {
/// What turns `fit_options::logdir` into an observer: set by `staticflow/summary/training_log.hpp`
/// when a program includes it (the trainer itself writes no files).
inline std::function<std::shared_ptr<fit_observer>(const std::string& logdir, std::size_t every)>& logdir_observer() {
  static std::function<std::shared_ptr<fit_observer>(const std::string&, std::size_t)> make;
  return make;
}
}  // namespace detail

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
  /// TensorBoard logs ("": none): `DIR/train` gets loss, accuracy, learning rate, samples/s and
  /// histograms, `DIR/eval` what `evaluate` measures. Needs `#include
  /// "staticflow/summary/training_log.hpp"` (threads); without it fit throws failed_precondition.
  std::string logdir = {};
  /// An observer of training instead of (or beside) `logdir`: see `fit_observer`.
  std::shared_ptr<fit_observer> log = {};
  std::size_t log_every_steps = 100;  ///< how often `log` / `logdir` hear of a step
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
        step_(opt.minimize(loss_, global_step_)), session_(g, Policy{}, config), learning_rate_(rate_of(opt)) {
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
    fit_log log(*this, o, step);
    const auto start = std::chrono::steady_clock::now();
    double loss_sum = 0;
    std::size_t in_run = 0;  // steps of this process in this epoch, for the mean loss
    while (step < last) {
      train.next_batch(o.batch, x.data(), y.data());
      const bool report = log.due(step + 1);
      const double accuracy = report ? batch_accuracy(x, y) : 0.0;
      const double loss = checked_loss(session_.run(step_, feed(x_type{}, x), feed(y_type{}, y)), step + 1);
      loss_sum += loss;
      ++step, ++in_run;
      if (report) log.report(step, loss, accuracy, x);
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
    log.at_end(step);
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
    fit_log log(*this, o, step);
    for (std::size_t epoch = first_epoch; epoch <= o.epochs && step < last; ++epoch) {
      double loss_sum = 0;
      std::size_t s = 0, samples = 0, trained = 0;
      for (auto&& [x, y] : batches) {
        if (step >= last) break;
        if (s++ < skip) continue;
        const bool report = log.due(step + 1);
        const double accuracy = report ? batch_accuracy(x, y) : 0.0;
        const double loss = checked_loss(session_.run(step_, feed(x_type{}, x), feed(y_type{}, y)), step + 1);
        loss_sum += loss;
        ++step, ++trained, samples += x.dim(0);
        if (report) log.report(step, loss, accuracy, x);
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
    log.at_end(step);
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
    const double accuracy = correct / double(set.num_examples());
    for (const auto& l : logs_) l->on_evaluate(accuracy, session_.read_scalar(global_step_));
    return accuracy;
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
  template <class Opt>
  static std::function<double(std::int64_t)> rate_of(const Opt& opt) {
    if constexpr (requires { opt.learning_rate()(std::int64_t{}); })
      return [rate = opt.learning_rate()](std::int64_t step) { return static_cast<double>(rate(step)); };
    else return {};
  }

  /// The fraction of a batch's rows classified right (for the log, before the step's update).
  template <class X, class Y>
  double batch_accuracy(const X& x, const Y& y) {
    const double n = static_cast<double>(x.dim(0));
    return n > 0 ? static_cast<double>(session_.run(correct_, feed(x_type{}, x), feed(y_type{}, y)).data()[0]) / n : 0.0;
  }

  /// The inference graph (logits) as a serialized GraphDef, or "" when a node has no TF op.
  std::string graph_def_bytes() const {
    try {
      return export_graph(logits_).serialize();
    } catch (const staticflow::error&) {
      return {};
    }
  }

  /// Calls `fn(name, values, gradients)` for each trainable variable of the network of element
  /// type T (the gradients: the last step's, empty for a variable the step did not differentiate).
  void visit_variables(const std::function<void(std::string_view, std::span<const double>, std::span<const double>)>& fn) {
    session_state& st = session_.effective_state();
    std::vector<T> raw;
    std::vector<double> values, grads;
    for (const var_ref& v : net_.variables()) {
      const variable_base& def = v.get();
      if (!def.trainable() || def.type() != dtype_traits<T>::value) continue;
      raw.resize(def.bytes() / sizeof(T));
      st.download(raw.data(), st.value_slot(def).data, def.bytes());
      values.assign(raw.begin(), raw.end());
      grads.clear();
      if (const void* g = st.grad_slot(def).data) {
        st.download(raw.data(), g, def.bytes());
        grads.assign(raw.begin(), raw.end());
      }
      fn(def.name(), values, grads);
    }
  }

  /// fit's observers (`log`, and the one `logdir` makes): start, every `log_every_steps`, end.
  /// The classifier keeps them after fit, so that `evaluate` reports to them.
  class fit_log {
   public:
    fit_log(classifier& c, const fit_options& o, std::size_t step) : c_(c), every_(o.log_every_steps) {
      if (o.logdir.empty() && !o.log) return;
      if (every_ == 0)
        staticflow::detail::fail<invalid_argument>({"sf::nn::classifier::fit: log_every_steps must be at least 1"});
      c_.logs_.clear();
      if (!o.logdir.empty()) {
        const auto& make = detail::logdir_observer();
        if (!make)
          staticflow::detail::fail<failed_precondition>({"sf::nn::classifier::fit: logdir '", o.logdir,
                                                         "' needs #include \"staticflow/summary/training_log.hpp\" "
                                                         "(and -pthread)"});
        c_.logs_.push_back(make(o.logdir, every_));
      }
      if (o.log) c_.logs_.push_back(o.log);
      const std::function<std::string()> graph = [this] { return c_.graph_def_bytes(); };
      const std::string layers = summary_markdown<Net>();
      for (const auto& l : c_.logs_) {
        l->on_start(static_cast<std::int64_t>(step), graph);
        l->on_network(static_cast<std::int64_t>(step), layers);
      }
      last_time_ = std::chrono::steady_clock::now(), last_step_ = step;
    }
    bool due(std::size_t step) const { return !c_.logs_.empty() && step % every_ == 0; }

    template <class X>
    void report(std::size_t step, double loss, double accuracy, const X& x) {
      const auto now = std::chrono::steady_clock::now();
      const double secs = std::chrono::duration<double>(now - last_time_).count();
      const double steps = static_cast<double>(step - last_step_);
      last_time_ = now, last_step_ = step;
      dims_.clear();
      for (std::size_t i = 0; i < input_shape::rank; ++i) dims_.push_back(static_cast<std::int64_t>(x.dim(i)));
      inputs_.assign(x.data(), x.data() + x.size());
      fit_step_report r;
      r.step = static_cast<std::int64_t>(step);
      r.loss = loss, r.accuracy = accuracy;
      r.learning_rate = c_.learning_rate_ ? c_.learning_rate_(r.step - 1) : std::numeric_limits<double>::quiet_NaN();
      r.samples_per_sec = secs > 0 ? steps * static_cast<double>(x.dim(0)) / secs : 0.0;
      r.input_dims = dims_, r.inputs = inputs_;
      r.for_each_variable = [this](const auto& fn) { c_.visit_variables(fn); };
      for (const auto& l : c_.logs_) l->on_step(r);
    }
    void at_end(std::size_t step) {
      for (const auto& l : c_.logs_) l->on_end(static_cast<std::int64_t>(step));
    }

   private:
    classifier& c_;
    std::size_t every_;
    std::chrono::steady_clock::time_point last_time_;
    std::size_t last_step_ = 0;
    std::vector<std::int64_t> dims_;
    std::vector<float> inputs_;
  };

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
  std::function<double(std::int64_t)> learning_rate_;  ///< the optimiser's schedule (empty: none)
  std::vector<std::shared_ptr<fit_observer>> logs_;    ///< the last fit's observers
};

}  // namespace staticflow::nn
#endif  // STATICFLOW_NN_TRAINER_HPP
