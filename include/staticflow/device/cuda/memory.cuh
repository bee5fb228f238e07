// SPDX-License-Identifier: MIT
/// \file
/// \brief `memory<cuda>`: device allocation through a size-bucketed cache over a per-device pool
/// bounded by `per_process_gpu_memory_fraction`, and checked copies.
///
/// Expressions allocate temporaries for every inner matmul or reduction, and a training step
/// repeats the same sizes; cudaMalloc/cudaFree synchronise the device and cost tens of
/// microseconds, so freed blocks are kept in per-device buckets of power-of-two sizes and
/// handed out again.
///
/// **Streams** (stream.cuh): a freed block is tagged with the stream current when it was freed.
/// Reused on the same stream, it is ordered after its last use by the stream itself; taken by
/// the legacy default stream, by that stream's implicit wait for the (blocking) session streams.
/// Only when a session's stream takes a block tagged with another stream does it wait for that
/// stream (an event recorded there), and a block of its own is preferred to such a move. That
/// includes blocks tagged with the legacy stream: a device tensor fed to a session and freed
/// outside its calls is tagged so while the session's stream may still read it, and an event on
/// the legacy stream follows all work queued before on session streams. A session's stream,
/// when destroyed, is first synchronised and its tags are cleared. Blocks going back into a
/// reserved region lose their tag (the range may be carved up differently), so the device is
/// synchronised first.
///
/// Below the buckets each device has one of two modes, set by the first session that uses the
/// device (`device_config`, process-wide per device as in TensorFlow):
/// - **growth** (`allow_growth`, and every device no session has configured): one cudaMalloc per
///   new block, as tensors need them;
/// - **reserve** (the default of `device_config`): a region of min(limit, free - headroom) bytes
///   is reserved when the session is created and blocks are carved out of it (best fit,
///   neighbours coalesce on return); when it runs out, further regions are added up to the limit.
/// Either way the bytes taken from CUDA never exceed `per_process_gpu_memory_fraction` of the
/// device's total memory; a request beyond that throws `sf::resource_exhausted` naming the
/// requested and the available bytes.
///
/// **Why not CUDA's or CUB's allocators.** `cub::CachingDeviceAllocator` bounds only the bytes it
/// keeps cached (`max_cached_bytes`), not those live, so it cannot enforce the memory fraction;
/// every block is its own cudaMalloc, so there is no reserve mode; and blocks above its largest
/// bin are cudaFree'd on release, i.e. a device synchronisation per large tensor per step.
/// Stream-ordered pools (`cudaMallocAsync`) could express both options (a pool made with
/// `cudaMemPoolCreate` and `cudaMemPoolProps::maxSize` caps it; allocating and freeing the
/// reservation with a release threshold of SIZE_MAX keeps it), but pools are optional per device
/// (`cudaDevAttrMemoryPoolsSupported`), so this allocator would stay as the fallback and both
/// would need maintaining and testing; and its messages (a request over the fraction vs. a
/// device out of memory) and `cuda_memory_usage` would have to be rebuilt from pool attributes.
/// Moving to pools where supported remains a possible change, not a requirement of the options.
#pragma once
#ifndef STATICFLOW_DEVICE_CUDA_MEMORY_CUH
#define STATICFLOW_DEVICE_CUDA_MEMORY_CUH

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <limits>
#include <map>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include <cuda_runtime_api.h>

#include "staticflow/core/device.hpp"
#include "staticflow/core/error.hpp"
#include "staticflow/device/cuda/error.hpp"
#include "staticflow/device/cuda/stream.cuh"

namespace staticflow {

/// What the allocator holds on one device (see `cuda_memory_usage`).
struct cuda_memory_info {
  bool configured = false;    ///< a session has applied its device_config to this device
  bool allow_growth = true;   ///< growth mode (else reserve mode)
  double fraction = 1.0;      ///< per_process_gpu_memory_fraction in force
  std::size_t total = 0;      ///< the device's total memory (0 until configured)
  std::size_t limit = std::numeric_limits<std::size_t>::max();  ///< most bytes the allocator may take
  std::size_t held = 0;       ///< bytes taken from CUDA (blocks and reserved regions)
  std::size_t in_use = 0;     ///< bytes handed out to live tensors (rounded block sizes)
};

namespace detail {

/// Freed device blocks, kept by (device, rounded size) until asked for again, over per-device
/// pools that respect the memory limit.
class cuda_block_cache {
 public:
  /// Smallest block handed out: keeps tiny temporaries aligned and in few buckets.
  static constexpr std::size_t min_block = 256;
  static constexpr std::size_t mib = std::size_t{1} << 20;
  /// Memory left to CUDA itself when reserving (cuBLAS workspaces, kernel stacks, other
  /// libraries): the larger of 256 MiB and 5% of the device.
  static std::size_t headroom(std::size_t total) { return total / 20 > 256 * mib ? total / 20 : 256 * mib; }

