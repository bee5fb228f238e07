// SPDX-License-Identifier: MIT
/// \file
/// \brief `session<Policy>`: runs graph expressions with feeds, owns variable values,
/// gradients, optimiser slots and a workspace reused from run to run.
#pragma once
#ifndef STATICFLOW_GRAPH_SESSION_HPP
#define STATICFLOW_GRAPH_SESSION_HPP

#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "staticflow/autodiff/backward.hpp"
#include "staticflow/device/config.hpp"
#include "staticflow/graph/feed.hpp"
#include "staticflow/graph/graph.hpp"
#include "staticflow/graph/run_ops.hpp"

namespace staticflow {
namespace detail {

/// Calls `f(variable_node)` for every variable occurrence in a graph expression.
template <class F>
struct variable_visitor {  // a function object handed to for_each_child as is (no lambda per node)
  F& f;
  template <class N>
  void operator()(const N& n) const {
    if constexpr (traits_v<N>.variable) f(n);
    else if constexpr (has_variables_v<N>) for_each_child(n, *this);
  }
};
template <class N, class F>
void visit_variables(const N& n, F&& f) {
  variable_visitor<std::remove_reference_t<F>>{f}(n);
}

}  // namespace detail
// ---- the session ----------------------------------------------------------------------------------

/// Runs graph expressions on a device policy. Owns the values of the graph's variables, their
/// gradients, optimiser slots, and a workspace that is reused by every run, so repeating the
/// same step allocates nothing after the first.
///
/// **Devices** (`device_config`): the policy names the device (`sf::cuda{1}`: the second visible
/// GPU, made current before each call that allocates or launches kernels). Each session queues its
/// device work on a stream of its own, so sessions driven from different threads overlap on the
/// device; a call that returns a value waits for its stream. A device that cannot be
/// used makes the constructor throw invalid_argument with the reason, or, with
/// `allow_soft_placement`, the session warns once and runs everything on the host: every call
/// forwards to an internal `session<host>`, feeds of host tensors work unchanged, and results are
/// the host's. `log_device_placement` logs each op kind's device the first time it runs.
///
/// **Errors:** reading an uninitialised variable: failed_precondition naming it; a feed with the
/// wrong run-time extents: invalid_argument naming the placeholder and both shapes; an unfed
/// placeholder: compile error; an unusable device without soft placement, or a bad
/// device_config: invalid_argument.
template <class P = host>
class session final : public session_state {
  static_assert(device_policy<P>, "sf::session: P must be a device policy (sf::host, sf::cuda)");

 public:
  explicit session(graph& g = default_graph(), P policy = {}) : session(g, policy, device_config{}) {}
  session(graph& g, P policy, device_config config) : graph_(&g), policy_(policy), config_(config) {
    tmp_.set_check_numerics(config_.check_numerics);
    place();
  }
  /// The stream goes first: releasing it waits for the work queued on it, so the storage freed
  /// after it is no longer in use by the device.
  ~session() override {
    stream_ = {};
    release_all();
  }
  session(const session&) = delete;
  session& operator=(const session&) = delete;

  const graph& get_graph() const { return *graph_; }
  const P& policy() const { return policy_; }
  const device_config& config() const { return config_; }
  /// Where the session runs: "host", "cuda:0", ... ("host" for a soft-placed CUDA session).
  std::string device() const {
    return on_host_fallback() ? std::string(host::name) : device_runtime<P>::placement_name(policy_);
  }
  session_state& effective_state() override {
    return placed([](auto& s) -> session_state& { return s; });
  }
  /// True when soft placement moved this session from its unusable device to the host.
  bool on_host_fallback() const {
    if constexpr (std::is_same_v<P, host>) return false;
    else return fallback_ != nullptr;
  }

