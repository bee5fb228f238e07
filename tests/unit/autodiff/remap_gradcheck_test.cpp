// SPDX-License-Identifier: MIT
/// \file
/// \brief Finite-difference checks of the gradients of the index-mapping ops: transpose (rank 2
/// to 4), slice, strided_slice (negative strides and bounds), reverse, tile, pad in its three
/// modes at their widest, on static and dyn extents, and chains of them.
///
/// The gradcheck weights (a random r of the output's shape) make every output's gradient
/// different, so a gradient sent to the wrong input cell, or one copy of a tiled / mirrored cell
/// forgotten, shows as a mismatch. A few hand-worked gradients (weights of 1) back this up.
#include <catch2/catch.hpp>

#include "gradcheck.hpp"

namespace sf = staticflow;
using gradcheck_detail::dtensor;
using gradcheck_detail::randn;
using sf::ints;
using sf::whole;

TEST_CASE("gradcheck: transpose, ranks 2 to 4", "[autodiff][gradcheck][remap]") {
  dtensor<sf::shape<3, 4>> m = randn<sf::shape<3, 4>>(40);
  gradcheck("transpose(m)", m, [](auto v) { return sf::transpose(v); });
  gradcheck("transpose<0, 1>(m)", m, [](auto v) { return sf::transpose<0, 1>(v); });
  dtensor<sf::shape<2, 3, 4>> c = randn<sf::shape<2, 3, 4>>(41);
  gradcheck("transpose<2, 0, 1>(c)", c, [](auto v) { return sf::transpose<2, 0, 1>(v); });
  gradcheck("transpose<1, 2, 0>(c)", c, [](auto v) { return sf::transpose<1, 2, 0>(v); });
  gradcheck("transpose(c)", c, [](auto v) { return sf::transpose(v); });
  dtensor<sf::shape<2, 2, 3, 2>> q = randn<sf::shape<2, 2, 3, 2>>(42);
  gradcheck("transpose<0, 3, 1, 2>(q) (NHWC -> NCHW)", q, [](auto v) { return sf::transpose<0, 3, 1, 2>(v); });
  gradcheck("transpose<3, 1, 0, 2>(q)", q, [](auto v) { return sf::transpose<3, 1, 0, 2>(v); });
  gradcheck("tanh(transpose(q)) * transpose(q)", q, [](auto v) { return sf::tanh(sf::transpose(v)) * sf::transpose(v); });
}

TEST_CASE("gradcheck: slice and strided_slice", "[autodiff][gradcheck][remap]") {
  dtensor<sf::shape<4, 5>> m = randn<sf::shape<4, 5>>(43);
  gradcheck("slice<1,1; 2,3>", m, [](auto v) { return sf::slice<ints<1, 1>, ints<2, 3>>(v); });
  gradcheck("slice<0,2; -1,-1>", m, [](auto v) { return sf::slice<ints<0, 2>, ints<-1, -1>>(v); });
  gradcheck("m[::-1, 1::2]", m, [](auto v) { return sf::strided_slice<ints<whole, 1>, ints<whole, whole>, ints<-1, 2>>(v); });
  gradcheck("m[-2:-5:-1, 4:0:-3]", m, [](auto v) { return sf::strided_slice<ints<-2, 4>, ints<-5, 0>, ints<-1, -3>>(v); });
  gradcheck("m[100:-100:-2, -100:100:3]", m,
            [](auto v) { return sf::strided_slice<ints<100, -100>, ints<-100, 100>, ints<-2, 3>>(v); });
  dtensor<sf::shape<2, 3, 4, 2>> q = randn<sf::shape<2, 3, 4, 2>>(44);
  gradcheck("q[1:2, 1:, 0:3, 1:2] (slice)", q, [](auto v) { return sf::slice<ints<1, 1, 0, 1>, ints<1, -1, 3, 1>>(v); });
  gradcheck("q[::-1, 0:3:2, -1:0:-2, :]", q, [](auto v) {
    return sf::strided_slice<ints<whole, 0, -1, whole>, ints<whole, 3, 0, whole>, ints<-1, 2, -2, 1>>(v);
  });
  // the same cells read twice: both slices' gradients add up
  gradcheck("slice + reversed slice", m, [](auto v) {
    return sf::slice<ints<0, 0>, ints<2, 5>>(v) * sf::strided_slice<ints<3, whole>, ints<1, whole>, ints<-1, -1>>(v);
  });
}

TEST_CASE("gradcheck: reverse", "[autodiff][gradcheck][remap]") {
  dtensor<sf::shape<7>> v7 = randn<sf::shape<7>>(45);
  gradcheck("reverse<0>(v)", v7, [](auto v) { return sf::reverse<0>(v); });
  dtensor<sf::shape<2, 3, 4>> c = randn<sf::shape<2, 3, 4>>(46);
  gradcheck("reverse<0, 2>(c)", c, [](auto v) { return sf::reverse<0, 2>(v); });
  gradcheck("reverse<-1>(c)", c, [](auto v) { return sf::reverse<-1>(v); });
  gradcheck("reverse<0, 1, 2>(c) * c", c, [](auto v) { return sf::reverse<0, 1, 2>(v) * v; });
}

