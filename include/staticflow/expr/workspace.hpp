// SPDX-License-Identifier: MIT
/// \file
/// \brief A run's memory: `workspace<Policy>` (device blocks for the values of materialisation
/// points and the gradients between them, handed out in request order and reused run after
/// run, with the memo of values computed once per run) and `node_store` (host memory for the
/// kept structure of prepared trees).
#pragma once
#ifndef STATICFLOW_EXPR_WORKSPACE_HPP
#define STATICFLOW_EXPR_WORKSPACE_HPP

#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <type_traits>
#include <utility>
#include <vector>

#include "staticflow/core/device.hpp"
#include "staticflow/core/tensor.hpp"
#include "staticflow/expr/node.hpp"

namespace staticflow {

/// Host memory for the structure of a run's prepared expression trees. A prepared node refers
/// to its kept subtree by pointer: holding it by value would copy every subtree once per level
/// above it (quadratic in the depth of a network). Reused in request order after `clear()`,
/// like the device blocks of `workspace`.
class node_store {
 public:
  node_store() = default;
  node_store(const node_store&) = delete;
  node_store& operator=(const node_store&) = delete;
  ~node_store() { clear(); }

  /// A copy of `node` that lives until `clear()`.
  template <class N>
  const N& keep(const N& node) {
    static_assert(alignof(N) <= chunk_alignment, "sf::node_store: a node type is over-aligned");
    void* at = allocate(sizeof(N), alignof(N));
    const N* kept = ::new (at) N(node);
    if constexpr (!std::is_trivially_destructible_v<N>)
      destructors_.push_back({at, [](void* p) { static_cast<N*>(p)->~N(); }});
    return *kept;
  }
  void clear() {
    for (auto it = destructors_.rbegin(); it != destructors_.rend(); ++it) it->destroy(it->object);
    destructors_.clear();
    chunk_ = 0, used_ = 0;
  }

 private:
  static constexpr std::size_t chunk_alignment = 64, chunk_bytes = 16384;
  struct chunk_deleter {
    void operator()(std::byte* p) const { ::operator delete(p, std::align_val_t{chunk_alignment}); }
  };
  struct chunk {
    std::unique_ptr<std::byte, chunk_deleter> data;
    std::size_t bytes;
  };
  struct destructor {
    void* object;
    void (*destroy)(void*);
  };
  /// Not inlined: one copy serves every node type.
  [[gnu::noinline]] void* allocate(std::size_t bytes, std::size_t align) {
    for (;; ++chunk_, used_ = 0) {
      if (chunk_ == chunks_.size()) {
        const std::size_t size = bytes > chunk_bytes ? bytes : chunk_bytes;
        chunks_.push_back({std::unique_ptr<std::byte, chunk_deleter>(static_cast<std::byte*>(
                               ::operator new(size, std::align_val_t{chunk_alignment}))),
                           size});
      }
      const std::size_t start = (used_ + align - 1) / align * align;
      if (start + bytes <= chunks_[chunk_].bytes) {
        used_ = start + bytes;
        return chunks_[chunk_].data.get() + start;
      }
    }
  }
  std::vector<chunk> chunks_;
  std::vector<destructor> destructors_;
  std::size_t chunk_ = 0, used_ = 0;
};

/// Scratch memory for the results of inner matmuls and reductions (and, in training, the
/// gradients flowing between them). Blocks are handed out in request order; after `reset()`
/// the same sequence of requests reuses the same blocks, so a training loop that repeats one
/// step allocates only during its first step.
template <class Policy>
class workspace {
 public:
  workspace() = default;
  workspace(const workspace&) = delete;
  workspace& operator=(const workspace&) = delete;
  ~workspace() {
    for (auto& b : blocks_) memory<Policy>::deallocate(b.data, b.bytes);
  }

  template <class T, class S>
  tensor_view<T, S, Policy> make(const dims_t<S>& d) {
    return tensor_view<T, S, Policy>(reinterpret_cast<T*>(next_block(element_count(d) * sizeof(T))), d);
  }
  /// The structure of a prepared node, kept until `reset()` (see `node_store`).
  template <class N>
  const N& keep(const N& node) {
    return nodes_.keep(node);
  }
  /// Makes every block available again (the views and nodes handed out so far become invalid).
  void reset() {
    next_ = 0;
    memo_.clear();
    nodes_.clear();
  }
  /// The memory of a materialisation point already computed in this run, or null.
  void* find(const node_id& id) const {
    const entry* e = lookup(id);
    return e ? e->value : nullptr;
  }
  void remember(const node_id& id, void* p) { memo_.push_back({id.value, p, nullptr}); }
  /// Where the gradients of the other uses of a shared node add up (null until the first arrives).
  void* gradient(const node_id& id) const {
    const entry* e = lookup(id);
    return e ? e->grad : nullptr;
  }
  void set_gradient(const node_id& id, void* g) {
    for (auto& e : memo_)
      if (e.id == id.value) e.grad = g;
  }
  std::size_t blocks() const { return blocks_.size(); }
  /// Whether runs check each value and gradient for NaN and infinity (the session's
  /// device_config::check_numerics; see expr/check_numerics.hpp).
  bool checks_numerics() const noexcept { return check_numerics_; }
  void set_check_numerics(bool on) noexcept { check_numerics_ = on; }

 private:
  struct block {
    std::byte* data = nullptr;
    std::size_t bytes = 0;
  };
  /// The next block, grown to `bytes` if smaller. Not inlined: one copy serves every shape.
  [[gnu::noinline]] std::byte* next_block(std::size_t bytes) {
    if (next_ == blocks_.size()) blocks_.push_back({});
    block& b = blocks_[next_++];
    if (b.bytes < bytes) {
      memory<Policy>::deallocate(b.data, b.bytes);
      b.data = nullptr, b.bytes = 0;
      b.data = memory<Policy>::template allocate<std::byte>(bytes);
      b.bytes = bytes;
    }
    return b.data;
  }
  std::vector<block> blocks_;
  std::size_t next_ = 0;
  struct entry {
    std::uint64_t id;
    void* value;
    void* grad;
  };
  const entry* lookup(const node_id& id) const {
    for (const auto& e : memo_)
      if (e.id == id.value) return &e;
    return nullptr;
  }
  std::vector<entry> memo_;
  node_store nodes_;
  bool check_numerics_ = false;
};

}  // namespace staticflow
#endif  // STATICFLOW_EXPR_WORKSPACE_HPP
