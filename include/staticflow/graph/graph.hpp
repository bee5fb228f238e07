// SPDX-License-Identifier: MIT
/// \file
/// \brief Graphs, variables, placeholders and variable scopes (TF 1.x's model).
///
/// The expression type is the computation; a `graph` owns what TF's graph owns beyond that:
/// the variable definitions (name, shape, dtype, initialiser, trainable flag) and the names.
/// Values live in a `session`. Two graphs share nothing.
#pragma once
#ifndef STATICFLOW_GRAPH_GRAPH_HPP
#define STATICFLOW_GRAPH_GRAPH_HPP

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "staticflow/core/fixed_string.hpp"
#include "staticflow/graph/initializer.hpp"

namespace staticflow {

class graph;
class session_state;

/// What a graph knows of a variable, whatever its type.
class variable_base {
 public:
  variable_base(std::string name, bool trainable, std::size_t id, const graph* owner, std::size_t bytes,
                std::vector<std::int64_t> dims)
      : name_(std::move(name)), trainable_(trainable), id_(id), owner_(owner), bytes_(bytes), dims_(std::move(dims)) {}
  virtual ~variable_base() = default;
  const std::string& name() const { return name_; }
  bool trainable() const { return trainable_; }
  std::size_t id() const { return id_; }
  const graph* owner() const { return owner_; }
  std::size_t bytes() const { return bytes_; }
  /// The static shape's extents (for checkpoints and messages).
  const std::vector<std::int64_t>& dims() const { return dims_; }
  virtual std::string shape_string() const = 0;
  virtual std::string_view dtype_name() const = 0;
  virtual dtype type() const = 0;
  /// Computes the initial value on the host and stores it in the session.
  virtual void initialize(session_state& s) const = 0;

 private:
  std::string name_;
  bool trainable_;
  std::size_t id_;
  const graph* owner_;
  std::size_t bytes_;
  std::vector<std::int64_t> dims_;
};

/// Storage of variable values (and their gradients) for one session, behind a device-neutral
/// interface so that graphs need not know the policy.
class session_state {
 public:
  struct slot {
    void* data = nullptr;
    std::size_t bytes = 0;
    bool initialized = false;
  };
  virtual ~session_state() = default;
  virtual void* allocate_bytes(std::size_t bytes) = 0;
  virtual void free_bytes(void* p, std::size_t bytes) noexcept = 0;
  virtual void upload(void* dst, const void* host_src, std::size_t bytes) = 0;
  virtual void download(void* host_dst, const void* src, std::size_t bytes) const = 0;
  /// True when slots live in host memory, so savers read them in place instead of downloading.
  virtual bool host_memory() const noexcept { return false; }

  /// The value slot of a variable, allocated on first use.
  slot& value_slot(const variable_base& v) { return ensure(values_, v); }
  /// The gradient slot of a variable, allocated on first use.
  slot& grad_slot(const variable_base& v) { return ensure(grads_, v); }
  bool is_initialized(const variable_base& v) const { return v.id() < values_.size() && values_[v.id()].initialized; }

  /// An optimiser's state for one variable, as a saver sees it: its slot buffers (each the
  /// variable's dtype and size) under the names TF gives its slot variables ("w/Adam",
  /// "w/Adam_1"), and for Adam the update count, which a checkpoint stores as TF's power
  /// accumulators ("beta1_power" = beta1^(updates + 1)).
  struct optimizer_slots {
    const variable_base* var = nullptr;
    std::vector<std::pair<std::string, void*>> slots;
    std::int64_t* updates = nullptr;
    std::vector<std::pair<std::string, double>> powers;  ///< (name, base)
  };
  /// Every optimiser state the session has made, in the order made.
  const std::vector<optimizer_slots>& optimizer_state() const { return optimizer_state_; }
  /// Slot values (host bytes) and power accumulators a restore read before the session made the
  /// slots they belong to: the session takes them when it makes the slots (a resumed run's
  /// first step).
  std::map<std::string, std::string>& restored_slots() { return restored_slots_; }
  std::map<std::string, double>& restored_powers() { return restored_powers_; }
  /// The state a saver reads and writes: this one, or the host session a soft-placed session
  /// forwards to.
  virtual session_state& effective_state() { return *this; }
  /// Loads into every slot set the session has what a restore left for it.
  void take_restored() {
    for (auto& rec : optimizer_state_) take_restored(rec);
  }
  /// The update count behind restored power accumulators base^(t + 1), when there are any. The
  /// largest base decays slowest, so its power gives t most exactly; one that underflowed to 0
  /// means a count so large that the bias correction is 1 to the last bit.
  std::optional<std::int64_t> restored_update_count(const std::vector<std::pair<std::string, double>>& powers) const {
    const std::pair<std::string, double>* best = nullptr;
    for (const auto& p : powers)
      if (restored_powers_.count(p.first) && (!best || p.second > best->second)) best = &p;
    if (!best) return std::nullopt;
    const double value = restored_powers_.at(best->first);
    if (!(value > 0.0)) return std::int64_t{1} << 40;
    return std::max<std::int64_t>(0, std::llround(std::log(value) / std::log(best->second)) - 1);
  }

