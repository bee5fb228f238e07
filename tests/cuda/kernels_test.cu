// SPDX-License-Identifier: MIT
/// \file
/// \brief sf::cuda against sf::host and hand-worked values: reductions, argmax/argmin, GEMM with
/// every transpose flag, and the device allocator's errors and reuse.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include <algorithm>
#include <vector>

#include "cuda_test_support.hpp"

namespace sf = staticflow;
using sf_test::equal;
using sf_test::max_rel_error;
using sf_test::pattern;

// ---- reductions --------------------------------------------------------------------------------

/// The same reduction on the host and on the device, compared element for element.
template <class Out, class X, class DX, class F>
void check_reduction(const X& x, const DX& dx, const char* what, F f) {
  sf::tensor<float, Out> h = f(x);
  sf::tensor<float, Out, sf::cuda> d = f(dx);
  INFO(what);
  CHECK(equal(h.view(), d.view()));
}

TEST_CASE("cuda: reductions over all, trailing, leading and middle axes match the host", "[cuda][reduce]") {
  // Elements are multiples of 0.25 below 100 in magnitude: every partial sum is exact in float,
  // so the device's different summation order must still give identical results.
  const auto x = pattern<float, sf::shape<3, 4, 5>>(0.25f, -10.f);
  const auto dx = sf::to_device(x);
  check_reduction<sf::shape<>>(x, dx, "sf::reduce_sum(t)", [](const auto& t) { return sf::reduce_sum(t); });
  check_reduction<sf::shape<>>(x, dx, "sf::reduce_mean(t)", [](const auto& t) { return sf::reduce_mean(t); });
  check_reduction<sf::shape<>>(x, dx, "sf::reduce_max(t)", [](const auto& t) { return sf::reduce_max(t); });
  check_reduction<sf::shape<>>(x, dx, "sf::reduce_min(t)", [](const auto& t) { return sf::reduce_min(t); });
  check_reduction<sf::shape<3, 4>>(x, dx, "sf::reduce_sum<2>(t)", [](const auto& t) { return sf::reduce_sum<2>(t); });
  check_reduction<sf::shape<3, 4>>(x, dx, "sf::reduce_mean<-1>(t)", [](const auto& t) { return sf::reduce_mean<-1>(t); });
  check_reduction<sf::shape<4, 5>>(x, dx, "sf::reduce_max<0>(t)", [](const auto& t) { return sf::reduce_max<0>(t); });
  check_reduction<sf::shape<3, 5>>(x, dx, "sf::reduce_min<1>(t)", [](const auto& t) { return sf::reduce_min<1>(t); });
  check_reduction<sf::shape<4>>(x, dx, "sf::reduce_sum<0, 2>(t)", [](const auto& t) { return sf::reduce_sum<0, 2>(t); });
  check_reduction<sf::shape<3, 1, 5>>(x, dx, "sf::reduce_mean<1>(t, sf::keepdims)", [](const auto& t) { return sf::reduce_mean<1>(t, sf::keepdims); });
  check_reduction<sf::shape<1, 4, 1>>(x, dx, "sf::reduce_max<0, 2>(t, sf::keepdims)", [](const auto& t) { return sf::reduce_max<0, 2>(t, sf::keepdims); });
  check_reduction<sf::shape<1, 1, 1>>(x, dx, "sf::reduce_sum(t, sf::keepdims)", [](const auto& t) { return sf::reduce_sum(t, sf::keepdims); });
}

