// SPDX-License-Identifier: MIT
/// \file
/// \brief The CUDA umbrella: everything in staticflow.hpp plus the `sf::cuda` policy's kernels.
///
/// Include it from `.cu` files compiled by nvcc (link `staticflow::cuda`: cudart and cuBLAS).
/// Host-only translation units include `staticflow/staticflow.hpp` and never see CUDA headers;
/// `staticflow/device/cuda/device_query.hpp` alone is usable from host `.cpp` files that link
/// cudart, to ask whether a GPU exists.
#pragma once
#ifndef STATICFLOW_CUDA_HPP
#define STATICFLOW_CUDA_HPP

#if !defined(__CUDACC__)
#error "staticflow/cuda.hpp holds CUDA kernels: include it only from .cu files compiled by nvcc (host code includes staticflow/staticflow.hpp; GPU detection alone: staticflow/device/cuda/device_query.hpp)"
#endif

#include "staticflow/staticflow.hpp"

#include "staticflow/device/cuda/error.hpp"
#include "staticflow/device/cuda/device_query.hpp"
#include "staticflow/device/cuda/algorithms.hpp"
#include "staticflow/device/cuda/stream.cuh"
#include "staticflow/device/cuda/memory.cuh"
#include "staticflow/device/cuda/kernels.cuh"
#include "staticflow/device/cuda/executor.cuh"
#include "staticflow/device/cuda/transfer.cuh"
#include "staticflow/device/cuda/conv2d.cuh"
#include "staticflow/device/cuda/pool2d.cuh"
#endif  // STATICFLOW_CUDA_HPP