 protected:
  /// Records the state of a new slot set under TF's names ("<var>/<Opt>", "<var>/<Opt>_1", ...) and
  /// loads what a restore left for it.
  void add_optimizer_slots(const variable_base& v, const char* optimizer, const std::vector<void*>& data,
                           std::int64_t* updates, std::vector<std::pair<std::string, double>> powers) {
    optimizer_slots rec{&v, {}, updates, std::move(powers)};
    for (std::size_t i = 0; i < data.size(); ++i)
      rec.slots.emplace_back(v.name() + "/" + optimizer + (i ? "_" + std::to_string(i) : ""), data[i]);
    take_restored(rec);
    optimizer_state_.push_back(std::move(rec));
  }

 protected:
  void release_all() noexcept {
    for (auto* table : {&values_, &grads_})
      for (auto& s : *table) free_bytes(s.data, s.bytes), s = {};
  }

 private:
  /// Loads the restored values of `rec`'s slots (and its update count) and forgets them.
  void take_restored(optimizer_slots& rec) {
    for (const auto& [name, data] : rec.slots) {
      const auto it = restored_slots_.find(name);
      if (it == restored_slots_.end()) continue;
      if (it->second.size() != rec.var->bytes())
        detail::fail<invalid_argument>({"sf::session: the checkpoint's slot '", name, "' has ", it->second.size(),
                                        " bytes, the variable '", rec.var->name(), "' ", rec.var->bytes()});
      upload(data, it->second.data(), rec.var->bytes());
      restored_slots_.erase(it);
    }
    if (rec.updates) *rec.updates = restored_update_count(rec.powers).value_or(*rec.updates);
  }
  slot& ensure(std::vector<slot>& table, const variable_base& v) {
    if (table.size() <= v.id()) table.resize(v.id() + 1);
    slot& s = table[v.id()];
    if (!s.data && v.bytes()) s.data = allocate_bytes(v.bytes()), s.bytes = v.bytes();
    return s;
  }
  std::vector<slot> values_, grads_;
  std::vector<optimizer_slots> optimizer_state_;
  std::map<std::string, std::string> restored_slots_;
  std::map<std::string, double> restored_powers_;
};

/// A variable of dtype `T`. Its static shape lives in the `variable_node`s that refer to it;
/// here it is only a name and the initialiser's fans, so one definition type (its virtual
/// functions, its shared_ptr control block) serves every shape of a dtype.
template <element_type T>
class variable_def final : public variable_base {
 public:
  variable_def(std::string name, std::string shape, std::vector<std::int64_t> dims, std::size_t size,
               std::pair<double, double> fans, init::initializer init, bool trainable, std::size_t id,
               const graph* owner)
      : variable_base(std::move(name), trainable, id, owner, size * sizeof(T), std::move(dims)),
        shape_(std::move(shape)),
        fans_(fans),
        init_(std::move(init)) {}
  std::string shape_string() const override { return shape_; }
  std::string_view dtype_name() const override { return dtype_name_v<T>; }
  dtype type() const override { return dtype_traits<T>::value; }
  const init::initializer& initializer() const { return init_; }
  void initialize(session_state& s) const override {
    tensor<T, shape<dyn>, host> value(dims_t<shape<dyn>>{{bytes() / sizeof(T)}});
    init_.fill(value.view(), fans_, name());
    auto& slot = s.value_slot(*this);
    s.upload(slot.data, value.data(), bytes());
    slot.initialized = true;
  }

