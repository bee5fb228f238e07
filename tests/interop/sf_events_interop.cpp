// SPDX-License-Identifier: MIT
/// \file
/// \brief staticflow's side of the TensorBoard events interop test (check_events.sh): writes the
/// events files of a small run that py_events.py decodes with Python's protobuf and PIL.
///
///   sf_events_interop LOGDIR           writes LOGDIR/train and LOGDIR/eval
///   sf_events_interop LOGDIR lenet5    trains LeNet-5 (nn::classifier) for 3 epochs of 4 steps
///                                      on 64 synthetic 28x28 images and writes LOGDIR/lenet5
///
/// The values follow formulas py_events.py computes on its own (keep the two in step):
///   train: SessionLog START at step 0; text "notes" at step 0; for step 0..19 scalars
///          "loss" = 1 / (step + 1) and "lr" = 0.1; at steps 0, 5, 10, 15 histogram "weights" of
///          w_i = (i - 50) * 0.25 * (step + 1), i = 0..99; at step 0 an empty histogram "empty";
///          at step 10 images "digits" (uint8 [3, 3, 4, 3], pixel (n, y, x, c) =
///          (97n + 31y + 17x + 71c) mod 256, max_outputs 2) and "gray" (float [1, 2, 2, 1] =
///          {0, 0.25, 0.5, 1}, max_outputs 1) and audio "tone" (float [2, 5, 2] at 16000 Hz, sample
///          (i, f, c) = (3i + 2f + c) mod 9 / 4 - 1, max_outputs 3); SessionLog CHECKPOINT
///          "model.ckpt-19" at step 19
///   eval:  scalar "accuracy" = 0.5 at step 10 and 0.75 at step 20
///   lenet5: SessionLog START at 0; image "inputs" (the first 3 training images, pixel k of image
///          i = (37 i + 11 k) mod 256) at 0; after each epoch e (step 4e) scalar "accuracy" and
///          histograms "conv1/filter" (150 values), "fc1/weights" (30720) and "fc3/biases" (10);
///          SessionLog CHECKPOINT "<LOGDIR>/lenet5/ckpt/model.ckpt-12" at 12
#include <cstdint>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <vector>

#include <string>

#include "staticflow/staticflow.hpp"
#include "staticflow/summary.hpp"
#include "staticflow/summary/image.hpp"

namespace sf = staticflow;
namespace summary = staticflow::summary;

