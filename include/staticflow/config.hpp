// SPDX-License-Identifier: MIT
/// \file
/// \brief Version, the host/device function macro and library-wide switches.
#pragma once
#ifndef STATICFLOW_CONFIG_HPP
#define STATICFLOW_CONFIG_HPP

#define SF_VERSION_MAJOR 0
#define SF_VERSION_MINOR 1
#define SF_VERSION_PATCH 0

// SF_HD marks functions that run on both the host and a CUDA device. Outside
// nvcc it expands to nothing, so host-only users never need CUDA installed.
#if defined(__CUDACC__)
#define SF_HD __host__ __device__
#define SF_HD_INLINE __host__ __device__ __forceinline__
#else
#define SF_HD
#define SF_HD_INLINE inline
#endif

// SF_UNROLL(n) asks the host compiler to unroll the next loop n times (register-blocked
// kernels keep their accumulators in registers only when the loop over them is unrolled).
// Nothing under nvcc, whose front end does not know GCC's spelling.
#define SF_PRAGMA(text) _Pragma(#text)
#if defined(__GNUC__) && !defined(__CUDACC__)
#define SF_UNROLL(n) SF_PRAGMA(GCC unroll n)
#else
#define SF_UNROLL(n)
#endif

namespace staticflow {
/// Everything lives in one namespace; users write `namespace sf = staticflow;`.
}  // namespace staticflow
#endif  // STATICFLOW_CONFIG_HPP
