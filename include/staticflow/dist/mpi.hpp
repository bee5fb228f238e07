// SPDX-License-Identifier: MIT
/// \file
/// \brief Data-parallel training across processes and machines over MPI (Horovod's design on
/// TF 1.x's graph API): `mpi_environment` (MPI for the life of an object, and an exception on
/// one rank stopping every rank), and `mpi_data_parallel`, a session's gradient hook that
/// checks that every rank built the same variables, broadcasts rank 0's values, and averages
/// each step's gradients across the ranks in fused buckets, started while the backward pass is
/// still running, so that every rank applies the same update to the same variables.
///
/// Link `staticflow::mpi` (CMake; it defines SF_HAVE_MPI=1) and run under `mpirun -np N`.
///
/// ```cpp
/// sf::dist::mpi_environment env(argc, argv);
/// return env.run([&] {
///   auto data = sf::data::read_data_sets(dir, {.one_hot = true});
///   auto shard = data.train.shard(env.rank(), env.size());   // each rank its own examples
///   sf::nn::classifier<net, sf::train::adam> trainer(adam, seed);
///   sf::dist::mpi_data_parallel sync(trainer.get_session());  // check, broadcast, then averages
///   trainer.fit(shard, {.batch = 64 / env.size(), .progress = env.is_chief(), .chief = env.is_chief()});
///   return 0;
/// });
/// ```
///
/// **Failures stop every rank.** An exception that leaves `env.run`, or leaves `main` uncaught,
/// or unwinds through the environment, prints "sf::dist: rank R of N: <what()>" and calls
/// `MPI_Abort`, which ends every rank of the job (mpirun exits non-zero). This is chosen over
/// an error flag all-reduced with every step: the flag costs a message latency per step (µs on
/// one machine, tens of µs across machines), covers only failures inside the step (not data
/// loading, evaluation or checkpoint writing), and never reaches a rank blocked in another
/// collective, which then hangs. The price of the abort is that the other ranks get no chance
/// to clean up; checkpoints are written by rank 0 with an atomic rename, so an abort leaves the
/// last complete one.
#pragma once
#ifndef STATICFLOW_DIST_MPI_HPP
#define STATICFLOW_DIST_MPI_HPP

#include <mpi.h>

#include <algorithm>
#include <climits>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <exception>
#include <functional>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "staticflow/core/dtype.hpp"
#include "staticflow/core/error.hpp"
#include "staticflow/graph/gradient_hook.hpp"

