// SPDX-License-Identifier: MIT
/// \file
/// \brief staticflow's side of the TensorBoard events interop test (check_events.sh): writes the
/// events files of a small run that py_events.py decodes with Python's protobuf and PIL.
///
///   sf_events_interop LOGDIR     writes LOGDIR/train and LOGDIR/eval
///
/// The values follow formulas py_events.py computes on its own (keep the two in step):
///   train: SessionLog START at step 0; text "notes" at step 0; for step 0..19 scalars
///          "loss" = 1 / (step + 1) and "lr" = 0.1; at steps 0, 5, 10, 15 histogram "weights" of
///          w_i = (i - 50) * 0.25 * (step + 1), i = 0..99; at step 0 an empty histogram "empty";
///          at step 10 images "digits" (uint8 [3, 3, 4, 3], pixel (n, y, x, c) =
///          (97n + 31y + 17x + 71c) mod 256, max_outputs 2) and "gray" (float [1, 2, 2, 1] =
///          {0, 0.25, 0.5, 1}, max_outputs 1); SessionLog CHECKPOINT "model.ckpt-19" at step 19
///   eval:  scalar "accuracy" = 0.5 at step 10 and 0.75 at step 20
#include <cstdint>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <vector>

#include "staticflow/core/tensor.hpp"
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

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: sf_events_interop LOGDIR\n");
    return 2;
  }
  try {
    write_train(std::filesystem::path(argv[1]) / "train");
    write_eval(std::filesystem::path(argv[1]) / "eval");
  } catch (const std::exception& e) {
    std::fprintf(stderr, "sf_events_interop: %s\n", e.what());
    return 1;
  }
  return 0;
}
