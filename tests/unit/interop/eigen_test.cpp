// SPDX-License-Identifier: MIT
/// \file
/// \brief sf::eigen (include/staticflow/interop/eigen.hpp): map, matrix and vector see a tensor's
/// own elements (same pointer, writes go both ways, static extents kept in Eigen's types);
/// view<S> of Eigen matrices, vectors, Maps, Blocks and Tensors is a tensor_view on Eigen's
/// elements that feeds a placeholder and takes part in expressions, with the shape deduced or
/// checked, and run-time errors for extents and strides that do not fit.
#include <catch2/catch.hpp>

#include "staticflow/staticflow.hpp"
#include "staticflow/interop/eigen.hpp"

#include <cstddef>
#include <string>
#include <type_traits>

namespace sf = staticflow;

namespace {

template <class S, class... Ext>
sf::tensor<float, S> iota(Ext... dynamic) {
  sf::tensor<float, S> t(dynamic...);
  for (std::size_t i = 0; i < t.size(); ++i) t.data()[i] = static_cast<float>(i) * 0.5f - 3.f;
  return t;
}

using row_major = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

}  // namespace

TEST_CASE("sf::eigen::map: a TensorMap of any rank on the tensor's own elements", "[interop][eigen]") {
  auto t = iota<sf::shape<2, sf::dyn, 4>>(3);
  auto m = sf::eigen::map(t);
  STATIC_REQUIRE(std::is_same_v<decltype(m), Eigen::TensorMap<Eigen::Tensor<float, 3, Eigen::RowMajor, Eigen::Index>>>);
  CHECK(m.data() == t.data());
  CHECK(m.dimension(0) == 2);
  CHECK(m.dimension(1) == 3);
  CHECK(m.dimension(2) == 4);
  CHECK(m(1, 2, 3) == t(1, 2, 3));
  m(0, 1, 2) = 42.f;  // writes reach the tensor
  CHECK(t(0, 1, 2) == 42.f);
  // Eigen's tensor expressions on staticflow's elements.
  Eigen::Tensor<float, 0, Eigen::RowMajor> sum = m.sum();
  float expected = 0;
  for (float v : t.span()) expected += v;
  CHECK(sum() == Approx(expected));

  sf::tensor<float, sf::shape<>> scalar;
  scalar.data()[0] = 7.f;
  auto m0 = sf::eigen::map(scalar);
  CHECK(m0.data() == scalar.data());
  CHECK(m0() == 7.f);
}

TEST_CASE("sf::eigen::matrix and vector: Maps that keep the static extents", "[interop][eigen]") {
  auto t = iota<sf::shape<sf::dyn, 10>>(5);
  auto m = sf::eigen::matrix(t);
  STATIC_REQUIRE(std::is_same_v<decltype(m), Eigen::Map<Eigen::Matrix<float, Eigen::Dynamic, 10, Eigen::RowMajor>>>);
  CHECK(m.data() == t.data());
  CHECK(m.rows() == 5);
  CHECK(m(3, 7) == t(3, 7));
  m(4, 9) = -1.f;
  CHECK(t(4, 9) == -1.f);

  auto column = iota<sf::shape<6, 1>>();  // Eigen spells a one-column matrix column-major
  auto mc = sf::eigen::matrix(column);
  STATIC_REQUIRE(decltype(mc)::ColsAtCompileTime == 1);
  CHECK(mc.data() == column.data());
  CHECK(mc(5, 0) == column(5, 0));

  auto b = iota<sf::shape<10>>();
  auto v = sf::eigen::vector(b);
  STATIC_REQUIRE(decltype(v)::SizeAtCompileTime == 10);
  CHECK(v.data() == b.data());

  // Eigen's product on the Maps is staticflow's matmul.
  auto w = iota<sf::shape<10, 3>>();
  const sf::tensor<float, sf::shape<sf::dyn, 3>> ours = sf::matmul(t, w);
  const Eigen::Matrix<float, Eigen::Dynamic, 3, Eigen::RowMajor> theirs = m * sf::eigen::matrix(w);
  for (std::size_t i = 0; i < 5; ++i)
    for (std::size_t j = 0; j < 3; ++j) CHECK(ours(i, j) == Approx(theirs(Eigen::Index(i), Eigen::Index(j))).epsilon(1e-5));
}

