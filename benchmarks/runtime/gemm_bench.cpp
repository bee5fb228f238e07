// SPDX-License-Identifier: MIT
/// \file
/// \brief Single-precision GEMM: `c = sf::matmul(a, b)` (staticflow's packed kernel on slices
/// split over the OpenMP team) against OpenBLAS's cblas_sgemm and Eigen's own threaded product.
///
/// Shapes: a square 1024^3 product and the MLP's first layer, [100,784] x [784,500]. Both
/// contenders read the same operands and use the same thread count (OMP_NUM_THREADS, default
/// all cores); GFLOP/s counts 2*M*N*K per product.
#include <cmath>
#include <cstddef>
#include <chrono>
#include <string>
#include <thread>

#include <Eigen/Core>
#include <benchmark/benchmark.h>

#if defined(_OPENMP)
#include <omp.h>
#endif

#if defined(SF_HAVE_OPENBLAS)
#include <cblas.h>
// Not every cblas.h declares OpenBLAS's extensions; an identical redeclaration is harmless.
extern "C" void openblas_set_num_threads(int num_threads);
extern "C" int openblas_get_num_threads(void);
#endif

#include "staticflow/staticflow.hpp"

namespace sf = staticflow;

namespace {

int thread_count() {
#if defined(_OPENMP)
  return omp_get_max_threads();
#else
  return 1;
#endif
}

/// Operands of an M x K by K x N product with static shapes, filled once with small exact values.
template <std::size_t M, std::size_t K, std::size_t N>
struct problem {
  sf::tensor<float, sf::shape<M, K>> a;
  sf::tensor<float, sf::shape<K, N>> b;
  sf::tensor<float, sf::shape<M, N>> c;
  static constexpr double flops = 2.0 * double(M) * double(N) * double(K);

  problem() {
    for (std::size_t i = 0; i < M; ++i)
      for (std::size_t k = 0; k < K; ++k) a(i, k) = float(int((i * 7 + k * 3) % 17) - 8) / 8.0f;
    for (std::size_t k = 0; k < K; ++k)
      for (std::size_t j = 0; j < N; ++j) b(k, j) = float(int((k * 5 + j * 11) % 13) - 6) / 8.0f;
  }

  static problem& get() {
    static problem p;
    return p;
  }

  /// Checks a few entries of `out` against a scalar dot product.
  bool check(benchmark::State& state, const float* out) const {
    for (std::size_t i = 0; i < M; i += M / 7 + 1)
      for (std::size_t j = 0; j < N; j += N / 5 + 1) {
        double want = 0;
        for (std::size_t k = 0; k < K; ++k) want += double(a(i, k)) * double(b(k, j));
        if (std::abs(out[i * N + j] - want) > 1e-3 * (1.0 + std::abs(want))) {
          state.SkipWithError(("wrong value at (" + std::to_string(i) + ", " + std::to_string(j) + ")").c_str());
          return false;
        }
      }
    return true;
  }
};

/// Lets the other library's worker threads go to sleep before a contender starts: OpenBLAS's
/// workers spin for about 2^28 cycles (~0.1 s) after a call, and with interleaved runs on two
/// cores that spinning would steal a core from the next contender (measuring oversubscription,
/// not GEMM). Called outside the timed loop.
void settle() { std::this_thread::sleep_for(std::chrono::milliseconds(250)); }

void set_counters(benchmark::State& state, double flops) {
  state.counters["GFLOP/s"] = benchmark::Counter(flops * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
  state.counters["threads"] = thread_count();
}

template <std::size_t M, std::size_t K, std::size_t N>
void gemm_staticflow(benchmark::State& state) {
  auto& p = problem<M, K, N>::get();
  settle();
  for (auto _ : state) {
    p.c = sf::matmul(p.a, p.b);
    benchmark::ClobberMemory();
  }
  if (p.check(state, p.c.data())) set_counters(state, p.flops);
}
BENCHMARK(gemm_staticflow<1024, 1024, 1024>)->Name("sgemm_1024x1024x1024/staticflow")->UseRealTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK(gemm_staticflow<100, 784, 500>)->Name("sgemm_100x784x500/staticflow")->UseRealTime()
    ->Unit(benchmark::kMicrosecond);

/// Eigen's own threaded product on the same operands (what staticflow's host GEMM was before it
/// split products over its OpenMP team itself): the before/after of that change, in one run.
template <std::size_t M, std::size_t K, std::size_t N>
void gemm_eigen_threaded(benchmark::State& state) {
  using mat = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  auto& p = problem<M, K, N>::get();
  sf::tensor<float, sf::shape<M, N>> c;
  Eigen::Map<const mat> a(p.a.data(), M, K), b(p.b.data(), K, N);
  Eigen::Map<mat> out(c.data(), M, N);
  settle();
  for (auto _ : state) {
    out.noalias() = a * b;
    benchmark::ClobberMemory();
  }
  if (p.check(state, c.data())) set_counters(state, p.flops);
}
BENCHMARK(gemm_eigen_threaded<1024, 1024, 1024>)->Name("sgemm_1024x1024x1024/eigen_threaded")->UseRealTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK(gemm_eigen_threaded<100, 784, 500>)->Name("sgemm_100x784x500/eigen_threaded")->UseRealTime()
    ->Unit(benchmark::kMicrosecond);

#if defined(SF_HAVE_OPENBLAS)
template <std::size_t M, std::size_t K, std::size_t N>
void gemm_openblas(benchmark::State& state) {
  auto& p = problem<M, K, N>::get();
  sf::tensor<float, sf::shape<M, N>> c;
  settle();
  for (auto _ : state) {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, int(M), int(N), int(K), 1.0f, p.a.data(), int(K),
                p.b.data(), int(N), 0.0f, c.data(), int(N));
    benchmark::ClobberMemory();
  }
  if (p.check(state, c.data())) set_counters(state, p.flops);
}
BENCHMARK(gemm_openblas<1024, 1024, 1024>)->Name("sgemm_1024x1024x1024/openblas")->UseRealTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK(gemm_openblas<100, 784, 500>)->Name("sgemm_100x784x500/openblas")->UseRealTime()
    ->Unit(benchmark::kMicrosecond);
#endif

}  // namespace

int main(int argc, char** argv) {
  const int threads = thread_count();
  Eigen::setNbThreads(threads);
#if defined(SF_HAVE_OPENBLAS)
  openblas_set_num_threads(threads);
#endif
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::AddCustomContext("threads (Eigen and OpenBLAS)", std::to_string(threads));
#if defined(SF_HAVE_OPENBLAS)
  benchmark::AddCustomContext("OpenBLAS threads", std::to_string(openblas_get_num_threads()));
#else
  benchmark::AddCustomContext("OpenBLAS", "not found: staticflow runs alone");
#endif
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
