// SPDX-License-Identifier: MIT
/// \file
/// \brief Explicit copies between the host and a CUDA device, and printing of device tensors.
///
/// Expressions never mix policies (that is a compile error in `assign_expression`); data moves
/// only through these calls, so every host<->device transfer is visible in the code.
#pragma once
#ifndef STATICFLOW_DEVICE_CUDA_TRANSFER_CUH
#define STATICFLOW_DEVICE_CUDA_TRANSFER_CUH

#include <ostream>

#include "staticflow/core/print.hpp"
#include "staticflow/core/tensor.hpp"
#include "staticflow/device/cuda/memory.cuh"

namespace staticflow {

/// A host copy of a device tensor (waits for the kernels that write it).
/// **Example:** `auto h = sf::to_host(d); std::cout << h(0, 1);`
template <class T, class S>
tensor<T, S, host> to_host(const tensor_view<T, S, cuda>& src) {
  tensor<T, S, host> dst(src.dims());
  memory<cuda>::to_host(dst.data(), src.data(), src.size());
  return dst;
}

/// A device copy of a host tensor (on the current device).
/// **Example:** `sf::tensor<float, sf::shape<2, 3>, sf::cuda> d = sf::to_device(h);`
template <class T, class S>
tensor<T, S, cuda> to_device(const tensor_view<T, S, host>& src) {
  tensor<T, S, cuda> dst(src.dims());
  memory<cuda>::from_host(dst.data(), src.data(), src.size());
  return dst;
}

/// Prints a device tensor like a host one, after copying it to the host.
template <class T, class S>
std::ostream& operator<<(std::ostream& os, const tensor_view<T, S, cuda>& t) {
  return os << to_host(t).view();
}
/// (An exact match for owning tensors, as print.hpp has for host ones.)
template <class T, class S>
std::ostream& operator<<(std::ostream& os, const tensor<T, S, cuda>& t) {
  return os << t.view();
}

}  // namespace staticflow
#endif  // STATICFLOW_DEVICE_CUDA_TRANSFER_CUH