namespace staticflow::dist {

namespace detail {

/// Throws internal_error naming the MPI call and MPI's own message (for communicators set to
/// MPI_ERRORS_RETURN; MPI's default handler aborts the job before this could run).
inline void check_mpi(int rc, const char* call) {
  if (rc == MPI_SUCCESS) return;
  char text[MPI_MAX_ERROR_STRING];
  int length = 0;
  MPI_Error_string(rc, text, &length);
  staticflow::detail::fail<internal_error>({"sf::dist: ", call, " failed: ", std::string_view(text, length)});
}

inline int world_rank() {
  int initialized = 0, finalized = 0, rank = -1;
  MPI_Initialized(&initialized);
  MPI_Finalized(&finalized);
  if (initialized && !finalized) MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  return rank;
}
inline int world_size() {
  int initialized = 0, finalized = 0, size = 1;
  MPI_Initialized(&initialized);
  MPI_Finalized(&finalized);
  if (initialized && !finalized) MPI_Comm_size(MPI_COMM_WORLD, &size);
  return size;
}

/// Prints "sf::dist: rank R of N: message" on stderr and ends every rank of the job.
[[noreturn]] inline void abort_job(std::string_view message, int code = 1) {
  std::fprintf(stderr, "sf::dist: rank %d of %d: %.*s\n", world_rank(), world_size(), static_cast<int>(message.size()),
               message.data());
  std::fflush(stderr);
  MPI_Abort(MPI_COMM_WORLD, code);
  std::abort();  // not reached
}

/// The message of the exception in flight (in a catch block or a terminate handler).
inline std::string current_exception_message() {
  try {
    if (const auto e = std::current_exception()) std::rethrow_exception(e);
    return "terminate called without an active exception";
  } catch (const std::exception& e) {
    return e.what();
  } catch (...) {
    return "an exception that is not a std::exception";
  }
}

/// What an uncaught exception does while an mpi_environment lives: the message, then MPI_Abort.
[[noreturn]] inline void terminate_handler() {
  abort_job("uncaught exception: " + current_exception_message());
}

/// FNV-1a, 64 bits: the checksum of the variables' description that the ranks compare.
inline std::uint64_t fnv1a(std::string_view text) {
  std::uint64_t h = 14695981039346656037ull;
  for (const char c : text) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ull;
  return h;
}

/// Broadcasts a string (its length, then its bytes) from `root`.
inline std::string broadcast_string(std::string text, int root, MPI_Comm comm) {
  unsigned long long n = text.size();
  check_mpi(MPI_Bcast(&n, 1, MPI_UNSIGNED_LONG_LONG, root, comm), "MPI_Bcast");
  text.resize(n);
  for (std::size_t at = 0; at < n;) {  // MPI counts are ints
    const int chunk = static_cast<int>(std::min<std::size_t>(n - at, INT_MAX / 2));
    check_mpi(MPI_Bcast(text.data() + at, chunk, MPI_CHAR, root, comm), "MPI_Bcast");
    at += static_cast<std::size_t>(chunk);
  }
  return text;
}

/// Broadcasts `bytes` bytes at `data` from `root`, in int-sized pieces.
inline void broadcast_bytes(void* data, std::size_t bytes, int root, MPI_Comm comm) {
  auto* p = static_cast<char*>(data);
  for (std::size_t at = 0; at < bytes;) {
    const int chunk = static_cast<int>(std::min<std::size_t>(bytes - at, INT_MAX / 2));
    check_mpi(MPI_Bcast(p + at, chunk, MPI_BYTE, root, comm), "MPI_Bcast");
    at += static_cast<std::size_t>(chunk);
  }
}

inline std::vector<std::string> lines_of(std::string_view text) {
  std::vector<std::string> out;
  while (!text.empty()) {
    const auto end = text.find('\n');
    out.emplace_back(text.substr(0, end));
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
  return out;
}

/// The first difference between rank `root`'s description and rank `rank`'s, in words.
inline std::string first_difference(const std::string& theirs, int root, const std::string& mine, int rank) {
  const auto a = lines_of(theirs), b = lines_of(mine);
  const std::string r0 = "rank " + std::to_string(root), r1 = "rank " + std::to_string(rank);
  for (std::size_t i = 0; i < std::min(a.size(), b.size()); ++i)
    if (a[i] != b[i])
      return "entry " + std::to_string(i + 1) + " is " + a[i] + " on " + r0 + " but " + b[i] + " on " + r1;
  if (a.size() != b.size()) {
    const bool more = b.size() > a.size();
    return (more ? r1 : r0) + " has " + std::to_string(std::max(a.size(), b.size())) + " entries, " +
           (more ? r0 : r1) + " " + std::to_string(std::min(a.size(), b.size())) + "; the first extra one is " +
           (more ? b : a)[std::min(a.size(), b.size())];
  }
  return "the descriptions hash differently but read the same";
}

}  // namespace detail

// ================================================================================ environment

/// MPI for the life of the object: `MPI_Init_thread` (MPI_THREAD_FUNNELED: only the thread that
/// made it calls MPI; OpenMP teams inside the ops do not) unless MPI is already initialised,
/// and `MPI_Finalize` at the end if it initialised it. While it lives, an exception that ends
/// the program uncaught prints "sf::dist: rank R of N: uncaught exception: <what()>" and calls
/// MPI_Abort, so that no rank is left waiting for a rank that died (see the file comment).
///
/// Run without mpirun, a program is a job of one rank (MPI's singleton start).
class mpi_environment {
 public:
  mpi_environment() : mpi_environment(nullptr, nullptr) {}
  mpi_environment(int& argc, char**& argv) : mpi_environment(&argc, &argv) {}
  mpi_environment(const mpi_environment&) = delete;
  mpi_environment& operator=(const mpi_environment&) = delete;

  /// Finalises MPI if this object initialised it. Destroyed while an exception unwinds the
  /// stack in a job of several ranks (the exception was not caught inside `run`), it aborts the
  /// job instead: finalising would wait for ranks that wait for this one.
  ~mpi_environment() {
    if (size_ > 1 && std::uncaught_exceptions() > exceptions_) {
      detail::abort_job("an exception is leaving the scope of sf::dist::mpi_environment (catch it inside "
                        "mpi_environment::run to see its message); stopping every rank");
    }
    std::set_terminate(previous_);
    if (owns_) {
      int finalized = 0;
      MPI_Finalized(&finalized);
      if (!finalized) MPI_Finalize();
    }
  }

