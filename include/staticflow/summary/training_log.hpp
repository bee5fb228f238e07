// SPDX-License-Identifier: MIT
/// \file
/// \brief `sf::summary::training_log`: a `nn::fit_observer` writing TensorBoard events, and what
/// makes `fit(..., {.logdir = "runs/lenet"})` work. Including this header registers it as the
/// trainer's `logdir` handler; the trainer (in `staticflow.hpp`) stays free of threads and files.
///
/// `DIR/train`: a SessionLog START, the inference graph and the layer table (the text summary
/// `layers`, Markdown) when fit starts; every
/// `log_every_steps` steps the scalars `loss`, `accuracy`, `learning_rate` (when the optimiser
/// has one) and `samples_per_sec`; every `histogram_every_steps` steps a histogram of each
/// trainable variable (its name) and of its gradient (`<name>/gradient`), and the first inputs of
/// the batch when they are images (`input/image/<i>`). `DIR/eval`: the
/// `accuracy` that `classifier::evaluate` measures, at the global step. Both files are flushed
/// when fit ends and after each evaluation, so TensorBoard (or a test) sees all of it.
#pragma once
#ifndef STATICFLOW_SUMMARY_TRAINING_LOG_HPP
#define STATICFLOW_SUMMARY_TRAINING_LOG_HPP

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "staticflow/staticflow.hpp"  // the trainer, after the host executor it instantiates
#include "staticflow/summary/event.hpp"
#include "staticflow/summary/file_writer.hpp"
#include "staticflow/summary/png_stored.hpp"

namespace staticflow::summary {

/// Options of `training_log`.
struct training_log_options {
  /// Histograms of the variables and their gradients every this many steps (rounded to a step
  /// that reports; 0: every 10 reports).
  std::size_t histogram_every_steps = 0;
  bool graph = true;      ///< the inference graph and the layer table (text `layers`) once, when fit starts
  /// Input images ([N, H, W, C] with C 1, 3 or 4, or [N, H, W]; floats in [0, 1]) shown with
  /// each histogram step: the first this many of the batch, as `input/image/<i>` (0: none).
  std::size_t images = 3;
  double flush_secs = 30; ///< the writers' flush period
};

/// Writes what fit reports to `logdir/train` and `logdir/eval` (see the file's comment).
class training_log : public nn::fit_observer {
 public:
  explicit training_log(const std::filesystem::path& logdir, std::size_t log_every_steps = 100,
                        training_log_options options = {})
      : logdir_(logdir), options_(options),
        histogram_every_(options.histogram_every_steps ? options.histogram_every_steps : 10 * log_every_steps),
        train_(logdir / "train", {.flush_secs = options.flush_secs}) {}

  void on_start(std::int64_t step, const std::function<std::string()>& graph_def) override {
    train_.add_session_log(session_status::start, step);
    if (options_.graph && !graph_written_ && graph_def) {
      if (const std::string g = graph_def(); !g.empty()) train_.add_graph(g, step);
      graph_written_ = true;
    }
  }

  void on_network(std::int64_t step, std::string_view layer_table) override {
    if (!options_.graph || layers_written_) return;
    train_.add_text("layers", layer_table, step);
    layers_written_ = true;
  }

  void on_step(const nn::fit_step_report& r) override {
    train_.add_scalar("loss", r.loss, r.step);
    train_.add_scalar("accuracy", r.accuracy, r.step);
    if (!std::isnan(r.learning_rate)) train_.add_scalar("learning_rate", r.learning_rate, r.step);
    train_.add_scalar("samples_per_sec", r.samples_per_sec, r.step);
    if (r.for_each_variable && r.step / histogram_every_ != last_histograms_) {
      last_histograms_ = r.step / histogram_every_;
      r.for_each_variable([&](std::string_view name, std::span<const double> values, std::span<const double> grads) {
        if (all_finite(values)) train_.add_histogram(name, values, r.step);
        if (!grads.empty() && all_finite(grads)) train_.add_histogram(std::string(name) + "/gradient", grads, r.step);
      });
      add_input_images(r);
    }
  }

  void on_evaluate(double accuracy, std::int64_t step) override {
    if (!eval_) eval_.emplace(logdir_ / "eval", file_writer_options{.flush_secs = options_.flush_secs});
    eval_->add_scalar("accuracy", accuracy, step);
    eval_->flush();
  }

  void on_end(std::int64_t /*step*/) override { train_.flush(); }

  /// The writers (their paths, errors, counts).
  const file_writer& train_writer() const { return train_; }
  const file_writer* eval_writer() const { return eval_ ? &*eval_ : nullptr; }

 private:
  /// The first `options_.images` inputs of the batch when they are images (see the options),
  /// PNG-encoded without libpng (`png_stored.hpp`), as `tf.summary.image("input", x, n)` tags them.
  void add_input_images(const nn::fit_step_report& r) {
    const auto& d = r.input_dims;
    if (options_.images == 0 || (d.size() != 3 && d.size() != 4)) return;
    const auto extent = [&](std::size_t i) { return d[i] > 0 ? static_cast<std::size_t>(d[i]) : 0; };
    const std::size_t h = extent(1), w = extent(2), c = d.size() == 4 ? extent(3) : 1;
    if ((c != 1 && c != 3 && c != 4) || h * w * c * extent(0) != r.inputs.size()) return;
    const std::size_t n = std::min(extent(0), options_.images), per_image = h * w * c;
    std::string s;
    std::vector<std::uint8_t> pixels(per_image);
    for (std::size_t i = 0; i < n; ++i) {
      const auto image = r.inputs.subspan(i * per_image, per_image);
      if (!std::all_of(image.begin(), image.end(), [](float x) { return std::isfinite(x); })) continue;
      std::transform(image.begin(), image.end(), pixels.begin(), [](float x) { return detail::to_pixel(x); });
      const std::string tag = options_.images > 1 ? "input/image/" + std::to_string(i) : std::string("input/image");
      append_image(s, tag, static_cast<std::int64_t>(h), static_cast<std::int64_t>(w), static_cast<std::int64_t>(c),
                   encode_png_stored(pixels, h, w, c));
    }
    if (!s.empty()) train_.add_summary(s, r.step);
  }

  static bool all_finite(std::span<const double> v) {
    for (double x : v)
      if (!std::isfinite(x)) return false;
    return true;
  }

  std::filesystem::path logdir_;
  training_log_options options_;
  std::int64_t histogram_every_;
  std::int64_t last_histograms_ = -1;
  bool graph_written_ = false, layers_written_ = false;
  file_writer train_;
  std::optional<file_writer> eval_;
};

namespace detail {
/// Registers `training_log` as the trainer's `fit_options::logdir` handler (once per program,
/// whichever translation unit initialises it first).
inline const bool training_log_registered = [] {
  nn::detail::logdir_observer() = [](const std::string& logdir, std::size_t every) {
    return std::make_shared<training_log>(logdir, every);
  };
  return true;
}();
}  // namespace detail

}  // namespace staticflow::summary
#endif  // STATICFLOW_SUMMARY_TRAINING_LOG_HPP
