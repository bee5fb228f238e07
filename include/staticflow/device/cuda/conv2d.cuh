// SPDX-License-Identifier: MIT
/// \file
/// \brief conv2d on CUDA: `device_kernel<conv2d_kernels, cuda>`, im2col into a workspace block
/// plus one cuBLAS GEMM (the HWIO filter already is the [kh * kw * c, f] matrix). The filter
/// gradient is the transposed GEMM on the same im2col matrix, the input gradient a GEMM then a
/// gathering col2im: a thread per element written, the GPU's natural grain.
#pragma once
#ifndef STATICFLOW_DEVICE_CUDA_CONV2D_CUH
#define STATICFLOW_DEVICE_CUDA_CONV2D_CUH

#include <cstdint>

#include "staticflow/device/cuda/executor.cuh"
#include "staticflow/expr/conv.hpp"
#include "staticflow/ops/conv.hpp"

namespace staticflow {

template <>
struct device_kernel<conv2d_kernels, cuda> {
  using ex = executor<cuda>;

  template <class T, class Tmp>
  static void forward(T* out, const T* x, const T* f, const ops::window_geometry& g, std::size_t filters, Tmp& tmp) {
    ex::gemm(false, false, g.positions(), filters, g.patch(), T(1), columns(x, g, tmp), f, T(0), out);
  }

  template <class T, class Tmp>
  static void input_grad(T* dx, const T* f, const T* gy, const ops::window_geometry& g, std::size_t filters, Tmp& tmp) {
    const bool identity = g.kh == 1 && g.kw == 1 && g.sh == 1 && g.sw == 1;
    T* dcol = identity ? dx : tmp.template make<T, shape<dyn, dyn>>(dims_t<shape<dyn, dyn>>{g.positions(), g.patch()}).data();
    ex::gemm(false, true, g.positions(), g.patch(), filters, T(1), gy, f, T(0), dcol);
    if (!identity) ex::for_each(ops::col2im_element<T>::count(g), ops::col2im_element<T>{dx, dcol, g});
  }

  template <class T, class Tmp>
  static void filter_grad(T* df, const T* x, const T* gy, const ops::window_geometry& g, std::size_t filters, Tmp& tmp) {
    ex::gemm(true, false, g.patch(), filters, g.positions(), T(1), columns(x, g, tmp), gy, T(0), df);
  }

 private:
  /// The im2col matrix [positions, patch] of x: x itself for a 1x1, stride-1 filter. Built once
  /// per run: the filter gradient reuses the forward pass's matrix (found by the input's address
  /// and the window, which identify it within a run).
  template <class T, class Tmp>
  static const T* columns(const T* x, const ops::window_geometry& g, Tmp& tmp) {
    if (g.kh == 1 && g.kw == 1 && g.sh == 1 && g.sw == 1) return x;
    node_id key;
    key.value = reinterpret_cast<std::uintptr_t>(x) ^ (g.kh << 56) ^ (g.kw << 48) ^ (g.sh << 40) ^ (g.sw << 32) ^
                (g.pad_top << 24) ^ (g.pad_left << 16) ^ (std::uint64_t{1} << 63);
    if (void* done = tmp.find(key)) return static_cast<const T*>(done);
    auto col = tmp.template make<T, shape<dyn, dyn>>(dims_t<shape<dyn, dyn>>{g.positions(), g.patch()});
    ex::for_each(ops::im2col_element<T>::count(g), ops::im2col_element<T>{col.data(), x, g});
    tmp.remember(key, col.data());
    return col.data();
  }
};

}  // namespace staticflow
#endif  // STATICFLOW_DEVICE_CUDA_CONV2D_CUH