  int rank() const { return rank_; }
  int size() const { return size_; }
  /// Rank 0: the process that writes checkpoints, logs and progress (TF's is_chief).
  bool is_chief() const { return rank_ == 0; }
  MPI_Comm comm() const { return MPI_COMM_WORLD; }
  /// The thread support MPI granted (at least MPI_THREAD_FUNNELED when this object initialised it).
  int thread_level() const { return provided_; }

  /// The sum of `x` over every rank, on every rank (an evaluation's correct count, say).
  double allreduce_sum(double x) const {
    detail::check_mpi(MPI_Allreduce(MPI_IN_PLACE, &x, 1, MPI_DOUBLE, MPI_SUM, comm()), "MPI_Allreduce");
    return x;
  }
  /// The largest `x` of any rank, on every rank.
  double allreduce_max(double x) const {
    detail::check_mpi(MPI_Allreduce(MPI_IN_PLACE, &x, 1, MPI_DOUBLE, MPI_MAX, comm()), "MPI_Allreduce");
    return x;
  }
  void barrier() const { detail::check_mpi(MPI_Barrier(comm()), "MPI_Barrier"); }

  /// Prints "sf::dist: rank R of N: message" on stderr and ends every rank of the job with `code`.
  [[noreturn]] void abort(std::string_view message, int code = 1) const { detail::abort_job(message, code); }

  /// Runs `f()` (returning an int exit status, or void for 0). An exception prints
  /// "sf::dist: rank R of N: <what()>" and, in a job of several ranks, aborts every rank
  /// (MPI_Abort with status 1); a job of one rank returns 1 instead, as a plain program would.
  template <class F>
  int run(F&& f) {
    try {
      if constexpr (std::is_void_v<std::invoke_result_t<F&>>) {
        f();
        return 0;
      } else {
        return static_cast<int>(f());
      }
    } catch (...) {
      const std::string message = detail::current_exception_message();
      if (size_ > 1) detail::abort_job(message);
      std::fprintf(stderr, "%s\n", message.c_str());
      return 1;
    }
  }

 private:
  mpi_environment(int* argc, char*** argv) : exceptions_(std::uncaught_exceptions()) {
    int initialized = 0;
    detail::check_mpi(MPI_Initialized(&initialized), "MPI_Initialized");
    if (!initialized) {
      detail::check_mpi(MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided_), "MPI_Init_thread");
      owns_ = true;
    } else {
      MPI_Query_thread(&provided_);
    }
    MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
    MPI_Comm_size(MPI_COMM_WORLD, &size_);
    previous_ = std::set_terminate(&detail::terminate_handler);
  }