  /// The cache of the process. Deliberately never destroyed: at exit the CUDA runtime may be
  /// torn down before static destructors run, and the driver reclaims device memory anyway.
  static cuda_block_cache& instance() {
    static auto* cache = new cuda_block_cache();
    return *cache;
  }

  /// Up to 1 MiB, the next power of two (few buckets, so reuse is likely); above that, whole
  /// MiB, so a large tensor wastes at most 1 MiB instead of up to half its size.
  static std::size_t rounded(std::size_t bytes) {
    if (bytes > mib) return bytes > static_cast<std::size_t>(-1) - mib ? bytes : (bytes + mib - 1) / mib * mib;
    std::size_t b = min_block;
    while (b < bytes) b *= 2;
    return b;
  }

  /// A block of at least `bytes` on the current device, for work on the current stream.
  void* allocate(std::size_t bytes) {
    int device = 0;
    SF_CUDA_CHECK(cudaGetDevice(&device));
    const std::size_t size = rounded(bytes);
    const cudaStream_t stream = current_stream();
    std::lock_guard<std::mutex> lock(mutex_);
    auto& d = devices_[device];
    auto& bucket = d.buckets[size];
    const block b = bucket.empty() ? obtain(device, d, bytes, size) : reuse(bucket, stream);
    try {
      live_[b.ptr] = live_block{device, size, b.in_region};
    } catch (...) {
      bucket.push_back(b);  // keep the block for later rather than lose it
      throw;
    }
    d.info.in_use += size;
    return b.ptr;
  }

  /// Returns a block to its bucket, tagged with the current stream (the last to use it); never
  /// throws (tensor destructors call it).
  void deallocate(void* p) noexcept {
    if (!p) return;
    std::lock_guard<std::mutex> lock(mutex_);
    const auto it = live_.find(p);
    if (it == live_.end()) return;  // not ours: leaking is safer than freeing a foreign pointer
    const live_block lb = it->second;
    live_.erase(it);
    auto& d = devices_[lb.device];
    d.info.in_use -= lb.size;
    const block b{p, lb.in_region, current_stream()};
    try {
      d.buckets[lb.size].push_back(b);
    } catch (...) {  // no memory for the bookkeeping
      if (b.in_region) synchronize_device(lb.device);
      give_back(lb.device, d, b, lb.size);
    }
  }

  /// Clears the tags of a stream about to be destroyed; the caller has synchronised it, so its
  /// blocks are free for any stream.
  void retire_stream(cudaStream_t stream) noexcept {
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto& [device, d] : devices_)
      for (auto& [size, blocks] : d.buckets)
        for (block& b : blocks)
          if (b.stream == stream) b.stream = nullptr;
  }

  /// Frees every cached (not live) block and every reserved region with nothing live in it;
  /// returns the bytes given back to CUDA.
  std::size_t release_cached() noexcept {
    std::lock_guard<std::mutex> lock(mutex_);
    int current = 0;
    cudaGetDevice(&current);
    std::size_t released = 0;
    for (auto& [device, d] : devices_) {
      cudaSetDevice(device);
      released += recycle_cached(device, d) + free_empty_regions(d);
    }
    cudaSetDevice(current);
    cudaGetLastError();
    return released;
  }

  /// Bytes in the buckets: blocks freed by tensors and kept for reuse.
  std::size_t cached_bytes() const {
    std::lock_guard<std::mutex> lock(mutex_);
    std::size_t total = 0;
    for (const auto& [device, d] : devices_)
      for (const auto& [size, blocks] : d.buckets) total += size * blocks.size();
    return total;
  }

  cuda_memory_info info(int device) const {
    std::lock_guard<std::mutex> lock(mutex_);
    const auto it = devices_.find(device);
    return it == devices_.end() ? cuda_memory_info{} : it->second.info;
  }