 private:
  std::string shape_;
  std::pair<double, double> fans_;
  init::initializer init_;
};

/// A variable inside an expression. Copies refer to the same variable, whose definition its
/// graph owns: like a session, an expression must not outlive its graph. (A plain pointer
/// keeps expression trees trivially copyable: building and copying a network's expression
/// then costs no reference counting, and far less code.)
template <element_type T, any_shape S>
struct variable_node : node_base<variable_node<T, S>> {
  using value_type = T;
  using shape_type = S;
  using policy_type = void;
  static_assert(S::is_static, "sf::variable: a variable's shape must be fully static (no dyn extents)");
  static constexpr node_traits traits{.variable = true};
  static constexpr const char* tf_op = "VariableV2";
  template <class B>
  void tf_attrs(B& b) const {
    b.template type<T>("dtype");
    b.template shape<S>("shape");
    b.string("container", "");
    b.string("shared_name", "");
  }
  const variable_def<T>* def = nullptr;
  dims_t<S> dims() const { return detail::make_dims<S>(); }
  const std::string& name() const { return def->name(); }
  friend bool operator==(const variable_node& a, const variable_node& b) { return a.def == b.def; }
};

/// A reference to a variable of any dtype and shape (a saver's var_list, a moving average's
/// variables_to_restore).
class var_ref {
 public:
  template <element_type T, any_shape S>
  var_ref(const variable_node<T, S>& v) : def_(v.def) {}  // NOLINT: converts implicitly, as TF's lists take any variable
  explicit var_ref(const variable_base& v) : def_(&v) {}
  const variable_base& get() const { return *def_; }
  const variable_base* operator->() const { return def_; }

 private:
  const variable_base* def_;
};

/// A value fed at run time. The name is part of the type, so running an expression whose
/// placeholders are not all fed does not compile, and the error names the placeholder.
template <element_type T, any_shape S, fixed_string Name>
struct placeholder_node : node_base<placeholder_node<T, S, Name>> {
  using value_type = T;
  using shape_type = S;
  using policy_type = void;
  static constexpr node_traits traits{.placeholder = true};
  static constexpr std::string_view name() { return Name.view(); }
  static constexpr const char* tf_op = "Placeholder";
  template <class B>
  void tf_attrs(B& b) const {
    b.template type<T>("dtype");
    b.template shape<S>("shape");
  }
  /// Run-time extents are unknown until fed: `dyn` stands for them while the graph is built.
  dims_t<S> dims() const {
    dims_t<S> d{};
    for (std::size_t i = 0; i < S::rank; ++i) d[i] = S::extents[i];
    return d;
  }
};

/// True for placeholder types (a trait, not a partial specialisation: nvcc's front end does not
/// deduce class-type template arguments in partial specialisations).
template <class T>
inline constexpr bool is_placeholder_v = traits_v<T>.placeholder;

/// `sf::placeholder<float, sf::shape<sf::dyn, 784>, "x-input">()`.
template <element_type T, any_shape S, fixed_string Name>
placeholder_node<T, S, Name> placeholder() {
  return {};
}

/// How `get_variable` treats an existing name (TF's reuse=False / True / AUTO_REUSE).
enum class reuse { no, yes, auto_reuse, inherit };

/// Owns variable definitions and names. `default_graph()` is used unless a graph is passed or
/// made the default with `graph::as_default()`.
class graph {
 public:
  graph() = default;
  graph(const graph&) = delete;
  graph& operator=(const graph&) = delete;

  /// A new variable (TF's tf.Variable): an existing name is made unique ("w2" -> "w2_1").
  template <element_type T, any_shape S>
  variable_node<T, S> variable(const std::string& name, init::initializer init, bool trainable = true) {
    return create<T, S>(unique_name(scoped(name)), std::move(init), trainable);
  }