  bool owns_ = false;
  int rank_ = 0, size_ = 1, provided_ = MPI_THREAD_SINGLE;
  int exceptions_ = 0;
  std::terminate_handler previous_ = nullptr;
};

// ========================================================================== data parallelism

/// Options of `mpi_data_parallel`.
struct data_parallel_options {
  /// Bytes of one fusion buffer: gradients are packed, in the order the backward pass finishes
  /// them, into buckets of at most this size (one larger variable has a bucket of its own), and
  /// each bucket is one all-reduce (Horovod's tensor fusion; its HOROVOD_FUSION_THRESHOLD is
  /// 64 MiB). Smaller buckets start earlier and overlap more of the backward pass; larger ones
  /// pay the per-message latency fewer times.
  std::size_t bucket_bytes = std::size_t{4} << 20;
  /// A gradient of at least this many bytes (or of more than a bucket) is reduced in place in
  /// its own slot, without being copied into a bucket and back, when the session's memory is
  /// the host's. Off by default: in place, the division by the number of ranks is a pass of
  /// its own instead of part of the copy back, and the message is one more; for the MLP's
  /// 1.5 MB layer on one machine that measured slower (0.69 ms against 0.53 ms).
  std::size_t in_place_bytes = std::numeric_limits<std::size_t>::max();
  /// From the second step on, start each bucket's all-reduce (MPI_Iallreduce) as soon as the
  /// backward pass has written the last contribution to each of its gradients, instead of
  /// after the whole pass.
  bool overlap = true;
  /// Divide the sum by the number of ranks (the gradient of the mean loss over all ranks'
  /// examples when every rank has the same batch size); false keeps the sum.
  bool average = true;
  /// At construction, compare every rank's variables (names, dtypes, shapes, trainable flags,
  /// optimiser slots) through a checksum; a difference throws on every rank, naming the first one.
  bool check = true;
  /// At construction, give every rank the variable values (and optimiser slots) of rank `root`.
  bool broadcast = true;
  int root = 0;
};

/// What `mpi_data_parallel` measured (over every step since construction or `reset_stats`).
struct data_parallel_stats {
  std::size_t steps = 0;
  std::size_t buckets = 0;           ///< all-reduces per step (the current layout)
  std::size_t bytes_per_step = 0;    ///< gradient bytes each rank contributes per step
  std::size_t overlapped_buckets = 0;  ///< buckets started during a backward pass, all steps
  double seconds_after_backward = 0;  ///< time in on_gradients: the part of the reduction not hidden
  double seconds_during_backward = 0;  ///< time packing and starting buckets inside the backward pass
};

/// Data-parallel training over MPI for one session: installed as the session's gradient hook
/// (Horovod's DistributedOptimizer plus BroadcastGlobalVariablesHook), it makes every step's
/// gradients the average over the ranks before the optimiser applies them, so every rank's
/// variables stay bit-identical to rank 0's. Each rank feeds its own batch (its shard of the
/// data: `dataset::shard(rank, size)`); with b examples per rank the update is that of one
/// process at batch size b x size, up to the order of floating-point sums.
///
/// Construction is collective (every rank of `comm` constructs it, after the variables are
/// initialised or restored): with `check`, the variables are compared across ranks; with
/// `broadcast`, rank `root`'s values (and optimiser slots, if steps have made them) replace
/// everyone's. Every later step is collective too: all ranks must run the same sequence of
/// training steps (an equal number of steps per epoch: equal shards, equal batch counts).
///
/// **The all-reduce.** The first step learns how many contributions each gradient receives
/// and in which order the backward pass finishes them, and lays the gradients out in buckets
/// of `bucket_bytes` in that order (checked, once, to be the same layout on every rank). From
/// the second step on (`overlap`), a variable's gradient is copied into its bucket when its
/// last contribution arrives and a full bucket's MPI_Iallreduce starts at once, while the
/// backward pass continues with the layers below; MPI is polled (MPI_Testall) at every later
/// arrival so the reduction progresses without a progress thread. After the pass, in bucket
/// order, each bucket in flight is waited for and each other one reduced by a blocking
/// MPI_Allreduce (Open MPI's blocking collectives use tuned algorithms; its non-blocking ones,
/// generic ones that were 1.5x to 9x slower here on one machine), then unpacked into the
/// gradient slots and divided by the number of ranks in the same pass. A variable larger than a bucket is reduced in place, without a copy, when the
/// session's memory is the host's; a device session's gradients pass through host buffers.
///
/// **Errors:** invalid_argument, on every rank, when the ranks' variables differ (naming the
/// first difference) or their bucket layouts do; unimplemented for a gradient dtype MPI cannot
/// sum (bfloat16); internal_error from a failed MPI call.
class mpi_data_parallel final : public gradient_hook {
 public:
  /// `s`: a `session<P>` (any policy), which must outlive this object.
  template <class Session>
  explicit mpi_data_parallel(Session& s, data_parallel_options options = {}, MPI_Comm comm = MPI_COMM_WORLD)
      : options_(options), comm_(comm), graph_(&s.get_graph()), state_(&s.effective_state()) {
    MPI_Comm_rank(comm_, &rank_);
    MPI_Comm_size(comm_, &size_);
    if (options_.bucket_bytes == 0) options_.bucket_bytes = 1;
    if (options_.check) check_variables();
    if (options_.broadcast) broadcast_variables(options_.root);
    detach_ = [&s] { s.set_gradient_hook(nullptr); };
    s.set_gradient_hook(this);
  }
  ~mpi_data_parallel() override {
    wait_all_quietly();
    if (detach_) detach_();
  }
  mpi_data_parallel(const mpi_data_parallel&) = delete;
  mpi_data_parallel& operator=(const mpi_data_parallel&) = delete;

  int rank() const { return rank_; }
  int size() const { return size_; }
  const data_parallel_options& options() const { return options_; }
  const data_parallel_stats& stats() const { return stats_; }
  void reset_stats() {
    const auto buckets = stats_.buckets, bytes = stats_.bytes_per_step;
    stats_ = {};
    stats_.buckets = buckets, stats_.bytes_per_step = bytes;
  }

  /// One line per variable ("'name' float32 [5, 5, 1, 6] trainable") and per optimiser slot:
  /// what the ranks compare.
  std::string describe_variables() const {
    std::string out;
    for (const auto& v : graph_->global_variables()) {
      out += "'" + v->name() + "' " + std::string(v->dtype_name()) + " " + v->shape_string() +
             (v->trainable() ? " trainable" : " not trainable") + "\n";
    }
    for (const auto& rec : state_->optimizer_state())
      for (const auto& [name, data] : rec.slots) out += "optimizer slot '" + name + "'\n";
    return out;
  }

