// SPDX-License-Identifier: MIT
/// \file
/// \brief conv2d, max_pool2d and avg_pool2d: hand-worked small cases (including where SAME puts
/// its odd padding cell), a naive reference loop on random multi-channel batches, compile-time
/// result shapes (LeNet's among them), run-time extent errors and use inside a session.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <type_traits>
#include <vector>

#include "staticflow/staticflow.hpp"

namespace sf = staticflow;

namespace {

template <class T, class S>
void iota_fill(sf::tensor<T, S, sf::host>& t, T first = T(1)) {
  for (std::size_t i = 0; i < t.size(); ++i) t.data()[i] = first + static_cast<T>(i);
}

template <class T, class S>
void check_values(const sf::tensor<T, S, sf::host>& t, const std::vector<double>& expected) {
  REQUIRE(t.size() == expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    INFO("element " << i);
    CHECK(t.data()[i] == Approx(expected[i]));
  }
}

/// TF's window arithmetic, written out independently of the library.
struct axis {
  long in, k, s, out, pad;
  axis(long in_, long k_, long s_, bool same) : in(in_), k(k_), s(s_) {
    out = same ? (in + s - 1) / s : (in - k + s) / s;  // ceil(in / s), ceil((in - k + 1) / s)
    pad = same ? std::max((out - 1) * s + k - in, 0L) / 2 : 0;
  }
};

/// Naive NHWC x HWIO convolution with zero padding.
std::vector<double> reference_conv(const std::vector<double>& x, long n, long h, long w, long c,
                                   const std::vector<double>& f, long kh, long kw, long fo, long sh, long sw,
                                   bool same) {
  const axis ay(h, kh, sh, same), ax(w, kw, sw, same);
  std::vector<double> y(static_cast<std::size_t>(n * ay.out * ax.out * fo), 0.0);
  for (long b = 0; b < n; ++b)
    for (long i = 0; i < ay.out; ++i)
      for (long j = 0; j < ax.out; ++j)
        for (long o = 0; o < fo; ++o) {
          double acc = 0;
          for (long a = 0; a < kh; ++a)
            for (long bb = 0; bb < kw; ++bb)
              for (long ch = 0; ch < c; ++ch) {
                const long r = i * sh + a - ay.pad, q = j * sw + bb - ax.pad;
                if (r < 0 || r >= h || q < 0 || q >= w) continue;
                acc += x[static_cast<std::size_t>(((b * h + r) * w + q) * c + ch)] *
                       f[static_cast<std::size_t>(((a * kw + bb) * c + ch) * fo + o)];
              }
          y[static_cast<std::size_t>(((b * ay.out + i) * ax.out + j) * fo + o)] = acc;
        }
  return y;
}

/// Naive pooling over the real cells of each window.
std::vector<double> reference_pool(const std::vector<double>& x, long n, long h, long w, long c, long kh, long kw,
                                   long sh, long sw, bool same, bool max) {
  const axis ay(h, kh, sh, same), ax(w, kw, sw, same);
  std::vector<double> y;
  for (long b = 0; b < n; ++b)
    for (long i = 0; i < ay.out; ++i)
      for (long j = 0; j < ax.out; ++j)
        for (long ch = 0; ch < c; ++ch) {
          double best = -std::numeric_limits<double>::infinity(), sum = 0;
          long cells = 0;
          for (long a = 0; a < kh; ++a)
            for (long bb = 0; bb < kw; ++bb) {
              const long r = i * sh + a - ay.pad, q = j * sw + bb - ax.pad;
              if (r < 0 || r >= h || q < 0 || q >= w) continue;
              const double v = x[static_cast<std::size_t>(((b * h + r) * w + q) * c + ch)];
              best = std::max(best, v), sum += v, ++cells;
            }
          y.push_back(max ? best : sum / static_cast<double>(cells));
        }
  return y;
}

template <class S>
std::vector<double> as_vector(const sf::tensor<double, S, sf::host>& t) {
  return {t.data(), t.data() + t.size()};
}

template <class S, class... Ext>
sf::tensor<double, S, sf::host> random(std::uint64_t seed, Ext... dynamic) {
  return sf::random_normal<double, S>(0.0, 1.0, seed, dynamic...);
}

template <class S>
void check_close(const sf::tensor<double, S, sf::host>& t, const std::vector<double>& expected) {
  REQUIRE(t.size() == expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    INFO("element " << i);
    CHECK(t.data()[i] == Approx(expected[i]).margin(1e-12));
  }
}

}  // namespace