  /// Applies a session's memory settings to the current device. The first configuration of a
  /// device stays while the allocator holds memory there (TF fixes GPU options per process);
  /// returns false when different settings were ignored for that reason.
  bool configure(double fraction, bool allow_growth) {
    int device = 0;
    SF_CUDA_CHECK(cudaGetDevice(&device));
    std::lock_guard<std::mutex> lock(mutex_);
    auto& d = devices_[device];
    if (d.info.configured) {
      if (d.info.fraction == fraction && d.info.allow_growth == allow_growth) return true;
      recycle_cached(device, d);
      free_empty_regions(d);
      if (d.info.held) return false;
    }
    std::size_t free_bytes = 0, total_bytes = 0;
    SF_CUDA_CHECK(cudaMemGetInfo(&free_bytes, &total_bytes));
    d.info.configured = true;
    d.info.allow_growth = allow_growth;
    d.info.fraction = fraction;
    d.info.total = total_bytes;
    d.info.limit = static_cast<std::size_t>(static_cast<double>(total_bytes) * fraction);
    if (!allow_growth) reserve(d, free_bytes);
    return true;
  }

 private:
  struct block {
    void* ptr;
    bool in_region;               ///< carved from a reserved region (else its own cudaMalloc)
    cudaStream_t stream = nullptr;  ///< where it was last used (cached blocks only)
  };
  struct live_block {
    int device;
    std::size_t size;
    bool in_region;
  };
  struct device_state {
    cuda_memory_info info;
    std::map<std::size_t, std::vector<block>> buckets;
    std::map<std::uintptr_t, std::size_t> regions;  ///< start -> size, each one cudaMalloc
    std::map<std::uintptr_t, std::size_t> holes;    ///< free ranges inside regions, by address
  };

  // ---- streams ----

  /// Whether work on `to` could overlap work queued before on `from`: `to` a session's stream
  /// and `from` another (work on the legacy default stream waits for session streams by itself).
  static bool crosses_streams(cudaStream_t from, cudaStream_t to) { return to && from != to; }

  /// A cached block for `stream`: one it can use as is when there is one, else the newest, with
  /// `stream` made to wait for the work queued so far on the block's old stream.
  static block reuse(std::vector<block>& bucket, cudaStream_t stream) {
    auto it = std::find_if(bucket.rbegin(), bucket.rend(),
                           [&](const block& b) { return !crosses_streams(b.stream, stream); });
    if (it == bucket.rend()) {
      it = bucket.rbegin();
      wait_for(it->stream, stream);
    }
    const block b = *it;
    *it = bucket.back();
    bucket.pop_back();
    return b;
  }

  /// Work queued on `to` from now on starts after the work queued so far on `from` (an event,
  /// so neither the host nor other streams wait).
  static void wait_for(cudaStream_t from, cudaStream_t to) {
    cudaEvent_t event = nullptr;
    SF_CUDA_CHECK(cudaEventCreateWithFlags(&event, cudaEventDisableTiming));
    cudaError_t status = cudaEventRecord(event, from);
    if (status == cudaSuccess) status = cudaStreamWaitEvent(to, event, 0);
    cudaEventDestroy(event);  // released once the wait no longer needs it
    cuda_check(status, "cudaStreamWaitEvent (a cached block moving between streams)", __FILE__, __LINE__);
  }

  /// Waits for all work on a device (made current for the call) before blocks lose their tags.
  static void synchronize_device(int device) noexcept {
    int current = device;
    cudaGetDevice(&current);
    if (current != device) cudaSetDevice(device);
    cudaDeviceSynchronize();
    if (current != device) cudaSetDevice(current);
    cudaGetLastError();  // an error inside a kernel is sticky: the next checked call reports it
  }

  // ---- pools ----

  /// A new block of `size` bytes: carved from the regions (reserve mode) or its own cudaMalloc.
  block obtain(int device, device_state& d, std::size_t requested, std::size_t size) {
    if (!d.info.allow_growth)
      if (void* p = carve(d, size)) return {p, true};
    if (!fits_limit(d, size)) {
      recycle_cached(device, d);
      if (!d.info.allow_growth)
        if (void* p = carve(d, size)) return {p, true};
      if (!fits_limit(d, size)) throw resource_exhausted(over_limit_message(device, d, requested, size));
    }
    void* p = malloc_or_recycle(device, d, requested, size);
    d.info.held += size;
    if (d.info.allow_growth) return {p, false};
    d.regions[reinterpret_cast<std::uintptr_t>(p)] = size;  // a region wholly in use
    return {p, true};
  }