  /// Runs `what` with `feeds` (`sf::feed(placeholder, tensor)`...) and returns its result on the
  /// host. `what` is one of:
  /// - a graph expression: its value as a host tensor (rank 0 converts to its element type);
  /// - `fetches(a, gradients(a, x), ...)`: a tuple of what each returns, for structured bindings;
  /// - `global_variables_initializer()`: initialises every variable of the graph;
  /// - `optimizer.minimize(loss)`: one training step, returning the loss before the update;
  /// - `compute_gradients(loss)`: its `grads_and_vars`; `apply_gradients(...)`, optionally followed
  ///   by a `grads_and_vars` to apply (TF's apply_gradients(capped)); `gradients(loss, x)`: a tensor;
  /// - any other op with `run_on(session&, feeds...)` (moving averages, groups, ...).
  template <class What, class... F>
  decltype(auto) run(const What& what, const F&... feeds) {
    // Not through placed(): g++ 12 cannot capture a pack in a generic lambda here (ICE).
    if constexpr (!std::is_same_v<P, host>) {
      if (fallback_) {
        if constexpr (requires { fallback_->run_here(what, feeds...); }) return fallback_->run_here(what, feeds...);
        else detail::fail<unimplemented>({"sf::session::run: this op runs only on a session<sf::", P::name,
                                          ">, but the session was soft-placed on the host"});
      }
    }
    [[maybe_unused]] const auto on_device = activate();
    return run_here(what, feeds...);
  }

  /// The gradient a compute op left for `v`, on the host.
  /// **Errors:** failed_precondition when the last compute op did not differentiate `v` (not
  /// trainable, or the loss does not read it: TF's None), instead of zeros or a stale value.
  template <class T, class S>
  tensor<T, S, host> gradient(const variable_node<T, S>& v) {
    return placed([&](auto& s) {
      s.check_graph(*v.def);
      const std::size_t id = v.def->id();
      if (id >= s.wanted_.size() || s.wanted_[id] == gradient_state::not_wanted)
        detail::fail<failed_precondition>({"sf::session::gradient('", v.name(),
                                           "'): the last compute_gradients did not differentiate this variable (it "
                                           "is not trainable or the loss does not read it; TF gives None)"});
      return s.gradient_here(v);
    });
  }
  /// Replaces the gradient of `v` before an apply op (e.g. after clipping it).
  template <class T, class S>
  void set_gradient(const variable_node<T, S>& v, const tensor_view<T, S, host>& g) {
    placed([&](auto& s) {
      s.check_graph(*v.def);
      s.upload(s.grad_slot(*v.def).data, g.data(), v.def->bytes());
    });
  }
  /// Replaces the gradients of every variable of `gv` (a compute op's result, clipped, say).
  void set_gradients(const std::vector<grad_and_var>& gv) {
    placed([&](auto& s) { s.set_gradients_here(gv); });
  }

  /// A variable's current value on the host.
  template <class T, class S>
  tensor<T, S, host> value(const variable_node<T, S>& v) {
    return placed([&](auto& s) { return s.to_host_copy(s.value_view(v)); });
  }
  /// The value of the variable named `name` (see graph::variable_by_name: dtype and shape are
  /// checked at run time). **Example:** `sess.value<float, sf::shape<784, 500>>("layer1/weights")`.
  template <element_type T, any_shape S>
  tensor<T, S, host> value(const std::string& name) {
    return value(graph_->template variable_by_name<T, S>(name));
  }
  /// Sets the variable named `name` (dtype and shape checked at run time).
  template <class T, class S>
  void assign(const std::string& name, const tensor_view<T, S, host>& x) {
    assign(graph_->template variable_by_name<T, S>(name), x);
  }
  template <class T, class S>
  void assign(const std::string& name, const tensor<T, S, host>& x) {
    assign(name, x.view());
  }

  /// Sets a variable's value (TF's tf.assign), initialising it if needed.
  template <class T, class S>
  void assign(const variable_node<T, S>& v, const tensor_view<T, S, host>& x) {
    placed([&](auto& s) {
      s.check_graph(*v.def);
      auto& slot = s.value_slot(*v.def);
      s.upload(slot.data, x.data(), v.def->bytes());
      slot.initialized = true;
    });
  }
  template <class T, class S>
  void assign(const variable_node<T, S>& v, const tensor<T, S, host>& x) {
    assign(v, x.view());
  }

  /// Reads a scalar variable (such as global_step) on the host.
  template <class T>
  T read_scalar(const variable_node<T, shape<>>& v) {
    return placed([&](auto& s) { return s.read_scalar_here(v); });
  }
  template <class T>
  void write_scalar(const variable_node<T, shape<>>& v, T x) {
    placed([&](auto& s) { s.write_scalar_here(v, x); });
  }