// ---- compile-time shapes --------------------------------------------------------------------------------

using batch28 = sf::tensor<float, sf::shape<sf::dyn, 28, 28, 1>, sf::host>;
template <std::size_t... E>
using ft = sf::tensor<float, sf::shape<E...>, sf::host>;

template <class E>
using shape_of = typename E::shape_type;

// The MNIST tutorial's network: SAME 5x5 convolutions keep 28x28, 2x2 pools halve it.
using c1 = decltype(sf::conv2d<1, 1, sf::padding::same>(std::declval<batch28>(), std::declval<ft<5, 5, 1, 6>>()));
static_assert(std::is_same_v<shape_of<c1>, sf::shape<sf::dyn, 28, 28, 6>>);
using p1 = decltype(sf::max_pool2d<2, 2, 2, 2, sf::padding::same>(std::declval<c1>()));
static_assert(std::is_same_v<shape_of<p1>, sf::shape<sf::dyn, 14, 14, 6>>);
// LeNet-5: 32x32x1 -VALID 5x5x6-> 28x28x6 -pool-> 14x14x6 -VALID 5x5x16-> 10x10x16 -pool-> 5x5x16.
using lenet_in = sf::tensor<float, sf::shape<sf::dyn, 32, 32, 1>, sf::host>;
using l1 = decltype(sf::conv2d<1, 1, sf::padding::valid>(std::declval<lenet_in>(), std::declval<ft<5, 5, 1, 6>>()));
static_assert(std::is_same_v<shape_of<l1>, sf::shape<sf::dyn, 28, 28, 6>>);
using l2 = decltype(sf::avg_pool2d<2, 2, 2, 2, sf::padding::valid>(std::declval<l1>()));
static_assert(std::is_same_v<shape_of<l2>, sf::shape<sf::dyn, 14, 14, 6>>);
using l3 = decltype(sf::conv2d<1, 1, sf::padding::valid>(std::declval<l2>(), std::declval<ft<5, 5, 6, 16>>()));
static_assert(std::is_same_v<shape_of<l3>, sf::shape<sf::dyn, 10, 10, 16>>);
using l4 = decltype(sf::max_pool2d<2, 2, 2, 2, sf::padding::valid>(std::declval<l3>()));
static_assert(std::is_same_v<shape_of<l4>, sf::shape<sf::dyn, 5, 5, 16>>);
// Odd extents with stride 2: SAME ceil(5 / 2) = 3, VALID ceil((7 - 3 + 1) / 2) = 3, (6 - 2 + 1) / 3 -> 2.
using s2 = decltype(sf::conv2d<2, 2, sf::padding::same>(std::declval<ft<2, 5, 5, 3>>(), std::declval<ft<3, 3, 3, 4>>()));
static_assert(std::is_same_v<shape_of<s2>, sf::shape<2, 3, 3, 4>>);
using v2 = decltype(sf::conv2d<2, 3, sf::padding::valid>(std::declval<ft<1, 7, 6, 2>>(), std::declval<ft<3, 2, 2, 1>>()));
static_assert(std::is_same_v<shape_of<v2>, sf::shape<1, 3, 2, 1>>);
// A dynamic spatial extent stays dynamic; the others are still computed.
using dh = decltype(sf::max_pool2d<3, 3, 2, 2, sf::padding::same>(std::declval<sf::tensor<float, sf::shape<sf::dyn, sf::dyn, 9, 4>, sf::host>>()));
static_assert(std::is_same_v<shape_of<dh>, sf::shape<sf::dyn, sf::dyn, 5, 4>>);
// The stride-1 overload.
using st1 = decltype(sf::conv2d<sf::padding::valid>(std::declval<ft<1, 4, 4, 1>>(), std::declval<ft<2, 2, 1, 1>>()));
static_assert(std::is_same_v<shape_of<st1>, sf::shape<1, 3, 3, 1>>);

