// SPDX-License-Identifier: MIT
/// \file
/// \brief Fused elementwise evaluation against Eigen arrays and a STREAM-like triad over 16M floats.
///
/// Every contender uses the same thread count (OMP_NUM_THREADS, default all cores): staticflow
/// splits its fused pass with OpenMP; Eigen does not thread coefficient-wise expressions itself,
/// so its contenders run the same Eigen expression on per-thread segments inside one OpenMP
/// region (otherwise the comparison would measure thread counts, not fusion). Bytes are counted
/// as STREAM does: every array element read or written once, without write-allocate traffic.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>

#include <Eigen/Core>
#include <benchmark/benchmark.h>

#if defined(_OPENMP)
#include <omp.h>
#endif

#include "staticflow/staticflow.hpp"

namespace sf = staticflow;

namespace {

constexpr std::size_t n = std::size_t{1} << 24;  // 16M floats: 64 MiB per array, past any cache
constexpr float triad_scalar = 3.0f;
using vec = sf::tensor<float, sf::shape<sf::dyn>>;

int thread_count() {
#if defined(_OPENMP)
  return omp_get_max_threads();
#else
  return 1;
#endif
}

/// The inputs and outputs of every contender, allocated and touched once before any timing.
struct arrays {
  vec a{n}, b{n}, c{n}, r{n};
  Eigen::ArrayXf ea, eb, ec, er;
  Eigen::ArrayXf t[6];  // the naive library's temporaries, one per operation