TEST_CASE("cuda: large reductions take the block paths and give hand-computed sums", "[cuda][reduce]") {
  // Sum of i for i < 4096 is 4096 * 4095 / 2 = 8386560 (exact in float, below 2^24).
  sf::tensor<float, sf::shape<4096>> iota;
  for (std::size_t i = 0; i < 4096; ++i) iota.data()[i] = static_cast<float>(i);
  const auto d_iota = sf::to_device(iota);
  sf::tensor<float, sf::shape<>, sf::cuda> s = sf::reduce_sum(d_iota);
  CHECK(sf::to_host(s)() == 8386560.f);
  // Sum of (i - 1)^2 for i < 4096 = sum j^2 for j in [-1, 4094] = 1 + 4094 * 4095 * 8189 / 6 = 22881335296 (exact in double).
  sf::tensor<double, sf::shape<4096>> iota_d;
  for (std::size_t i = 0; i < 4096; ++i) iota_d.data()[i] = static_cast<double>(i);
  const auto d_iota_d = sf::to_device(iota_d);
  sf::tensor<double, sf::shape<>, sf::cuda> sq = sf::reduce_sum(sf::square(d_iota_d - 1.0));
  CHECK(sf::to_host(sq)() == 22881335296.0);

  // 2^20 ones through CUB: 1048576 exactly; max/min of a constant are the constant.
  sf::tensor<float, sf::shape<1024, 1024>, sf::cuda> ones = sf::filled<float, sf::shape<1024, 1024>>(1.f);
  sf::tensor<float, sf::shape<>, sf::cuda> total = sf::reduce_sum(ones);
  CHECK(sf::to_host(total)() == 1048576.f);

  // Rows of 1024 (one block per row): each row sums to 1024; their mean is 1.
  sf::tensor<float, sf::shape<1024>, sf::cuda> rows = sf::reduce_sum<1>(ones);
  sf::tensor<float, sf::shape<1024>, sf::cuda> row_means = sf::reduce_mean<1>(ones * 3.f);
  const auto hr = sf::to_host(rows), hm = sf::to_host(row_means);
  std::size_t wrong = 0;
  for (std::size_t i = 0; i < 1024; ++i) wrong += (hr(i) != 1024.f) + (hm(i) != 3.f);
  CHECK(wrong == 0);

  // Leading and trailing axes of a larger varied tensor, against the host (relative error:
  // the summation orders differ and these sums are not exact).
  const auto x = pattern<float, sf::shape<300, 700>>(0.013f, -0.6f);
  const auto dx = sf::to_device(x);
  sf::tensor<float, sf::shape<700>> h0 = sf::reduce_sum<0>(x);
  sf::tensor<float, sf::shape<700>, sf::cuda> d0 = sf::reduce_sum<0>(dx);
  CHECK(max_rel_error(h0.view(), d0.view()) < 1e-5);
  sf::tensor<float, sf::shape<300>> h1 = sf::reduce_max<1>(sf::abs(x - 0.1f));
  sf::tensor<float, sf::shape<300>, sf::cuda> d1 = sf::reduce_max<1>(sf::abs(dx - 0.1f));
  CHECK(equal(h1.view(), d1.view()));
  sf::tensor<float, sf::shape<>> hall = sf::reduce_mean(x);
  sf::tensor<float, sf::shape<>, sf::cuda> dall = sf::reduce_mean(dx);
  CHECK(max_rel_error(hall.view(), dall.view(), 1e-3) < 1e-5);
}