// ---- convolution ------------------------------------------------------------------------------------------

TEST_CASE("conv2d VALID stride 1: 4x4 of 1..16 with a 2x2 filter of ones sums each 2x2 block", "[conv]") {
  ft<1, 4, 4, 1> x;
  iota_fill(x);
  ft<2, 2, 1, 1> f;
  std::fill(f.data(), f.data() + f.size(), 1.0f);
  ft<1, 3, 3, 1> y = sf::conv2d<1, 1, sf::padding::valid>(x, f);
  // x[r][c] = 4r + c + 1, so the block at (i, j) sums to 16i + 4j + 14.
  check_values(y, {14, 18, 22, 30, 34, 38, 46, 50, 54});
}

TEST_CASE("conv2d is a cross-correlation (the filter is not flipped), as TF", "[conv]") {
  ft<1, 3, 3, 1> x;
  iota_fill(x);
  ft<2, 2, 1, 1> f;
  iota_fill(f);  // [[1, 2], [3, 4]]
  ft<1, 2, 2, 1> y = sf::conv2d<1, 1, sf::padding::valid>(x, f);
  // (0,0): 1*1 + 2*2 + 4*3 + 5*4 = 37, then each step right adds 1+2+3+4 = 10 and down 3*10.
  check_values(y, {37, 47, 67, 77});
}

TEST_CASE("conv2d SAME stride 2 on 5x5: the odd padding cell goes to the bottom and right", "[conv]") {
  ft<1, 5, 5, 1> x;
  iota_fill(x);  // x[r][c] = 5r + c + 1
  ft<2, 2, 1, 1> f;
  std::fill(f.data(), f.data() + f.size(), 1.0f);
  ft<1, 3, 3, 1> y = sf::conv2d<2, 2, sf::padding::same>(x, f);
  // 3 outputs, total padding (3-1)*2 + 2 - 5 = 1: none on top, one row below. Windows cover
  // rows {0,1}, {2,3}, {4}; same for columns.
  check_values(y, {1 + 2 + 6 + 7, 3 + 4 + 8 + 9, 5 + 10,            //
                   11 + 12 + 16 + 17, 13 + 14 + 18 + 19, 15 + 20,  //
                   21 + 22, 23 + 24, 25});
}

TEST_CASE("conv2d SAME stride 1 with a 3x3 filter pads one cell on every side", "[conv]") {
  ft<1, 3, 3, 1> x;
  iota_fill(x);
  ft<3, 3, 1, 1> f;
  std::fill(f.data(), f.data() + f.size(), 1.0f);
  ft<1, 3, 3, 1> y = sf::conv2d<1, 1, sf::padding::same>(x, f);
  // Each output is the sum of the 3x3 neighbourhood inside the input.
  check_values(y, {12, 21, 16, 27, 45, 33, 24, 39, 28});
}

TEST_CASE("conv2d 1x1 mixes channels per pixel", "[conv]") {
  ft<1, 1, 2, 2> x;
  x.data()[0] = 2, x.data()[1] = 3, x.data()[2] = -1, x.data()[3] = 0.5f;
  ft<1, 1, 2, 3> f;
  iota_fill(f);  // w[c][o] = [[1, 2, 3], [4, 5, 6]]
  ft<1, 1, 2, 3> y = sf::conv2d<1, 1, sf::padding::same>(x, f);
  check_values(y, {2 * 1 + 3 * 4, 2 * 2 + 3 * 5, 2 * 3 + 3 * 6,  //
                   -1 + 0.5 * 4, -2 + 0.5 * 5, -3 + 0.5 * 6});
}

