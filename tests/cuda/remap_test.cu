// SPDX-License-Identifier: MIT
/// \file
/// \brief The index-mapping ops (transpose, slice, strided_slice, reverse, tile, pad) on sf::cuda
/// against sf::host: each op's value and its gradient.
///
/// The `parity` helper (tests/cuda/parity.hpp) evaluates
/// `build(x, constants...)` and the gradient of sum(build(...) * r) with respect to x (r a fixed
/// varied tensor of the output's shape) on both policies from the same float inputs, and
/// requires each to agree within 1e-5 relative to the host tensor's largest element. The host's
/// values and gradients are checked against hand-worked values and finite differences in
/// tests/unit/expr/remap_test.cpp and tests/unit/autodiff/remap_gradcheck_test.cpp.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <string>

#include "cuda_test_support.hpp"

namespace sf = staticflow;

#include "parity.hpp"

namespace {

}  // namespace

using sf::ints;
using sf::whole;

TEST_CASE("cuda: transpose, value and gradient", "[cuda][autodiff][remap]") {
  const auto m = randn<sf::shape<4, 6>>(101);
  parity("transpose(m)", m, [](auto v) { return sf::transpose(v); });
  const auto c = randn<sf::shape<3, 4, 5>>(102);
  parity("transpose<2, 0, 1>(c)", c, [](auto v) { return sf::transpose<2, 0, 1>(v); });
  const auto q = randn<sf::shape<2, 5, 6, 3>>(103);
  parity("transpose<0, 3, 1, 2>(q) (NHWC -> NCHW)", q, [](auto v) { return sf::transpose<0, 3, 1, 2>(v); });
  parity("transpose(q)", q, [](auto v) { return sf::transpose(v); });
  parity("tanh(transpose(q)) * 2 + 1", q, [](auto v) { return sf::tanh(sf::transpose<0, 3, 1, 2>(v)) * 2.f + 1.f; });
}

TEST_CASE("cuda: slice and strided_slice, value and gradient", "[cuda][autodiff][remap]") {
  const auto m = randn<sf::shape<7, 9>>(104);
  parity("slice<1,2; 4,-1>", m, [](auto v) { return sf::slice<ints<1, 2>, ints<4, -1>>(v); });
  parity("m[::-1, 1::3]", m, [](auto v) { return sf::strided_slice<ints<whole, 1>, ints<whole, whole>, ints<-1, 3>>(v); });
  parity("m[-2:-100:-2, 100:-100:-4]", m,
         [](auto v) { return sf::strided_slice<ints<-2, 100>, ints<-100, -100>, ints<-2, -4>>(v); });
  const auto q = randn<sf::shape<2, 3, 4, 5>>(105);
  parity("q[1:2, 1:, 0:3, 1:4] (slice)", q, [](auto v) { return sf::slice<ints<1, 1, 0, 1>, ints<1, -1, 3, 3>>(v); });
  parity("q[::-1, 0:3:2, -1:0:-2, :]", q, [](auto v) {
    return sf::strided_slice<ints<whole, 0, -1, whole>, ints<whole, 3, 0, whole>, ints<-1, 2, -2, 1>>(v);
  });
}

TEST_CASE("cuda: reverse and tile, value and gradient", "[cuda][autodiff][remap]") {
  const auto c = randn<sf::shape<3, 4, 5>>(106);
  parity("reverse<0, 2>(c)", c, [](auto v) { return sf::reverse<0, 2>(v); });
  parity("reverse<-1>(c) * c", c, [](auto v) { return sf::reverse<-1>(v) * v; });
  const auto m = randn<sf::shape<3, 5>>(107);
  parity("tile<1, 1>", m, [](auto v) { return sf::tile<1, 1>(v); });
  parity("tile<4, 3>", m, [](auto v) { return sf::tile<4, 3>(v); });
  const auto t = randn<sf::shape<2, 1, 3>>(108);
  parity("tile<3, 5, 2>", t, [](auto v) { return sf::tile<3, 5, 2>(v); });
}

TEST_CASE("cuda: pad in its three modes, value and gradient", "[cuda][autodiff][remap]") {
  using sf::pad_mode;
  const auto m = randn<sf::shape<4, 5>>(109);
  parity("pad<1,2,3,0> constant 0.5", m, [](auto v) { return sf::pad<ints<1, 2, 3, 0>>(v, 0.5f); });
  parity("pad<3,3,4,4> reflect", m, [](auto v) { return sf::pad<ints<3, 3, 4, 4>, pad_mode::reflect>(v); });
  parity("pad<4,4,5,5> symmetric", m, [](auto v) { return sf::pad<ints<4, 4, 5, 5>, pad_mode::symmetric>(v); });
  const auto q = randn<sf::shape<2, 5, 4, 3>>(110);
  parity("NHWC reflect pad of H and W", q, [](auto v) { return sf::pad<ints<0, 0, 2, 2, 1, 3, 0, 0>, pad_mode::reflect>(v); });
  parity("NHWC symmetric pad of H and W", q,
         [](auto v) { return sf::pad<ints<0, 0, 5, 1, 4, 4, 0, 0>, pad_mode::symmetric>(v); });
}

TEST_CASE("cuda: chains of remaps and remaps of materialised nodes", "[cuda][autodiff][remap]") {
  using sf::pad_mode;
  const auto m = randn<sf::shape<4, 6>>(111);
  const auto w = randn<sf::shape<6, 3>>(112);
  parity("slice of pad", m, [](auto v) { return sf::slice<ints<1, 0>, ints<4, -1>>(sf::pad<ints<2, 2, 1, 3>, pad_mode::reflect>(v)); });
  parity("transpose of tile", m, [](auto v) { return sf::transpose(sf::tile<2, 3>(v)); });
  parity("transpose(matmul(m, w)) + 1 d m", m, [](auto v, const auto& k) { return sf::transpose(sf::matmul(v, k)) + 1.f; }, w);
  parity("transpose(matmul(m, w)) + 1 d w", w, [](auto v, const auto& k) { return sf::transpose(sf::matmul(k, v)) + 1.f; }, m);
  parity("reduce_sum<1>(symmetric pad)", m,
         [](auto v) { return sf::reduce_sum<1>(sf::pad<ints<4, 4, 6, 6>, pad_mode::symmetric>(v)); });
}