  /// The storage of a variable on this session's device. A soft-placed session has no device
  /// storage: failed_precondition (use `value`, or run ops through `run`, which hands them the
  /// host session).
  template <class T, class S>
  tensor_view<T, S, P> value_view(const variable_node<T, S>& v) {
    if (on_host_fallback())
      detail::fail<failed_precondition>({"sf::session<sf::", P::name, ">::value_view('", v.name(),
                                         "'): the session was soft-placed on the host and has no device storage; "
                                         "use value() or run the op through run()"});
    return tensor_view<T, S, P>(static_cast<T*>(value_storage(*v.def)), v.dims());
  }

  /// Blocks in the reusable workspace (for tests of the no-allocation guarantee).
  std::size_t workspace_blocks() {
    return placed([](auto& s) { return s.tmp_.blocks(); });
  }

  // session_state: raw storage through the policy's memory.
  void* allocate_bytes(std::size_t bytes) override { return memory<P>::template allocate<std::byte>(bytes); }
  void free_bytes(void* p, std::size_t bytes) noexcept override {
    memory<P>::deallocate(static_cast<std::byte*>(p), bytes);
  }
  void upload(void* dst, const void* src, std::size_t bytes) override {
    memory<P>::from_host(static_cast<std::byte*>(dst), static_cast<const std::byte*>(src), bytes);
  }
  void download(void* dst, const void* src, std::size_t bytes) const override {
    memory<P>::to_host(static_cast<std::byte*>(dst), static_cast<const std::byte*>(src), bytes);
  }
  bool host_memory() const noexcept override { return std::is_same_v<P, host>; }

 private:
  template <class> friend class session;

  /// Runs `f` on the session that does the work: the host fallback of a soft-placed session,
  /// else this one with its device made current. The one place soft placement is decided.
  template <class F>
  decltype(auto) placed(F&& f) {
    if constexpr (!std::is_same_v<P, host>)
      if (fallback_) return f(*fallback_);
    [[maybe_unused]] const auto on_device = activate();
    return f(*this);
  }

  // ---- run, once placed ----

  void run_here(const init_all_op&) {
    for (const auto& v : graph_->global_variables()) v->initialize(*this);
  }

  /// Any op that is not an expression and has `run_on(session&, feeds...)`.
  template <class Op, class... F>
    requires(!expr_node<Op> && requires(const Op& op, session& s, const F&... f) { op.run_on(s, f...); })
  decltype(auto) run_here(const Op& op, const F&... feeds) {
    return op.run_on(*this, feeds...);
  }

  template <expr_node E, class... F>
  auto run_here(const E& fetch, const F&... feeds) {
    if constexpr (detail::all_fed<placeholders_of_t<E>, F...>::value) {
      tmp_.reset();
      auto ctx = context<F...>{std::tuple<const F&...>(feeds...), nullptr};
      return to_host(bind(fetch, ctx));
    }
  }

  /// Each item runs on its own (and checks its own feeds): a gradient's forward pass is prepared
  /// in a fresh workspace, as its backward pass needs every shared node's structure.
  template <class... E, class... F>
  auto run_here(const fetch_list<E...>& list, const F&... feeds) {
    return std::apply([&](const auto&... e) { return std::make_tuple(run_here(e, feeds...)...); }, list.items);
  }

  template <class Opt, class Loss, class... F>
  auto run_here(const train_op<Opt, Loss>& op, const F&... feeds) {
    if constexpr (detail::all_fed<placeholders_of_t<Loss>, F...>::value) return train_step(op, feeds...);
  }

  template <class Loss, class... F>
  auto run_here(const compute_gradients_op<Loss>& op, const F&... feeds) {
    if constexpr (detail::all_fed<placeholders_of_t<Loss>, F...>::value) {
      grads_and_vars<decltype(compute_step(op.loss, feeds...))> gv;
      gv.loss = compute_step(op.loss, feeds...);
      for_each_unique_variable(op.loss, [&](const auto& v) {  // an integer variable has no gradient (TF: None)
        if constexpr (floating_element<typename std::remove_cvref_t<decltype(v)>::value_type>)
          if (v.def->trainable()) gv.push_back(gradient_to_host(v));
      });
      std::sort(gv.begin(), gv.end(), [](const grad_and_var& a, const grad_and_var& b) {
        return a.variable->id() < b.variable->id();
      });
      return gv;
    }
  }
  template <class T, class S>
  tensor<T, S, host> gradient_here(const variable_node<T, S>& v) {
    densify_rows<T>(*v.def);
    return to_host_copy(tensor_view<T, S, P>(static_cast<T*>(grad_slot(*v.def).data), v.dims()));
  }
  template <class T, class S>
  grad_and_var gradient_to_host(const variable_node<T, S>& v) {
    auto g = host_gradient::allocate<T>(*v.def);
    download(g.data(), grad_slot(*v.def).data, v.def->bytes());
    return {std::move(g), v};
  }