TEST_CASE("cuda: reductions over leading axes (bias gradients) split tall columns over blocks", "[cuda][reduce]") {
  // A conv bias gradient's shape: [64 * 24 * 24, 6] summed over the rows. 36864 rows make 144
  // chunks, reduced again in a second pass.
  sf::tensor<float, sf::shape<36864, 6>, sf::cuda> ones = sf::filled<float, sf::shape<36864, 6>>(1.f);
  sf::tensor<float, sf::shape<6>, sf::cuda> counts = sf::reduce_sum<0>(ones);
  const auto hc = sf::to_host(counts);
  for (std::size_t c = 0; c < 6; ++c) CHECK(hc(c) == 36864.f);  // exact: integers below 2^24

  // The same over NHWC axes 0, 1, 2, a max, and a mean of a tall and a wide matrix, against the host.
  const auto x = pattern<float, sf::shape<64, 8, 8, 16>>(0.013f, -0.6f);
  const auto dx = sf::to_device(x);
  sf::tensor<float, sf::shape<16>> h_sum = sf::reduce_sum<0, 1, 2>(x);
  sf::tensor<float, sf::shape<16>, sf::cuda> d_sum = sf::reduce_sum<0, 1, 2>(dx);
  CHECK(max_rel_error(h_sum.view(), d_sum.view()) < 1e-5);
  sf::tensor<float, sf::shape<16>> h_max = sf::reduce_max<0, 1, 2>(x);
  sf::tensor<float, sf::shape<16>, sf::cuda> d_max = sf::reduce_max<0, 1, 2>(dx);
  CHECK(equal(h_max.view(), d_max.view()));
  const auto tall = pattern<double, sf::shape<70000, 3>>(0.5, -20.0);
  sf::tensor<double, sf::shape<3>> h_mean = sf::reduce_mean<0>(tall);
  sf::tensor<double, sf::shape<3>, sf::cuda> d_mean = sf::reduce_mean<0>(sf::to_device(tall));
  CHECK(max_rel_error(h_mean.view(), d_mean.view()) < 1e-12);
  const auto wide = pattern<float, sf::shape<100, 500>>(0.25f, -12.f);
  sf::tensor<float, sf::shape<500>> h_wide = sf::reduce_sum<0>(wide);
  sf::tensor<float, sf::shape<500>, sf::cuda> d_wide = sf::reduce_sum<0>(sf::to_device(wide));
  CHECK(max_rel_error(h_wide.view(), d_wide.view()) < 1e-5);
}

TEST_CASE("cuda: reductions with dyn extents and inside a larger expression", "[cuda][reduce]") {
  sf::tensor<float, sf::shape<sf::dyn, 70>> x(9);
  for (std::size_t i = 0; i < x.size(); ++i) x.data()[i] = static_cast<float>((i * 13) % 29) * 0.5f - 7.f;
  const auto dx = sf::to_device(x);
  // Centring: x - mean over rows, keepdims (the mean becomes a device temporary).
  sf::tensor<float, sf::shape<sf::dyn, 70>> h = x - sf::reduce_mean<1>(x, sf::keepdims);
  sf::tensor<float, sf::shape<sf::dyn, 70>, sf::cuda> d = dx - sf::reduce_mean<1>(dx, sf::keepdims);
  REQUIRE(d.dim(0) == 9);
  CHECK(max_rel_error(h.view(), d.view()) < 1e-6);
  // Each centred row sums to ~0.
  sf::tensor<float, sf::shape<sf::dyn>, sf::cuda> row_sums = sf::reduce_sum<1>(d);
  const auto hs = sf::to_host(row_sums);
  for (std::size_t r = 0; r < 9; ++r) CHECK(std::fabs(hs(r)) < 1e-4f);
}

// ---- argmax / argmin -------------------------------------------------------------------------------

TEST_CASE("cuda: argmax and argmin pick the first best index, as on the host", "[cuda][argmax]") {
  sf::tensor<float, sf::shape<2, 4>> small;
  const float v[] = {3, 9, 9, 1, /**/ -1, -5, 2, -5};
  for (std::size_t i = 0; i < 8; ++i) small.data()[i] = v[i];
  const auto ds = sf::to_device(small);
  sf::tensor<std::int64_t, sf::shape<2>, sf::cuda> amax = sf::argmax<1>(ds);
  sf::tensor<std::int64_t, sf::shape<2>, sf::cuda> amin = sf::argmin<1>(ds);
  sf::tensor<std::int64_t, sf::shape<4>, sf::cuda> amax0 = sf::argmax<0>(ds);
  const auto hmax = sf::to_host(amax), hmin = sf::to_host(amin);
  const auto hmax0 = sf::to_host(amax0);
  CHECK(hmax(0) == 1);  // 9 first appears at index 1
  CHECK(hmax(1) == 2);
  CHECK(hmin(0) == 3);
  CHECK(hmin(1) == 1);  // -5 first appears at index 1
  CHECK((hmax0(0) == 0 && hmax0(1) == 0 && hmax0(2) == 0 && hmax0(3) == 0));

  // A larger tensor full of ties (the pattern repeats every 101 elements), along every axis.
  const auto x = pattern<float, sf::shape<37, 129, 3>>(1.f, 0.f);
  const auto dx = sf::to_device(x);
  sf::tensor<std::int64_t, sf::shape<129, 3>> h0 = sf::argmax<0>(x);
  sf::tensor<std::int64_t, sf::shape<129, 3>, sf::cuda> d0 = sf::argmax<0>(dx);
  CHECK(equal(h0.view(), d0.view()));
  sf::tensor<std::int64_t, sf::shape<37, 3>> h1 = sf::argmin<1>(x);
  sf::tensor<std::int64_t, sf::shape<37, 3>, sf::cuda> d1 = sf::argmin<1>(dx);
  CHECK(equal(h1.view(), d1.view()));
  sf::tensor<std::int64_t, sf::shape<37, 129>> h2 = sf::argmax<-1>(sf::square(x - 50.f));
  sf::tensor<std::int64_t, sf::shape<37, 129>, sf::cuda> d2 = sf::argmax<-1>(sf::square(dx - 50.f));
  CHECK(equal(h2.view(), d2.view()));
}

