// SPDX-License-Identifier: MIT
/// \file
/// \brief matmul against the naive triple loop of tests/reference: sizes, transposes, dtypes,
/// matmul inside expressions, and the run-time inner-extent check.
#define SF_COUNT_PASSES 1  // sf::executor<sf::host>::passes()
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <string>
#include <type_traits>
#include <vector>

#include "../../reference/reference.hpp"
#include "staticflow/core/tensor.hpp"
#include "staticflow/device/host/executor.hpp"
#include "staticflow/expr/factories.hpp"

namespace sf = staticflow;
namespace ref = staticflow::reference;
using sf::dyn;
using sf::shape;

namespace {

template <class T>
sf::tensor<T, shape<dyn, dyn>> matrix(const std::vector<T>& v, std::size_t rows, std::size_t cols) {
  sf::index_array<2> d{};
  d[0] = rows, d[1] = cols;
  sf::tensor<T, shape<dyn, dyn>> t(d);
  for (std::size_t i = 0; i < v.size(); ++i) t.data()[i] = v[i];
  return t;
}

template <class Tensor, class T>
void check_close(const Tensor& got, const std::vector<T>& want, double tol) {
  REQUIRE(got.size() == want.size());
  std::size_t bad = 0;
  for (std::size_t i = 0; i < want.size(); ++i)
    if (std::abs(double(got.data()[i]) - double(want[i])) > tol * (1.0 + std::abs(double(want[i])))) ++bad;
  CHECK(bad == 0);
}

template <bool TA, bool TB, class T>
void check_product(std::size_t m, std::size_t k, std::size_t n, unsigned seed, double tol) {
  INFO("m=" << m << " k=" << k << " n=" << n << " ta=" << TA << " tb=" << TB);
  const auto va = ref::random_values<T>(m * k, seed), vb = ref::random_values<T>(k * n, seed + 1);
  auto a = TA ? matrix(va, k, m) : matrix(va, m, k);
  auto b = TB ? matrix(vb, n, k) : matrix(vb, k, n);
  auto c = sf::eval(sf::matmul<TA, TB>(a, b));
  REQUIRE(c.dim(0) == m);
  REQUIRE(c.dim(1) == n);
  check_close(c, ref::matmul(va, vb, m, k, n, TA, TB), tol);
}

}  // namespace

TEST_CASE("a hand-worked 2x3 by 3x2 product", "[matmul]") {
  auto a = sf::constant<float, shape<2, 3>>({1, 2, 3, 4, 5, 6});
  auto b = sf::constant<float, shape<3, 2>>({7, 8, 9, 10, 11, 12});
  auto c = sf::eval(sf::matmul(a, b));
  static_assert(std::is_same_v<decltype(c)::shape_type, shape<2, 2>>);
  CHECK(c(0, 0) == 58);  // 1*7 + 2*9 + 3*11
  CHECK(c(0, 1) == 64);
  CHECK(c(1, 0) == 139);
  CHECK(c(1, 1) == 154);
  // a^T a is 3x3 and symmetric: (a^T a)(0, 2) = 1*3 + 4*6 = 27.
  auto g = sf::eval(sf::matmul<true, false>(a, a));
  static_assert(std::is_same_v<decltype(g)::shape_type, shape<3, 3>>);
  CHECK(g(0, 2) == 27);
  CHECK(g(2, 0) == 27);
  // a a^T is 2x2: (a a^T)(0, 1) = 1*4 + 2*5 + 3*6 = 32.
  auto h = sf::eval(sf::matmul<false, true>(a, a));
  CHECK(h(0, 1) == 32);
  CHECK(h(1, 1) == 77);
  // b^T a^T = (a b)^T.
  auto t = sf::eval(sf::matmul<true, true>(b, a));
  CHECK(t(1, 0) == 64);
  CHECK(t(0, 1) == 139);
}

TEST_CASE("random sizes against the triple loop, float", "[matmul]") {
  const std::size_t sizes[][3] = {{1, 1, 1}, {3, 5, 2}, {17, 33, 9}, {64, 64, 64}, {7, 1, 13}, {1, 100, 1}};
  unsigned seed = 10;
  for (const auto& s : sizes) {
    check_product<false, false, float>(s[0], s[1], s[2], seed++, 1e-5);
    check_product<true, false, float>(s[0], s[1], s[2], seed++, 1e-5);
    check_product<false, true, float>(s[0], s[1], s[2], seed++, 1e-5);
    check_product<true, true, float>(s[0], s[1], s[2], seed++, 1e-5);
  }
}

TEST_CASE("100x784 by 784x500 (an MNIST layer), float", "[matmul][large]") {
  check_product<false, false, float>(100, 784, 500, 42, 1e-4);
  check_product<true, true, float>(100, 784, 500, 43, 1e-4);
}