  arrays() {
    // Deterministic values without a generator: b + 2 stays well away from zero.
    for (std::size_t i = 0; i < n; ++i) {
      a(i) = float(int(i % 97) - 48) / 16.0f;
      b(i) = float(int(i % 89) - 44) / 32.0f;
      c(i) = float(int(i % 83) - 41) / 8.0f;
      r(i) = 0.0f;
    }
    const auto len = Eigen::Index(n);
    ea = Eigen::Map<const Eigen::ArrayXf>(a.data(), len);
    eb = Eigen::Map<const Eigen::ArrayXf>(b.data(), len);
    ec = Eigen::Map<const Eigen::ArrayXf>(c.data(), len);
    er = Eigen::ArrayXf::Zero(len);
    for (auto& tmp : t) tmp = Eigen::ArrayXf::Zero(len);
  }
};

arrays& data() {
  static arrays d;
  return d;
}

/// Runs `f(first, count)` on one contiguous segment per OpenMP thread (64-byte aligned splits).
template <class F>
void segments(const F& f) {
#if defined(_OPENMP)
#pragma omp parallel
  {
    const auto threads = std::size_t(omp_get_num_threads()), id = std::size_t(omp_get_thread_num());
    const std::size_t per = (n / threads + 15) / 16 * 16;
    const std::size_t first = std::min(n, id * per), last = std::min(n, first + per);
    if (last > first) f(Eigen::Index(first), Eigen::Index(last - first));
  }
#else
  f(Eigen::Index(0), Eigen::Index(n));
#endif
}

float fma_ref(float a, float b, float c) { return a * b + c; }
float chain_ref(float a, float b, float c) {
  const float x = a * b + c;
  return (x > 0.0f ? x : 0.0f) * 0.5f - a / (b + 2.0f);
}

/// Compares a sample of the result with a scalar reference; a wrong contender is reported, not timed.
template <class Ref>
bool check(benchmark::State& state, const float* out, Ref ref, bool triad = false) {
  const auto& d = data();
  for (std::size_t i = 0; i < n; i += 9973) {
    const float want = triad ? d.a.data()[i] + triad_scalar * d.b.data()[i] : ref(d.a.data()[i], d.b.data()[i], d.c.data()[i]);
    if (std::abs(out[i] - want) > 1e-5f * (1.0f + std::abs(want))) {
      state.SkipWithError(("wrong value at " + std::to_string(i)).c_str());
      return false;
    }
  }
  return true;
}

void set_bytes(benchmark::State& state, std::size_t arrays_touched) {
  state.SetBytesProcessed(std::int64_t(state.iterations()) * std::int64_t(arrays_touched * n * sizeof(float)));
  state.counters["threads"] = thread_count();
}

// ---- reference: the memory-bandwidth bound -------------------------------------------------------

void triad_openmp(benchmark::State& state) {
  auto& d = data();
  const float* __restrict a = d.a.data();
  const float* __restrict b = d.b.data();
  float* __restrict r = d.r.data();
  const auto count = std::ptrdiff_t(n);
  for (auto _ : state) {
#pragma omp parallel for simd schedule(static)
    for (std::ptrdiff_t i = 0; i < count; ++i) r[i] = a[i] + triad_scalar * b[i];
    benchmark::ClobberMemory();
  }
  if (check(state, r, fma_ref, true)) set_bytes(state, 3);
}
BENCHMARK(triad_openmp)->Name("triad/openmp_loop")->UseRealTime()->Unit(benchmark::kMillisecond);

// ---- r = a * b + c ----------------------------------------------------------------------------------

void fma_staticflow(benchmark::State& state) {
  auto& d = data();
  for (auto _ : state) {
    d.r = d.a * d.b + d.c;
    benchmark::ClobberMemory();
  }
  if (check(state, d.r.data(), fma_ref)) set_bytes(state, 4);
}
BENCHMARK(fma_staticflow)->Name("fma/staticflow_fused")->UseRealTime()->Unit(benchmark::kMillisecond);

void fma_eigen(benchmark::State& state) {
  auto& d = data();
  for (auto _ : state) {
    segments([&](Eigen::Index i, Eigen::Index len) {
      d.er.segment(i, len) = d.ea.segment(i, len) * d.eb.segment(i, len) + d.ec.segment(i, len);
    });
    benchmark::ClobberMemory();
  }
  if (check(state, d.er.data(), fma_ref)) set_bytes(state, 4);
}
BENCHMARK(fma_eigen)->Name("fma/eigen_fused")->UseRealTime()->Unit(benchmark::kMillisecond);

// ---- r = relu(a * b + c) * 0.5 - a / (b + 2): seven operations, three inputs ---------------------

void chain_staticflow(benchmark::State& state) {
  auto& d = data();
  for (auto _ : state) {
    d.r = sf::relu(d.a * d.b + d.c) * 0.5f - d.a / (d.b + 2.0f);
    benchmark::ClobberMemory();
  }
  if (check(state, d.r.data(), chain_ref)) set_bytes(state, 4);
}
BENCHMARK(chain_staticflow)->Name("chain/staticflow_fused")->UseRealTime()->Unit(benchmark::kMillisecond);

void chain_eigen_fused(benchmark::State& state) {
  auto& d = data();
  for (auto _ : state) {
    segments([&](Eigen::Index i, Eigen::Index len) {
      const auto a = d.ea.segment(i, len), b = d.eb.segment(i, len), c = d.ec.segment(i, len);
      d.er.segment(i, len) = (a * b + c).max(0.0f) * 0.5f - a / (b + 2.0f);
    });
    benchmark::ClobberMemory();
  }
  if (check(state, d.er.data(), chain_ref)) set_bytes(state, 4);
}
BENCHMARK(chain_eigen_fused)->Name("chain/eigen_fused")->UseRealTime()->Unit(benchmark::kMillisecond);

/// What a library without expression templates does: every operation is its own pass into its
/// own array. The temporaries are allocated once (a real naive library would also allocate them
/// each time, which would only make it slower), and each pass is threaded like the others.
void chain_eigen_temporaries(benchmark::State& state) {
  auto& d = data();
  auto pass = [](auto&& out, const auto& expr) {
    segments([&](Eigen::Index i, Eigen::Index len) { out.segment(i, len) = expr.segment(i, len); });
  };
  auto& t = d.t;
  for (auto _ : state) {
    pass(t[0], d.ea * d.eb);
    pass(t[1], t[0] + d.ec);
    pass(t[2], t[1].max(0.0f));
    pass(t[3], t[2] * 0.5f);
    pass(t[4], d.eb + 2.0f);
    pass(t[5], d.ea / t[4]);
    pass(d.er, t[3] - t[5]);
    benchmark::ClobberMemory();
  }
  if (check(state, d.er.data(), chain_ref)) set_bytes(state, 4);  // the same useful bytes as the fused ones
}
BENCHMARK(chain_eigen_temporaries)->Name("chain/eigen_temporaries")->UseRealTime()->Unit(benchmark::kMillisecond);

}  // namespace

int main(int argc, char** argv) {
  Eigen::setNbThreads(thread_count());
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::AddCustomContext("threads (OpenMP, all contenders)", std::to_string(thread_count()));
  benchmark::AddCustomContext("elements per array", std::to_string(n));
  data();  // allocate and touch everything before the first timing
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