  static bool fits_limit(const device_state& d, std::size_t size) {
    return d.info.held <= d.info.limit && size <= d.info.limit - d.info.held;
  }

  /// Reserves the pool of a device in reserve mode; a failure only means later regions are added
  /// on demand, so it is not an error.
  void reserve(device_state& d, std::size_t free_bytes) {
    const std::size_t room = d.info.limit > d.info.held ? d.info.limit - d.info.held : 0;
    const std::size_t spare = free_bytes > headroom(d.info.total) ? free_bytes - headroom(d.info.total) : 0;
    const std::size_t size = (room < spare ? room : spare) / mib * mib;
    if (size == 0) return;
    void* p = nullptr;
    if (cudaMalloc(&p, size) != cudaSuccess) {
      cudaGetLastError();
      return;
    }
    const auto start = reinterpret_cast<std::uintptr_t>(p);
    d.regions[start] = size;
    d.holes[start] = size;
    d.info.held += size;
  }

  /// Best fit among the holes; nullptr when none is large enough.
  static void* carve(device_state& d, std::size_t size) {
    auto best = d.holes.end();
    for (auto it = d.holes.begin(); it != d.holes.end(); ++it)
      if (it->second >= size && (best == d.holes.end() || it->second < best->second)) best = it;
    if (best == d.holes.end()) return nullptr;
    const auto [start, length] = *best;
    d.holes.erase(best);
    if (length > size) d.holes[start + size] = length - size;
    return reinterpret_cast<void*>(start);
  }

  /// Puts a range back among the holes, merged with adjacent holes of the same region.
  static void return_to_region(device_state& d, std::uintptr_t start, std::size_t size) {
    auto next = d.holes.lower_bound(start);
    if (next != d.holes.end() && next->first == start + size && !d.regions.count(next->first)) {
      size += next->second;
      next = d.holes.erase(next);
    }
    if (next != d.holes.begin() && !d.regions.count(start)) {
      auto prev = std::prev(next);
      if (prev->first + prev->second == start) {
        prev->second += size;
        return;
      }
    }
    d.holes[start] = size;
  }

  /// A block leaves the cache: back into its region, or cudaFree. Returns bytes freed to CUDA.
  static std::size_t give_back(int device, device_state& d, block b, std::size_t size) noexcept {
    (void)device;
    if (b.in_region) {
      try {
        return_to_region(d, reinterpret_cast<std::uintptr_t>(b.ptr), size);
      } catch (...) {  // no memory for a map node: the range stays unused until exit
      }
      return 0;
    }
    cudaFree(b.ptr);
    cudaGetLastError();
    d.info.held -= size;
    return size;
  }

  /// Empties the buckets of a device (whose context must be current). Returns bytes freed to CUDA.
  static std::size_t recycle_cached(int device, device_state& d) noexcept {
    if (has_cached_region_blocks(d)) synchronize_device(device);
    std::size_t released = 0;
    for (auto& [size, blocks] : d.buckets) {
      for (const block& b : blocks) released += give_back(device, d, b, size);
      blocks.clear();
    }
    return released;
  }

  static bool has_cached_region_blocks(const device_state& d) {
    for (const auto& [size, blocks] : d.buckets)
      for (const block& b : blocks)
        if (b.in_region) return true;
    return false;
  }

  /// cudaFree of every region that is one whole hole. Returns bytes freed.
  static std::size_t free_empty_regions(device_state& d) noexcept {
    std::size_t released = 0;
    for (auto it = d.regions.begin(); it != d.regions.end();) {
      const auto hole = d.holes.find(it->first);
      if (hole == d.holes.end() || hole->second != it->second) {
        ++it;
        continue;
      }
      cudaFree(reinterpret_cast<void*>(it->first));
      cudaGetLastError();
      d.info.held -= it->second;
      released += it->second;
      d.holes.erase(hole);
      it = d.regions.erase(it);
    }
    return released;
  }