TEST_CASE("products large enough to split over threads, by rows and by columns, all transposes", "[matmul][large]") {
  // Over 2^21 multiply-adds: sliced by C's rows (m > n) or columns, in groups of 16 that do
  // not divide the extents evenly. Also checked with the beta = 1 accumulation the backward
  // pass uses, through a plain executor call.
  const std::size_t sizes[][3] = {{300, 200, 40}, {37, 190, 333}};
  unsigned seed = 60;
  for (const auto& s : sizes) {
    check_product<false, false, float>(s[0], s[1], s[2], seed++, 1e-4);
    check_product<true, false, float>(s[0], s[1], s[2], seed++, 1e-4);
    check_product<false, true, float>(s[0], s[1], s[2], seed++, 1e-4);
    check_product<true, true, float>(s[0], s[1], s[2], seed++, 1e-4);
  }
  const std::size_t m = 150, k = 120, n = 130;
  const auto va = ref::random_values<double>(m * k, 70), vb = ref::random_values<double>(k * n, 71);
  std::vector<double> c(m * n, 1.0);
  sf::executor<sf::host>::gemm(false, false, m, n, k, 2.0, va.data(), vb.data(), 1.0, c.data());
  auto want = ref::matmul(va, vb, m, k, n, false, false);
  for (auto& w : want) w = 2.0 * w + 1.0;
  std::size_t bad = 0;
  for (std::size_t i = 0; i < c.size(); ++i) bad += std::abs(c[i] - want[i]) > 1e-10 * (1.0 + std::abs(want[i]));
  CHECK(bad == 0);
}

TEST_CASE("small products with a long inner dimension split it over threads, all transposes", "[matmul][large]") {
  // A convolution's filter gradient: [25, k] x [k, 6] with k in the tens of thousands. Each
  // thread takes a slice of k (uneven slices here) and the partial products are summed.
  unsigned seed = 80;
  for (const std::size_t k : {std::size_t{20000}, std::size_t{14001}}) {
    check_product<false, false, float>(25, k, 6, seed++, 1e-3);
    check_product<true, false, float>(25, k, 6, seed++, 1e-3);
    check_product<false, true, float>(25, k, 6, seed++, 1e-3);
    check_product<true, true, float>(25, k, 6, seed++, 1e-3);
  }
  // alpha and beta = 1 (a gradient added to what its buffer holds), in double.
  const std::size_t m = 16, k = 20001, n = 9;
  const auto va = ref::random_values<double>(m * k, 90), vb = ref::random_values<double>(k * n, 91);
  std::vector<double> c(m * n, 1.0);
  sf::executor<sf::host>::gemm(true, false, m, n, k, 2.0, va.data(), vb.data(), 1.0, c.data());
  auto want = ref::matmul(va, vb, m, k, n, true, false);
  for (auto& w : want) w = 2.0 * w + 1.0;
  std::size_t bad = 0;
  for (std::size_t i = 0; i < c.size(); ++i) bad += std::abs(c[i] - want[i]) > 1e-10 * (1.0 + std::abs(want[i]));
  CHECK(bad == 0);
}

TEST_CASE("one row by a matrix (a batch-1 dense layer): column tails, passes, thread split", "[matmul]") {
  // The vector-matrix kernel: passes of 256 columns, then up to 64, then one vector; the rows
  // before the last read whole vectors, the last stops at the edge. Both operands transposed
  // or not (a row is the same k values either way); B transposed goes to the GEMM.
  unsigned seed = 100;
  for (const std::size_t n : {1, 10, 15, 16, 17, 63, 64, 65, 80, 255, 256, 257, 300, 500})
    for (const std::size_t k : {1, 3, 84, 500}) check_product<false, false, float>(1, k, n, seed++, 1e-5);
  check_product<true, false, float>(1, 120, 84, seed++, 1e-5);
  check_product<false, true, float>(1, 120, 84, seed++, 1e-5);
  // Big enough to split its columns over the team (784 x 500, the MNIST model's first layer).
  check_product<false, false, float>(1, 784, 500, seed++, 1e-5);
  // alpha and beta.
  const std::size_t k = 70, n = 90;
  const auto va = ref::random_values<float>(k, 110), vb = ref::random_values<float>(k * n, 111);
  const auto vc = ref::random_values<float>(n, 112);
  std::vector<float> c = vc;
  sf::executor<sf::host>::gemm(false, false, 1, n, k, 2.0f, va.data(), vb.data(), -0.5f, c.data());
  auto want = ref::matmul(va, vb, 1, k, n, false, false);
  std::size_t bad = 0;
  for (std::size_t i = 0; i < n; ++i)
    bad += std::abs(double(c[i]) - (2.0 * double(want[i]) - 0.5 * double(vc[i]))) > 1e-5 * double(k);
  CHECK(bad == 0);
}