TEST_CASE("sf::eigen::view: an Eigen matrix as a tensor_view, shape given or deduced", "[interop][eigen]") {
  Eigen::Matrix<float, Eigen::Dynamic, 784, Eigen::RowMajor> images(3, 784);
  images.setRandom();
  auto v = sf::eigen::view<sf::shape<sf::dyn, 784>>(images);
  STATIC_REQUIRE(std::is_same_v<decltype(v), sf::tensor_view<float, sf::shape<sf::dyn, 784>>>);
  CHECK(v.data() == images.data());
  CHECK(v.dim(0) == 3);
  CHECK(v(2, 783) == images(2, 783));
  auto deduced = sf::eigen::view(images);
  STATIC_REQUIRE(std::is_same_v<decltype(deduced), sf::tensor_view<float, sf::shape<sf::dyn, 784>>>);

  // A dynamic Eigen matrix takes the shape's static extents, checked at run time.
  row_major d(4, 784);
  d.setRandom();
  auto vd = sf::eigen::view<sf::shape<sf::dyn, 784>>(d);
  CHECK(vd.data() == d.data());
  CHECK(vd.dim(0) == 4);
  STATIC_REQUIRE(std::is_same_v<decltype(sf::eigen::view(d)), sf::tensor_view<float, sf::shape<sf::dyn, sf::dyn>>>);

  // Writes through the view land in Eigen's matrix.
  vd = sf::filled<float, sf::shape<sf::dyn, 784>>(0.25f, 4);
  CHECK(d(3, 100) == 0.25f);

  // Vectors: rank 1 (or 2); a const matrix views too (for reading: feeds, expressions).
  const Eigen::VectorXf bias = Eigen::VectorXf::LinSpaced(10, 0.f, 9.f);
  auto vb = sf::eigen::view<sf::shape<10>>(bias);
  CHECK(vb.data() == bias.data());
  CHECK(vb(9) == 9.f);
  const Eigen::RowVectorXf row = Eigen::RowVectorXf::Ones(5);
  auto vr = sf::eigen::view<sf::shape<1, 5>>(row);
  CHECK(vr.data() == row.data());

  // Map and Block of whole rows: contiguous, so they view; Array too.
  float raw[12];
  for (int i = 0; i < 12; ++i) raw[i] = float(i);
  Eigen::Map<row_major> mapped(raw, 3, 4);
  auto vm = sf::eigen::view<sf::shape<sf::dyn, 4>>(mapped);
  CHECK(vm.data() == raw);
  auto rows = d.middleRows(1, 2);
  auto vrows = sf::eigen::view<sf::shape<2, 784>>(rows);
  CHECK(vrows.data() == d.data() + 784);
  Eigen::Array<double, 2, 3, Eigen::RowMajor> arr;
  arr << 1, 2, 3, 4, 5, 6;
  auto va = sf::eigen::view(arr);
  STATIC_REQUIRE(std::is_same_v<decltype(va), sf::tensor_view<double, sf::shape<2, 3>>>);
  CHECK(va(1, 2) == 6.0);
}