  /// cudaMalloc; when the device is out of memory, returns this device's cached blocks to CUDA
  /// and tries once more before reporting exhaustion.
  void* malloc_or_recycle(int device, device_state& d, std::size_t requested, std::size_t size) {
    void* p = nullptr;
    cudaError_t status = cudaMalloc(&p, size);
    if (status == cudaErrorMemoryAllocation) {
      cudaGetLastError();
      recycle_cached(device, d);
      free_empty_regions(d);
      status = cudaMalloc(&p, size);
    }
    if (status == cudaErrorMemoryAllocation) {
      cudaGetLastError();
      throw resource_exhausted(out_of_memory_message(device, requested, size));
    }
    cuda_check(status, "cudaMalloc", __FILE__, __LINE__);
    return p;
  }

  // ---- messages ----

  static std::string over_limit_message(int device, const device_state& d, std::size_t requested, std::size_t size) {
    const auto& i = d.info;
    std::size_t holes = 0;
    for (const auto& [start, length] : d.holes) holes += length;
    const std::size_t available = (i.limit > i.held ? i.limit - i.held : 0) + holes;
    return "sf::cuda: allocating " + std::to_string(requested) + " bytes (a block of " + std::to_string(size) +
           ") on device " + std::to_string(device) + " exceeds per_process_gpu_memory_fraction = " +
           std::to_string(i.fraction) + " of " + std::to_string(i.total) + " bytes: " + std::to_string(available) +
           " bytes available of a limit of " + std::to_string(i.limit) + " (" + std::to_string(i.in_use) +
           " in use)";
  }

  static std::string out_of_memory_message(int device, std::size_t requested, std::size_t size) {
    std::size_t free_bytes = 0, total_bytes = 0;
    const bool known = cudaMemGetInfo(&free_bytes, &total_bytes) == cudaSuccess;
    cudaGetLastError();
    std::string msg = "sf::cuda: out of device memory on device " + std::to_string(device) + " allocating " +
                      std::to_string(requested) + " bytes (a block of " + std::to_string(size) + ")";
    if (known) msg += "; " + std::to_string(free_bytes) + " of " + std::to_string(total_bytes) + " bytes free";
    return msg;
  }

  mutable std::mutex mutex_;
  std::map<int, device_state> devices_;
  std::unordered_map<void*, live_block> live_;
};

}  // namespace detail

/// Frees the device blocks the allocator keeps for reuse, and reserved regions with nothing live
/// in them (e.g. before handing memory to another library); returns how many bytes went back to
/// CUDA. Live tensors are unaffected.
inline std::size_t cuda_release_cached_memory() noexcept { return detail::cuda_block_cache::instance().release_cached(); }

/// Bytes currently held in the allocator's buckets (freed by tensors, kept for reuse).
inline std::size_t cuda_cached_bytes() { return detail::cuda_block_cache::instance().cached_bytes(); }

/// The allocator's settings and usage on one device.
inline cuda_memory_info cuda_memory_usage(int device = 0) { return detail::cuda_block_cache::instance().info(device); }

/// Device memory on the current device (`cudaSetDevice`). Copies are queued on the current
/// stream; those to or from the host also wait for it, so they return with the copy done (the
/// host buffer is the caller's to read or reuse), as cudaMemcpy would.
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
  /// Device to device, stream-ordered.
  template <class T>
  static void copy(T* dst, const T* src, std::size_t n) {
    if (n) SF_CUDA_CHECK(cudaMemcpyAsync(dst, src, n * sizeof(T), cudaMemcpyDeviceToDevice, detail::current_stream()));
  }
  /// Device `src` to host `dst`; waits for the kernels that write `src`.
  template <class T>
  static void to_host(T* dst, const T* src, std::size_t n) {
    if (n) with_host(dst, src, n * sizeof(T), cudaMemcpyDeviceToHost);
  }
  /// Host `src` to device `dst`.
  template <class T>
  static void from_host(T* dst, const T* src, std::size_t n) {
    if (n) with_host(dst, src, n * sizeof(T), cudaMemcpyHostToDevice);
  }

 private:
  static void with_host(void* dst, const void* src, std::size_t bytes, cudaMemcpyKind kind) {
    const cudaStream_t stream = detail::current_stream();
    SF_CUDA_CHECK(cudaMemcpyAsync(dst, src, bytes, kind, stream));
    SF_CUDA_CHECK(cudaStreamSynchronize(stream));
  }
};

}  // namespace staticflow
#endif  // STATICFLOW_DEVICE_CUDA_MEMORY_CUH