// ---- GEMM -------------------------------------------------------------------------------------------
TEMPLATE_TEST_CASE("cuda: a dense layer's GEMM with its fused bias and relu epilogue matches the host",
                   "[cuda][matmul][fusion]", float, double) {
  // float goes through one cuBLASLt call (RELU_BIAS / BIAS epilogue), double through cuBLAS and
  // an epilogue kernel; both must give the host's values, with every transpose flag.
  using T = TestType;
  const double tol = std::is_same_v<T, float> ? 1e-5 : 1e-12;
  constexpr std::size_t m = 37, k = 70, n = 45;
  const auto a = pattern<T, sf::shape<m, k>>(T(0.01), T(-0.5));
  const auto at = pattern<T, sf::shape<k, m>>(T(0.01), T(-0.5));
  const auto b = pattern<T, sf::shape<k, n>>(T(-0.02), T(1));
  const auto bt = pattern<T, sf::shape<n, k>>(T(-0.02), T(1));
  const auto bias = pattern<T, sf::shape<n>>(T(0.3), T(-12));
  const auto da = sf::to_device(a);
  const auto dat = sf::to_device(at);
  const auto db = sf::to_device(b);
  const auto dbt = sf::to_device(bt);
  const auto dbias = sf::to_device(bias);

  sf::tensor<T, sf::shape<m, n>> h = sf::relu(sf::matmul(a, b) + bias);
  sf::tensor<T, sf::shape<m, n>, sf::cuda> d = sf::relu(sf::matmul(da, db) + dbias);
  const auto hd = sf::to_host(d);
  CHECK(std::count(hd.data(), hd.data() + hd.size(), T(0)) > 0);  // the relu clipped something
  CHECK(max_rel_error(h.view(), d.view()) < tol);
  h = sf::relu(bias + sf::matmul<true, false>(at, b));
  d = sf::relu(dbias + sf::matmul<true, false>(dat, db));
  CHECK(max_rel_error(h.view(), d.view()) < tol);
  h = sf::matmul<false, true>(a, bt) + bias;
  d = sf::matmul<false, true>(da, dbt) + dbias;
  CHECK(max_rel_error(h.view(), d.view()) < tol);
  h = sf::relu(sf::matmul<true, true>(at, bt) + bias);
  d = sf::relu(sf::matmul<true, true>(dat, dbt) + dbias);
  CHECK(max_rel_error(h.view(), d.view()) < tol);
}