  /// A `grads_and_vars` among the arguments (a clipped one, say) replaces the gradients first;
  /// feeds (a group passes them on) are not needed.
  template <class Opt, class Loss, class... A>
  void run_here(const apply_gradients_op<Opt, Loss>& op, const A&... args) {
    (set_gradients_if_list(args), ...);
    apply_step(op.optimizer, op.identity.get(), op.loss, op.global_step);
  }
  template <class A>
  void set_gradients_if_list(const A& a) {
    if constexpr (std::is_convertible_v<const A&, const std::vector<grad_and_var>&>) set_gradients_here(a);
  }
  void set_gradients_here(const std::vector<grad_and_var>& gv) {
    for (const auto& [g, v] : gv) {
      check_graph(v.get());
      upload(grad_slot(v.get()).data, g.data(), v->bytes());
    }
  }

  /// tf.gradients(loss, x): only x's gradient is wanted. A variable's goes to its gradient slot;
  /// any other x is bound as a leaf with a gradient buffer in the workspace (`target_slot`).
  template <class Loss, class X, class... F>
  auto run_here(const gradients_op<Loss, X>& op, const F&... feeds) {
    if constexpr (gradient_target<X> && detail::all_fed<placeholders_of_t<Loss>, F...>::value &&
                  detail::all_fed<placeholders_of_t<X>, F...>::value) {  // else sf::gradients has said why
      if (config_.log_device_placement) note_placement("sf::gradients");
      tmp_.reset();
      std::fill(wanted_.begin(), wanted_.end(), gradient_state::not_wanted);
      auto ctx = context<F...>{std::tuple<const F&...>(feeds...), &wanted_};
      if constexpr (traits_v<X>.variable) {
        want(*op.wrt.def);
        autodiff::backward(autodiff::prepare(bind(op.loss, ctx), tmp_), tmp_);
        if (wanted_[op.wrt.def->id()] == gradient_state::unwritten) zero_gradient(op.wrt);
        return gradient_here(op.wrt);
      } else {
        target_slot<X> target{&op.wrt};
        const binder<context<F...>, X> b{this, &ctx, &target};
        autodiff::backward(autodiff::prepare(b(op.loss), tmp_), tmp_);
        if (!target.grad) b(op.wrt);  // the loss does not read x: bound alone for its extents
        const tensor_view<value_t<X>, shape_of_t<X>, P> grad(target.grad, target.dims);
        if (target.state == gradient_state::unwritten) detail::evaluate_into(grad, scalar<value_t<X>>(0), tmp_);
        return to_host_copy(grad);
      }
    }
  }

  template <class Opt, class Loss, class... F>
  auto train_step(const train_op<Opt, Loss>& op, const F&... feeds) {
    if (config_.log_device_placement) {
      if constexpr (requires { Opt::name; }) note_placement(std::string("sf::train::") + Opt::name);
    }
    // Lookups may hand a variable its gradient as rows (the update then touches those rows only).
    rows_run_ = std::is_same_v<P, host>;
    struct reset_rows {
      bool& flag;
      ~reset_rows() { flag = false; }
    } reset{rows_run_};
    auto loss_value = compute_step(op.loss, feeds...);
    apply_step(op.optimizer, op.identity.get(), op.loss, op.global_step);
    return loss_value;
  }

  template <class Loss, class... F>
  auto compute_step(const Loss& loss, const F&... feeds) {
    tmp_.reset();
    mark_trainable(loss);
    auto ctx = context<F...>{std::tuple<const F&...>(feeds...), &wanted_};
    auto prepared = autodiff::prepare(bind(loss, ctx), tmp_);
    auto loss_value = loss_to_host(prepared);
    autodiff::backward(prepared, tmp_);
    zero_unreached_gradients(loss);
    return loss_value;
  }

