// SPDX-License-Identifier: MIT
/// \file
/// \brief Gradients of conv2d (input and filter), max_pool2d and avg_pool2d against central
/// differences in double, with SAME padding on odd extents and strides; max pooling with tied
/// values against hand-worked gradients (TF routes a window's gradient to its first maximum).
#include <catch2/catch.hpp>

#include <vector>

#include "gradcheck.hpp"

namespace sf = staticflow;
using gradcheck_detail::dtensor;
using gradcheck_detail::randn;

namespace {

constexpr auto same = sf::padding::same;
constexpr auto valid = sf::padding::valid;

/// Distinct values 0.1 apart in a scrambled order: no two cells of a window are within a
/// finite-difference step of each other, so the maximum of every window is unambiguous.
template <class S>
dtensor<S> distinct(std::size_t stride = 37) {
  dtensor<S> t;
  const std::size_t n = t.size();
  for (std::size_t i = 0; i < n; ++i) t.data()[i] = 0.1 * static_cast<double>((i * stride) % n) - 0.05 * n;
  return t;
}

/// d sum(build(x) * upstream) / dx, from the autodiff alone.
template <class S, class U, class Build>
dtensor<S> gradient_of(dtensor<S>& x, const U& upstream, const Build& build) {
  dtensor<S> grad(x.dims());
  gradcheck_detail::zero(grad);
  sf::workspace<sf::host> tmp;
  auto p = sf::autodiff::prepare(sf::reduce_sum(build(sf::var_leaf<double, S, sf::host>(x.view(), grad.data())) * upstream), tmp);
  sf::autodiff::backward(p, tmp);
  return grad;
}

template <class S>
void check_exactly(const dtensor<S>& t, const std::vector<double>& expected) {
  REQUIRE(t.size() == expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    INFO("element " << i);
    CHECK(t.data()[i] == expected[i]);
  }
}

}  // namespace

// ---- conv2d -----------------------------------------------------------------------------------------------

TEST_CASE("gradcheck: conv2d SAME stride 2 on odd extents, input and filter", "[autodiff][gradcheck][conv]") {
  using SX = sf::shape<2, 5, 5, 2>;
  using SF = sf::shape<3, 3, 2, 3>;
  dtensor<SX> x = randn<SX>(101);
  dtensor<SF> f = randn<SF>(102);
  gradcheck("conv2d<2,2,same> d input", x, [&](auto v) { return sf::conv2d<2, 2, same>(v, f); });
  gradcheck("conv2d<2,2,same> d filter", f, [&](auto v) { return sf::conv2d<2, 2, same>(x, v); });
}

TEST_CASE("gradcheck: conv2d SAME with an even filter (padding only after) and unequal strides", "[autodiff][gradcheck][conv]") {
  using SX = sf::shape<1, 6, 5, 3>;
  using SF = sf::shape<2, 4, 3, 2>;
  dtensor<SX> x = randn<SX>(103);
  dtensor<SF> f = randn<SF>(104);
  gradcheck("conv2d<1,1,same> d input", x, [&](auto v) { return sf::conv2d<1, 1, same>(v, f); });
  gradcheck("conv2d<1,1,same> d filter", f, [&](auto v) { return sf::conv2d<1, 1, same>(x, v); });
  gradcheck("conv2d<3,2,same> d input", x, [&](auto v) { return sf::conv2d<3, 2, same>(v, f); });
  gradcheck("conv2d<3,2,same> d filter", f, [&](auto v) { return sf::conv2d<3, 2, same>(x, v); });
}

TEST_CASE("gradcheck: conv2d VALID, strided, with a dynamic batch", "[autodiff][gradcheck][conv]") {
  using SX = sf::shape<sf::dyn, 6, 5, 2>;
  using SF = sf::shape<3, 2, 2, 2>;
  dtensor<SX> x = randn<SX>(105, 2);
  dtensor<SF> f = randn<SF>(106);
  gradcheck("conv2d<2,1,valid> d input", x, [&](auto v) { return sf::conv2d<2, 1, valid>(v, f); });
  gradcheck("conv2d<2,1,valid> d filter", f, [&](auto v) { return sf::conv2d<2, 1, valid>(x, v); });
  gradcheck("conv2d<1,1,valid> d input", x, [&](auto v) { return sf::conv2d<1, 1, valid>(v, f); });
  gradcheck("conv2d<1,1,valid> d filter", f, [&](auto v) { return sf::conv2d<1, 1, valid>(x, v); });
}

TEST_CASE("gradcheck: conv2d 1x1 (the input is its own im2col matrix)", "[autodiff][gradcheck][conv]") {
  using SX = sf::shape<2, 3, 2, 3>;
  using SF = sf::shape<1, 1, 3, 4>;
  dtensor<SX> x = randn<SX>(107);
  dtensor<SF> f = randn<SF>(108);
  gradcheck("conv2d 1x1 d input", x, [&](auto v) { return sf::conv2d<1, 1, same>(v, f); });
  gradcheck("conv2d 1x1 d filter", f, [&](auto v) { return sf::conv2d<1, 1, same>(x, v); });
}

TEST_CASE("gradcheck: a small convolutional network, through both convolutions and the pools", "[autodiff][gradcheck][conv]") {
  using SX = sf::shape<2, 7, 7, 1>;
  using S1 = sf::shape<3, 3, 1, 2>;
  using S2 = sf::shape<2, 2, 2, 3>;
  dtensor<SX> x = randn<SX>(109);
  dtensor<S1> f1 = randn<S1>(110);
  dtensor<S2> f2 = randn<S2>(111);
  dtensor<sf::shape<2>> b1 = randn<sf::shape<2>>(112);
  auto net = [&](const auto& in, const auto& w1, const auto& w2) {
    auto h = sf::avg_pool2d<2, 2, 2, 2, same>(sf::tanh(sf::conv2d<1, 1, same>(in, w1) + b1));
    return sf::tanh(sf::conv2d<2, 2, valid>(h, w2));
  };
  gradcheck("net d f1", f1, [&](auto v) { return net(x, v, f2); });
  gradcheck("net d f2", f2, [&](auto v) { return net(x, f1, v); });
  gradcheck("net d x", x, [&](auto v) { return net(v, f1, f2); });
}