TEST_CASE("conv2d matches a naive loop on random batches of several channels", "[conv]") {
  using S = sf::shape<sf::dyn, 7, 6, 3>;
  const auto x = random<S>(11, 3);
  const auto f = random<sf::shape<3, 2, 3, 4>>(12);
  const auto xv = as_vector(x), fv = as_vector(f);
  SECTION("SAME stride 1") {
    sf::tensor<double, sf::shape<sf::dyn, 7, 6, 4>, sf::host> y = sf::conv2d<1, 1, sf::padding::same>(x, f);
    check_close(y, reference_conv(xv, 3, 7, 6, 3, fv, 3, 2, 4, 1, 1, true));
  }
  SECTION("SAME stride 2") {
    sf::tensor<double, sf::shape<sf::dyn, 4, 3, 4>, sf::host> y = sf::conv2d<2, 2, sf::padding::same>(x, f);
    check_close(y, reference_conv(xv, 3, 7, 6, 3, fv, 3, 2, 4, 2, 2, true));
  }
  SECTION("SAME strides 3 and 2") {
    sf::tensor<double, sf::shape<sf::dyn, 3, 3, 4>, sf::host> y = sf::conv2d<3, 2, sf::padding::same>(x, f);
    check_close(y, reference_conv(xv, 3, 7, 6, 3, fv, 3, 2, 4, 3, 2, true));
  }
  SECTION("VALID strides 2 and 1") {
    sf::tensor<double, sf::shape<sf::dyn, 3, 5, 4>, sf::host> y = sf::conv2d<2, 1, sf::padding::valid>(x, f);
    check_close(y, reference_conv(xv, 3, 7, 6, 3, fv, 3, 2, 4, 2, 1, false));
  }
  SECTION("a window as large as the input, VALID") {
    const auto big = random<sf::shape<7, 6, 3, 2>>(13);
    sf::tensor<double, sf::shape<sf::dyn, 1, 1, 2>, sf::host> y = sf::conv2d<1, 1, sf::padding::valid>(x, big);
    check_close(y, reference_conv(xv, 3, 7, 6, 3, as_vector(big), 7, 6, 2, 1, 1, false));
  }
  SECTION("1x1 filter with stride 2 (no shortcut)") {
    const auto one = random<sf::shape<1, 1, 3, 5>>(14);
    sf::tensor<double, sf::shape<sf::dyn, 4, 3, 5>, sf::host> y = sf::conv2d<2, 2, sf::padding::same>(x, one);
    check_close(y, reference_conv(xv, 3, 7, 6, 3, as_vector(one), 1, 1, 5, 2, 2, true));
  }
}

/// Index i of kernel K at vector width B, compiled for that width's instruction set.
template <std::size_t B, class K>
void on(const K& kernel, std::size_t i) {
  sf::ops::simd_kernel<B, K>{kernel}(i);
}

