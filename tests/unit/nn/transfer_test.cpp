// SPDX-License-Identifier: MIT
/// \file
/// \brief Transfer learning: frozen layers (not trained, no backward pass below them, counted as
/// non-trainable), a network's features and per-layer variables, restoring lower layers into
/// another network type, and the on-disk bottleneck cache.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <unistd.h>

#include <staticflow/staticflow.hpp>

namespace sf = staticflow;
namespace nn = staticflow::nn;

namespace {

using frozen_net = nn::sequential<nn::input<3>, nn::frozen<nn::dense<4>>, nn::relu, nn::dense<2>>;
using open_net = nn::sequential<nn::input<3>, nn::dense<4>, nn::relu, nn::dense<2>>;
using x_t = sf::placeholder_node<float, sf::shape<sf::dyn, 3>, "x">;

sf::tensor<float, sf::shape<sf::dyn, 3>> inputs() {
  sf::tensor<float, sf::shape<sf::dyn, 3>> x(4);
  const float v[] = {0.5f, -1.f, 2.f, 1.5f, 0.25f, -0.75f, -2.f, 1.f, 0.5f, 0.1f, 0.2f, 0.3f};
  std::copy(std::begin(v), std::end(v), x.data());
  return x;
}

std::string temp_dir(const char* name) {
  const auto dir = std::filesystem::temp_directory_path() / ("sf_transfer_" + std::to_string(::getpid()) + "_" + name);
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir.string();
}

}  // namespace

TEST_CASE("frozen layers are counted as non-trainable and their variables are not trainable", "[nn][transfer]") {
  static_assert(frozen_net::parameter_count == 3 * 4 + 4 + 4 * 2 + 2);
  static_assert(frozen_net::frozen_parameter_count == 3 * 4 + 4);
  static_assert(open_net::frozen_parameter_count == 0);
  sf::graph g;
  nn::model<frozen_net> net(g, 3);
  std::vector<std::string> trainable;
  for (const auto& v : g.trainable_variables()) trainable.push_back(v->name());
  CHECK(trainable == std::vector<std::string>{"net/layer_3/weights", "net/layer_3/biases"});
  CHECK(g.global_variables().size() == 4);

  std::ostringstream os;
  nn::summary<frozen_net>(os);
  CHECK(os.str().find("Total params: 26\nTrainable params: 10\nNon-trainable params: 16\n") != std::string::npos);
}

TEST_CASE("training leaves frozen layers as they were and moves the head by its gradient", "[nn][transfer]") {
  // The head's gradient with the lower layer frozen equals its gradient in the same network
  // unfrozen (freezing changes what is updated, not the loss), checked against central
  // differences of the loss; the frozen weights do not move.
  sf::graph g;
  nn::model<frozen_net> net(g, 5);
  const auto x = inputs();
  auto loss = sf::reduce_sum(sf::square(net.training(x_t{})));
  auto grads = sf::compute_gradients(loss);
  sf::session<> sess(g);
  sess.run(sf::global_variables_initializer());
  const auto& [lower, relu, head] = net.parameters();
  (void)relu;
  const auto w1 = sess.value(lower.weights);
  sess.run(grads, sf::feed(x_t{}, x));
  const auto dw = sess.gradient(head.weights);
  CHECK_THROWS_AS(sess.gradient(lower.weights), sf::failed_precondition);

  auto w = sess.value(head.weights);
  const double h = 1e-2;  // the loss is quadratic in the head weights: differences exact but for rounding
  for (std::size_t i = 0; i < w.size(); ++i) {
    const float keep = w.data()[i];
    w.data()[i] = keep + float(h);
    sess.assign(head.weights, w);
    const double up = sess.run(loss, sf::feed(x_t{}, x)).data()[0];
    w.data()[i] = keep - float(h);
    sess.assign(head.weights, w);
    const double down = sess.run(loss, sf::feed(x_t{}, x)).data()[0];
    w.data()[i] = keep;
    sess.assign(head.weights, w);
    CHECK(dw.data()[i] == Approx((up - down) / (2 * h)).epsilon(1e-3).margin(1e-5));
  }

  auto step = sf::train::gradient_descent(0.1).minimize(loss);
  const auto head_before = sess.value(head.weights);
  for (int i = 0; i < 3; ++i) sess.run(step, sf::feed(x_t{}, x));
  const auto w1_after = sess.value(lower.weights);
  const auto head_after = sess.value(head.weights);
  CHECK(std::equal(w1.data(), w1.data() + w1.size(), w1_after.data()));
  CHECK(!std::equal(head_before.data(), head_before.data() + head_before.size(), head_after.data()));
}