  /// TF's tf.get_variable under the current variable scope's reuse setting. Only variables made
  /// by get_variable can be shared (TF's variable store); a plain `variable`'s name is taken but
  /// never handed out.
  /// **Errors:** invalid_argument when the name exists and reuse is off; when reuse is on (or
  /// auto_reuse meets a plain variable's name) and get_variable never made that name (TF's
  /// "does not exist, or was not created with tf.get_variable()"); when an existing variable has
  /// another dtype or shape.
  template <element_type T, any_shape S>
  variable_node<T, S> get_variable(const std::string& name, init::initializer init = init::zeros(),
                                   bool trainable = true) {
    const std::string full = scoped(name);
    const reuse mode = current_reuse();
    const auto it = store_.find(full);
    if (it == store_.end()) {
      const bool taken = by_name_.count(full) != 0;  // by a plain variable
      if (mode == reuse::no && taken) fail_exists(full);
      if (mode == reuse::yes || taken) fail_not_shared(full, taken);
      names_[full] = 1;
      store_[full] = vars_.size();
      return create<T, S>(full, std::move(init), trainable);
    }
    if (mode == reuse::no) fail_exists(full);
    return typed<T, S>(it->second, {"sf::get_variable: variable ", full, " exists as "});
  }

  /// The variable named `name` (scopes included, as `global_variables()` lists it), typed: TF's
  /// lookup of a variable by name, with the dtype and shape checked when it is made.
  /// **Errors:** not_found when no variable has that name (the message lists up to ten that
  /// exist); invalid_argument when it has another dtype or shape (both shown).
  template <element_type T, any_shape S>
  variable_node<T, S> variable_by_name(const std::string& name) const {
    const auto it = by_name_.find(name);
    if (it == by_name_.end()) {
      std::string known;
      for (std::size_t i = 0; i < vars_.size() && i < 10; ++i) known += (i ? ", '" : "'") + vars_[i]->name() + "'";
      detail::fail<not_found>({"sf::graph::variable_by_name: no variable '", name, "' in the graph (",
                               vars_.size(), " variables", vars_.empty() ? "" : ": ", known,
                               vars_.size() > 10 ? ", ..." : "", ")"});
    }
    return typed<T, S>(it->second, {"sf::graph::variable_by_name: variable '", name, "' is "});
  }

  /// While one lives, the variables the graph creates are not trainable (Keras's
  /// `layer.trainable = False`, fixed at creation): `nn::frozen` builds its layer under one.
  class frozen_scope {
   public:
    explicit frozen_scope(graph& g) : g_(g) { ++g_.frozen_; }
    ~frozen_scope() { --g_.frozen_; }
    frozen_scope(const frozen_scope&) = delete;
    frozen_scope& operator=(const frozen_scope&) = delete;

   private:
    graph& g_;
  };

  /// Every variable, in creation order (TF's global_variables()).
  const std::vector<std::shared_ptr<const variable_base>>& global_variables() const { return vars_; }
  /// The trainable ones (TF's trainable_variables()).
  std::vector<std::shared_ptr<const variable_base>> trainable_variables() const {
    std::vector<std::shared_ptr<const variable_base>> out;
    for (const auto& v : vars_)
      if (v->trainable()) out.push_back(v);
    return out;
  }

  /// Makes this graph the default until the guard is destroyed (TF's `with g.as_default()`).
  class default_guard {
   public:
    explicit default_guard(graph& g) : previous_(current()) { current() = &g; }
    ~default_guard() { current() = previous_; }
    default_guard(const default_guard&) = delete;
    default_guard& operator=(const default_guard&) = delete;

   private:
    graph* previous_;
  };
  [[nodiscard]] default_guard as_default() { return default_guard(*this); }

  /// The graph that `sf::variable`, `sf::get_variable` and scopes use now.
  static graph& get_default() {
    static graph global;
    return current() ? *current() : global;
  }

  // Variable scopes (see `variable_scope`).
  void push_scope(const std::string& name, reuse r) {
    // TF's rule: reuse=True is inherited by every inner scope; reuse=False (or none) means
    // "as the enclosing scope"; AUTO_REUSE applies unless an outer scope already reuses.
    const reuse outer = current_reuse();
    const reuse eff = outer == reuse::yes ? reuse::yes : (r == reuse::yes || r == reuse::auto_reuse) ? r : outer;
    scopes_.push_back({name, eff});
  }
  void pop_scope() { scopes_.pop_back(); }
  reuse current_reuse() const { return scopes_.empty() ? reuse::no : scopes_.back().mode; }
  std::string scope_name() const {
    std::string s;
    for (const auto& f : scopes_)
      if (!f.name.empty()) s += (s.empty() ? "" : "/") + f.name;
    return s;
  }

