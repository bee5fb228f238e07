// SPDX-License-Identifier: MIT
/// \file
/// \brief The calling thread's current CUDA stream: where every kernel launch, library call
/// (cuBLAS, cuBLASLt, CUB, Thrust) and copy of `sf::cuda` is queued.
///
/// A session owns a stream (`device_runtime<cuda>::stream`, placement.cuh) and makes it current
/// while one of its calls runs (`device_runtime<cuda>::activate` returns a `stream_scope`), so two
/// sessions driven from two threads queue their work independently. Outside a session's calls
/// the current stream is the legacy default stream (nullptr). Session streams are created
/// blocking (`cudaStreamCreate`): work queued on the legacy stream waits for them and they wait
/// for it, so device code outside sessions stays ordered with the sessions' work without events.
/// (That also means programs must not be built with `--default-stream per-thread`.)
///
/// The scope restores the previous stream rather than leaving the session's set: a thread-local
/// handle that outlived its session (destroyed on another thread) would name a destroyed stream.
#pragma once
#ifndef STATICFLOW_DEVICE_CUDA_STREAM_CUH
#define STATICFLOW_DEVICE_CUDA_STREAM_CUH

#include <utility>

#include <cuda_runtime_api.h>

namespace staticflow::detail {

inline cudaStream_t& current_stream_slot() noexcept {
  thread_local cudaStream_t stream = nullptr;
  return stream;
}

/// The stream this thread queues CUDA work on (nullptr: the legacy default stream).
inline cudaStream_t current_stream() noexcept { return current_stream_slot(); }

/// Makes a stream the calling thread's current one until the scope ends, then restores the one
/// before (scopes nest: a session call made inside another's runs on its own stream).
class [[nodiscard]] stream_scope {
 public:
  explicit stream_scope(cudaStream_t stream) noexcept : previous_(std::exchange(current_stream_slot(), stream)) {}
  ~stream_scope() { current_stream_slot() = previous_; }
  stream_scope(const stream_scope&) = delete;
  stream_scope& operator=(const stream_scope&) = delete;

 private:
  cudaStream_t previous_;
};

}  // namespace staticflow::detail
#endif  // STATICFLOW_DEVICE_CUDA_STREAM_CUH