TEST_CASE("the host's direct kernels agree with the GPU's im2col route in all three passes", "[conv]") {
  // For each geometry: forward = im2col(x) f, filter gradient = im2col(x)^T gy, input gradient
  // = col2im(gy f^T), the products by plain loops, against the direct kernels. Filter counts
  // below, at and above one register block (16 floats); rows of a window up to 3 * 7 cells;
  // single-channel inputs wider than one chunk of the single-channel kernel (32 floats).
  struct geometry_case {
    long n, h, w, c, kh, kw, sh, sw, filters;
    bool same;
  };
  const geometry_case cases[] = {{2, 28, 28, 1, 5, 5, 1, 1, 6, false}, {3, 7, 6, 3, 3, 2, 2, 1, 16, true},
                                 {1, 5, 5, 2, 3, 3, 2, 2, 20, true},  {2, 9, 4, 4, 2, 4, 3, 2, 5, false},
                                 {1, 12, 12, 6, 5, 5, 1, 1, 16, false}, {2, 6, 9, 7, 3, 3, 1, 2, 33, true},
                                 {2, 11, 37, 1, 5, 5, 2, 1, 11, true},  {1, 9, 40, 1, 3, 7, 1, 1, 20, true},
                                 {1, 4, 3, 1, 4, 3, 1, 1, 1, false},   {2, 13, 11, 1, 5, 5, 1, 1, 4, false},
                                 {1, 9, 8, 2, 3, 3, 2, 1, 3, true},     {3, 7, 9, 1, 5, 5, 1, 1, 6, true}};
  auto u = [](long v) { return static_cast<std::size_t>(v); };
  for (const auto& k : cases) {
    const axis ay(k.h, k.kh, k.sh, k.same), ax(k.w, k.kw, k.sw, k.same);
    const sf::ops::window_geometry g{u(k.n),  u(k.h),  u(k.w),   u(k.c),   u(k.kh), u(k.kw),
                                     u(k.sh), u(k.sw), u(ay.out), u(ax.out), u(ay.pad), u(ax.pad)};
    INFO("input " << k.n << "x" << k.h << "x" << k.w << "x" << k.c << ", window " << k.kh << "x" << k.kw
                  << ", strides " << k.sh << "x" << k.sw << ", " << k.filters << " filters" << (k.same ? " SAME" : " VALID"));
    const std::size_t nf = u(k.filters), positions = g.positions(), patch = g.patch();
    auto values = [](std::size_t n, std::size_t mult, float scale) {
      std::vector<float> v(n);
      for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<float>((i * mult) % 101) * scale - 1.5f;
      return v;
    };
    const auto x = values(g.n * g.h * g.w * g.c, 37, 0.03f), f = values(patch * nf, 53, 0.02f);
    const auto gy = values(positions * nf, 29, 0.025f);
    std::vector<float> col(positions * patch);
    for (std::size_t i = 0; i < col.size(); ++i) sf::ops::im2col_element<float>{col.data(), x.data(), g}(i);

    // Every vector width this processor runs (the kernels' blocks and lanes depend on it).
    const auto check_width = [&]<std::size_t B>(std::integral_constant<std::size_t, B>) {
      INFO("vector width " << B << " bytes");
      // Forward.
      const std::size_t padded = sf::ops::padded_filters<float, B>(nf);
      std::vector<float> wp(patch * padded);
      for (std::size_t r = 0; r < patch; ++r) sf::ops::pad_filter_rows<float>{wp.data(), f.data(), nf, padded}(r);
      std::vector<float> y(positions * nf, -7.f);
      using forward = sf::ops::conv_forward_direct<float, B>;
      for (std::size_t r = 0; r < forward::count(g); ++r) on<B, forward>({y.data(), x.data(), wp.data(), g, nf, padded}, r);
      std::size_t bad = 0;
      for (std::size_t p = 0; p < positions; ++p)
        for (std::size_t o = 0; o < nf; ++o) {
          double want = 0;
          for (std::size_t q = 0; q < patch; ++q) want += double(col[p * patch + q]) * f[q * nf + o];
          bad += std::abs(y[p * nf + o] - want) > 1e-4 * (1 + std::abs(want));
        }
      CHECK(bad == 0);
      if (sf::ops::conv_forward_single_channel<float, B>::applies(g)) {
        using single = sf::ops::conv_forward_single_channel<float, B>;
        std::vector<float> ys(positions * nf, -7.f);
        for (std::size_t r = 0; r < single::count(g); ++r) on<B, single>({ys.data(), x.data(), f.data(), g, nf}, r);
        bad = 0;
        for (std::size_t i = 0; i < y.size(); ++i) bad += std::abs(ys[i] - y[i]) > 1e-4 * (1 + std::abs(y[i]));
        CHECK(bad == 0);
      }

      // Filter gradient.
      using filter_grad = sf::ops::conv_filter_grad_direct<float, B>;
      std::vector<float> part(filter_grad::splits * patch * nf, -5.f), dw(patch * nf, -7.f);
      for (std::size_t i = 0; i < filter_grad::count(g, padded); ++i)
        on<B, filter_grad>({part.data(), x.data(), gy.data(), g, nf, padded}, i);
      for (std::size_t i = 0; i < dw.size(); ++i)
        sf::ops::sum_partials<float>{dw.data(), part.data(), dw.size(), filter_grad::splits}(i);
      std::vector<double> want_dw(patch * nf);
      for (std::size_t q = 0; q < patch; ++q)
        for (std::size_t o = 0; o < nf; ++o)
          for (std::size_t p = 0; p < positions; ++p) want_dw[q * nf + o] += double(col[p * patch + q]) * gy[p * nf + o];
      auto wrong = [&](const std::vector<float>& got) {
        std::size_t n = 0;
        for (std::size_t i = 0; i < got.size(); ++i) n += std::abs(got[i] - want_dw[i]) > 1e-4 * (1 + std::abs(want_dw[i]));
        return n;
      };
      CHECK(wrong(dw) == 0);
      if (sf::ops::conv_filter_grad_paired<float, B>::applies(nf)) {
        using paired = sf::ops::conv_filter_grad_paired<float, B>;
        std::vector<float> part_paired(paired::splits * patch * nf, -5.f), dw_paired(patch * nf, -7.f);
        for (std::size_t i = 0; i < paired::count(g); ++i) on<B, paired>({part_paired.data(), x.data(), gy.data(), g, nf}, i);
        for (std::size_t i = 0; i < dw_paired.size(); ++i)
          sf::ops::sum_partials<float>{dw_paired.data(), part_paired.data(), dw_paired.size(), paired::splits}(i);
        CHECK(wrong(dw_paired) == 0);
      }

      // Input gradient.
      std::vector<float> dcol(positions * patch), want_dx(x.size()), dx(x.size(), -7.f);
      for (std::size_t p = 0; p < positions; ++p)
        for (std::size_t q = 0; q < patch; ++q) {
          double acc = 0;
          for (std::size_t o = 0; o < nf; ++o) acc += double(gy[p * nf + o]) * f[q * nf + o];
          dcol[p * patch + q] = static_cast<float>(acc);
        }
      for (std::size_t i = 0; i < x.size(); ++i) sf::ops::col2im_element<float>{want_dx.data(), dcol.data(), g}(i);
      const std::size_t run = g.kw * g.c, run_padded = sf::ops::padded_filters<float, B>(run);
      std::vector<float> wt(g.kh * nf * run_padded);
      for (std::size_t i = 0; i < g.kh * nf; ++i) sf::ops::transpose_filter_rows<float>{wt.data(), f.data(), nf, run, run_padded}(i);
      for (std::size_t n = 0; n < g.n; ++n)
        on<B, sf::ops::conv_input_grad_direct<float, B>>({dx.data(), gy.data(), wt.data(), g, nf, run_padded}, n);
      bad = 0;
      for (std::size_t i = 0; i < x.size(); ++i) bad += std::abs(dx[i] - want_dx[i]) > 1e-4 * (1 + std::abs(want_dx[i]));
  CHECK(bad == 0);
    };
    check_width(std::integral_constant<std::size_t, 16>{});
    if (sf::ops::host_vector_bytes() >= 32) check_width(std::integral_constant<std::size_t, 32>{});
    if (sf::ops::host_vector_bytes() >= 64) check_width(std::integral_constant<std::size_t, 64>{});
  }
}