TEMPLATE_TEST_CASE("cuda: matmul with every transpose flag matches the host", "[cuda][matmul]", float, double) {
  using T = TestType;
  const double tol = std::is_same_v<T, float> ? 1e-5 : 1e-12;
  constexpr std::size_t m = 33, k = 70, n = 45;
  const auto a = pattern<T, sf::shape<m, k>>(T(0.01), T(-0.5));
  const auto at = pattern<T, sf::shape<k, m>>(T(0.01), T(-0.5));
  const auto b = pattern<T, sf::shape<k, n>>(T(-0.02), T(1));
  const auto bt = pattern<T, sf::shape<n, k>>(T(-0.02), T(1));
  const auto da = sf::to_device(a);
  const auto dat = sf::to_device(at);
  const auto db = sf::to_device(b);
  const auto dbt = sf::to_device(bt);

  sf::tensor<T, sf::shape<m, n>> h = sf::matmul(a, b);
  sf::tensor<T, sf::shape<m, n>, sf::cuda> d = sf::matmul(da, db);
  CHECK(max_rel_error(h.view(), d.view()) < tol);
  h = sf::matmul<true, false>(at, b);
  d = sf::matmul<true, false>(dat, db);
  CHECK(max_rel_error(h.view(), d.view()) < tol);
  h = sf::matmul<false, true>(a, bt);
  d = sf::matmul<false, true>(da, dbt);
  CHECK(max_rel_error(h.view(), d.view()) < tol);
  h = sf::matmul<true, true>(at, bt);
  d = sf::matmul<true, true>(dat, dbt);
  CHECK(max_rel_error(h.view(), d.view()) < tol);

  // Hand-worked 2x3 * 3x2: [[1,2,3],[4,5,6]] * [[7,8],[9,10],[11,12]] = [[58,64],[139,154]].
  sf::tensor<T, sf::shape<2, 3>> p;
  sf::tensor<T, sf::shape<3, 2>> q;
  for (std::size_t i = 0; i < 6; ++i) p.data()[i] = T(i + 1), q.data()[i] = T(i + 7);
  sf::tensor<T, sf::shape<2, 2>, sf::cuda> pq = sf::matmul(sf::to_device(p), sf::to_device(q));
  const auto hpq = sf::to_host(pq);
  CHECK(hpq(0, 0) == T(58));
  CHECK(hpq(0, 1) == T(64));
  CHECK(hpq(1, 0) == T(139));
  CHECK(hpq(1, 1) == T(154));
}

TEST_CASE("cuda: a dense layer relu(x W + b) with a dyn batch matches the host", "[cuda][matmul]") {
  sf::tensor<float, sf::shape<sf::dyn, 20>> x(17);
  for (std::size_t i = 0; i < x.size(); ++i) x.data()[i] = static_cast<float>((i * 7) % 23) * 0.1f - 1.f;
  const auto w = pattern<float, sf::shape<20, 10>>(0.03f, -1.2f);
  const auto bias = pattern<float, sf::shape<10>>(0.1f, -2.f);
  const auto dx = sf::to_device(x);
  const auto dw = sf::to_device(w);
  const auto dbias = sf::to_device(bias);
  sf::tensor<float, sf::shape<sf::dyn, 10>> h = sf::relu(sf::matmul(x, w) + bias);
  sf::tensor<float, sf::shape<sf::dyn, 10>, sf::cuda> d = sf::relu(sf::matmul(dx, dw) + dbias);
  REQUIRE(d.dim(0) == 17);
  CHECK(max_rel_error(h.view(), d.view()) < 1e-5);
}

