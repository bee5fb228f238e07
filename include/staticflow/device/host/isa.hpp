// SPDX-License-Identifier: MIT
/// \file
/// \brief Which vector instructions the host kernels run with: chosen at run time, once per
/// process, so a program built with the compiler's default target (plain `-O2`, no `-march`)
/// runs its products, convolutions and elementwise passes as fast as a `-march=native` build.
///
/// Each hot kernel is a template on its vector width in bytes (16: SSE2, 32: AVX2 + FMA,
/// 64: AVX-512). `with_simd(f)` calls `f(simd_width<B>{})` for the widest width this processor
/// has, through a function compiled for that instruction set (`[[gnu::target]]`) and flattened
/// (`[[gnu::flatten]]`: `f` and everything it calls are compiled into it, so the kernel's code
/// is generated for the wider set): for code that does its vector work itself (a GEMM block).
/// A kernel run index by index by the executor's thread team goes through `select_simd(f)`,
/// which only picks the width, and is wrapped in `simd_kernel<B, K>`, whose call is compiled
/// for the width's set (the team's threads run code compiled for the default target).
///
/// Widths the compiler already targets by default are not dispatched: a `-march=x86-64-v3`
/// build has the AVX2 and AVX-512 versions, a `-march=native` build on an AVX-512 machine just
/// one, and its cost is one well-predicted branch per kernel call. Why not `target_clones`:
/// GCC does not clone templates, and the width changes the kernels' tiling (registers per
/// tile, filters per block), not only the instructions. The targets list features, not
/// `arch=`, because GCC inlines only into a function of the same `arch`. A kernel's own body
/// is optimised once for the default target before it is inlined: a vector comparison kept as
/// an integer mask there is lowered lane by lane in the AVX-512 function (AVX-512 compares into
/// mask registers), so kernels that compare and select stay at AVX2's width (pool2d.hpp).
///
/// Define `SF_HOST_ISA_DISPATCH=0` to build only the default target's kernels (smaller and
/// faster to compile; the speed is then what the compiler flags give).
#pragma once
#ifndef STATICFLOW_DEVICE_HOST_ISA_HPP
#define STATICFLOW_DEVICE_HOST_ISA_HPP

#include <cstddef>
#include <cstdlib>

#include "staticflow/device/host/vector.hpp"

// GCC only: Clang's flatten inlines one level of calls, not the kernels' whole call trees, so
// its AVX-512 kernels would call helpers compiled for the default target. Clang builds, and
// nvcc's host passes, run the kernels at the width the compiler flags give.
#if !defined(SF_HOST_ISA_DISPATCH)
#if (defined(__x86_64__) || defined(__i386__)) && defined(__GNUC__) && !defined(__clang__) && !defined(__CUDACC__)
#define SF_HOST_ISA_DISPATCH 1
#else
#define SF_HOST_ISA_DISPATCH 0
#endif
#endif

namespace staticflow::ops {

/// A vector width, in bytes, as a type: the kernels' template argument.
template <std::size_t Bytes>
struct simd_width {
  static constexpr std::size_t bytes = Bytes;
};

#if SF_HOST_ISA_DISPATCH

/// The widest vector width this processor (and its operating system, which must save the
/// wider registers) supports: 64, 32 or 16 bytes, capped by the environment variable
/// `SF_HOST_MAX_VECTOR_BYTES` (16 or 32: to run as an older processor would, or to compare).
/// Asked once; `__builtin_cpu_supports` checks the OS's register support as well as CPUID.
inline std::size_t host_vector_bytes() noexcept {
  static const std::size_t bytes = [] {
    __builtin_cpu_init();
    std::size_t widest = 16;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) widest = 32;
    if (widest == 32 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
        __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl"))
      widest = 64;
    const char* cap = std::getenv("SF_HOST_MAX_VECTOR_BYTES");
    char* end = nullptr;
    const std::size_t asked = cap ? std::strtoul(cap, &end, 10) : 0;
    const std::size_t most = cap && end != cap ? asked : 64;  // unset, empty or not a number: no cap
    while (widest > 16 && widest > most) widest /= 2;
    return widest < vector_bytes ? vector_bytes : widest;  // the build's own target is always there
  }();
  return bytes;
}

namespace detail {

// x86-64-v3's and -v4's instruction sets, as features (see the file comment).
#define SF_TARGET_AVX2 "avx,avx2,fma,f16c,bmi,bmi2,lzcnt,movbe,popcnt,sse4.2"
#define SF_TARGET_AVX512 SF_TARGET_AVX2 ",avx512f,avx512bw,avx512cd,avx512dq,avx512vl"

template <class F>
[[gnu::target(SF_TARGET_AVX512), gnu::flatten]] inline void run_avx512(F& f) {
  f(simd_width<64>{});
}
template <class F>
[[gnu::target(SF_TARGET_AVX2), gnu::flatten]] inline void run_avx2(F& f) {
  f(simd_width<32>{});
}

}  // namespace detail

/// f(simd_width<B>{}), compiled for and run with the widest vector instructions this
/// processor has (see the file comment).
template <class F>
inline void with_simd(F&& f) {
  if constexpr (vector_bytes < 64)
    if (host_vector_bytes() >= 64) return detail::run_avx512(f);
  if constexpr (vector_bytes < 32)
    if (host_vector_bytes() >= 32) return detail::run_avx2(f);
  f(simd_width<vector_bytes>{});
}

/// f(simd_width<B>{}) for the widest width this processor has, compiled as the caller is:
/// `f` chooses kernel types (`simd_kernel`s) and hands them to the executor.
template <class F>
inline void select_simd(F&& f) {
  if constexpr (vector_bytes < 64)
    if (host_vector_bytes() >= 64) return f(simd_width<64>{});
  if constexpr (vector_bytes < 32)
    if (host_vector_bytes() >= 32) return f(simd_width<32>{});
  f(simd_width<vector_bytes>{});
}

/// The per-index kernel `K` (`k(i)`, with its static members) with its call compiled for the
/// instruction set of `Bytes`-wide vectors. The call runs a local copy of the kernel: its
/// pointers and sizes are then known not to change under its own stores and stay in
/// registers (through `this`, every store would reload them).
template <std::size_t Bytes, class K>
struct simd_kernel : K {
  void operator()(std::size_t i) const { K::operator()(i); }
};
template <class K>
struct simd_kernel<64, K> : K {
  [[gnu::target(SF_TARGET_AVX512), gnu::flatten]] void operator()(std::size_t i) const {
    const K kernel = *this;
    kernel(i);
  }
};
template <class K>
struct simd_kernel<32, K> : K {
  [[gnu::target(SF_TARGET_AVX2), gnu::flatten]] void operator()(std::size_t i) const {
    const K kernel = *this;
    kernel(i);
  }
};

#else

inline std::size_t host_vector_bytes() noexcept { return vector_bytes; }

template <class F>
inline void with_simd(F&& f) {
  f(simd_width<vector_bytes>{});
}
template <class F>
inline void select_simd(F&& f) {
  f(simd_width<vector_bytes>{});
}
template <std::size_t Bytes, class K>
struct simd_kernel : K {};

#endif

}  // namespace staticflow::ops
#endif  // STATICFLOW_DEVICE_HOST_ISA_HPP