  /// Compares every rank's `describe_variables()` through a 64-bit checksum. On a mismatch the
  /// lowest rank that differs from rank 0 finds the first difference, and every rank throws
  /// invalid_argument with the same message. Collective.
  void check_variables() const {
    const std::string mine = describe_variables();
    const std::uint64_t h = detail::fnv1a(mine);
    std::vector<std::uint64_t> all(static_cast<std::size_t>(size_));
    detail::check_mpi(MPI_Allgather(&h, 1, MPI_UINT64_T, all.data(), 1, MPI_UINT64_T, comm_), "MPI_Allgather");
    int first = -1;
    for (int r = 1; r < size_ && first < 0; ++r)
      if (all[static_cast<std::size_t>(r)] != all[0]) first = r;
    if (first < 0) return;
    const std::string zero = detail::broadcast_string(rank_ == 0 ? mine : std::string(), 0, comm_);
    std::string message;
    if (rank_ == first) message = detail::first_difference(zero, 0, mine, first);
    message = detail::broadcast_string(std::move(message), first, comm_);
    staticflow::detail::fail<invalid_argument>(
        {"sf::dist::mpi_data_parallel: the ranks built different variables (", size_,
         " ranks compared by checksum; every rank must build the same network): ", message});
  }

  /// Every variable of the graph takes rank `root`'s value (and every optimiser slot that
  /// exists, with Adam's update count): one fused broadcast. Collective; the variables must be
  /// initialised on `root` (failed_precondition on every rank otherwise), and on every rank
  /// they are initialised after it.
  void broadcast_variables(int root = 0) {
    const auto& vars = graph_->global_variables();
    const auto& optimizer = state_->optimizer_state();
    std::size_t total = 0;
    for (const auto& v : vars) total += v->bytes();
    for (const auto& rec : optimizer) total += rec.slots.size() * rec.var->bytes() + (rec.updates ? sizeof(std::int64_t) : 0);
    std::string problem;
    if (rank_ == root)
      for (const auto& v : vars)
        if (!state_->is_initialized(*v)) {
          problem = "variable '" + v->name() + "' is not initialised on rank " + std::to_string(root) +
                    " (run global_variables_initializer or restore a checkpoint first)";
          break;
        }
    unsigned long long lo = total, hi = total;
    detail::check_mpi(MPI_Allreduce(MPI_IN_PLACE, &lo, 1, MPI_UNSIGNED_LONG_LONG, MPI_MIN, comm_), "MPI_Allreduce");
    detail::check_mpi(MPI_Allreduce(MPI_IN_PLACE, &hi, 1, MPI_UNSIGNED_LONG_LONG, MPI_MAX, comm_), "MPI_Allreduce");
    if (problem.empty() && lo != hi)
      problem = "the ranks hold between " + std::to_string(lo) + " and " + std::to_string(hi) +
                " bytes of variables and optimiser slots (check_variables says where they differ)";
    problem = detail::broadcast_string(std::move(problem), root, comm_);
    if (!problem.empty())
      staticflow::detail::fail<failed_precondition>({"sf::dist::mpi_data_parallel::broadcast_variables: ", problem});
    std::vector<char> buffer(total);
    const bool sending = rank_ == root;
    std::size_t at = 0;
    auto each = [&](void* data, std::size_t bytes, bool device) {
      if (sending) device ? state_->download(buffer.data() + at, data, bytes) : void(std::memcpy(buffer.data() + at, data, bytes));
      at += bytes;
    };
    auto walk = [&](auto&& f) {
      at = 0;
      for (const auto& v : vars) f(state_->value_slot(*v).data, v->bytes(), true);
      for (const auto& rec : optimizer) {
        for (const auto& slot : rec.slots) f(slot.second, rec.var->bytes(), true);
        if (rec.updates) f(rec.updates, sizeof(std::int64_t), false);  // a host counter
      }
    };
    walk(each);
    detail::broadcast_bytes(buffer.data(), total, root, comm_);
    if (sending) return;
    walk([&](void* data, std::size_t bytes, bool device) {
      device ? state_->upload(data, buffer.data() + at, bytes) : void(std::memcpy(data, buffer.data() + at, bytes));
      at += bytes;
    });
    for (const auto& v : vars) state_->value_slot(*v).initialized = true;
  }

  // ---- gradient_hook ----