TEST_CASE("sf::eigen::view: Eigen tensors of any rank", "[interop][eigen]") {
  Eigen::Tensor<float, 4, Eigen::RowMajor> images(2, 5, 5, 3);
  images.setRandom();
  auto v = sf::eigen::view<sf::shape<sf::dyn, 5, 5, 3>>(images);
  CHECK(v.data() == images.data());
  CHECK(v(1, 4, 3, 2) == images(1, 4, 3, 2));
  STATIC_REQUIRE(std::is_same_v<decltype(sf::eigen::view(images)),
                                sf::tensor_view<float, sf::shape<sf::dyn, sf::dyn, sf::dyn, sf::dyn>>>);

  Eigen::TensorFixedSize<float, Eigen::Sizes<2, 3>, Eigen::RowMajor> fixed;
  fixed.setConstant(1.5f);
  auto vf = sf::eigen::view(fixed);
  STATIC_REQUIRE(std::is_same_v<decltype(vf), sf::tensor_view<float, sf::shape<2, 3>>>);
  CHECK(vf.data() == fixed.data());

  // A TensorMap is a handle: viewing a temporary one is fine, and the round trip keeps the pointer.
  auto t = iota<sf::shape<sf::dyn, 4>>(3);
  auto back = sf::eigen::view<sf::shape<sf::dyn, 4>>(sf::eigen::map(t));
  CHECK(back.data() == t.data());
  CHECK(back.dim(0) == 3);
}

TEST_CASE("sf::eigen::view feeds a placeholder and takes part in expressions", "[interop][eigen]") {
  row_major xs(6, 4);
  xs.setRandom();
  Eigen::Matrix<float, 4, 2, Eigen::RowMajor> w;
  w.setRandom();

  auto x = sf::placeholder<float, sf::shape<sf::dyn, 4>, "x">();
  auto weights = sf::eigen::view<sf::shape<4, 2>>(w);  // an Eigen matrix in the graph, as a constant
  auto y = sf::relu(sf::matmul(x, weights));
  sf::session<sf::host> sess;
  const auto out = sess.run(y, sf::feed(x, sf::eigen::view<sf::shape<sf::dyn, 4>>(xs)));
  const Eigen::Matrix<float, Eigen::Dynamic, 2, Eigen::RowMajor> expected = (xs * w).cwiseMax(0.f);
  REQUIRE(out.dim(0) == 6);
  for (std::size_t i = 0; i < 6; ++i)
    for (std::size_t j = 0; j < 2; ++j) CHECK(out(i, j) == Approx(expected(Eigen::Index(i), Eigen::Index(j))).margin(1e-6));

  // Eager expressions, and the result written back into Eigen's memory.
  Eigen::Matrix<float, Eigen::Dynamic, 2, Eigen::RowMajor> into(6, 2);
  sf::eigen::view(into) = sf::matmul(sf::eigen::view<sf::shape<sf::dyn, 4>>(xs), weights) * 2.f;
  const Eigen::Matrix<float, Eigen::Dynamic, 2, Eigen::RowMajor> twice = xs * w * 2.f;
  CHECK(into.isApprox(twice, 1e-5f));
}

TEST_CASE("sf::eigen::view: extents and strides that do not fit throw at run time", "[interop][eigen]") {
  row_major wrong(3, 783);
  try {
    (void)sf::eigen::view<sf::shape<sf::dyn, 784>>(wrong);
    FAIL("a 3 x 783 matrix viewed as [?, 784]");
  } catch (const sf::invalid_argument& e) {
    CHECK(std::string(e.what()) == "sf::eigen::view: an Eigen matrix of extents [3, 783] does not fit shape [?, 784]");
  }
  Eigen::Tensor<float, 2, Eigen::RowMajor> t(2, 5);
  CHECK_THROWS_WITH((sf::eigen::view<sf::shape<2, 4>>(t)),
                    "sf::eigen::view: an Eigen tensor of extents [2, 5] does not fit shape [2, 4]");

  // Part of the columns, or a Map with an outer stride, are not rows one after the other.
  row_major big(4, 6);
  auto left = big.leftCols(3);
  CHECK_THROWS_WITH((sf::eigen::view<sf::shape<4, 3>>(left)), Catch::Contains("not contiguous"));
  float raw[20] = {};
  Eigen::Map<row_major, 0, Eigen::OuterStride<>> strided(raw, 4, 3, Eigen::OuterStride<>(5));
  CHECK_THROWS_WITH((sf::eigen::view<sf::shape<sf::dyn, 3>>(strided)), Catch::Contains("outer stride 5"));
}