  template <class Opt, class Loss>
  void apply_step(const Opt& opt, const void* identity, const Loss& loss,
                  const std::optional<variable_node<std::int64_t, shape<>>>& global_step) {
    const std::int64_t step = global_step ? read_scalar_here(*global_step) : 0;
    for_each_unique_variable(loss, [&](const auto& v) {
      if (v.def->trainable()) apply_update(opt, identity, v, step);
    });
    if (global_step) write_scalar_here(*global_step, step + 1);
  }

  // Already placed (no second activate() on the training step's path).
  template <class T>
  T read_scalar_here(const variable_node<T, shape<>>& v) {
    T x{};
    download(&x, value_view(v).data(), sizeof(T));
    return x;
  }
  template <class T>
  void write_scalar_here(const variable_node<T, shape<>>& v, T x) {
    upload(value_view(v).data(), &x, sizeof(T));
  }

 private:
  template <class... F>
  struct context {
    template <class Ph>
    static constexpr std::size_t index_of() {
      return detail::feed_index<Ph, F...>();
    }
    std::tuple<const F&...> feeds;
    std::vector<gradient_state>* wanted;  ///< per variable id: whether its gradient is wanted, and written yet
  };

  // ---- binding: graph expression -> concrete expression over this session's memory ----

  /// The graph expression over this session's memory: placeholders become their feeds, variables
  /// their storage (with gradient buffers when wanted), tensors of another device copies; every
  /// op node is rebuilt over its bound children (and logged once with log_device_placement).
  template <class N, class Ctx>
  auto bind(const N& n, Ctx& ctx) {
    return binder<Ctx>{this, &ctx}(n);
  }
  /// The x of a `gradients` op that is not a variable, as the binder finds it: its gradient
  /// buffer in the workspace (allocated when x is first bound) and the buffer's state.
  template <class X>
  struct target_slot {
    const X* node;
    value_t<X>* grad = nullptr;
    dims_t<shape_of_t<X>> dims{};
    gradient_state state = gradient_state::unwritten;
    /// Whether `n`, a node of x's type, is x: the identities `gradient_target` names.
    bool is(const X& n) const {
      if constexpr (is_placeholder_v<X>) return true;
      else if constexpr (is_tensor_v<X>) return n.data() == node->data();
      else return n.id.value == node->id.value;
    }
  };
  template <class Ctx, class X = void>
  struct binder {  // the pass as a function object, handed to map_children as is: one
                   // instantiation per node type, no per-child wrapper
    session* s;
    Ctx* ctx;
    target_slot<X>* target = nullptr;  // unused when X is void
    template <class N>
    auto operator()(const N& n) const {
      if constexpr (std::is_same_v<N, X>) {
        return s->bind_target(n, *this);
      } else if constexpr (is_placeholder_v<N>) {
        return s->bind_placeholder(n, *ctx);
      } else if constexpr (is_tensor_v<N>) {
        return s->bind_tensor(n);
      } else if constexpr (traits_v<N>.variable) {  // its storage, with a gradient buffer when wanted
        using T = typename N::value_type;
        using leaf = var_leaf<T, typename N::shape_type, P>;
        const auto id = n.def->id();
        const bool grad = ctx->wanted && id < ctx->wanted->size() && (*ctx->wanted)[id] != gradient_state::not_wanted;
        if (!grad) return leaf(s->value_view(n), nullptr, nullptr);
        indexed_slices_slot* rows = id < s->slices_.size() && s->slices_[id].accepted ? &s->slices_[id] : nullptr;
        return leaf(s->value_view(n), static_cast<T*>(s->grad_slot(*n.def).data), &(*ctx->wanted)[id], &n.def->name(),
                    rows);
      } else if constexpr (is_leaf_v<N>) {
        return n;  // scalars and generators
      } else {
        s->note_placement(op_name_v<N>);
        return map_children(n, *this);
      }
    }
  };
  /// Every node of x's type is bound as a leaf holding its value (so that the bound tree has one
  /// type whichever of them is x); the one that is x gets the gradient buffer.
  template <class X, class B>
  auto bind_target(const X& n, const B& b) {
    using T = value_t<X>;
    using S = shape_of_t<X>;
    const tensor_view<T, S, P> value = [&] {
      if constexpr (is_placeholder_v<X>) return bind_placeholder(n, *b.ctx);
      else if constexpr (is_tensor_v<X>) return bind_tensor(n);
      else return detail::materialize(map_children(n, b), tmp_);
    }();
    auto& t = *b.target;
    if (!t.is(n)) return var_leaf<T, S, P>(value, nullptr, nullptr);
    if (!t.grad) t.grad = tmp_.template make<T, S>(value.dims()).data(), t.dims = value.dims();
    return var_leaf<T, S, P>(value, t.grad, &t.state);
  }
  /// A tensor of this device as it is; one of another device (a host constant or feed) copied
  /// into the workspace.
  template <class N>
  auto bind_tensor(const N& n) {
    using from = typename N::policy_type;
    if constexpr (std::is_same_v<from, P>) return n;
    else {
      auto d = tmp_.template make<typename N::value_type, typename N::shape_type>(n.dims());
      if constexpr (std::is_same_v<from, host>) memory<P>::from_host(d.data(), n.data(), n.size());
      else if constexpr (std::is_same_v<P, host>) memory<from>::to_host(d.data(), n.data(), n.size());
      else static_assert(detail::dependent_false_v<N>, "sf::session: feeds move between the host and one device only");
      return d;
    }
  }
  template <class Ph, class Ctx>
  auto bind_placeholder(const Ph& ph, Ctx& ctx) {
    using T = typename Ph::value_type;
    using S = typename Ph::shape_type;
    constexpr std::size_t i = Ctx::template index_of<Ph>();
    const auto& item = std::get<i>(ctx.feeds);
    const auto& v = item.value;
    for (std::size_t d = 0; d < S::rank; ++d)
      if (S::extents[d] != dyn && S::extents[d] != v.dims()[d])
        detail::throw_feed_mismatch(ph.name(), S::extents.data(), v.dims().v, S::rank);
    tensor_view<T, S, typename std::remove_cvref_t<decltype(v)>::policy_type> typed(v.data(), to_dims<S>(v.dims()));
    return bind_tensor(typed);
  }
  template <class S, std::size_t R>
  static dims_t<S> to_dims(const index_array<R>& d) {
    dims_t<S> out{};
    for (std::size_t i = 0; i < S::rank; ++i) out[i] = d[i];
    return out;
  }

