// SPDX-License-Identifier: MIT
/// \file
/// \brief max_pool2d / avg_pool2d on CUDA: `device_kernel<pool2d_kernels<...>, cuda>`, a thread
/// per output (forward) or per input cell (backward; a tiling window's cell has one window).
#pragma once
#ifndef STATICFLOW_DEVICE_CUDA_POOL2D_CUH
#define STATICFLOW_DEVICE_CUDA_POOL2D_CUH

#include "staticflow/device/cuda/executor.cuh"
#include "staticflow/expr/conv.hpp"
#include "staticflow/ops/conv.hpp"

namespace staticflow {

template <bool Max, std::size_t KH, std::size_t KW>
struct device_kernel<pool2d_kernels<Max, KH, KW>, cuda> {
  using ex = executor<cuda>;
  template <class T>
  static void forward(T* y, const T* x, const ops::window_geometry& g) {
    ex::for_each(ops::pool_forward<T, Max>::count(g), ops::pool_forward<T, Max>{y, x, g});
  }
  template <class T>
  static void backward(T* dx, const T* x, const T* gy, const ops::window_geometry& g) {
    if (ops::windows_tile(g)) ex::for_each(g.positions(), ops::pool_backward_tiled<T, Max>{dx, x, gy, g});
    else ex::for_each(g.n * g.h * g.w * g.c, ops::pool_backward<T, Max>{dx, x, gy, g});
  }
};

}  // namespace staticflow
#endif  // STATICFLOW_DEVICE_CUDA_POOL2D_CUH