TEST_CASE("gradcheck: tile", "[autodiff][gradcheck][remap]") {
  dtensor<sf::shape<2, 3>> m = randn<sf::shape<2, 3>>(47);
  gradcheck("tile<1, 1>", m, [](auto v) { return sf::tile<1, 1>(v); });
  gradcheck("tile<3, 1>", m, [](auto v) { return sf::tile<3, 1>(v); });
  gradcheck("tile<2, 3>", m, [](auto v) { return sf::tile<2, 3>(v); });
  dtensor<sf::shape<2, 1, 2>> c = randn<sf::shape<2, 1, 2>>(48);
  gradcheck("tile<2, 3, 2>", c, [](auto v) { return sf::tile<2, 3, 2>(v); });
  gradcheck("square(tile<1, 4, 1>)", c, [](auto v) { return sf::square(sf::tile<1, 4, 1>(v)); });

  // By hand: with weights of 1, each input cell's gradient is the number of its copies.
  dtensor<sf::shape<2, 3>> grad(m.dims());
  gradcheck_detail::zero(grad);
  {
    sf::workspace<sf::host> tmp;
    auto p = sf::autodiff::prepare(sf::reduce_sum(sf::tile<2, 3>(sf::var_leaf<double, sf::shape<2, 3>, sf::host>(m.view(), grad.data()))), tmp);
    sf::autodiff::backward(p, tmp);
  }
  for (std::size_t i = 0; i < grad.size(); ++i) CHECK(grad.data()[i] == 6.0);
}

TEST_CASE("gradcheck: pad, constant, reflect and symmetric at their widest", "[autodiff][gradcheck][remap]") {
  using sf::pad_mode;
  dtensor<sf::shape<5>> v5 = randn<sf::shape<5>>(49);
  gradcheck("pad<2,1> constant 3", v5, [](auto v) { return sf::pad<ints<2, 1>>(v, 3.0); });
  gradcheck("pad<4,4> reflect", v5, [](auto v) { return sf::pad<ints<4, 4>, pad_mode::reflect>(v); });
  gradcheck("pad<5,5> symmetric", v5, [](auto v) { return sf::pad<ints<5, 5>, pad_mode::symmetric>(v); });
  gradcheck("pad<1,3> reflect", v5, [](auto v) { return sf::pad<ints<1, 3>, pad_mode::reflect>(v); });
  dtensor<sf::shape<2, 3>> m = randn<sf::shape<2, 3>>(50);
  gradcheck("pad<1,1,2,2> constant", m, [](auto v) { return sf::pad<ints<1, 1, 2, 2>>(v, -1.0); });
  gradcheck("pad<1,1,2,2> reflect", m, [](auto v) { return sf::pad<ints<1, 1, 2, 2>, pad_mode::reflect>(v); });
  gradcheck("pad<2,2,3,3> symmetric", m, [](auto v) { return sf::pad<ints<2, 2, 3, 3>, pad_mode::symmetric>(v); });
  gradcheck("pad<0,2,1,0> symmetric", m, [](auto v) { return sf::pad<ints<0, 2, 1, 0>, pad_mode::symmetric>(v); });
  dtensor<sf::shape<2, 3, 2>> c = randn<sf::shape<2, 3, 2>>(51);
  gradcheck("pad rank 3 reflect", c, [](auto v) { return sf::pad<ints<1, 0, 2, 1, 0, 1>, pad_mode::reflect>(v); });
  gradcheck("pad rank 3 symmetric", c, [](auto v) { return sf::pad<ints<2, 1, 0, 3, 1, 2>, pad_mode::symmetric>(v); });
  gradcheck("pad rank 3 constant", c, [](auto v) { return sf::pad<ints<0, 1, 1, 0, 2, 2>>(v, 0.5); });

  // By hand: REFLECT [1,2,3] by 2 each side = [3,2,1,2,3,2,1]; with weights of 1 the gradient
  // counts the reads: cell 0 twice, cell 1 three times, cell 2 twice.
  dtensor<sf::shape<3>> x = randn<sf::shape<3>>(52);
  dtensor<sf::shape<3>> grad(x.dims());
  gradcheck_detail::zero(grad);
  {
    sf::workspace<sf::host> tmp;
    auto p = sf::autodiff::prepare(
        sf::reduce_sum(sf::pad<ints<2, 2>, pad_mode::reflect>(sf::var_leaf<double, sf::shape<3>, sf::host>(x.view(), grad.data()))), tmp);
    sf::autodiff::backward(p, tmp);
  }
  CHECK(grad.data()[0] == 2.0);
  CHECK(grad.data()[1] == 3.0);
  CHECK(grad.data()[2] == 2.0);
  // SYMMETRIC [1,2,3] by 3 each side = [3,2,1,1,2,3,3,2,1]: every cell three times
  gradcheck_detail::zero(grad);
  {
    sf::workspace<sf::host> tmp;
    auto p = sf::autodiff::prepare(
        sf::reduce_sum(sf::pad<ints<3, 3>, pad_mode::symmetric>(sf::var_leaf<double, sf::shape<3>, sf::host>(x.view(), grad.data()))), tmp);
    sf::autodiff::backward(p, tmp);
  }
  for (std::size_t i = 0; i < 3; ++i) CHECK(grad.data()[i] == 3.0);
}