TEST_CASE("features<K> is the output of the first K layers", "[nn][transfer]") {
  sf::graph g;
  nn::model<open_net> net(g, 9);
  sf::session<> sess(g);
  sess.run(sf::global_variables_initializer());
  const auto x = inputs();
  const auto f = sess.run(net.features<2>(x_t{}), sf::feed(x_t{}, x));
  static_assert(std::is_same_v<sf::shape_of_t<decltype(f)>, sf::shape<sf::dyn, 4>>);
  const auto& lower = std::get<0>(net.parameters());
  const auto w = sess.value(lower.weights);
  const auto b = sess.value(lower.biases);
  for (std::size_t r = 0; r < 4; ++r)
    for (std::size_t c = 0; c < 4; ++c) {
      double s = b(c);
      for (std::size_t k = 0; k < 3; ++k) s += double(x(r, k)) * double(w(k, c));
      CHECK(f(r, c) == Approx(std::max(0.0, s)).margin(1e-6));
    }
  std::vector<std::string> names;
  for (const auto& v : net.variables(0, 2)) names.push_back(v->name());
  CHECK(names == std::vector<std::string>{"net/layer_1/weights", "net/layer_1/biases"});
  CHECK(net.variables().size() == 4);
  CHECK(net.variables(1, 2).empty());
  // By name under the model, layers counted from 1 as summary prints them.
  CHECK(net.variable<float, sf::shape<3, 4>>("layer_1/weights").def == lower.weights.def);
  CHECK_THROWS_AS((net.variable<float, sf::shape<3, 4>>("layer_2/weights")), sf::not_found);
}

TEST_CASE("a saver restores the lower layers into a network with another head", "[nn][transfer][saver]") {
  const std::string dir = temp_dir("restore");
  std::vector<float> trained;
  {
    sf::graph g;
    nn::model<open_net> net(g, 21);
    sf::session<> sess(g);
    sess.run(sf::global_variables_initializer());
    sf::train::saver(net.variables()).save(sess, dir + "/base.ckpt");
    const auto w = sess.value(std::get<0>(net.parameters()).weights);
    trained.assign(w.data(), w.data() + w.size());
  }
  using other = nn::sequential<nn::input<3>, nn::frozen<nn::dense<4>>, nn::relu, nn::dense<7>>;
  sf::graph g;
  nn::model<other> net(g, 99);  // another seed: the restore, not the initialiser, must give the values
  sf::session<> sess(g);
  sess.run(sf::global_variables_initializer());
  sf::train::saver(net.variables(0, 2)).restore(sess, dir + "/base.ckpt");
  const auto w = sess.value(std::get<0>(net.parameters()).weights);
  CHECK(std::vector<float>(w.data(), w.data() + w.size()) == trained);
  // The whole network cannot come from that checkpoint: its head has another shape.
  CHECK_THROWS_AS(sf::train::saver(net.variables()).restore(sess, dir + "/base.ckpt"), sf::invalid_argument);
  std::filesystem::remove_all(dir);
}

TEST_CASE("bottlenecks are computed once, read back, and replaced when data or weights change", "[nn][transfer]") {
  const std::string dir = temp_dir("cache");
  using net_t = nn::sequential<nn::input<2, 2, 1>, nn::flatten, nn::frozen<nn::dense<3>>, nn::dense<2>>;
  std::vector<std::uint8_t> images = {0, 255, 10, 20, 30, 40, 50, 60, 255, 0, 0, 7};
  sf::data::dataset set(images, {1, 0, 1}, 4, {.one_hot = true, .num_classes = 2});
  sf::graph g;
  nn::model<net_t> net(g, 4);
  sf::session<> sess(g);
  sess.run(sf::global_variables_initializer());

  const auto first = nn::cache_bottlenecks<2>(sess, net, set, dir + "/train");
  CHECK(!first.from_cache);
  CHECK(std::filesystem::exists(dir + "/train.index"));
  CHECK(first.features.dim(0) == 3);
  CHECK(first.labels(0, 1) == 1.f);
  CHECK(first.labels(1, 0) == 1.f);
  // Against the layer computed by hand from the set's float images (pixel / 255).
  const auto& lower = std::get<1>(net.parameters());
  const auto w = sess.value(lower.weights);
  for (std::size_t r = 0; r < 3; ++r)
    for (std::size_t c = 0; c < 3; ++c) {
      double s = 0;
      for (std::size_t k = 0; k < 4; ++k) s += images[r * 4 + k] / 255.0 * w(k, c);
      CHECK(first.features(r, c) == Approx(s).margin(1e-6));
    }

  const auto again = nn::cache_bottlenecks<2>(sess, net, set, dir + "/train");
  CHECK(again.from_cache);
  CHECK(std::equal(first.features.data(), first.features.data() + 9, again.features.data()));

  // Other weights: the cache is stale and is recomputed.
  auto w2 = w;
  w2.data()[0] += 1;
  sess.assign(lower.weights, w2);
  const auto changed = nn::cache_bottlenecks<2>(sess, net, set, dir + "/train");
  CHECK(!changed.from_cache);
  CHECK(changed.features(0, 0) == Approx(first.features(0, 0) + images[0] / 255.0));
  // Other examples: also recomputed.
  images[5] = 99;
  sf::data::dataset other(images, {1, 0, 1}, 4, {.one_hot = true, .num_classes = 2});
  CHECK(!nn::cache_bottlenecks<2>(sess, net, other, dir + "/train").from_cache);
  CHECK(nn::cache_bottlenecks<2>(sess, net, other, dir + "/train").from_cache);

  // A corrupt cache is reported, not used.
  {
    std::fstream f(dir + "/train.data-00000-of-00001", std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(0);
    f.put('\x7f');
  }
  CHECK_THROWS_AS(nn::cache_bottlenecks<2>(sess, net, other, dir + "/train"), sf::data_loss);
  std::filesystem::remove_all(dir);
}