TEST_CASE("conv2d composes: bias add, relu and pooling in one expression", "[conv]") {
  const auto x = random<sf::shape<2, 6, 6, 2>>(21);
  const auto f = random<sf::shape<3, 3, 2, 3>>(22);
  const auto b = random<sf::shape<3>>(23);
  sf::tensor<double, sf::shape<2, 3, 3, 3>, sf::host> y =
      sf::max_pool2d<2, 2, 2, 2, sf::padding::same>(sf::relu(sf::conv2d<1, 1, sf::padding::same>(x, f) + b));
  auto conv = reference_conv(as_vector(x), 2, 6, 6, 2, as_vector(f), 3, 3, 3, 1, 1, true);
  for (std::size_t i = 0; i < conv.size(); ++i) conv[i] = std::max(conv[i] + b.data()[i % 3], 0.0);
  check_close(y, reference_pool(conv, 2, 6, 6, 3, 2, 2, 2, 2, true, true));
}

TEST_CASE("conv2d checks run-time extents that were dynamic at compile time", "[conv]") {
  sf::tensor<float, sf::shape<1, sf::dyn, 4, 1>, sf::host> x(2);
  ft<3, 3, 1, 1> f;
  // (Parentheses keep the template arguments' commas out of the macro's argument list.)
  CHECK_THROWS_AS((sf::conv2d<1, 1, sf::padding::valid>(x, f)), sf::invalid_argument);
  sf::tensor<float, sf::shape<1, 4, 4, sf::dyn>, sf::host> xc(2);
  CHECK_THROWS_AS((sf::conv2d<1, 1, sf::padding::same>(xc, f)), sf::invalid_argument);
  CHECK_THROWS_AS((sf::max_pool2d<3, 3, 1, 1, sf::padding::valid>(x)), sf::invalid_argument);
  CHECK_NOTHROW((sf::max_pool2d<3, 3, 1, 1, sf::padding::same>(x)));
}