TEST_CASE("cuda: executor gemm honours alpha, beta, k = 0 and integer types", "[cuda][matmul]") {
  using ex = sf::executor<sf::cuda>;
  // C = 2 * A B + 0.5 C with A = [[1,2],[3,4]], B = I, C = all 4: [[4,6],[8,10]].
  const std::vector<float> a{1, 2, 3, 4}, eye{1, 0, 0, 1}, c0{4, 4, 4, 4};
  float* da = sf::memory<sf::cuda>::allocate<float>(4);
  float* db = sf::memory<sf::cuda>::allocate<float>(4);
  float* dc = sf::memory<sf::cuda>::allocate<float>(4);
  sf::memory<sf::cuda>::from_host(da, a.data(), 4);
  sf::memory<sf::cuda>::from_host(db, eye.data(), 4);
  sf::memory<sf::cuda>::from_host(dc, c0.data(), 4);
  ex::gemm(false, false, 2, 2, 2, 2.f, da, db, 0.5f, dc);
  std::vector<float> c(4);
  sf::memory<sf::cuda>::to_host(c.data(), dc, 4);
  CHECK(c == std::vector<float>{4, 6, 8, 10});
  // k = 0: the product is empty, C = beta C = [[2,3],[4,5]].
  ex::gemm(false, false, 2, 2, 0, 1.f, da, db, 0.5f, dc);
  sf::memory<sf::cuda>::to_host(c.data(), dc, 4);
  CHECK(c == std::vector<float>{2, 3, 4, 5});
  for (float* p : {da, db, dc}) sf::memory<sf::cuda>::deallocate(p, 4);

  // int32 through the fallback kernel, transposed A: A^T = [[1,3],[2,4]] times [[1,1],[1,0]] = [[4,1],[6,2]].
  sf::tensor<std::int32_t, sf::shape<2, 2>> ai, bi;
  const std::int32_t av[] = {1, 2, 3, 4}, bv[] = {1, 1, 1, 0};
  for (std::size_t i = 0; i < 4; ++i) ai.data()[i] = av[i], bi.data()[i] = bv[i];
  sf::tensor<std::int32_t, sf::shape<2, 2>, sf::cuda> ci = sf::matmul<true, false>(sf::to_device(ai), sf::to_device(bi));
  const auto hci = sf::to_host(ci);
  CHECK(hci(0, 0) == 4);
  CHECK(hci(0, 1) == 1);
  CHECK(hci(1, 0) == 6);
  CHECK(hci(1, 1) == 2);
}

// ---- memory -----------------------------------------------------------------------------------------

TEST_CASE("cuda: memory errors are exceptions that say what happened", "[cuda][memory]") {
  using mem = sf::memory<sf::cuda>;
  // 2^50 bytes (1 PiB) is more than any GPU has.
  try {
    mem::allocate<std::byte>(std::size_t{1} << 50);
    FAIL("a 1 PiB allocation succeeded");
  } catch (const sf::resource_exhausted& e) {
    const std::string msg = e.what();
    CHECK(msg.find("1125899906842624 bytes") != std::string::npos);
    CHECK(msg.find("free") != std::string::npos);
  }
  CHECK_THROWS_AS(mem::allocate<double>(static_cast<std::size_t>(-1) / 4), sf::resource_exhausted);
  // The failure left no sticky error: ordinary work still runs.
  sf::tensor<float, sf::shape<8>, sf::cuda> ok = sf::filled<float, sf::shape<8>>(1.f);
  CHECK(sf::to_host(ok)(7) == 1.f);

  // A copy from an address that is not device memory is reported with the call and the CUDA error.
  float* dst = mem::allocate<float>(4);
  try {
    mem::copy(dst, reinterpret_cast<const float*>(std::uintptr_t{16}), 4);
    FAIL("a copy from address 16 succeeded");
  } catch (const sf::internal_error& e) {
    const std::string msg = e.what();
    CHECK(msg.find("cudaMemcpy") != std::string::npos);
    CHECK(msg.find("memory.cuh") != std::string::npos);
  }
  mem::deallocate(dst, 4);
}

TEST_CASE("cuda: freed blocks are reused without cudaMalloc, and can be released", "[cuda][memory]") {
  using mem = sf::memory<sf::cuda>;
  sf::cuda_release_cached_memory();
  CHECK(sf::cuda_cached_bytes() == 0);
  float* p = mem::allocate<float>(1000);
  mem::deallocate(p, 1000);
  CHECK(sf::cuda_cached_bytes() == 4096);  // 4000 bytes round up to the 4096-byte bucket
  float* q = mem::allocate<float>(900);    // 3600 bytes: the same bucket, the same block
  CHECK(q == p);
  CHECK(sf::cuda_cached_bytes() == 0);
  mem::deallocate(q, 900);
  CHECK(sf::cuda_release_cached_memory() == 4096);
  CHECK(sf::cuda_cached_bytes() == 0);
  CHECK(mem::allocate<float>(0) == nullptr);
}
