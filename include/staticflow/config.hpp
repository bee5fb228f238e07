// SPDX-License-Identifier: MIT
/// \file
/// \brief Version, the host/device function macro and library-wide switches.
#pragma once
#ifndef STATICFLOW_CONFIG_HPP
#define STATICFLOW_CONFIG_HPP

// The one place the version is written: CMake's project(VERSION), staticflowConfigVersion.cmake
// and staticflow.pc read it from these three lines (cmake/StaticflowPackage.cmake), and the
// package tests check that what each consumer builds against says the same.
#define STATICFLOW_VERSION_MAJOR 0
#define STATICFLOW_VERSION_MINOR 1
#define STATICFLOW_VERSION_PATCH 0
/// The version as one number, major * 10000 + minor * 100 + patch (0.1.0 is 100).
#define STATICFLOW_VERSION \
  (STATICFLOW_VERSION_MAJOR * 10000 + STATICFLOW_VERSION_MINOR * 100 + STATICFLOW_VERSION_PATCH)
// The short spellings, kept for code that used them.
#define SF_VERSION_MAJOR STATICFLOW_VERSION_MAJOR
#define SF_VERSION_MINOR STATICFLOW_VERSION_MINOR
#define SF_VERSION_PATCH STATICFLOW_VERSION_PATCH

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