  // ---- devices ----

  /// Checks the device (throwing, or falling back to the host with a warning) and configures it.
  void place() {
    config_.validate();
    if constexpr (!std::is_same_v<P, host>) {
      const std::string reason = device_runtime<P>::unavailable_reason(policy_);
      if (!reason.empty()) {
        if (!config_.allow_soft_placement)
          detail::fail<invalid_argument>({"sf::session<sf::", P::name, ">: no usable CUDA device for ",
                                          device_runtime<P>::placement_name(policy_), ": ", reason,
                                          "; set sf::device_config::allow_soft_placement to run on the host instead"});
        log_line("sf: no usable CUDA device (" + reason + "); running on the host (allow_soft_placement)");
        fallback_ = std::make_unique<session<host>>(*graph_, host{}, config_);
        return;
      }
    }
    [[maybe_unused]] const auto on_device = activate();
    stream_ = device_runtime<P>::make_stream(policy_);  // on the device just made current
    device_runtime<P>::configure(policy_, config_);
    if (config_.log_device_placement) log_line("sf: placement: session on " + device());
  }

  /// Makes the session's device current for this thread, and its stream the thread's current
  /// one while the returned scope lives (nothing at all on the host).
  [[nodiscard]] auto activate() { return device_runtime<P>::activate(policy_, stream_); }

  /// Logs `kind -> device` the first time this session runs an op of that kind (only with
  /// log_device_placement; nullptr kinds are leaves and are not logged).
  void note_placement(const char* kind) {
    if (kind && config_.log_device_placement) note_placement(std::string(kind));
  }
  void note_placement(std::string kind) {
    if (!logged_kinds_.insert(kind).second) return;
    log_line("sf: placement: " + kind + " -> " + device());
  }

  // ---- results ----