 private:
  static graph*& current() {
    thread_local graph* g = nullptr;
    return g;
  }
  [[noreturn]] static void fail_exists(const std::string& full) {
    detail::fail<invalid_argument>({"sf::get_variable: variable ", full,
                                    " already exists, disallowed; did you mean to set reuse::yes or "
                                    "reuse::auto_reuse?"});
  }
  [[noreturn]] static void fail_not_shared(const std::string& full, bool plain) {
    detail::fail<invalid_argument>(
        {"sf::get_variable: variable ", full, " does not exist, or was not created with get_variable()",
         plain ? " (it was made by sf::variable(), which get_variable cannot share)" : "; did you mean reuse::auto_reuse?"});
  }
  std::string scoped(const std::string& name) const {
    const std::string prefix = scope_name();
    return prefix.empty() ? name : prefix + "/" + name;
  }
  std::string unique_name(const std::string& name) {
    if (!names_.count(name) && !by_name_.count(name)) {
      names_[name] = 1;
      return name;
    }
    for (int k = names_[name];; ++k) {
      const std::string candidate = name + "_" + std::to_string(k);
      if (!by_name_.count(candidate)) {
        names_[name] = k + 1;
        names_[candidate] = 1;
        return candidate;
      }
    }
  }
  /// Variable `index` as `variable_node<T, S>`; another dtype or shape is invalid_argument:
  /// `where` (three parts: api, name, verb), then what it is and what was requested.
  template <element_type T, any_shape S>
  variable_node<T, S> typed(std::size_t index, const std::array<std::string_view, 3>& where) const {
    const variable_base& v = *vars_[index];
    const auto* def = dynamic_cast<const variable_def<T>*>(&v);
    if (!def || v.shape_string() != to_string(S{}))
      detail::fail<invalid_argument>({where[0], where[1], where[2], v.dtype_name(), " ", v.shape_string(),
                                      ", requested ", dtype_name_v<T>, " ", to_string(S{})});
    return {{}, def};
  }
  template <element_type T, any_shape S>
  variable_node<T, S> create(const std::string& full, init::initializer init, bool trainable) {
    auto def = std::make_shared<const variable_def<T>>(full, to_string(S{}),
                                                       std::vector<std::int64_t>(S::extents.begin(), S::extents.end()),
                                                       S::static_size,
                                                       init::initializer::fans<S>(), std::move(init),
                                                       trainable && frozen_ == 0,
                                                       vars_.size(), this);
    add(def);
    return {{}, def.get()};
  }
  void add(std::shared_ptr<const variable_base> def) {
    by_name_[def->name()] = vars_.size();
    vars_.push_back(std::move(def));
  }

  struct scope_frame {
    std::string name;
    reuse mode;
  };
  std::vector<std::shared_ptr<const variable_base>> vars_;
  std::map<std::string, std::size_t> by_name_;
  std::map<std::string, std::size_t> store_;  ///< the names get_variable made (TF's variable store)
  std::map<std::string, int> names_;
  std::vector<scope_frame> scopes_;
  int frozen_ = 0;  ///< live frozen_scopes
};

inline graph& default_graph() { return graph::get_default(); }

/// `sf::variable<float, sf::shape<2, 3>>("w1", sf::init::random_normal(1, 1))` in the default graph.
template <element_type T, any_shape S>
variable_node<T, S> variable(const std::string& name, init::initializer init, bool trainable = true) {
  return default_graph().variable<T, S>(name, std::move(init), trainable);
}
template <element_type T, any_shape S>
variable_node<T, S> get_variable(const std::string& name, init::initializer init = init::zeros(), bool trainable = true) {
  return default_graph().get_variable<T, S>(name, std::move(init), trainable);
}

/// RAII variable scope (TF's `with tf.variable_scope(name, reuse=...)`) on the default graph.
class variable_scope {
 public:
  explicit variable_scope(std::string name, reuse r = reuse::inherit, graph& g = default_graph()) : g_(g) {
    g_.push_scope(name, r);
  }
  ~variable_scope() { g_.pop_scope(); }
  variable_scope(const variable_scope&) = delete;
  variable_scope& operator=(const variable_scope&) = delete;
  reuse reuse_mode() const { return g_.current_reuse(); }
  std::string name() const { return g_.scope_name(); }

 private:
  graph& g_;
};

}  // namespace staticflow
#endif  // STATICFLOW_GRAPH_GRAPH_HPP