namespace {

void write_train(const std::filesystem::path& dir) {
  summary::file_writer w(dir, {.max_queue = 4, .flush_secs = 1});
  w.add_session_log(summary::session_status::start, 0);
  w.add_text("notes", "**hello** TensorBoard", 0);
  w.add_histogram("empty", std::vector<double>{}, 0);
  for (std::int64_t step = 0; step < 20; ++step) {
    w.add_scalar("loss", 1.0 / static_cast<double>(step + 1), step);
    w.add_scalar("lr", 0.1, step);
    if (step % 5 == 0) {
      std::vector<double> weights(100);
      for (int i = 0; i < 100; ++i) weights[static_cast<std::size_t>(i)] = (i - 50) * 0.25 * static_cast<double>(step + 1);
      w.add_histogram("weights", weights, step);
    }
    if (step == 10) {
      sf::tensor<std::uint8_t, sf::shape<3, 3, 4, 3>> digits;
      std::size_t k = 0;
      for (int n = 0; n < 3; ++n)
        for (int y = 0; y < 3; ++y)
          for (int x = 0; x < 4; ++x)
            for (int c = 0; c < 3; ++c) digits.span()[k++] = static_cast<std::uint8_t>((97 * n + 31 * y + 17 * x + 71 * c) % 256);
      w.add_image("digits", digits, step, 2);
      sf::tensor<float, sf::shape<1, 2, 2, 1>> gray;
      const float g[] = {0.0f, 0.25f, 0.5f, 1.0f};
      for (std::size_t i = 0; i < 4; ++i) gray.span()[i] = g[i];
      w.add_image("gray", gray, step, 1);
      sf::tensor<float, sf::shape<2, 5, 2>> tone;
      k = 0;
      for (int i = 0; i < 2; ++i)
        for (int f = 0; f < 5; ++f)
          for (int c = 0; c < 2; ++c) tone.span()[k++] = static_cast<float>((3 * i + 2 * f + c) % 9) / 4.0f - 1.0f;
      w.add_audio("tone", tone, 16000.0f, step, 3);
    }
  }
  w.add_session_log(summary::session_status::checkpoint, 19, "model.ckpt-19");
  w.close();
  if (w.error()) throw sf::internal_error(*w.error());
}

void write_eval(const std::filesystem::path& dir) {
  summary::file_writer w(dir);
  w.add_scalar("accuracy", 0.5, 10);
  w.add_scalar("accuracy", 0.75, 20);
  w.close();
  if (w.error()) throw sf::internal_error(*w.error());
}

namespace nn = staticflow::nn;
using lenet5 = nn::sequential<nn::input<28, 28, 1>, nn::conv2d<6, 5, 5>, nn::relu, nn::max_pool2d<2, 2>,
                              nn::conv2d<16, 5, 5>, nn::relu, nn::max_pool2d<2, 2>, nn::flatten, nn::dense<120>, nn::relu,
                              nn::dense<84>, nn::relu, nn::dense<10>>;

void write_lenet5(const std::filesystem::path& dir) {
  constexpr std::size_t n = 64, pixels = 28 * 28;
  std::vector<std::uint8_t> images(n * pixels), labels(n);
  for (std::size_t i = 0; i < n; ++i) {
    labels[i] = static_cast<std::uint8_t>(i % 10);
    for (std::size_t k = 0; k < pixels; ++k) images[i * pixels + k] = static_cast<std::uint8_t>((37 * i + 11 * k) % 256);
  }
  sf::data::dataset train(images, labels, pixels, {.one_hot = true, .num_classes = 10});
  summary::file_writer w(dir);
  w.add_session_log(summary::session_status::start, 0);
  sf::tensor<std::uint8_t, sf::shape<3, 28, 28, 1>> first;
  for (std::size_t k = 0; k < first.size(); ++k) first.span()[k] = images[k];
  w.add_image("inputs", first, 0, 3);
  nn::classifier<lenet5, sf::train::gradient_descent> clf(sf::train::gradient_descent(0.05), 1);
  auto& sess = clf.get_session();
  const auto& p = clf.network().parameters();
  const std::string ckpt = (dir / "ckpt").string();
  nn::fit_options fit{.epochs = 3, .batch = 16, .progress = false, .checkpoint_dir = ckpt};
  fit.on_epoch = [&](std::size_t epoch, double) {
    const auto step = static_cast<std::int64_t>(4 * epoch);
    w.add_scalar("accuracy", clf.evaluate(train), step);
    w.add_histogram("conv1/filter", sess.value(std::get<0>(p).filter), step);
    w.add_histogram("fc1/weights", sess.value(std::get<7>(p).weights), step);
    w.add_histogram("fc3/biases", sess.value(std::get<11>(p).biases), step);
    return true;
  };
  clf.fit(train, fit);
  w.add_session_log(summary::session_status::checkpoint, 12, ckpt + "/model.ckpt-12");
  w.close();
  if (w.error()) throw sf::internal_error(*w.error());
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2 && !(argc == 3 && std::string(argv[2]) == "lenet5")) {
    std::fprintf(stderr, "usage: sf_events_interop LOGDIR [lenet5]\n");
    return 2;
  }
  try {
    if (argc == 3) {
      write_lenet5(std::filesystem::path(argv[1]) / "lenet5");
      return 0;
    }
    write_train(std::filesystem::path(argv[1]) / "train");
    write_eval(std::filesystem::path(argv[1]) / "eval");
  } catch (const std::exception& e) {
    std::fprintf(stderr, "sf_events_interop: %s\n", e.what());
    return 1;
  }
  return 0;
}
