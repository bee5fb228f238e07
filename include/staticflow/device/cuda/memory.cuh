// SPDX-License-Identifier: MIT
/// \file
/// \brief `memory<cuda>`: device allocation through a size-bucketed cache, and checked copies.
///
/// Expressions allocate temporaries for every inner matmul or reduction, and a training step
/// repeats the same sizes; cudaMalloc/cudaFree synchronise the device and cost tens of
/// microseconds, so freed blocks are kept in per-device buckets of power-of-two sizes and
/// handed out again. All work runs on the legacy default stream, so a block freed by one op and
/// reused by the next is ordered correctly without events.
#pragma once

#include <cstddef>
#include <map>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include <cuda_runtime_api.h>

#include "staticflow/core/device.hpp"
#include "staticflow/core/error.hpp"
#include "staticflow/device/cuda/error.hpp"

namespace staticflow {

namespace detail {

/// Freed device blocks, kept by (device, rounded size) until asked for again.
class cuda_block_cache {
 public:
  /// Smallest block handed out: keeps tiny temporaries aligned and in few buckets.
  static constexpr std::size_t min_block = 256;

  /// The cache of the process. Deliberately never destroyed: at exit the CUDA runtime may be
  /// torn down before static destructors run, and the driver reclaims device memory anyway.
  static cuda_block_cache& instance() {
    static auto* cache = new cuda_block_cache();
    return *cache;
  }

  /// Up to 1 MiB, the next power of two (few buckets, so reuse is likely); above that, whole
  /// MiB, so a large tensor wastes at most 1 MiB instead of up to half its size.
  static std::size_t rounded(std::size_t bytes) {
    constexpr std::size_t mib = std::size_t{1} << 20;
    if (bytes > mib) return bytes > static_cast<std::size_t>(-1) - mib ? bytes : (bytes + mib - 1) / mib * mib;
    std::size_t b = min_block;
    while (b < bytes) b *= 2;
    return b;
  }

  void* allocate(std::size_t bytes) {
    int device = 0;
    SF_CUDA_CHECK(cudaGetDevice(&device));
    const std::size_t size = rounded(bytes);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      auto& bucket = free_[key{device, size}];
      if (!bucket.empty()) {
        void* p = bucket.back();
        bucket.pop_back();
        live_[p] = key{device, size};
        return p;
      }
    }
    void* p = malloc_or_release(bytes, size);
    std::lock_guard<std::mutex> lock(mutex_);
    live_[p] = key{device, size};
    return p;
  }

  /// Returns a block to its bucket; never throws (tensor destructors call it).
  void deallocate(void* p) noexcept {
    if (!p) return;
    std::lock_guard<std::mutex> lock(mutex_);
    const auto it = live_.find(p);
    if (it == live_.end()) return;  // not ours: leaking is safer than freeing a foreign pointer
    try {
      free_[it->second].push_back(p);
    } catch (...) {
      cudaFree(p);  // no memory for the bookkeeping: give the block back instead
      cudaGetLastError();
    }
    live_.erase(it);
  }

  /// Frees every cached (not live) block; returns the bytes released.
  std::size_t release_cached() noexcept {
    std::lock_guard<std::mutex> lock(mutex_);
    return release_cached_locked();
  }

  std::size_t cached_bytes() const {
    std::lock_guard<std::mutex> lock(mutex_);
    std::size_t total = 0;
    for (const auto& [k, blocks] : free_) total += k.size * blocks.size();
    return total;
  }

 private:
  struct key {
    int device;
    std::size_t size;
    bool operator<(const key& o) const { return device != o.device ? device < o.device : size < o.size; }
  };

  std::size_t release_cached_locked() noexcept {
    std::size_t released = 0;
    int current = 0;
    cudaGetDevice(&current);
    for (auto& [k, blocks] : free_) {
      if (blocks.empty()) continue;
      cudaSetDevice(k.device);
      for (void* p : blocks) cudaFree(p), released += k.size;
      blocks.clear();
    }
    cudaSetDevice(current);
    cudaGetLastError();
    return released;
  }

  /// cudaMalloc; on failure frees the cache and tries once more before reporting exhaustion.
  void* malloc_or_release(std::size_t requested, std::size_t size) {
    void* p = nullptr;
    cudaError_t status = cudaMalloc(&p, size);
    if (status == cudaErrorMemoryAllocation) {
      cudaGetLastError();
      {
        std::lock_guard<std::mutex> lock(mutex_);
        release_cached_locked();
      }
      status = cudaMalloc(&p, size);
    }
    if (status == cudaErrorMemoryAllocation) {
      cudaGetLastError();
      throw resource_exhausted(out_of_memory_message(requested, size));
    }
    cuda_check(status, "cudaMalloc", __FILE__, __LINE__);
    return p;
  }

  static std::string out_of_memory_message(std::size_t requested, std::size_t size) {
    std::size_t free_bytes = 0, total_bytes = 0;
    int device = 0;
    cudaGetDevice(&device);
    const bool known = cudaMemGetInfo(&free_bytes, &total_bytes) == cudaSuccess;
    cudaGetLastError();
    std::string msg = "sf::cuda: out of device memory on device " + std::to_string(device) + " allocating " +
                      std::to_string(requested) + " bytes (a block of " + std::to_string(size) + ")";
    if (known)
      msg += "; " + std::to_string(free_bytes) + " of " + std::to_string(total_bytes) + " bytes free";
    return msg;
  }

  mutable std::mutex mutex_;
  std::map<key, std::vector<void*>> free_;
  std::unordered_map<void*, key> live_;
};

}  // namespace detail

/// Frees the device blocks the allocator keeps for reuse (e.g. before handing memory to another
/// library); returns how many bytes were released. Live tensors are unaffected.
inline std::size_t cuda_release_cached_memory() noexcept { return detail::cuda_block_cache::instance().release_cached(); }

/// Bytes currently held in the allocator's cache (freed by tensors, not yet returned to CUDA).
inline std::size_t cuda_cached_bytes() { return detail::cuda_block_cache::instance().cached_bytes(); }

/// Device memory on the current device (`cudaSetDevice`). Copies are synchronous with respect
/// to the host for device-to-host, and stream-ordered on the default stream otherwise.
template <>
struct memory<cuda> {
  template <class T>
  static T* allocate(std::size_t n) {
    if (n == 0) return nullptr;
    if (n > static_cast<std::size_t>(-1) / sizeof(T))
      throw resource_exhausted("sf::cuda: cannot allocate " + std::to_string(n) + " elements: size overflows");
    return static_cast<T*>(detail::cuda_block_cache::instance().allocate(n * sizeof(T)));
  }
  template <class T>
  static void deallocate(T* p, std::size_t) noexcept {
    detail::cuda_block_cache::instance().deallocate(static_cast<void*>(p));
  }
  /// Device to device.
  template <class T>
  static void copy(T* dst, const T* src, std::size_t n) {
    if (n) SF_CUDA_CHECK(cudaMemcpy(dst, src, n * sizeof(T), cudaMemcpyDeviceToDevice));
  }
  /// Device `src` to host `dst`; waits for the kernels that write `src`.
  template <class T>
  static void to_host(T* dst, const T* src, std::size_t n) {
    if (n) SF_CUDA_CHECK(cudaMemcpy(dst, src, n * sizeof(T), cudaMemcpyDeviceToHost));
  }
  /// Host `src` to device `dst`.
  template <class T>
  static void from_host(T* dst, const T* src, std::size_t n) {
    if (n) SF_CUDA_CHECK(cudaMemcpy(dst, src, n * sizeof(T), cudaMemcpyHostToDevice));
  }
};

}  // namespace staticflow
