// SPDX-License-Identifier: MIT
/// \file
/// \brief Version, the host/device function macro and library-wide switches.
#pragma once

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

namespace staticflow {
/// Everything lives in one namespace; users write `namespace sf = staticflow;`.
}  // namespace staticflow
