// SPDX-License-Identifier: MIT
/// \file
/// \brief The book's chapter-5 MNIST trainer: 784-500-10 with relu, batch 100, learning rate
/// 0.8 decayed by 0.99 per epoch (staircase), L2 1e-4, moving averages 0.99 for evaluation.
///
/// Usage: mnist_mlp [--steps 30000] [--data-dir data/mnist] [--dataset mnist|fashion]
///                  [--seed 1] [--device host|cuda] [--batch 100]
///                  [--tfrecord GLOB [--compression none|gzip|zlib]]   (train from TFRecord files
///                  of the seed's MNIST Examples, written by mnist_to_tfrecord; validation and test
///                  still come from --data-dir)
///                  [--checkpoint-dir DIR [--save-every 1000]]   (resume from DIR's latest checkpoint:
///                  the same step, weights, moving averages and batch order; save every N steps and
///                  at the end, in TensorFlow's format)
///                  [--logdir DIR [--log-every 100]]   (TensorBoard events: DIR/train gets loss,
///                  accuracy, learning rate, samples/s every N steps, weight and gradient histograms
///                  every 10 N, the graph; DIR/eval the validation and test accuracy)
///                  [--expect-validation A] [--expect-test A]   (exit status 2 when below)
#include <staticflow/staticflow.hpp>
#if defined(__CUDACC__)
#include <staticflow/cuda.hpp>  // the CUDA build of this file (target mnist_mlp_cuda)
#endif
#include <staticflow/data/mnist.hpp>
#include <staticflow/data/mnist_tfrecord.hpp>  // --tfrecord: the pipeline and the Example parser only
#include <staticflow/expr/quantized.hpp>
#include <staticflow/summary/file_writer.hpp>  // --logdir (threads)
#include <staticflow/train/moving_average_op.hpp>
#include <staticflow/train/optimizer.hpp>
#include <staticflow/train/regularizer.hpp>
#include <staticflow/train/schedule.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <optional>
#include <string>
#include <tuple>
#include <type_traits>

namespace sf = staticflow;

namespace {

struct options {
  long steps = 30000;
  std::string data_dir = "data/mnist";
  std::string dataset = "mnist";
  std::uint64_t seed = 1;
  std::string device = "host";
  std::size_t batch = 100;
  std::string tfrecord;              ///< a glob of TFRecord files to train from instead of the IDX files
  std::string compression = "none";  ///< of those files
  std::string checkpoint_dir;        ///< resume from and save checkpoints here
  long save_every = 1000;
  std::string logdir;  ///< TensorBoard events here
  long log_every = 100;
  double expect_validation = 0;  ///< exit with status 2 when the final validation accuracy is lower
  double expect_test = 0;        ///< exit with status 2 when the final test accuracy is lower
};

options parse(int argc, char** argv) {
  options o;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (flag == "--help" || flag == "-h") {
      std::cout << "usage: mnist_mlp [--steps N] [--data-dir DIR] [--dataset mnist|fashion] [--seed S] "
                   "[--device host|cuda] [--batch N] [--tfrecord GLOB] [--compression none|gzip|zlib] "
                   "[--checkpoint-dir DIR [--save-every N]] [--logdir DIR [--log-every N]] [--expect-validation A] "
                   "[--expect-test A]\n";
      std::exit(0);
    }
    if (i + 1 >= argc) throw sf::invalid_argument("mnist_mlp: flag " + flag + " needs a value");
    const std::string value = argv[++i];
    try {
      if (flag == "--steps") o.steps = std::stol(value);
      else if (flag == "--data-dir") o.data_dir = value;
      else if (flag == "--dataset") o.dataset = value;
      else if (flag == "--seed") o.seed = std::stoull(value);
      else if (flag == "--device") o.device = value;
      else if (flag == "--batch") o.batch = std::stoul(value);
      else if (flag == "--tfrecord") o.tfrecord = value;
      else if (flag == "--compression") o.compression = value;
      else if (flag == "--checkpoint-dir") o.checkpoint_dir = value;
      else if (flag == "--save-every") o.save_every = std::stol(value);
      else if (flag == "--logdir") o.logdir = value;
      else if (flag == "--log-every") o.log_every = std::stol(value);
      else if (flag == "--expect-validation") o.expect_validation = std::stod(value);
      else if (flag == "--expect-test") o.expect_test = std::stod(value);
      else throw sf::invalid_argument("mnist_mlp: unknown flag " + flag + " (try --help)");
    } catch (const std::logic_error&) {
      throw sf::invalid_argument("mnist_mlp: bad value '" + value + "' for " + flag);
    }
  }
  if (o.dataset == "fashion" && o.data_dir == "data/mnist") o.data_dir = sf::data::fashion_mnist_debian_dir;
  if (o.dataset != "mnist" && o.dataset != "fashion") throw sf::invalid_argument("mnist_mlp: --dataset must be mnist or fashion");
#if defined(__CUDACC__)
  if (o.device != "host" && o.device != "cuda") throw sf::invalid_argument("mnist_mlp: --device must be host or cuda");
#else
  if (o.device != "host")
    throw sf::invalid_argument("mnist_mlp: --device " + o.device +
                               ": this binary is the host build; run mnist_mlp_cuda (built when nvcc is found)");
#endif
  if (o.steps <= 0 || o.batch == 0 || o.log_every <= 0)
    throw sf::invalid_argument("mnist_mlp: --steps, --batch and --log-every must be positive");
  return o;
}