  void on_gradient_arrival(session_state&, const variable_base& v) override {
    const std::size_t id = v.id();
    if (id >= arrivals_.size()) arrivals_.resize(graph_->global_variables().size(), 0), last_seen_.resize(arrivals_.size(), 0);
    ++arrivals_[id];
    last_seen_[id] = ++sequence_;
    if (!armed_) return;
    const double t0 = MPI_Wtime();
    const int e = id < entry_of_.size() ? entry_of_[id] : -1;
    if (e >= 0 && arrivals_[id] == entries_[static_cast<std::size_t>(e)].expected) {
      pack(static_cast<std::size_t>(e));
      start_ready_buckets(true);
    }
    if (in_flight_) test_started();
    stats_.seconds_during_backward += MPI_Wtime() - t0;
  }

  void on_gradients(session_state& s, std::span<const variable_base* const> vars) override {
    const double t0 = MPI_Wtime();
    state_ = &s;
    if (!same_layout(vars)) build_layout(vars);
    // Whatever the backward pass did not finish: a gradient no path reached (zeroed by the
    // session), or one that heard fewer contributions than the first step taught.
    bool relearn = false;
    for (std::size_t e = 0; e < entries_.size(); ++e) {
      auto& en = entries_[e];
      const std::size_t got = arrivals_[en.var->id()];
      if (got != en.expected) relearn = true;
      if (!en.packed) pack(e);
      else if (got > en.expected) buckets_[en.bucket].stale = true;  // packed early, then added to
      en.expected = got;
    }
    // In order: the buckets in flight are waited for, the others reduced by a blocking
    // MPI_Allreduce (faster than MPI_Iallreduce plus a wait: MPI's blocking collectives have
    // tuned algorithms, Open MPI's non-blocking ones (libnbc) generic ones).
    for (std::size_t b = 0; b < buckets_.size(); ++b) finish(b);
    // A bucket sent before its last contribution (the graph's contributions changed, the same
    // way on every rank): reduced again, now that every gradient is complete. One reduced in
    // place has lost this rank's own gradient: the step cannot be repaired.
    for (std::size_t b = 0; b < buckets_.size(); ++b)
      if (buckets_[b].stale) {
        if (buckets_[b].in_place) {
          wait_all_quietly();
          staticflow::detail::fail<internal_error>(
              {"sf::dist::mpi_data_parallel: the gradient of '", entries_[buckets_[b].entries[0]].var->name(),
               "' received more contributions than in the first step after its all-reduce had started; construct "
               "the hook with overlap = false for this graph"});
        }
        for (const std::size_t e : buckets_[b].entries) entries_[e].packed = false, pack(e);
        finish(b);
      }
    for (auto& b : buckets_) b.started = b.stale = false, b.pending = b.entries.size();
    for (auto& en : entries_) en.packed = false;
    std::fill(arrivals_.begin(), arrivals_.end(), 0);
    sequence_ = 0, next_ = 0, in_flight_ = 0;
    armed_ = options_.overlap && !relearn;
    ++stats_.steps;
    stats_.seconds_after_backward += MPI_Wtime() - t0;
  }

 private:
  struct entry {
    const variable_base* var = nullptr;
    std::size_t bucket = 0, offset = 0;  ///< the bucket, and the byte offset in its buffer
    std::size_t expected = 0;            ///< contributions the backward pass makes to this gradient
    bool packed = false;                 ///< copied into the bucket (or, in place, ready) this step
  };
  struct bucket {
    std::vector<std::size_t> entries;
    std::vector<char> buffer;  ///< the fusion buffer (unused in place)
    std::size_t bytes = 0, pending = 0;
    MPI_Datatype type = MPI_FLOAT;
    MPI_Request request = MPI_REQUEST_NULL;
    bool in_place = false;  ///< one variable reduced in its host gradient slot, without a copy
    bool started = false, stale = false;
  };

  bool same_layout(std::span<const variable_base* const> vars) const {
    if (vars.size() != entries_.size() || entries_.empty()) return false;
    for (std::size_t i = 0; i < vars.size(); ++i)
      if (layout_order_[i] != vars[i]) return false;
    return true;
  }

  static MPI_Datatype mpi_type(const variable_base& v) {
    switch (v.type()) {
      case dtype::float32: return MPI_FLOAT;
      case dtype::float64: return MPI_DOUBLE;
      default:
        staticflow::detail::fail<unimplemented>({"sf::dist::mpi_data_parallel: the gradient of '", v.name(), "' is ",
                                                 v.dtype_name(), "; MPI sums float32 and float64 only"});
    }
  }