TEST_CASE("the one-thread kernel over block, depth and tile edges, on a window of C", "[matmul][large]") {
  // ops::gemm_block packs blocks of op(A) rows and op(B) columns per depth slice: sizes that
  // cross each block and tile edge, a window of C whose outside must stay untouched, and
  // alpha / beta, in double (exact enough to compare at 1e-12) and float.
  using T = double;
  const std::size_t m = 203, k = 530, n = 547;
  const sf::ops::index_range rows{5, 201}, cols{3, 546}, inner{0, k};
  for (const bool ta : {false, true})
    for (const bool tb : {false, true}) {
      INFO("ta=" << ta << " tb=" << tb);
      const auto va = ref::random_values<T>(m * k, 120), vb = ref::random_values<T>(k * n, 121);
      const auto vc = ref::random_values<T>(m * n, 122);
      std::vector<T> c = vc;
      sf::ops::gemm_block(ta, tb, m, n, k, T(1.5), va.data(), vb.data(), T(-0.5), c.data(), rows, cols, inner);
      const auto ab = ref::matmul(va, vb, m, k, n, ta, tb);
      std::size_t bad = 0;
      for (std::size_t i = 0; i < m; ++i)
        for (std::size_t j = 0; j < n; ++j) {
          const bool inside = i >= rows.first && i < rows.last && j >= cols.first && j < cols.last;
          const T want = inside ? 1.5 * ab[i * n + j] - 0.5 * vc[i * n + j] : vc[i * n + j];
          bad += std::abs(c[i * n + j] - want) > 1e-12 * (1.0 + std::abs(want));
        }
      CHECK(bad == 0);
    }
  // float, beta = 0 over a C full of NaN (it must not be read), rows and columns just past a tile.
  const std::size_t fm = 13, fk = 257, fn = 33;
  const auto fa = ref::random_values<float>(fm * fk, 130), fb = ref::random_values<float>(fk * fn, 131);
  std::vector<float> fc(fm * fn, std::nanf(""));
  sf::ops::gemm_block(false, false, fm, fn, fk, 1.0f, fa.data(), fb.data(), 0.0f, fc.data(), {0, fm}, {0, fn}, {0, fk});
  const auto want = ref::matmul(fa, fb, fm, fk, fn, false, false);
  std::size_t bad = 0;
  for (std::size_t i = 0; i < want.size(); ++i) bad += !(std::abs(fc[i] - want[i]) <= 1e-4 * (1.0 + std::abs(want[i])));
  CHECK(bad == 0);
}

TEST_CASE("double precision, all transposes", "[matmul]") {
  check_product<false, false, double>(31, 47, 23, 5, 1e-12);
  check_product<true, false, double>(31, 47, 23, 6, 1e-12);
  check_product<false, true, double>(31, 47, 23, 7, 1e-12);
  check_product<true, true, double>(31, 47, 23, 8, 1e-12);
}

TEST_CASE("static and dyn shapes: [?,784] x [784,10]", "[matmul]") {
  const std::size_t batch = 5;
  const auto vx = ref::random_values<float>(batch * 784, 11), vw = ref::random_values<float>(784 * 10, 12);
  sf::tensor<float, shape<dyn, 784>> x(batch);
  sf::tensor<float, shape<784, 10>> w;
  for (std::size_t i = 0; i < vx.size(); ++i) x.data()[i] = vx[i];
  for (std::size_t i = 0; i < vw.size(); ++i) w.data()[i] = vw[i];
  sf::tensor<float, shape<dyn, 10>> y;
  y = sf::matmul(x, w);
  REQUIRE(y.dim(0) == batch);
  check_close(y, ref::matmul(vx, vw, batch, 784, 10), 1e-4);
}