constexpr std::size_t input = 784, hidden = 500, classes = 10;
using images_t = sf::tensor<float, sf::shape<sf::dyn, input>>;
using labels_t = sf::tensor<float, sf::shape<sf::dyn, classes>>;

/// The forward pass of the book's `inference`, for any set of (possibly averaged) weights.
template <class X, class W1, class B1, class W2, class B2>
auto inference(const X& x, const W1& w1, const B1& b1, const W2& w2, const B2& b2) {
  return sf::matmul(sf::relu(sf::matmul(x, w1) + b1), w2) + b2;  // [?, 10]
}

/// The training batches when they come from TFRecord files: the pipeline, repeated, as an iterator.
using tfrecord_batches =
    decltype(sf::data::mnist_tfrecord_batches(std::string(), {}).repeat().make_one_shot_iterator());

template <class Policy>
int train(const options& o) {
  auto data = sf::data::read_data_sets(o.data_dir, {.one_hot = true, .seed = o.seed});
  std::printf("%s: %zu train, %zu validation, %zu test examples\n", o.dataset.c_str(), data.train.num_examples(),
              data.validation.num_examples(), data.test.num_examples());

  auto x = sf::placeholder<float, sf::shape<sf::dyn, input>, "x-input">();
  auto y_ = sf::placeholder<float, sf::shape<sf::dyn, classes>, "y-input">();
  auto w1 = sf::variable<float, sf::shape<input, hidden>>("layer1/weights", sf::init::truncated_normal(0.1, o.seed));
  auto b1 = sf::variable<float, sf::shape<hidden>>("layer1/biases", sf::init::constant(0.1));
  auto w2 = sf::variable<float, sf::shape<hidden, classes>>("layer2/weights", sf::init::truncated_normal(0.1, o.seed + 1));
  auto b2 = sf::variable<float, sf::shape<classes>>("layer2/biases", sf::init::constant(0.1));
  auto global_step = sf::variable<std::int64_t, sf::shape<>>("global_step", sf::init::zeros(), false);

  auto y = inference(x, w1, b1, w2, b2);
  const auto l2 = sf::train::l2_regularizer(1e-4);
  auto loss = sf::reduce_mean(sf::softmax_cross_entropy_with_logits(y_, y)) + l2(w1) + l2(w2);
  // Training batches: TF's next_batch over the IDX arrays, or tf.data's recipe over TFRecord files.
  std::size_t train_examples = data.train.num_examples();
  std::optional<tfrecord_batches> from_files;
  if (!o.tfrecord.empty()) {
    const auto compression = sf::io::compression_from_string(o.compression);
    train_examples = sf::data::count_tfrecords(o.tfrecord, compression);
    std::printf("training from %zu examples in the TFRecord files %s\n", train_examples, o.tfrecord.c_str());
    from_files.emplace(
        sf::data::mnist_tfrecord_batches(o.tfrecord, {.batch = o.batch, .seed = o.seed, .compression = compression})
            .repeat()
            .make_one_shot_iterator());
  }
  const auto steps_per_epoch = static_cast<std::int64_t>(train_examples / o.batch);
  sf::train::gradient_descent sgd(sf::train::exponential_decay{0.8, steps_per_epoch, 0.99, true});
  auto averages = sf::train::apply_moving_averages(sf::train::exponential_moving_average(0.99), global_step, w1, b1, w2, b2);
  auto train_step = sf::group(sgd.minimize(loss, global_step), averages);

  auto averaged_y = inference(x, averages.average(w1), averages.average(b1), averages.average(w2), averages.average(b2));
  auto accuracy = sf::reduce_mean(sf::cast<float>(sf::equal(sf::argmax<1>(averaged_y), sf::argmax<1>(y_))));

  // On a machine without a usable GPU the CUDA session runs on the host and says so once.
  sf::session<Policy> sess(sf::default_graph(), Policy{}, {.allow_soft_placement = true});
  sess.run(sf::global_variables_initializer());

  images_t vx(data.validation.num_examples()), tx(data.test.num_examples()), bx(o.batch);
  labels_t vy(data.validation.num_examples()), ty(data.test.num_examples()), by(o.batch);
  data.validation.fill_images(0, vx.dim(0), vx.data());
  data.validation.fill_labels(0, vy.dim(0), vy.data());
  data.test.fill_images(0, tx.dim(0), tx.data());
  data.test.fill_labels(0, ty.dim(0), ty.data());

  // Checkpoints (TF's Saver): resume where the last run stopped. The IDX batches go on in the
  // same order; a TFRecord pipeline starts a new pass (its position is not checkpointed).
  std::optional<sf::train::saver> saver;
  long first_step = 1;
  if (!o.checkpoint_dir.empty()) {
    saver.emplace();
    if (const auto latest = sf::train::latest_checkpoint(o.checkpoint_dir)) {
      saver->restore(sess, *latest);
      saver->recover_last_checkpoints(sf::train::get_checkpoint_state(o.checkpoint_dir)->all_model_checkpoint_paths);
      first_step = static_cast<long>(sess.read_scalar(global_step)) + 1;
      if (!from_files) data.train.skip_batches(static_cast<std::size_t>(first_step - 1), o.batch);
      std::printf("resumed from %s at step %ld\n", latest->c_str(), first_step - 1);
    }
  }
  auto save = [&](long step) {
    if (saver) saver->save(sess, o.checkpoint_dir + "/model.ckpt", std::int64_t{step});
  };

  // TensorBoard (--logdir): train/ and eval/, as TF's FileWriters; the graph of the loss and the
  // layer table once.
  std::optional<sf::summary::file_writer> train_log, eval_log;
  if (!o.logdir.empty()) {
    train_log.emplace(o.logdir + "/train");
    eval_log.emplace(o.logdir + "/eval");
    train_log->add_session_log(sf::summary::session_status::start, first_step - 1);
    train_log->add_graph(sf::export_graph(loss).serialize(), first_step - 1);
    // The layer table (TensorBoard's Text tab, staticflow-board): this graph as a network type.
    using network = sf::nn::sequential<sf::nn::input<input>, sf::nn::dense<hidden>, sf::nn::relu, sf::nn::dense<classes>>;
    train_log->add_text("layers", sf::nn::summary_markdown<network>(), first_step - 1);
  }
  auto log_time = std::chrono::steady_clock::now();
  long log_step = first_step - 1;
  // Every --log-every steps: the step's loss, the batch's accuracy (before the update), the
  // rate the step used, samples/s; every ten of those, the weights and their gradients.
  auto log_step_summaries = [&](long step, float loss_value, float batch_accuracy) {
    const auto now = std::chrono::steady_clock::now();
    const double secs = std::chrono::duration<double>(now - log_time).count();
    train_log->add_scalar("loss", loss_value, step);
    train_log->add_scalar("accuracy", batch_accuracy, step);
    train_log->add_scalar("learning_rate", sgd.learning_rate()(step - 1), step);
    train_log->add_scalar("samples_per_sec", double(step - log_step) * double(o.batch) / secs, step);
    if (step % (10 * o.log_every) == 0 || step == o.log_every) {
      auto histograms = [&](const auto& v) {
        train_log->add_histogram(v.name(), sess.value(v), step);
        train_log->add_histogram(v.name() + "/gradient", sess.gradient(v), step);
      };
      histograms(w1), histograms(b1), histograms(w2), histograms(b2);
    }
    log_time = now, log_step = step;
  };

  const auto start = std::chrono::steady_clock::now();
  auto last = start;
  long last_step = first_step - 1;
  for (long step = first_step; step <= o.steps; ++step) {
    if (from_files) std::tie(bx, by) = from_files->get_next();
    else data.train.next_batch(o.batch, bx.data(), by.data());
    const bool log_now = train_log && step % o.log_every == 0;
    const float batch_accuracy = log_now ? sess.run(accuracy, sf::feed(x, bx), sf::feed(y_, by)).data()[0] : 0.0f;
    const float loss_value = sess.run(train_step, sf::feed(x, bx), sf::feed(y_, by));
    if (log_now) log_step_summaries(step, loss_value, batch_accuracy);
    if (step % 1000 == 0 || step == o.steps) {
      const auto now = std::chrono::steady_clock::now();
      const double secs = std::chrono::duration<double>(now - last).count();
      const float acc = sess.run(accuracy, sf::feed(x, vx), sf::feed(y_, vy)).data()[0];
      std::printf("step %6ld  loss %.4f  validation accuracy %.4f  %.0f samples/s\n", step, loss_value, acc,
                  double(step - last_step) * double(o.batch) / secs);
      if (eval_log) eval_log->add_scalar("validation_accuracy", acc, step);
      std::fflush(stdout);
      last = std::chrono::steady_clock::now(), last_step = step;
    }
    if (o.save_every > 0 && step % o.save_every == 0 && step != o.steps) save(step);
  }
  if (first_step <= o.steps) save(o.steps);
  const double total = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const float test_acc = sess.run(accuracy, sf::feed(x, tx), sf::feed(y_, ty)).data()[0];
  std::printf("after %ld steps (%.1f s): test accuracy %.4f (moving-average weights)\n", o.steps, total, test_acc);
  if (eval_log) {
    eval_log->add_scalar("test_accuracy", test_acc, o.steps);
    eval_log->close(), train_log->close();
    for (const auto* w : {&*train_log, &*eval_log})
      if (const auto error = w->error()) std::fprintf(stderr, "mnist_mlp: --logdir: %s\n", error->c_str());
  }
  if constexpr (std::is_same_v<Policy, sf::host>) {
    // The same model for inference with the first layer's weights stored as bfloat16: half the
    // bytes for the layer that batch-1 inference spends its time reading.
    const sf::tensor<sf::bfloat16, sf::shape<input, hidden>> w1_bf16 =
        sf::cast<sf::bfloat16>(sess.value(averages.average(w1)));
    auto compact_y = inference(x, w1_bf16, averages.average(b1), averages.average(w2), averages.average(b2));
    auto compact_accuracy = sf::reduce_mean(sf::cast<float>(sf::equal(sf::argmax<1>(compact_y), sf::argmax<1>(y_))));
    std::printf("test accuracy %.4f with bfloat16 layer-1 weights\n",
                sess.run(compact_accuracy, sf::feed(x, tx), sf::feed(y_, ty)).data()[0]);
    // And with them quantized to 8 bits (a quarter of the bytes; integer dot products).
    const auto w1_int8 = sf::quantize(sess.value(averages.average(w1)));
    auto int8_y = inference(x, w1_int8, averages.average(b1), averages.average(w2), averages.average(b2));
    auto int8_accuracy = sf::reduce_mean(sf::cast<float>(sf::equal(sf::argmax<1>(int8_y), sf::argmax<1>(y_))));
    std::printf("test accuracy %.4f with 8-bit layer-1 weights\n",
                sess.run(int8_accuracy, sf::feed(x, tx), sf::feed(y_, ty)).data()[0]);
  }
  const float validation_acc = sess.run(accuracy, sf::feed(x, vx), sf::feed(y_, vy)).data()[0];
  if (validation_acc < o.expect_validation) {
    std::fprintf(stderr, "mnist_mlp: validation accuracy %.4f is below the expected %.4f\n", validation_acc,
                 o.expect_validation);
    return 2;
  }
  if (test_acc < o.expect_test) {
    std::fprintf(stderr, "mnist_mlp: test accuracy %.4f is below the expected %.4f\n", test_acc, o.expect_test);
    return 2;
  }
  return 0;
}

int run(const options& o) {
#if defined(__CUDACC__)
  if (o.device == "cuda") return train<sf::cuda>(o);
#endif
  return train<sf::host>(o);
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(parse(argc, argv));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 1;
  }
}