  /// Buckets in the order the backward pass finished the gradients (this step's arrivals),
  /// then compared across ranks. Runs in the first step and whenever the variables change.
  void build_layout(std::span<const variable_base* const> vars) {
    wait_all_quietly();
    layout_order_.assign(vars.begin(), vars.end());
    entries_.clear(), buckets_.clear();
    entry_of_.assign(graph_->global_variables().size(), -1);
    if (arrivals_.size() < entry_of_.size()) arrivals_.resize(entry_of_.size(), 0), last_seen_.resize(entry_of_.size(), 0);
    std::vector<const variable_base*> order(vars.begin(), vars.end());
    // Finished first, first; gradients no path reached (never arrived) last, by id.
    std::stable_sort(order.begin(), order.end(), [&](const variable_base* a, const variable_base* b) {
      const auto sa = last_seen_[a->id()], sb = last_seen_[b->id()];
      if ((sa == 0) != (sb == 0)) return sb == 0;
      return sa < sb;
    });
    std::string fingerprint;
    for (const variable_base* v : order) {
      const MPI_Datatype type = mpi_type(*v);
      const bool alone = v->bytes() >= options_.bucket_bytes ||
                         (v->bytes() >= options_.in_place_bytes && state_->host_memory());
      const bool fits = !buckets_.empty() && !buckets_.back().in_place && buckets_.back().type == type &&
                        buckets_.back().bytes + v->bytes() <= options_.bucket_bytes;
      if (alone || !fits) {
        buckets_.emplace_back();
        buckets_.back().type = type;
        buckets_.back().in_place = alone && state_->host_memory();
      }
      auto& b = buckets_.back();
      entry_of_[v->id()] = static_cast<int>(entries_.size());
      entries_.push_back(entry{v, buckets_.size() - 1, b.bytes, arrivals_[v->id()], false});
      b.entries.push_back(entries_.size() - 1);
      b.bytes += v->bytes();
      fingerprint += v->name() + ":" + std::to_string(v->bytes()) + "@" + std::to_string(buckets_.size() - 1) + ";";
    }
    for (auto& b : buckets_) {
      b.pending = b.entries.size();
      if (!b.in_place) b.buffer.resize(b.bytes);
    }
    stats_.buckets = buckets_.size();
    stats_.bytes_per_step = 0;
    for (const auto& b : buckets_) stats_.bytes_per_step += b.bytes;
    // The same layout on every rank, or every rank stops with the first difference.
    const std::uint64_t h = detail::fnv1a(fingerprint);
    std::uint64_t lo = h, hi = h;
    detail::check_mpi(MPI_Allreduce(MPI_IN_PLACE, &lo, 1, MPI_UINT64_T, MPI_MIN, comm_), "MPI_Allreduce");
    detail::check_mpi(MPI_Allreduce(MPI_IN_PLACE, &hi, 1, MPI_UINT64_T, MPI_MAX, comm_), "MPI_Allreduce");
    if (lo != hi)
      staticflow::detail::fail<invalid_argument>(
          {"sf::dist::mpi_data_parallel: the ranks' training steps differ (their gradients' bucket layouts do not "
           "match; every rank must run the same train op on the same variables). This rank's layout: ",
           fingerprint});
  }

  /// Copies a finished gradient into its bucket (nothing for a host variable reduced in place).
  void pack(std::size_t e) {
    auto& en = entries_[e];
    if (en.packed) return;
    auto& b = buckets_[en.bucket];
    if (!b.in_place) state_->download(b.buffer.data() + en.offset, state_->grad_slot(*en.var).data, en.var->bytes());
    en.packed = true;
    --b.pending;
  }