TEST_CASE("a dense layer is one GEMM with a fused bias and relu epilogue", "[matmul][fusion]") {
  const std::size_t m = 6, k = 9, n = 7;
  const auto vx = ref::random_values<float>(m * k, 31), vw = ref::random_values<float>(k * n, 32);
  const auto vb = ref::random_values<float>(n, 33);
  sf::tensor<float, shape<dyn, 9>> x(m);
  sf::tensor<float, shape<9, 7>> w;
  sf::tensor<float, shape<7>> b;
  std::copy(vx.begin(), vx.end(), x.data());
  std::copy(vw.begin(), vw.end(), w.data());
  std::copy(vb.begin(), vb.end(), b.data());
  auto dense = ref::matmul(vx, vw, m, k, n);
  for (std::size_t i = 0; i < dense.size(); ++i) dense[i] += vb[i % n];
  std::vector<float> activated(dense);
  for (auto& v : activated) v = v > 0 ? v : 0;
  REQUIRE(std::count(activated.begin(), activated.end(), 0.f) > 0);  // the relu does something

  auto& passes = sf::executor<sf::host>::passes();
  const std::size_t gemms = passes.gemm, sweeps = passes.elementwise;
  sf::tensor<float, shape<dyn, 7>> y = sf::relu(sf::matmul(x, w) + b);
  check_close(y, activated, 1e-5);
  sf::tensor<float, shape<dyn, 7>> z = b + sf::matmul(x, w);
  check_close(z, dense, 1e-5);
  CHECK(passes.gemm - gemms == 2);
  CHECK(passes.elementwise - sweeps == 0);  // no separate pass over the product

  // Transposed operands (x^T stored): the same values through the same fused call.
  sf::tensor<float, shape<9, dyn>> xt(sf::index_array<2>{9, m});
  for (std::size_t i = 0; i < m; ++i)
    for (std::size_t j = 0; j < k; ++j) xt.data()[j * m + i] = vx[i * k + j];
  sf::tensor<float, shape<dyn, 7>> yt = sf::relu(sf::matmul<true, false>(xt, w) + b);
  check_close(yt, activated, 1e-5);

  // Not a dense layer's epilogue: a bias of extent 1 broadcasts, the general path handles it.
  sf::tensor<float, shape<1>> one_bias = sf::constant<float, shape<1>>({0.5f});
  const std::size_t before = passes.elementwise;
  sf::tensor<float, shape<dyn, 7>> shifted = sf::matmul(x, w) + one_bias;
  CHECK(passes.elementwise - before == 1);
  CHECK(shifted(2, 3) == Approx(ref::matmul(vx, vw, m, k, n)[2 * n + 3] + 0.5f));
}

TEST_CASE("matmul inside expressions", "[matmul][fusion]") {
  const std::size_t m = 8, k = 12, n = 5;
  const auto va = ref::random_values<double>(m * k, 21), vw = ref::random_values<double>(k * n, 22);
  const auto vb = ref::random_values<double>(n, 23);
  sf::tensor<double, shape<dyn, 12>> a(m);
  sf::tensor<double, shape<12, 5>> w;
  sf::tensor<double, shape<5>> b;
  for (std::size_t i = 0; i < va.size(); ++i) a.data()[i] = va[i];
  for (std::size_t i = 0; i < vw.size(); ++i) w.data()[i] = vw[i];
  for (std::size_t i = 0; i < vb.size(); ++i) b.data()[i] = vb[i];
  const auto prod = ref::matmul(va, vw, m, k, n);

  auto y = sf::eval(sf::relu(sf::matmul(a, w) + b));
  static_assert(std::is_same_v<decltype(y)::shape_type, shape<dyn, 5>>);
  std::vector<double> want(m * n);
  for (std::size_t i = 0; i < m; ++i)
    for (std::size_t j = 0; j < n; ++j) want[i * n + j] = std::max(0.0, prod[i * n + j] + vb[j]);
  check_close(y, want, 1e-12);

  // Operands that are expressions are computed first: matmul(2 * a, w) = 2 * (a w).
  auto y2 = sf::eval(sf::matmul(a * 2.0, w));
  for (std::size_t i = 0; i < want.size(); ++i) want[i] = 2 * prod[i];
  check_close(y2, want, 1e-12);
  // A chain: (a w) w^T has shape [m, 12].
  auto y3 = sf::eval(sf::matmul<false, true>(sf::matmul(a, w), w));
  check_close(y3, ref::matmul(prod, vw, m, n, k, false, true), 1e-12);
  // Reduced: the sum of all entries of a w.
  double total = 0;
  for (double p : prod) total += p;
  CHECK(sf::eval(sf::reduce_sum(sf::matmul(a, w))).data()[0] == Approx(total).epsilon(1e-12));
}

TEST_CASE("a dyn inner extent mismatch throws invalid_argument naming both shapes", "[matmul][errors]") {
  sf::tensor<float, shape<3, dyn>> a(4);
  sf::tensor<float, shape<dyn, 2>> b(5);
  try {
    auto e = sf::matmul(a, b);
    (void)e;
    FAIL("no exception");
  } catch (const sf::invalid_argument& e) {
    const std::string msg = e.what();
    CHECK(msg.find("[3, 4]") != std::string::npos);
    CHECK(msg.find("[5, 2]") != std::string::npos);
  }
  // With transposes, the compared extents are the transposed ones.
  sf::tensor<float, shape<dyn, 3>> at(4);
  REQUIRE_NOTHROW(sf::matmul<true, false>(at, sf::tensor<float, shape<dyn, 2>>(4)));
  REQUIRE_THROWS_AS((sf::matmul<true, false>(at, sf::tensor<float, shape<dyn, 2>>(3))), sf::invalid_argument);
}