  /// Computes a bound expression on the device (each shared materialisation point once) and
  /// copies the result to a new host tensor.
  template <class B>
  auto to_host(const B& bound) {
    return copy_to_host(autodiff::prepare(bound, tmp_));
  }
  template <class N>
  auto copy_to_host(const N& bound) {
    using T = typename N::value_type;
    using S = typename N::shape_type;
    tensor<T, S, host> out(bound.dims());
    if constexpr (std::is_same_v<P, host>) {
      detail::evaluate_into(out.view(), bound, tmp_);
    } else {
      auto d = tmp_.template make<T, S>(bound.dims());
      detail::evaluate_into(d, bound, tmp_);
      memory<P>::to_host(out.data(), d.data(), out.size());
    }
    check_fetched(out.view(), op_name_v<N>);
    return out;
  }

  /// Memory of this device copied to a new host tensor.
  template <class T, class S>
  tensor<T, S, host> to_host_copy(const tensor_view<T, S, P>& v) const {
    tensor<T, S, host> out(v.dims());
    download(out.data(), v.data(), out.size() * sizeof(T));
    return out;
  }

  /// device_config::check_numerics: a fetched value computed by an elementwise expression (a
  /// materialised op's output was checked when computed; `op` is null then).
  template <class V>
  void check_fetched(const V& host_value, const char* op) {
    if constexpr (floating_element<typename V::value_type>)
      if (tmp_.checks_numerics() && op) detail::check_run_value<host>(host_value, "the output of ", op);
  }

  template <class N>
  auto loss_to_host(const N& prepared) {
    using T = typename N::value_type;
    if constexpr (N::shape_type::rank == 0) {
      auto d = detail::materialize(prepared, tmp_);
      T v{};
      memory<P>::to_host(&v, d.data(), 1);
      check_fetched(tensor_view<T, shape<>, host>(&v, {}), op_name_v<N>);
      return v;
    } else {
      return copy_to_host(prepared);
    }
  }

  // ---- training ----