  /// Starts, in order, every bucket whose gradients are all packed (the same order on every rank).
  void start_ready_buckets(bool during_backward) {
    while (next_ < buckets_.size() && buckets_[next_].pending == 0) start(next_++, during_backward);
  }
  void start(std::size_t i, bool during_backward) {
    auto& b = buckets_[i];
    void* data = b.in_place ? state_->grad_slot(*entries_[b.entries[0]].var).data : b.buffer.data();
    detail::check_mpi(MPI_Iallreduce(MPI_IN_PLACE, data, element_count(b), b.type, MPI_SUM, comm_, &b.request),
                      "MPI_Iallreduce");
    b.started = true;
    ++in_flight_;
    if (during_backward) ++stats_.overlapped_buckets;
  }
  static int element_count(const bucket& b) {
    const std::size_t count = b.bytes / (b.type == MPI_DOUBLE ? sizeof(double) : sizeof(float));
    if (count > static_cast<std::size_t>(INT_MAX))
      staticflow::detail::fail<unimplemented>({"sf::dist::mpi_data_parallel: a bucket of ", count,
                                               " elements is more than an MPI count holds"});
    return static_cast<int>(count);
  }
  /// Drives MPI's progress engine for the buckets in flight.
  void test_started() {
    int done = 0;
    for (std::size_t i = 0; i < next_; ++i)
      if (buckets_[i].request != MPI_REQUEST_NULL) {
        detail::check_mpi(MPI_Test(&buckets_[i].request, &done, MPI_STATUS_IGNORE), "MPI_Test");
        if (!done) break;  // later buckets started later
      }
  }
  /// Waits for bucket `i` (or, not started, reduces it now) and writes the averaged gradients
  /// back into their slots.
  void finish(std::size_t i) {
    auto& b = buckets_[i];
    if (b.started) {
      detail::check_mpi(MPI_Wait(&b.request, MPI_STATUS_IGNORE), "MPI_Wait");
    } else {
      void* data = b.in_place ? state_->grad_slot(*entries_[b.entries[0]].var).data : b.buffer.data();
      detail::check_mpi(MPI_Allreduce(MPI_IN_PLACE, data, element_count(b), b.type, MPI_SUM, comm_), "MPI_Allreduce");
    }
    b.started = false;
    const double scale = options_.average ? 1.0 / static_cast<double>(size_) : 1.0;
    if (b.in_place) {
      const auto& v = *entries_[b.entries[0]].var;
      scale_in_place(state_->grad_slot(v).data, v.bytes(), b.type, scale);
      return;
    }
    for (const std::size_t e : b.entries) {
      const auto& en = entries_[e];
      void* slot = state_->grad_slot(*en.var).data;
      if (state_->host_memory()) {  // the copy back and the division in one pass
        scale_into(slot, b.buffer.data() + en.offset, en.var->bytes(), b.type, scale);
      } else {
        scale_in_place(b.buffer.data() + en.offset, en.var->bytes(), b.type, scale);
        state_->upload(slot, b.buffer.data() + en.offset, en.var->bytes());
      }
    }
  }
  static void scale_into(void* dst, const void* src, std::size_t bytes, MPI_Datatype type, double scale) {
    if (scale == 1.0) {
      std::memcpy(dst, src, bytes);
    } else if (type == MPI_DOUBLE) {
      auto* d = static_cast<double*>(dst);
      const auto* s = static_cast<const double*>(src);
      for (std::size_t i = 0, n = bytes / sizeof(double); i < n; ++i) d[i] = s[i] * scale;
    } else {
      auto* d = static_cast<float*>(dst);
      const auto* s = static_cast<const float*>(src);
      const float f = static_cast<float>(scale);
      for (std::size_t i = 0, n = bytes / sizeof(float); i < n; ++i) d[i] = s[i] * f;
    }
  }
  static void scale_in_place(void* data, std::size_t bytes, MPI_Datatype type, double scale) {
    if (scale == 1.0) return;
    if (type == MPI_DOUBLE) {
      auto* p = static_cast<double*>(data);
      for (std::size_t i = 0, n = bytes / sizeof(double); i < n; ++i) p[i] *= scale;
    } else {
      auto* p = static_cast<float*>(data);
      const float s = static_cast<float>(scale);
      for (std::size_t i = 0, n = bytes / sizeof(float); i < n; ++i) p[i] *= s;
    }
  }
  /// Completes whatever is in flight (a step that threw between arrivals and on_gradients).
  void wait_all_quietly() noexcept {
    for (auto& b : buckets_)
      if (b.request != MPI_REQUEST_NULL) MPI_Wait(&b.request, MPI_STATUS_IGNORE);
  }

  data_parallel_options options_;
  MPI_Comm comm_;
  int rank_ = 0, size_ = 1;
  const graph* graph_;
  session_state* state_;
  std::function<void()> detach_;
  data_parallel_stats stats_;

  std::vector<std::size_t> arrivals_;   ///< per variable id: contributions so far this step
  std::vector<std::size_t> last_seen_;  ///< per variable id: when its last contribution came
  std::size_t sequence_ = 0;
  std::vector<const variable_base*> layout_order_;  ///< the hooked variables the layout is for
  std::vector<entry> entries_;
  std::vector<int> entry_of_;  ///< per variable id: its entry, or -1
  std::vector<bucket> buckets_;
  std::size_t next_ = 0;       ///< the next bucket to start
  std::size_t in_flight_ = 0;  ///< buckets started this step
  bool armed_ = false;         ///< starting buckets during the backward pass (learnt the order)
};

}  // namespace staticflow::dist
#endif  // STATICFLOW_DIST_MPI_HPP
