// SPDX-License-Identifier: MIT
/// \file
/// \brief `sf::freeze` on a CUDA session: each variable's value comes from device memory, so the
/// frozen graph equals a host session's of the same graph (initialisers run on the host, so both
/// start from the same values), and after training steps on the device it holds what
/// `session::value` downloads.
#include <catch2/catch.hpp>

#include <cstring>
#include <string>

#include "staticflow/cuda.hpp"

namespace sf = staticflow;
namespace gd = sf::io::graphdef;

namespace {

template <class T, class S>
std::string bytes_of(const sf::tensor<T, S, sf::host>& t) {
  std::string s(t.size() * sizeof(T), '\0');
  std::memcpy(s.data(), t.data(), s.size());
  return s;
}

}  // namespace

TEST_CASE("cuda: freeze downloads the variables' values from the device", "[cuda][graph]") {
  sf::graph g;
  auto guard = g.as_default();
  auto x = sf::placeholder<float, sf::shape<sf::dyn, 3>, "x">();
  auto y_ = sf::placeholder<float, sf::shape<sf::dyn, 2>, "y_">();
  auto w = sf::variable<float, sf::shape<3, 2>>("layer/w", sf::init::random_normal(1, 7));
  auto b = sf::variable<float, sf::shape<2>>("layer/b", sf::init::constant(0.5));
  auto y = sf::relu(sf::matmul(x, w) + b);

  sf::session<sf::cuda> device(g);
  sf::session<sf::host> host(g);
  device.run(sf::global_variables_initializer());
  host.run(sf::global_variables_initializer());
  CHECK(sf::freeze(device, y).serialize() == sf::freeze(host, y).serialize());

  auto step = sf::train::gradient_descent(0.1).minimize(sf::reduce_mean(sf::square(y - y_)));
  sf::tensor<float, sf::shape<sf::dyn, 3>> xs(4);
  sf::tensor<float, sf::shape<sf::dyn, 2>> ys(4);
  for (std::size_t i = 0; i < xs.size(); ++i) xs.data()[i] = 0.25f * float(i) - 1.0f;
  for (std::size_t i = 0; i < ys.size(); ++i) ys.data()[i] = float(i % 3);
  for (int i = 0; i < 5; ++i) device.run(step, sf::feed(x, xs), sf::feed(y_, ys));
  const auto frozen = sf::freeze(device, y);
  const auto* wv = frozen.find("layer/w")->attr<gd::tensor_proto>("value");
  REQUIRE(wv != nullptr);
  CHECK(wv->content == bytes_of(device.value(w)));
  CHECK(frozen.find("layer/b")->attr<gd::tensor_proto>("value")->content == bytes_of(device.value(b)));
  CHECK(wv->content != bytes_of(host.value(w)));  // the device's weights trained; the host's did not
}