// ---- pooling ----------------------------------------------------------------------------------------------

TEST_CASE("max_pool2d VALID 2x2 stride 2 on 4x4", "[pool]") {
  ft<1, 4, 4, 1> x;
  iota_fill(x);
  ft<1, 2, 2, 1> y = sf::max_pool2d<2, 2, 2, 2, sf::padding::valid>(x);
  check_values(y, {6, 8, 14, 16});
}

TEST_CASE("max_pool2d SAME stride 2 on 5x5: padding after, and padding never wins", "[pool]") {
  ft<1, 5, 5, 1> x;
  iota_fill(x);
  ft<1, 3, 3, 1> y = sf::max_pool2d<2, 2, 2, 2, sf::padding::same>(x);
  check_values(y, {7, 9, 10, 17, 19, 20, 22, 24, 25});
  // All negative: a zero from the padding would win if padding took part.
  iota_fill(x, -25.0f);  // -25 .. -1
  y = sf::max_pool2d<2, 2, 2, 2, sf::padding::same>(x);
  check_values(y, {-19, -17, -16, -9, -7, -6, -4, -2, -1});
}

TEST_CASE("avg_pool2d SAME divides by the real cells of each window", "[pool]") {
  ft<1, 5, 5, 1> x;
  iota_fill(x);
  ft<1, 3, 3, 1> y = sf::avg_pool2d<2, 2, 2, 2, sf::padding::same>(x);
  check_values(y, {16 / 4.0, 24 / 4.0, 15 / 2.0, 56 / 4.0, 64 / 4.0, 35 / 2.0, 43 / 2.0, 47 / 2.0, 25});
  // 3x3 SAME stride 1 on 3x3: corners average 4 cells, edges 6, the centre 9.
  ft<1, 3, 3, 1> z;
  iota_fill(z);
  ft<1, 3, 3, 1> a = sf::avg_pool2d<3, 3, 1, 1, sf::padding::same>(z);
  check_values(a, {12 / 4.0, 21 / 6.0, 16 / 4.0, 27 / 6.0, 45 / 9.0, 33 / 6.0, 24 / 4.0, 39 / 6.0, 28 / 4.0});
}

TEST_CASE("avg_pool2d VALID 3x3 stride 2 on 5x5: a linear ramp averages to the window centre", "[pool]") {
  ft<1, 5, 5, 1> x;
  iota_fill(x);
  ft<1, 2, 2, 1> y = sf::avg_pool2d<3, 3, 2, 2, sf::padding::valid>(x);
  check_values(y, {7, 9, 17, 19});
}

TEST_CASE("pooling matches a naive loop on random batches of several channels", "[pool]") {
  using S = sf::shape<sf::dyn, 7, 5, 3>;
  const auto x = random<S>(31, 3);
  const auto xv = as_vector(x);
  sf::tensor<double, sf::shape<sf::dyn, 4, 3, 3>, sf::host> ms = sf::max_pool2d<3, 2, 2, 2, sf::padding::same>(x);
  check_close(ms, reference_pool(xv, 3, 7, 5, 3, 3, 2, 2, 2, true, true));
  sf::tensor<double, sf::shape<sf::dyn, 4, 3, 3>, sf::host> as = sf::avg_pool2d<3, 2, 2, 2, sf::padding::same>(x);
  check_close(as, reference_pool(xv, 3, 7, 5, 3, 3, 2, 2, 2, true, false));
  sf::tensor<double, sf::shape<sf::dyn, 2, 4, 3>, sf::host> mv = sf::max_pool2d<3, 2, 3, 1, sf::padding::valid>(x);
  check_close(mv, reference_pool(xv, 3, 7, 5, 3, 3, 2, 3, 1, false, true));
  sf::tensor<double, sf::shape<sf::dyn, 2, 4, 3>, sf::host> av = sf::avg_pool2d<3, 2, 3, 1, sf::padding::valid>(x);
  check_close(av, reference_pool(xv, 3, 7, 5, 3, 3, 2, 3, 1, false, false));
  // Overlapping SAME windows with stride 1 (every cell is in several windows).
  sf::tensor<double, sf::shape<sf::dyn, 7, 5, 3>, sf::host> m1 = sf::max_pool2d<3, 3, 1, 1, sf::padding::same>(x);
  check_close(m1, reference_pool(xv, 3, 7, 5, 3, 3, 3, 1, 1, true, true));
}