TEST_CASE("gradcheck: remaps on a dyn batch", "[autodiff][gradcheck][remap]") {
  using dmat = sf::shape<sf::dyn, 3>;
  dtensor<dmat> x = randn<dmat>(53, 4);
  gradcheck("transpose(x)", x, [](auto v) { return sf::transpose(v); });
  gradcheck("slice<1,0; -1,2>(x)", x, [](auto v) { return sf::slice<ints<1, 0>, ints<-1, 2>>(v); });
  gradcheck("x[::-2, -1::-1]", x, [](auto v) { return sf::strided_slice<ints<whole, -1>, ints<whole, whole>, ints<-2, -1>>(v); });
  gradcheck("reverse<0>(x)", x, [](auto v) { return sf::reverse<0>(v); });
  gradcheck("tile<2, 2>(x)", x, [](auto v) { return sf::tile<2, 2>(v); });
  gradcheck("pad<3,3,2,2> reflect (x)", x, [](auto v) { return sf::pad<ints<3, 3, 2, 2>, sf::pad_mode::reflect>(v); });
  gradcheck("pad<4,4,3,3> symmetric (x)", x, [](auto v) { return sf::pad<ints<4, 4, 3, 3>, sf::pad_mode::symmetric>(v); });
}

TEST_CASE("gradcheck: chains of remaps and remaps inside expressions", "[autodiff][gradcheck][remap]") {
  using sf::pad_mode;
  dtensor<sf::shape<3, 4>> m = randn<sf::shape<3, 4>>(54);
  gradcheck("slice of pad (reflect)", m, [](auto v) {
    return sf::slice<ints<1, 0>, ints<3, -1>>(sf::pad<ints<2, 2, 1, 3>, pad_mode::reflect>(v));
  });
  gradcheck("slice of pad (constant)", m, [](auto v) {
    return sf::slice<ints<0, 2>, ints<-1, 4>>(sf::pad<ints<1, 1, 1, 1>>(v, 2.0));
  });
  gradcheck("transpose of tile", m, [](auto v) { return sf::transpose(sf::tile<2, 3>(v)); });
  gradcheck("tile of transpose", m, [](auto v) { return sf::tile<1, 2>(sf::transpose(v)); });
  gradcheck("reverse of strided_slice of symmetric pad", m, [](auto v) {
    return sf::reverse<0, 1>(sf::strided_slice<ints<-1, 1>, ints<whole, whole>, ints<-2, 2>>(sf::pad<ints<3, 3, 4, 4>, pad_mode::symmetric>(v)));
  });
  gradcheck("exp(transpose(m)) * transpose(m)", m, [](auto v) { return sf::exp(sf::transpose(v)) * sf::transpose(v); });
  gradcheck("transpose of a fused expression", m, [](auto v) { return sf::transpose(sf::tanh(v * 0.5 + 0.1)); });
  // remaps before and after a materialised node (matmul), and a reduction of a remap
  dtensor<sf::shape<4, 2>> w = randn<sf::shape<4, 2>>(55);
  gradcheck("transpose(matmul(m, w)) + 1", m, [&](auto v) { return sf::transpose(sf::matmul(v, w)) + 1.0; });
  gradcheck("matmul(transpose(m), tile)", m, [&](auto v) { return sf::matmul(sf::transpose(v), sf::tile<1, 1>(v)); });
  gradcheck("reduce_sum<1>(pad reflect)", m, [](auto v) { return sf::reduce_sum<1>(sf::pad<ints<0, 0, 3, 1>, pad_mode::reflect>(v)); });
  // a materialised node read twice, once through a remap
  dtensor<sf::shape<4, 3>> w3 = randn<sf::shape<4, 3>>(56);
  gradcheck("matmul(m, w3) * transpose(matmul(m, w3))", m, [&](auto v) {
    return sf::matmul(v, w3) * sf::transpose(sf::matmul(v, w3));
  });
  gradcheck("pad of reduce_sum<0>", m, [](auto v) { return sf::pad<ints<2, 3>, pad_mode::symmetric>(sf::reduce_sum<0>(v)); });
}