// ---- pooling ----------------------------------------------------------------------------------------------

TEST_CASE("gradcheck: avg_pool2d SAME and VALID", "[autodiff][gradcheck][pool]") {
  using SX = sf::shape<2, 5, 5, 2>;
  dtensor<SX> x = randn<SX>(121);
  gradcheck("avg_pool2d<3,3,2,2,same>", x, [](auto v) { return sf::avg_pool2d<3, 3, 2, 2, same>(v); });
  gradcheck("avg_pool2d<2,2,2,2,same>", x, [](auto v) { return sf::avg_pool2d<2, 2, 2, 2, same>(v); });
  gradcheck("avg_pool2d<2,2,1,1,same>", x, [](auto v) { return sf::avg_pool2d<2, 2, 1, 1, same>(v); });
  gradcheck("avg_pool2d<2,3,2,1,valid>", x, [](auto v) { return sf::avg_pool2d<2, 3, 2, 1, valid>(v); });
}

TEST_CASE("gradcheck: max_pool2d on distinct values, SAME and VALID", "[autodiff][gradcheck][pool]") {
  using SX = sf::shape<2, 5, 5, 2>;
  dtensor<SX> x = distinct<SX>();
  gradcheck("max_pool2d<3,3,2,2,same>", x, [](auto v) { return sf::max_pool2d<3, 3, 2, 2, same>(v); });
  gradcheck("max_pool2d<2,2,2,2,same>", x, [](auto v) { return sf::max_pool2d<2, 2, 2, 2, same>(v); });
  gradcheck("max_pool2d<3,3,1,1,same>", x, [](auto v) { return sf::max_pool2d<3, 3, 1, 1, same>(v); });
  gradcheck("max_pool2d<2,3,2,1,valid>", x, [](auto v) { return sf::max_pool2d<2, 3, 2, 1, valid>(v); });
}

TEST_CASE("gradcheck: max_pool2d over more channels than one block of the backward kernel", "[autodiff][gradcheck][pool]") {
  using SX = sf::shape<1, 4, 4, 20>;  // 2x2 tiling windows, channels in blocks of 16 and 4
  dtensor<SX> x = distinct<SX>();
  gradcheck("max_pool2d<2,2,2,2,valid> c=20", x, [](auto v) { return sf::max_pool2d<2, 2, 2, 2, valid>(v); });
}

TEST_CASE("max_pool2d with ties routes each window's gradient to its first maximum (row-major)", "[autodiff][pool]") {
  using SX = sf::shape<1, 4, 4, 1>;
  dtensor<SX> x;
  const double cells[] = {1, 3, 3, 0,  //
                          3, 2, 1, 3,  //
                          5, 5, 2, 2,  //
                          5, 1, 2, 2};
  std::copy(std::begin(cells), std::end(cells), x.data());
  dtensor<sf::shape<1, 2, 2, 1>> up;
  up.data()[0] = 10, up.data()[1] = 20, up.data()[2] = 30, up.data()[3] = 40;
  const auto g = gradient_of(x, up, [](auto v) { return sf::max_pool2d<2, 2, 2, 2, valid>(v); });
  // Window (0,0): 3 at (0,1) before (1,0). Window (0,1): 3 at (0,2) before (1,3).
  // Window (1,0): 5 at (2,0) before (2,1), (3,0). Window (1,1): all 2, the first is (2,2).
  check_exactly(g, {0, 10, 20, 0,  //
                    0, 0, 0, 0,    //
                    30, 0, 40, 0,  //
                    0, 0, 0, 0});
}

TEST_CASE("max_pool2d with ties in overlapping SAME windows: padding is skipped, the first real cell wins", "[autodiff][pool]") {
  using SX = sf::shape<1, 3, 3, 1>;
  dtensor<SX> x;
  std::fill(x.data(), x.data() + x.size(), 1.0);
  dtensor<sf::shape<1, 3, 3, 1>> up;
  std::fill(up.data(), up.data() + up.size(), 1.0);
  const auto g = gradient_of(x, up, [](auto v) { return sf::max_pool2d<3, 3, 1, 1, same>(v); });
  // Output (i, j) covers rows i-1..i+1 and columns j-1..j+1 (one padding cell each side); its
  // first real cell is (max(i-1, 0), max(j-1, 0)): (0,0) wins 4 windows, (0,1) and (1,0) two
  // each, (1,1) one.
  check_exactly(g, {4, 2, 0,  //
                    2, 1, 0,  //
                    0, 0, 0});
}

TEST_CASE("max_pool2d with ties, several channels: each channel routes on its own", "[autodiff][pool]") {
  using SX = sf::shape<1, 2, 2, 2>;
  dtensor<SX> x;
  // channel 0: [[7, 7], [7, 7]]; channel 1: [[1, 4], [4, 4]].
  const double cells[] = {7, 1, 7, 4, 7, 4, 7, 4};
  std::copy(std::begin(cells), std::end(cells), x.data());
  dtensor<sf::shape<1, 1, 1, 2>> up;
  up.data()[0] = 2, up.data()[1] = 3;
  const auto g = gradient_of(x, up, [](auto v) { return sf::max_pool2d<2, 2, 2, 2, valid>(v); });
  check_exactly(g, {2, 0, 0, 3, 0, 0, 0, 0});
}