// ---- in a graph -------------------------------------------------------------------------------------------

TEST_CASE("conv2d and pooling run in a session and train their filter", "[conv][graph]") {
  // One 3x3 image, a 2x2 filter, VALID -> 2x2, then a 2x2 average pool -> the mean of the 4
  // outputs. loss = that mean; d loss / d w[a][b] = mean of the 4 input cells under w[a][b].
  sf::graph g;
  auto w = g.variable<double, sf::shape<2, 2, 1, 1>>("w", sf::init::values({1, 0, 0, 0}));
  auto x = sf::placeholder<double, sf::shape<sf::dyn, 3, 3, 1>, "x">();
  auto out = sf::avg_pool2d<2, 2, 2, 2, sf::padding::valid>(sf::conv2d<1, 1, sf::padding::valid>(x, w));
  sf::session<sf::host> sess(g);
  sess.run(sf::global_variables_initializer());
  sf::tensor<double, sf::shape<1, 3, 3, 1>, sf::host> xs;
  iota_fill(xs);
  const auto y = sess.run(out, sf::feed(x, xs));
  REQUIRE(y.size() == 1);
  CHECK(y.data()[0] == Approx((1 + 2 + 4 + 5) / 4.0));  // w picks the top-left cell of each window
  const auto grad = sess.run(sf::gradients(out, w), sf::feed(x, xs));
  check_values(grad, {(1 + 2 + 4 + 5) / 4.0, (2 + 3 + 5 + 6) / 4.0, (4 + 5 + 7 + 8) / 4.0, (5 + 6 + 8 + 9) / 4.0});
}

TEST_CASE("the host's tiled max-pool backward kernel routes ties to the first maximum, any channel count", "[pool]") {
  // Values from a small set so that most windows hold ties; channel counts below, at and above
  // one vector block, in float (16 lanes with AVX-512, 8 with AVX2); against a plain loop.
  for (const std::size_t c : {1u, 6u, 16u, 21u}) {
    INFO(c << " channels");
    const sf::ops::window_geometry g{2, 4, 6, c, 2, 2, 2, 2, 2, 3, 0, 0};
    std::vector<float> x(g.n * g.h * g.w * c), gy(g.n * g.oh * g.ow * c), dx(x.size(), -7.f), want(x.size(), 0.f);
    for (std::size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>((i * 7) % 5 / 2);
    for (std::size_t i = 0; i < gy.size(); ++i) gy[i] = static_cast<float>(i + 1);
    for (std::size_t n = 0; n < g.n; ++n)
      for (std::size_t oy = 0; oy < g.oh; ++oy)
        for (std::size_t ox = 0; ox < g.ow; ++ox)
          for (std::size_t ch = 0; ch < c; ++ch) {
            std::size_t best = 0;
            float top = -1;
            for (std::size_t a = 0; a < 2; ++a)
              for (std::size_t b = 0; b < 2; ++b) {
                const std::size_t at = ((n * g.h + oy * 2 + a) * g.w + ox * 2 + b) * c + ch;
                if (x[at] > top) top = x[at], best = at;
              }
            want[best] = gy[((n * g.oh + oy) * g.ow + ox) * c + ch];
          }
    for (std::size_t r = 0; r < g.n * g.oh; ++r)
      sf::ops::pool_tiled_backward<float, true, 2, 2>{dx.data(), x.data(), gy.data(), g}(r);
    CHECK(dx == want);
  }
}