  void check_graph(const variable_base& v) const {
    if (v.owner() != graph_)
      detail::fail<invalid_argument>({"sf::session: variable '", v.name(),
                                      "' belongs to another graph than this session's"});
  }
  void want(const variable_base& v) {
    if (wanted_.size() <= v.id()) wanted_.resize(graph_->global_variables().size() + 1, gradient_state::not_wanted);
    wanted_[v.id()] = gradient_state::unwritten;
    if (slices_.size() < wanted_.size()) slices_.resize(wanted_.size());
    slices_[v.id()] = {rows_run_};
  }
  /// A gradient left as rows (a train step's) written into the variable's dense buffer, for a
  /// reader of the buffer (`gradient(v)`, a dense update).
  template <class T>
  void densify_rows(const variable_base& v) {
    if (v.id() >= wanted_.size() || wanted_[v.id()] != gradient_state::rows) return;
    const indexed_slices_slot& r = slices_[v.id()];
    const auto acc = flat_view<T>(grad_slot(v).data, v);
    detail::evaluate_into(acc, scalar<T>(T(0)), tmp_);
    executor<P>::for_each(r.count, ops::add_rows<T>{acc.data(), r.rows, static_cast<const T*>(r.values), r.inner}, r.inner);
    wanted_[v.id()] = gradient_state::written;
  }
  template <class Loss>
  void mark_trainable(const Loss& loss) {
    std::fill(wanted_.begin(), wanted_.end(), gradient_state::not_wanted);
    detail::visit_variables(loss, [&](const auto& v) {
      if (v.def->trainable()) want(*v.def);
    });
  }
  /// The gradients no path of the backward pass wrote (a variable the loss reads only through
  /// a non-differentiable op) are zero.
  template <class Loss>
  void zero_unreached_gradients(const Loss& loss) {
    detail::visit_variables(loss, [&](const auto& v) {
      if (v.def->id() >= wanted_.size()) return;
      auto& state = wanted_[v.def->id()];
      if (state == gradient_state::unwritten) zero_gradient(v), state = gradient_state::written;
    });
  }
  template <class T, class S>
  void zero_gradient(const variable_node<T, S>& v) {
    check_graph(*v.def);
    detail::evaluate_into(flat_view<T>(grad_slot(*v.def).data, *v.def), scalar<T>(T(0)), tmp_);
  }
  /// A variable's value or gradient as a flat vector: zeroing and optimiser updates are
  /// elementwise, so they are instantiated once per dtype rather than once per variable shape.
  template <class T>
  static tensor_view<T, shape<dyn>, P> flat_view(void* data, const variable_base& v) {
    return {static_cast<T*>(data), {v.bytes() / sizeof(T)}};
  }
  /// A variable's storage on this session's device, after checking that it is this graph's
  /// and initialised.
  void* value_storage(const variable_base& v) {
    [[maybe_unused]] const auto on_device = activate();
    check_graph(v);
    if (!is_initialized(v))
      detail::fail<failed_precondition>({"sf::session::run: attempting to use uninitialized variable '", v.name(),
                                         "'; run sf::global_variables_initializer() first"});
    return value_slot(v).data;
  }
  template <class Loss, class F>
  void for_each_unique_variable(const Loss& loss, F&& f) {
    if (seen_.size() < graph_->global_variables().size()) seen_.resize(graph_->global_variables().size());
    std::fill(seen_.begin(), seen_.end(), 0);
    detail::visit_variables(loss, [&](const auto& v) {
      if (!seen_[v.def->id()]) seen_[v.def->id()] = 1, f(v);
    });
  }
  /// Makes a new slot set known to savers (and fills it from a restore that came first).
  /// An optimiser without a `name` (a user's own, with no saved state) is not recorded.
  template <class Opt, class Slots>
  void register_slots(const Opt& opt, const variable_base& v, Slots& s) {
    constexpr bool named = requires { Opt::name; };
    static_assert(named || !requires { opt.slot_data(s); },
                  "an optimiser with slot_data() needs a static `name`: its slots are saved as '<var>/<name>'");
    if constexpr (named) {
      std::vector<void*> data;
      if constexpr (requires { opt.slot_data(s); }) data = opt.slot_data(s);
      if constexpr (requires { s.updates; opt.powers(); })
        add_optimizer_slots(v, Opt::name, data, &s.updates, opt.powers());
      else add_optimizer_slots(v, Opt::name, data, nullptr, {});
    }
  }
  template <class Opt, class T, class S>
  void apply_update(const Opt& opt, const void* identity, const variable_node<T, S>& v, std::int64_t step) {
    apply_flat_update<T>(opt, identity, *v.def, step);
  }
  /// Optimisers update elementwise: each variable (and its slots) is seen as a flat vector.
  template <class T, class Opt>
  void apply_flat_update(const Opt& opt, const void* identity, const variable_base& v, std::int64_t step) {
    using slots_t = typename Opt::template slots<T, shape<dyn>, P>;
    const auto value = flat_view<T>(value_storage(v), v);
    auto& entry = slots_[{identity, v.id()}];
    if (!entry) {
      auto made = std::make_shared<slots_t>(opt.template make_slots<T, shape<dyn>, P>(value.dims()));
      register_slots(opt, v, *made);
      entry = std::move(made);
    }
    auto& slots = *static_cast<slots_t*>(entry.get());
    if constexpr (requires { opt.apply_sparse(value, indexed_slices<T>{}, slots, step); }) {
      if (v.id() < wanted_.size() && wanted_[v.id()] == gradient_state::rows) {  // TF's _apply_sparse
        const indexed_slices_slot& r = slices_[v.id()];
        opt.apply_sparse(value, indexed_slices<T>{r.rows, static_cast<const T*>(r.values), r.count, r.inner}, slots, step);
        return;
      }
    }
    densify_rows<T>(v);  // an optimiser without a sparse rule sees the gradient densely
    opt.apply(value, flat_view<T>(grad_slot(v).data, v), slots, step);
  }

 private:
  graph* graph_;
  P policy_;
  device_config config_;
  std::unique_ptr<session<host>> fallback_;  ///< set when soft placement moved this session to the host
  [[no_unique_address]] typename device_runtime<P>::stream stream_;  ///< where its device work is queued
  std::set<std::string> logged_kinds_;       ///< op kinds already logged (log_device_placement)
  workspace<P> tmp_;
  std::vector<gradient_state> wanted_;  ///< per variable id, during a run that computes gradients
  std::vector<indexed_slices_slot> slices_;  ///< per variable id: its gradient as rows (state `rows`)
  bool rows_run_ = false;                   ///< the run in progress accepts gradients as rows
  std::vector<char> seen_;
  std::map<std::pair<const void*, std::size_t>, std::shared_ptr<void>> slots_;
};

}  // namespace staticflow
#endif  // STATICFLOW_GRAPH_SESSION_HPP
